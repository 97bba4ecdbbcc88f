import { describe, expect, it } from 'vitest';
import type { Execution } from '../../local/stepfunctions/index';
import { begin, FN, type Harness, harness, machine, single, types } from './harness';

const failing = (error: string) => () => {
  throw { error, cause: `${error} happened` };
};

/** Runs the execution to its end, noting each retry delay (deadline minus the time the attempt failed). */
async function retryDelays(execution: Execution, h: Harness): Promise<number[]> {
  const delays: number[] = [];
  await execution.runUntilIdle();
  for (let i = 0; i < 50 && execution.status === 'RUNNING'; i++) {
    const deadline = execution.nextDeadline();
    if (deadline === undefined) break;
    delays.push(deadline - h.clock.now());
    h.clock.advance(deadline - h.clock.now());
    await execution.runUntilIdle();
  }
  return delays;
}

function task(retry: object[], extra: object = {}) {
  return single({ Type: 'Task', Resource: `${FN}:flaky`, Retry: retry, ...extra });
}

describe('Retry timing on the clock', () => {
  it('waits 1 s, 2 s, 4 s by default (IntervalSeconds 1, BackoffRate 2, MaxAttempts 3), then fails', async () => {
    // Prepare
    const h = harness({ [`${FN}:flaky`]: failing('Throttled') });

    // Act
    const execution = await begin(task([{ ErrorEquals: ['Throttled'] }]), {}, h);
    const delays = await retryDelays(execution, h);

    // Assess
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(h.tasks.calls.map((c) => c.retryCount)).toEqual([0, 1, 2, 3]);
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('Throttled');
    expect(types(execution.history).filter((t) => t.startsWith('LambdaFunction'))).toEqual(
      Array(4).fill(['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed']).flat(),
    );
  });

  it('multiplies by a fractional BackoffRate', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('E') });
    const execution = await begin(
      task([{ ErrorEquals: ['E'], IntervalSeconds: 1, BackoffRate: 1.5 }]),
      {},
      h,
    );
    expect(await retryDelays(execution, h)).toEqual([1000, 1500, 2250]);
  });

  it('caps each delay at MaxDelaySeconds', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('E') });
    const retrier = {
      ErrorEquals: ['E'],
      IntervalSeconds: 2,
      BackoffRate: 3,
      MaxAttempts: 5,
      MaxDelaySeconds: 10,
    };
    const execution = await begin(task([retrier]), {}, h);
    expect(await retryDelays(execution, h)).toEqual([2000, 6000, 10_000, 10_000, 10_000]);
  });

  it('draws each delay from [0, backoff] with JitterStrategy FULL, reproducibly for a seed', async () => {
    const retrier = { ErrorEquals: ['E'], IntervalSeconds: 1, MaxAttempts: 6, JitterStrategy: 'FULL' };
    const once = async (seed: number) => {
      const h = harness({ [`${FN}:flaky`]: failing('E') }, seed);
      return retryDelays(await begin(task([retrier]), {}, h), h);
    };
    const delays = await once(7);
    const bounds = [1000, 2000, 4000, 8000, 16_000, 32_000];
    expect(delays).toHaveLength(6);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(bounds[i] as number);
    });
    expect(delays).not.toEqual(bounds);
    expect(await once(7)).toEqual(delays);
    expect(await once(8)).not.toEqual(delays);
  });

  it('never retries with MaxAttempts 0', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('E') });
    const execution = await begin(task([{ ErrorEquals: ['E'], MaxAttempts: 0 }]), {}, h);
    expect(execution.status).toBe('FAILED');
    expect(h.tasks.calls).toHaveLength(1);
  });

  it('succeeds when an attempt succeeds, with $$.State.RetryCount counting the retries', async () => {
    let calls = 0;
    const h = harness({
      [`${FN}:flaky`]: (input) => {
        if (++calls < 3) throw { error: 'E', cause: '' };
        return input;
      },
    });
    const execution = await begin(
      task([{ ErrorEquals: ['E'] }], { Parameters: { 'retries.$': '$$.State.RetryCount' } }),
      {},
      h,
    );
    await retryDelays(execution, h);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ retries: 2 });
  });
});

