import { describe, expect, it } from 'vitest';
import { begin, harness, machine, START, single, types } from './harness';

function waitThenDone(wait: object, top: object = {}) {
  return machine({
    ...top,
    StartAt: 'Wait',
    States: { Wait: { Type: 'Wait', Next: 'Done', ...wait }, Done: { Type: 'Succeed' } },
  });
}

describe('Wait', () => {
  it.each([
    ['Seconds', { Seconds: 30 }, {}, START + 30_000],
    ['SecondsPath', { SecondsPath: '$.delay' }, { delay: 45 }, START + 45_000],
    ['Timestamp', { Timestamp: '2026-01-01T01:00:00Z' }, {}, START + 3_600_000],
    ['Timestamp with an offset', { Timestamp: '2026-01-01T02:00:00+01:00' }, {}, START + 3_600_000],
    ['TimestampPath', { TimestampPath: '$.at' }, { at: '2026-01-02T00:00:00.250Z' }, START + 86_400_250],
  ])(
    '%s sets a deadline on the clock and ends when the clock reaches it',
    async (_label, wait, input, deadline) => {
      // Prepare
      const h = harness();

      // Act
      const execution = await begin(waitThenDone(wait), input, h);

      // Assess
      expect(execution.status).toBe('RUNNING');
      expect(execution.nextDeadline()).toBe(deadline);
      h.clock.advance(deadline - START - 1);
      await execution.runUntilIdle();
      expect(execution.status).toBe('RUNNING');
      h.clock.advance(1);
      await execution.runUntilIdle();
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.state.output).toEqual(input);
    },
  );

  it.each([
    ['Seconds', { Seconds: '{% $states.input.delay * 2 %}' }, START + 20_000],
    ['Timestamp', { Timestamp: '{% $states.input.at %}' }, Date.parse('2026-03-01T00:00:00Z')],
  ])('JSONata %s is evaluated when the state is entered', async (_label, wait, deadline) => {
    const execution = await begin(waitThenDone(wait, { QueryLanguage: 'JSONata' }), {
      delay: 10,
      at: '2026-03-01T00:00:00Z',
    });
    expect(execution.nextDeadline()).toBe(deadline);
  });

  it('passes a timestamp already past at once', async () => {
    const execution = await begin(waitThenDone({ Timestamp: '2020-01-01T00:00:00Z' }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(types(execution.history)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('applies InputPath and OutputPath', async () => {
    const h = harness();
    const execution = await begin(
      waitThenDone({ Seconds: 1, InputPath: '$.a', OutputPath: '$.b' }),
      { a: { b: 'kept' } },
      h,
    );
    h.clock.advance(1000);
    await execution.runUntilIdle();
    expect(execution.state.output).toBe('kept');
  });

  it.each([
    ['a SecondsPath that is not a number', { SecondsPath: '$.s' }, { s: 'ten' }],
    ['a negative SecondsPath', { SecondsPath: '$.s' }, { s: -1 }],
    ['a TimestampPath that is not a timestamp', { TimestampPath: '$.t' }, { t: 'tomorrow' }],
    ['a SecondsPath that finds nothing', { SecondsPath: '$.s' }, {}],
  ])('fails with States.Runtime for %s', async (_label, wait, input) => {
    const execution = await begin(single({ Type: 'Wait', ...wait }), input);
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('States.Runtime');
  });
});
