import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { board } from './fixtures/handlers';
import {
  createMachine,
  eventually,
  FN,
  finished,
  fixtureRunner,
  history,
  reached,
  START,
  type Stack,
  startExecution,
  startStack,
  types,
} from './harness';

// The Lambda side of the task port, through a real LambdaRunner and fixture handler modules: results,
// errors named as Lambda reports them (so ErrorEquals matches the error class), retries on the clock.

let stack: Stack;

beforeEach(async () => {
  const shared = board();
  shared.calls = {};
  shared.tokens = [];
  shared.releases = [];
  stack = await startStack({ lambda: fixtureRunner() });
});

afterEach(async () => {
  await stack.close();
});

describe('Lambda tasks', () => {
  it('runs a function ARN and lambda:invoke, with their results and history events', async () => {
    // Prepare
    const machine = await createMachine(stack.client, 'vend', {
      StartAt: 'Create Account',
      States: {
        'Create Account': {
          Type: 'Task',
          Resource: `${FN}:create-account`,
          Parameters: { 'email.$': '$.email' },
          ResultPath: '$.account',
          Next: 'Echo',
        },
        Echo: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: `${FN}:noop`, Payload: { 'id.$': '$.account.accountId' } },
          ResultSelector: { 'echo.$': '$.Payload', 'status.$': '$.StatusCode' },
          ResultPath: '$.echo',
          End: true,
        },
      },
    });

    // Act
    const executionArn = await startExecution(stack.client, machine, { email: 'a@example.com' });
    const end = await finished(stack.client, executionArn);

    // Assess
    expect(end.status).toBe('SUCCEEDED');
    expect(JSON.parse(end.output!)).toEqual({
      email: 'a@example.com',
      account: { accountId: '222233334444', email: 'a@example.com', requestId: expect.any(String) },
      echo: { echo: { id: '222233334444' }, status: 200 },
    });
    expect(board().calls.createAccount).toEqual([{ email: 'a@example.com' }]);
    const events = await history(stack.client, executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: `${FN}:create-account`,
      input: '{"email":"a@example.com"}',
    });
    expect(events[7]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
    });
  });

  it('reports a thrown error by its name, so Catch matches the error class, with the Lambda error as cause', async () => {
    // Prepare
    const task = { Type: 'Task', Resource: `${FN}:missing-account` };
    const catching = await createMachine(stack.client, 'catching', {
      StartAt: 'Close',
      States: {
        Close: {
          ...task,
          Catch: [{ ErrorEquals: ['AccountNotFoundError'], ResultPath: '$.error', Next: 'Skip' }],
          End: true,
        },
        Skip: { Type: 'Pass', End: true },
      },
    });
    const uncaught = await createMachine(stack.client, 'uncaught', {
      StartAt: 'Close',
      States: { Close: { ...task, End: true } },
    });

    // Act
    const caughtEnd = await finished(
      stack.client,
      await startExecution(stack.client, catching, { accountId: '1' }),
    );
    const failedArn = await startExecution(stack.client, uncaught, { accountId: '2' });
    const failedEnd = await finished(stack.client, failedArn);

    // Assess
    const { error } = JSON.parse(caughtEnd.output!);
    expect(error.Error).toBe('AccountNotFoundError');
    expect(JSON.parse(error.Cause)).toEqual({
      errorMessage: 'account 1 is not in the organization',
      errorType: 'AccountNotFoundError',
      trace: expect.arrayContaining([expect.stringContaining('AccountNotFoundError')]),
    });
    expect(failedEnd).toMatchObject({ status: 'FAILED', error: 'AccountNotFoundError' });
    expect(await types(stack.client, failedArn)).toContain('LambdaFunctionFailed');
  });

  it('retries a throttled function after its interval on the clock', async () => {
    // Prepare
    const machine = await createMachine(stack.client, 'retrying', {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:throttled-once`,
          Retry: [{ ErrorEquals: ['TooManyRequestsException'], IntervalSeconds: 2, MaxAttempts: 3 }],
          End: true,
        },
      },
    });

    // Act
    const executionArn = await startExecution(stack.client, machine);
    await reached(stack.client, executionArn, 'LambdaFunctionFailed');
    // the retry waits its interval on the clock: once that wait is registered, no second call may have happened
    await eventually(() => {
      if (stack.clock.pendingWaits === 0) throw new Error("the retry's interval is not on the clock yet");
    });
    const callsBefore = board().calls.throttledOnce?.length;
    stack.clock.advance(2000);
    const end = await finished(stack.client, executionArn);

    // Assess
    expect(callsBefore).toBe(1);
    expect(end).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":true}',
      stopDate: new Date(START + 2000),
    });
    expect(board().calls.throttledOnce).toHaveLength(2);
  });

  it('names what Lambda refuses and crashes as Step Functions does (Lambda.ResourceNotFoundException, Sandbox.Timedout)', async () => {
    const machine = await createMachine(stack.client, 'refused', {
      StartAt: 'Missing',
      States: {
        Missing: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'no-such-function', Payload: {} },
          Catch: [
            { ErrorEquals: ['Lambda.ResourceNotFoundException'], ResultPath: '$.missing', Next: 'Hang' },
          ],
          End: true,
        },
        Hang: {
          Type: 'Task',
          Resource: `${FN}:hangs`,
          Catch: [{ ErrorEquals: ['Sandbox.Timedout'], ResultPath: '$.timedOut', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    });
    const end = await finished(stack.client, await startExecution(stack.client, machine));
    const output = JSON.parse(end.output!);
    expect(output.missing).toEqual({
      Error: 'Lambda.ResourceNotFoundException',
      Cause: expect.stringContaining('Function not found'),
    });
    expect(output.timedOut.Error).toBe('Sandbox.Timedout');
    expect(JSON.parse(output.timedOut.Cause).errorMessage).toContain('Task timed out after 0.10 seconds');
  });
});