describe('Retry matching', () => {
  it('uses the first retrier that matches; once it is spent, later retriers are not consulted', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('Specific') });
    const execution = await begin(
      task([
        { ErrorEquals: ['Other'], MaxAttempts: 5 },
        { ErrorEquals: ['Specific'], MaxAttempts: 1 },
        { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
      ]),
      {},
      h,
    );
    await retryDelays(execution, h);
    expect(h.tasks.calls).toHaveLength(2);
    expect(execution.state.error).toBe('Specific');
  });

  it('counts attempts per retrier', async () => {
    const errors = ['A', 'B', 'A', 'B', 'A'];
    const h = harness({
      [`${FN}:flaky`]: () => {
        throw { error: errors.shift() ?? 'A', cause: '' };
      },
    });
    const execution = await begin(
      task([
        { ErrorEquals: ['A'], MaxAttempts: 2 },
        { ErrorEquals: ['B'], MaxAttempts: 2 },
      ]),
      {},
      h,
    );
    // A, B, A, B retried (each retrier twice); the third A exhausts its retrier
    expect(await retryDelays(execution, h)).toEqual([1000, 1000, 2000, 2000]);
    expect(execution.state.error).toBe('A');
  });

  it('States.TaskFailed matches a task error but not States.Timeout', async () => {
    const h = harness({ [`${FN}:slow`]: 'hold', [`${FN}:flaky`]: failing('Whatever') });
    const retry = [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 }];
    const failed = await begin(task(retry), {}, h);
    await retryDelays(failed, h);
    expect(h.tasks.calls).toHaveLength(2);

    const h2 = harness({ [`${FN}:slow`]: 'hold' });
    const timedOut = await begin(
      single({ Type: 'Task', Resource: `${FN}:slow`, TimeoutSeconds: 5, Retry: retry }),
      {},
      h2,
    );
    await retryDelays(timedOut, h2);
    expect(h2.tasks.calls).toHaveLength(1);
    expect(timedOut.state.error).toBe('States.Timeout');
  });

  it('States.ALL retries any error', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('Anything') });
    const execution = await begin(task([{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }]), {}, h);
    expect(await retryDelays(execution, h)).toEqual([1000, 2000]);
  });
});

describe('Catch', () => {
  /** a Task whose catchers lead to Pass states named by their Next */
  const catching = (catchers: { Next: string; [field: string]: unknown }[], extra: object = {}) =>
    machine({
      StartAt: 'Call',
      States: {
        Call: { Type: 'Task', Resource: `${FN}:flaky`, Catch: catchers, Next: 'Unreached', ...extra },
        Unreached: { Type: 'Fail', Error: 'Unreached' },
        ...Object.fromEntries(catchers.map((c) => [c.Next, { Type: 'Pass', End: true }])),
      },
    });

  it('routes to the first catcher that matches, replacing the input with the error output by default', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('AccountNotFoundError') });
    const execution = await begin(
      catching([
        { ErrorEquals: ['AccountNotFoundError'], Next: 'NotFound' },
        { ErrorEquals: ['States.ALL'], Next: 'Anything' },
      ]),
      { request: 1 },
      h,
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({
      Error: 'AccountNotFoundError',
      Cause: 'AccountNotFoundError happened',
    });
    expect(types(execution.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(execution.history[6]?.stateEnteredEventDetails?.name).toBe('NotFound');
  });

  it('places the error output at the catcher ResultPath, keeping the input', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('Other') });
    const execution = await begin(
      catching([
        { ErrorEquals: ['AccountNotFoundError'], Next: 'NotFound' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Anything' },
      ]),
      { request: 1 },
      h,
    );
    expect(execution.state.output).toEqual({
      request: 1,
      error: { Error: 'Other', Cause: 'Other happened' },
    });
  });

  it('discards the error with ResultPath null', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('Other') });
    const execution = await begin(
      catching([{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Anything' }]),
      { request: 1 },
      h,
    );
    expect(execution.state.output).toEqual({ request: 1 });
  });

  it('catches only after the retries are spent', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('E') });
    const execution = await begin(
      catching([{ ErrorEquals: ['E'], Next: 'Anything' }], {
        Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }],
      }),
      {},
      h,
    );
    expect(await retryDelays(execution, h)).toEqual([1000, 2000]);
    expect(h.tasks.calls).toHaveLength(3);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('shapes the output with Output and assigns variables in a JSONata catcher', async () => {
    const definition = machine({
      QueryLanguage: 'JSONata',
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:flaky`,
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Output: { failed: '{% $states.errorOutput.Error %}', was: '{% $states.input.request %}' },
              Assign: { lastError: '{% $states.errorOutput.Cause %}' },
              Next: 'Report',
            },
          ],
          End: true,
        },
        Report: { Type: 'Pass', Output: '{% $merge([$states.input, {"note": $lastError}]) %}', End: true },
      },
    });
    const execution = await begin(definition, { request: 7 }, harness({ [`${FN}:flaky`]: failing('Boom') }));
    expect(execution.state.output).toEqual({ failed: 'Boom', was: 7, note: 'Boom happened' });
  });

  it('fails the execution with the error when no catcher matches', async () => {
    const h = harness({ [`${FN}:flaky`]: failing('Unexpected') });
    const execution = await begin(
      catching([{ ErrorEquals: ['AccountNotFoundError'], Next: 'NotFound' }]),
      {},
      h,
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.state).toMatchObject({ error: 'Unexpected', cause: 'Unexpected happened' });
    expect(execution.history.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'Unexpected', cause: 'Unexpected happened' },
    });
  });

  it('reports a thrown Error by its name, as Lambda reports errorType', async () => {
    class QuotaExhaustedError extends Error {
      override name = 'QuotaExhaustedError';
    }
    const h = harness({
      [`${FN}:flaky`]: () => {
        throw new QuotaExhaustedError('no closures left this month');
      },
    });
    const execution = await begin(
      catching([{ ErrorEquals: ['QuotaExhaustedError'], Next: 'Anything' }]),
      {},
      h,
    );
    expect(execution.state.output).toEqual({
      Error: 'QuotaExhaustedError',
      Cause: 'no closures left this month',
    });
  });
});
