import { describe, expect, it } from 'vitest';
import { type ClosureStatus, followClosure, hasSucceeded, onlyDeferredLeft } from '../../cli/close';

// What `orgflow close --follow` decides from a batch's status: when to stop following, and the exit status.

const status = (state: string, accounts: [string, string][]): ClosureStatus => ({
  batchId: 'cb-0001',
  state,
  accounts: accounts.map(([accountId, s]) => ({ accountId, state: s })),
  counts: Object.fromEntries(
    ['closed', 'deferred', 'failed', 'skipped', 'closing'].map((s) => [
      s,
      accounts.filter(([, a]) => a === s).length,
    ]),
  ),
});

describe('following a closure batch', () => {
  it('stops once only deferred accounts are left, and counts that as done', () => {
    // Prepare
    const waiting = status('RUNNING', [
      ['111111111111', 'closed'],
      ['222222222222', 'deferred'],
      ['333333333333', 'skipped'],
    ]);

    // Act + Assess
    expect(onlyDeferredLeft(waiting)).toBe(true);
    expect(hasSucceeded(waiting)).toBe(true);
  });

  it.each([
    [
      'an account still closing',
      status('RUNNING', [
        ['1', 'closing'],
        ['2', 'deferred'],
      ]),
    ],
    ['nothing deferred', status('RUNNING', [['1', 'closed']])],
    [
      'a finished batch',
      status('SUCCEEDED', [
        ['1', 'closed'],
        ['2', 'deferred'],
      ]),
    ],
  ])('keeps following with %s (or reports it finished)', (_, batch) => {
    // Act + Assess
    expect(onlyDeferredLeft(batch)).toBe(false);
  });

  it('fails a batch left waiting when an account failed', () => {
    // Act + Assess
    expect(
      hasSucceeded(
        status('RUNNING', [
          ['1', 'failed'],
          ['2', 'deferred'],
        ]),
      ),
    ).toBe(false);
  });

  it('prints the table and how the deferred accounts finish, then returns', async () => {
    // Prepare
    const lines: string[] = [];
    const api = { baseUrl: 'http://127.0.0.1:1/prod', accessKeyId: '111111111111' };
    const waiting = status('RUNNING', [['111111111111', 'deferred']]);
    const fetchStatus = async () => new Response(JSON.stringify(waiting), { status: 200 });
    const realFetch = globalThis.fetch;
    globalThis.fetch = fetchStatus as typeof fetch;

    // Act
    try {
      await followClosure(api, 'cb-0001', {
        json: false,
        log: (line) => lines.push(line),
        wait: async () => {},
      });
    } finally {
      globalThis.fetch = realFetch;
    }

    // Assess
    expect(lines.join('\n')).toContain('the batch closes them by itself on their dates');
  });
});
