import { afterEach, describe, expect, it } from 'vitest';
import { followRequest } from '../../cli/vend';

// What `orgflow request --follow` prints when its output is not a terminal: a plain line per change.

const api = { baseUrl: 'http://127.0.0.1:1/prod', accessKeyId: '111111111111' };
const realFetch = globalThis.fetch;

afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('following a request without a terminal', () => {
  it('prints a plain line whenever the state changes, and none while it stays', async () => {
    // Prepare: the API answers PENDING twice, then SUCCEEDED
    const states = ['PENDING', 'PENDING', 'SUCCEEDED'];
    let look = 0;
    globalThis.fetch = (async () => {
      const state = states[Math.min(look++, states.length - 1)];
      return new Response(JSON.stringify({ requestId: 'ar-1', state, accountId: null, steps: [] }));
    }) as typeof fetch;
    const written: string[] = [];

    // Act
    await followRequest(api, 'ar-1', false, {
      tty: false,
      write: (text) => written.push(text),
      wait: async () => {},
    });

    // Assess
    expect(written.map((line) => line.replace(/^\d\d:\d\d:\d\d {2}/, ''))).toEqual([
      'PENDING\n',
      'SUCCEEDED\n',
    ]);
    expect(written.join('')).not.toContain('\x1b');
  });
});
