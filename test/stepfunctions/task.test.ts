import { describe, expect, it } from 'vitest';
import { parseTaskToken, type TaskRequest, TaskTokenError } from '../../local/stepfunctions/index';
import { begin, FN, harness, machine, run, START, single, types } from './harness';

const TOKEN_QUEUE = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';

describe('Task resources', () => {
  it('invokes a Lambda function ARN with the effective input and records LambdaFunction events', async () => {
    // Prepare
    const definition = single({ Type: 'Task', Resource: `${FN}:double`, Parameters: { 'n.$': '$.n' } });

    // Act
    const result = await run(
      definition,
      { n: 21 },
      { [`${FN}:double`]: (input) => ({ n: (input as { n: number }).n * 2 }) },
    );

    // Assess
    expect(result.output).toEqual({ n: 42 });
    expect(types(result.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(result.history[2]?.lambdaFunctionScheduledEventDetails).toEqual({
      resource: `${FN}:double`,
      input: '{"n":21}',
      inputDetails: { truncated: false },
    });
    expect(result.history[4]?.lambdaFunctionSucceededEventDetails).toEqual({
      output: '{"n":42}',
      outputDetails: { truncated: false },
    });
  });

  it('calls lambda:invoke with FunctionName and Payload and wraps the result in the Lambda envelope', async () => {
    const h = harness({ 'create-account': (payload) => ({ id: '111122223333', got: payload }) });
    const definition = single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'create-account', 'Payload.$': '$', InvocationType: 'RequestResponse' },
    });

    const execution = await begin(definition, { email: 'a@example.com' }, h);

    const request = h.tasks.calls[0] as TaskRequest;
    expect(request).toMatchObject({
      resource: 'create-account',
      stateResource: 'arn:aws:states:::lambda:invoke',
      pattern: 'request-response',
      input: { email: 'a@example.com' },
      arguments: {
        FunctionName: 'create-account',
        Payload: { email: 'a@example.com' },
        InvocationType: 'RequestResponse',
      },
    });
    const output = execution.state.output as Record<string, unknown>;
    expect(output).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { id: '111122223333', got: { email: 'a@example.com' } },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    expect(output.SdkResponseMetadata).toEqual({ RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(types(execution.history)).toContain('TaskSucceeded');
    expect(
      execution.history.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails,
    ).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
    });
  });

  it('fails with States.Runtime when lambda:invoke has no FunctionName', async () => {
    const result = await run(
      single({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { Payload: {} } }),
    );
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toMatch(/FunctionName/);
  });

  it.each([
    [
      'arn:aws:states:::aws-sdk:organizations:describeAccount',
      'request-response',
      'aws-sdk:organizations',
      'describeAccount',
    ],
    ['arn:aws:states:::states:startExecution.sync:2', 'sync:2', 'states', 'startExecution.sync:2'],
    ['arn:aws:states:::states:startExecution.sync', 'sync', 'states', 'startExecution.sync'],
    ['arn:aws:states:::events:putEvents', 'request-response', 'events', 'putEvents'],
  ])('passes %s through to the task port', async (resource, pattern, resourceType, resourceName) => {
    const h = harness({ [resource]: (input) => ({ done: input }) });
    const execution = await begin(single({ Type: 'Task', Resource: resource, Parameters: { a: 1 } }), {}, h);
    expect(execution.state.output).toEqual({ done: { a: 1 } });
    expect(h.tasks.calls[0]).toMatchObject({ resource, stateResource: resource, pattern });
    expect(
      execution.history.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails,
    ).toMatchObject({
      resourceType,
      resource: resourceName,
      parameters: '{"a":1}',
    });
  });

  it('tells the port about the execution, state, attempt, timeouts and credentials', async () => {
    const h = harness({ [`${FN}:f`]: () => null });
    await begin(
      single({
        Type: 'Task',
        Resource: `${FN}:f`,
        TimeoutSeconds: 30,
        HeartbeatSeconds: 10,
        Credentials: { 'RoleArn.$': '$.role' },
      }),
      { role: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole' },
      h,
    );
    expect(h.tasks.calls[0]).toMatchObject({
      taskId: '1',
      execution: { arn: expect.stringContaining(':execution:test:test-execution'), name: 'test-execution' },
      stateName: 'Only',
      retryCount: 0,
      timeoutSeconds: 30,
      heartbeatSeconds: 10,
      credentials: { RoleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole' },
    });
  });
});

describe('Task timeouts', () => {
  it('fails with States.Timeout when TimeoutSeconds pass, and aborts the invocation', async () => {
    // Prepare
    const h = harness({ [`${FN}:slow`]: 'hold' });

    // Act
    const execution = await begin(
      single({ Type: 'Task', Resource: `${FN}:slow`, TimeoutSeconds: 60 }),
      {},
      h,
    );
    const deadline = execution.nextDeadline();
    h.clock.advance(60_000);
    await execution.runUntilIdle();

    // Assess
    expect(deadline).toBe(START + 60_000);
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('States.Timeout');
    expect(types(execution.history)).toContain('LambdaFunctionTimedOut');
    expect(h.tasks.aborted).toHaveLength(1);
    // a late answer changes nothing
    h.tasks.held[0]?.resolve({ late: true });
    await execution.runUntilIdle();
    expect(execution.status).toBe('FAILED');
  });

  it('reads TimeoutSecondsPath from the effective input', async () => {
    const h = harness({ [`${FN}:slow`]: 'hold' });
    const execution = await begin(
      single({ Type: 'Task', Resource: `${FN}:slow`, TimeoutSecondsPath: '$.limit' }),
      { limit: 5 },
      h,
    );
    expect(execution.nextDeadline()).toBe(START + 5000);
  });
});

describe('.waitForTaskToken', () => {
  const callback = (extra: object = {}) =>
    single({
      Type: 'Task',
      Resource: TOKEN_QUEUE,
      Parameters: {
        QueueUrl: 'https://sqs.local/q',
        MessageBody: { 'token.$': '$$.Task.Token', 'who.$': '$.who' },
      },
      ...extra,
    });

  it('gives the port a token and completes with the output SendTaskSuccess brings', async () => {
    // Prepare
    const h = harness({ [TOKEN_QUEUE]: () => ({ MessageId: 'm-1' }) });

    // Act
    const execution = await begin(callback(), { who: 'approver' }, h);
    const request = h.tasks.calls[0] as TaskRequest;
    const token = request.taskToken as string;

    // Assess: delivered, waiting
    expect(execution.status).toBe('RUNNING');
    expect(request.input).toEqual({
      QueueUrl: 'https://sqs.local/q',
      MessageBody: { token, who: 'approver' },
    });
    expect(parseTaskToken(token)?.executionArn).toBe(execution.state.execution.arn);
    expect(types(execution.history).slice(-3)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSubmitted']);

    await execution.sendTaskSuccess(token, { approved: true });
    await execution.runUntilIdle();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ approved: true });
    await expect(execution.sendTaskSuccess(token, {})).rejects.toMatchObject({ code: 'TaskDoesNotExist' });
  });

  it('fails the task with SendTaskFailure, which Catch can route', async () => {
    const h = harness({ [TOKEN_QUEUE]: () => null });
    const definition = machine({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: TOKEN_QUEUE,
          Parameters: { 'token.$': '$$.Task.Token' },
          Catch: [{ ErrorEquals: ['Rejected'], Next: 'Rejected' }],
          End: true,
        },
        Rejected: { Type: 'Pass', End: true },
      },
    });
    const execution = await begin(definition, {}, h);
    await execution.sendTaskFailure(
      h.tasks.calls[0]?.taskToken as string,
      'Rejected',
      'the approver said no',
    );
    await execution.runUntilIdle();
    expect(execution.state.output).toEqual({ Error: 'Rejected', Cause: 'the approver said no' });
  });

  it('accepts SendTaskSuccess that arrives before the port has answered', async () => {
    const h = harness({ [TOKEN_QUEUE]: 'hold' });
    const execution = await begin(callback(), { who: 'x' }, h);
    await execution.sendTaskSuccess(h.tasks.calls[0]?.taskToken as string, 'fast');
    h.tasks.held[0]?.resolve(null);
    await execution.runUntilIdle();
    expect(execution.state.output).toBe('fast');
  });

  it('fails the task when the port cannot deliver the request', async () => {
    const h = harness({
      [TOKEN_QUEUE]: () => {
        throw { error: 'SQS.QueueDoesNotExistException', cause: 'no such queue' };
      },
    });
    const execution = await begin(callback(), { who: 'x' }, h);
    expect(execution.state.error).toBe('SQS.QueueDoesNotExistException');
  });

  it('refuses tokens it does not know', async () => {
    const execution = await begin(callback(), { who: 'x' }, harness({ [TOKEN_QUEUE]: () => null }));
    await expect(execution.sendTaskSuccess('garbage', {})).rejects.toBeInstanceOf(TaskTokenError);
    await expect(execution.sendTaskSuccess('garbage', {})).rejects.toMatchObject({ code: 'InvalidToken' });
    const foreign = Buffer.from(JSON.stringify({ e: 'arn:other', t: '1', n: 'x' })).toString('base64url');
    await expect(execution.sendTaskSuccess(foreign, {})).rejects.toMatchObject({ code: 'TaskDoesNotExist' });
  });

  it('fails with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds; heartbeats push it back', async () => {
    // Prepare
    const h = harness({ [TOKEN_QUEUE]: () => null });
    const execution = await begin(callback({ HeartbeatSeconds: 10, TimeoutSeconds: 100 }), { who: 'x' }, h);
    const token = h.tasks.calls[0]?.taskToken as string;

    // Act: two heartbeats keep it alive past the first 10 s
    h.clock.advance(8000);
    await execution.sendTaskHeartbeat(token);
    h.clock.advance(8000);
    await execution.sendTaskHeartbeat(token);
    h.clock.advance(8000);
    await execution.runUntilIdle();
    const aliveAt24s = execution.status;
    h.clock.advance(2000);
    await execution.runUntilIdle();

    // Assess
    expect(aliveAt24s).toBe('RUNNING');
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('States.HeartbeatTimeout');
    expect(execution.history.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
      error: 'States.HeartbeatTimeout',
    });
  });

  it('lets a States.Timeout retrier or catcher handle a heartbeat timeout', async () => {
    const h = harness({ [TOKEN_QUEUE]: () => null });
    const definition = machine({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: TOKEN_QUEUE,
          Parameters: { 'token.$': '$$.Task.Token' },
          HeartbeatSeconds: 5,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Pass', End: true },
      },
    });
    const execution = await begin(definition, {}, h);
    h.clock.advance(5000);
    await execution.runUntilIdle();
    expect(execution.state.output).toMatchObject({ Error: 'States.HeartbeatTimeout' });
  });
});
