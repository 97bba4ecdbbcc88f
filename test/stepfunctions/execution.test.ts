import { describe, expect, it } from 'vitest';
import { Execution, StatesError } from '../../local/stepfunctions/index';
import { begin, FN, harness, machine, run, START, single, types } from './harness';

describe('an execution', () => {
  it('records history with ids from 1, previousEventId chaining each event, and clock timestamps', async () => {
    // Prepare
    const h = harness();
    const definition = machine({
      StartAt: 'First',
      States: { First: { Type: 'Pass', Next: 'Pause' }, Pause: { Type: 'Wait', Seconds: 5, End: true } },
    });

    // Act
    const execution = await begin(definition, { a: 1 }, h);
    h.clock.advance(5000);
    await execution.runUntilIdle();

    // Assess
    const history = execution.history;
    expect(history.map((e) => [e.id, e.previousEventId, e.type, e.timestamp - START])).toEqual([
      [1, 0, 'ExecutionStarted', 0],
      [2, 1, 'PassStateEntered', 0],
      [3, 2, 'PassStateExited', 0],
      [4, 3, 'WaitStateEntered', 0],
      [5, 4, 'WaitStateExited', 5000],
      [6, 5, 'ExecutionSucceeded', 5000],
    ]);
    expect(history[0]?.executionStartedEventDetails).toEqual({
      input: '{"a":1}',
      inputDetails: { truncated: false },
      roleArn: 'arn:aws:iam::111111111111:role/StepFunctions-test',
    });
    expect(execution.state).toMatchObject({ status: 'SUCCEEDED', output: { a: 1 }, stopTime: START + 5000 });
  });

  it('runs to the end with run(), sleeping on the clock until each deadline', async () => {
    const h = harness({ [`${FN}:f`]: (input) => input });
    const definition = machine({
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: 30, Next: 'Call' },
        Call: { Type: 'Task', Resource: `${FN}:f`, End: true },
      },
    });
    const execution = await Execution.start(definition, { done: true }, h);
    const finished = execution.run();
    await new Promise((resolve) => setImmediate(resolve));
    h.clock.advance(30_000);
    expect(await finished).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
  });

  it('is deterministic for a given clock and seed', async () => {
    const definition = single({
      Type: 'Pass',
      Parameters: { 'id.$': 'States.UUID()', 'n.$': 'States.MathRandom(0, 1000000)' },
    });
    const one = await run(definition);
    const two = await run(definition);
    expect(one.history).toEqual(two.history);
  });

  it('ends with the Error and Cause of a Fail state, read by ErrorPath and CausePath', async () => {
    const result = await run(
      single({ Type: 'Fail', ErrorPath: '$.code', CausePath: "States.Format('account {} not found', $.id)" }),
      { code: 'AccountNotFoundError', id: '123' },
    );
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'AccountNotFoundError',
      cause: 'account 123 not found',
    });
    expect(types(result.history)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('ends without error or cause for a bare Fail state', async () => {
    const result = await run(single({ Type: 'Fail' }));
    expect(result.status).toBe('FAILED');
    expect(result.error).toBeUndefined();
    expect(result.history.at(-1)?.executionFailedEventDetails).toEqual({});
  });

  it('times out after the state machine TimeoutSeconds and aborts the task in flight', async () => {
    const h = harness({ [`${FN}:slow`]: 'hold' });
    const execution = await begin(
      single({ Type: 'Task', Resource: `${FN}:slow` }, { TimeoutSeconds: 300 }),
      {},
      h,
    );
    expect(execution.nextDeadline()).toBe(START + 300_000);
    h.clock.advance(300_000);
    await execution.runUntilIdle();
    expect(execution.state).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types(execution.history).at(-1)).toBe('ExecutionTimedOut');
    expect(h.tasks.aborted).toHaveLength(1);
  });

  it('stops with StopExecution: ABORTED, tasks in flight aborted', async () => {
    const h = harness({ [`${FN}:slow`]: 'hold' });
    const execution = await begin(single({ Type: 'Task', Resource: `${FN}:slow` }), {}, h);
    await execution.stop('Operator', 'no longer needed');
    expect(execution.state).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'no longer needed',
    });
    expect(execution.history.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator', cause: 'no longer needed' },
    });
    expect(h.tasks.aborted).toHaveLength(1);
  });

  it('refuses an input over 256 KiB', async () => {
    const h = harness();
    await expect(
      Execution.start(single({ Type: 'Pass' }), { big: 'x'.repeat(300_000) }, h),
    ).rejects.toBeInstanceOf(StatesError);
  });

  it('takes its name, ARNs and role from the start options', async () => {
    const h = harness();
    const execution = await Execution.start(single({ Type: 'Pass' }), {}, h, {
      name: 'req-42',
      stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:vend-account',
      roleArn: 'arn:aws:iam::111111111111:role/sfn',
    });
    expect(execution.state.execution).toMatchObject({
      arn: 'arn:aws:states:us-east-1:111111111111:execution:vend-account:req-42',
      name: 'req-42',
      stateMachineName: 'test',
      roleArn: 'arn:aws:iam::111111111111:role/sfn',
      startTime: START,
    });
  });
});
