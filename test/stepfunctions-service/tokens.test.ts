import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PutEventsEntry } from '../../local/stepfunctions/service/index';
import { board } from './fixtures/handlers';
import {
  ACCOUNT,
  createMachine,
  eventually,
  FN,
  finished,
  fixtureRunner,
  history,
  reached,
  type Stack,
  startExecution,
  startStack,
} from './harness';

// `.waitForTaskToken` over HTTP: the token reaches a worker (a Lambda function or an event), the worker
// answers with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat through the real SDK client.

const approval = (extra: object = {}) => ({
  StartAt: 'Ask For Approval',
  States: {
    'Ask For Approval': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: `${FN}:keeps-token`,
        Payload: { 'token.$': '$$.Task.Token', 'request.$': '$' },
      },
      Catch: [{ ErrorEquals: ['ApprovalDenied'], ResultPath: '$.denied', Next: 'Denied' }],
      End: true,
      ...extra,
    },
    Denied: { Type: 'Pass', End: true },
  },
});

let stack: Stack;
let events: PutEventsEntry[][];

beforeEach(async () => {
  const shared = board();
  shared.calls = {};
  shared.tokens = [];
  events = [];
  stack = await startStack({
    lambda: fixtureRunner(),
    putEvents: (entries) => {
      events.push(entries);
      return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `event-${i}` })) };
    },
  });
});

afterEach(async () => {
  await stack.close();
});

/** The token the keeps-token function was given, once it has been invoked. */
const nextToken = () =>
  eventually(() => {
    const token = board().tokens.shift();
    if (token === undefined) throw new Error('no token yet');
    return token;
  });

describe('task tokens', () => {
  it('completes a lambda:invoke.waitForTaskToken task with SendTaskSuccess over HTTP', async () => {
    // Prepare
    const machine = await createMachine(stack.client, 'approval', approval());
    const executionArn = await startExecution(stack.client, machine, { account: 'a-1' });
    const token = await nextToken();
    await reached(stack.client, executionArn, 'TaskSubmitted');

    // Act
    await stack.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approvedBy":"ops"}' }));
    const end = await finished(stack.client, executionArn);

    // Assess
    expect(end).toMatchObject({ status: 'SUCCEEDED', output: '{"approvedBy":"ops"}' });
    const submitted = (await history(stack.client, executionArn)).find((e) => e.type === 'TaskSubmitted');
    expect(JSON.parse(submitted?.taskSubmittedEventDetails?.output ?? 'null')).toMatchObject({
      StatusCode: 200,
      Payload: { queued: true },
    });
    expect(board().calls.keepsToken).toEqual([{ token, request: { account: 'a-1' } }]);
  });

  it('fails the task with SendTaskFailure, matched by its error name', async () => {
    const machine = await createMachine(stack.client, 'approval', approval());
    const executionArn = await startExecution(stack.client, machine);
    const token = await nextToken();
    await stack.client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'ApprovalDenied', cause: 'not this quarter' }),
    );
    const end = await finished(stack.client, executionArn);
    expect(JSON.parse(end.output!).denied).toEqual({ Error: 'ApprovalDenied', Cause: 'not this quarter' });
  });

  it('keeps a task alive with heartbeats and times it out without them', async () => {
    // Prepare
    const machine = await createMachine(stack.client, 'approval', approval({ HeartbeatSeconds: 60 }));
    const executionArn = await startExecution(stack.client, machine);
    const token = await nextToken();
    await reached(stack.client, executionArn, 'TaskSubmitted');

    // Act: a heartbeat at 50 s moves the deadline to 110 s
    stack.clock.advance(50_000);
    await stack.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    stack.clock.advance(50_000);
    // at 100 s the task must still be alive: the engine itself says so by taking another heartbeat, which
    // moves the deadline to 160 s
    const probe = await stack.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    const alive = (await history(stack.client, executionArn)).at(-1)?.type;
    stack.clock.advance(60_000);
    const end = await finished(stack.client, executionArn);

    // Assess
    expect(probe.$metadata.httpStatusCode).toBe(200);
    expect(alive).toBe('TaskSubmitted');
    expect(end).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    await expect(stack.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject(
      {
        name: 'TaskTimedOut',
      },
    );
  });

  it('refuses tokens it does not know with InvalidToken, TaskDoesNotExist and TaskTimedOut', async () => {
    // Prepare: one answered token, one of a stopped execution
    const machine = await createMachine(stack.client, 'approval', approval());
    const answeredArn = await startExecution(stack.client, machine, {}, 'answered');
    const answered = await nextToken();
    await stack.client.send(new SendTaskSuccessCommand({ taskToken: answered, output: '{}' }));
    await finished(stack.client, answeredArn);
    const stoppedArn = await startExecution(stack.client, machine, {}, 'stopped');
    const stopped = await nextToken();
    await stack.client.send(new StopExecutionCommand({ executionArn: stoppedArn }));
    const unknownExecution = Buffer.from(
      JSON.stringify({ e: `arn:aws:states:us-east-1:${ACCOUNT}:execution:approval:never`, t: '1', n: 'x' }),
    ).toString('base64url');

    // Act + Assess
    const send = (taskToken: string, output = '{}') =>
      stack.client.send(new SendTaskSuccessCommand({ taskToken, output }));
    await expect(send('not-a-token')).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(send(unknownExecution)).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(send(answered)).rejects.toMatchObject({
      name: 'TaskTimedOut',
      message: "Task Timed Out: 'Provided task does not exist anymore'",
    });
    await expect(send(stopped)).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(send(answered, '{oops')).rejects.toMatchObject({ name: 'InvalidOutput' });
  });

  it('sends the token in an event with events:putEvents.waitForTaskToken', async () => {
    // Prepare
    const machine = await createMachine(stack.client, 'announce', {
      StartAt: 'Announce',
      States: {
        Announce: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
          Parameters: {
            Entries: [
              {
                Source: 'orgflow',
                DetailType: 'Approval Requested',
                Detail: { 'token.$': '$$.Task.Token', 'account.$': '$.account' },
              },
            ],
          },
          End: true,
        },
      },
    });

    // Act
    const executionArn = await startExecution(stack.client, machine, { account: '444455556666' });
    const [entry] = await eventually(() => {
      if (events.length === 0) throw new Error('no event yet');
      return events[0]!;
    });
    const detail = JSON.parse(entry!.Detail!);
    await reached(stack.client, executionArn, 'TaskSubmitted');
    await stack.client.send(new SendTaskSuccessCommand({ taskToken: detail.token, output: '"approved"' }));
    const end = await finished(stack.client, executionArn);

    // Assess
    expect(detail.account).toBe('444455556666');
    expect(entry?.Resources).toEqual([executionArn, machine]);
    expect(end).toMatchObject({ status: 'SUCCEEDED', output: '"approved"' });
  });
});
