import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAME_RESERVATION_MS } from '../../local/stepfunctions/service/index';
import {
  ACCOUNT,
  createMachine,
  describe as describeExecution,
  finished,
  history,
  ROLE,
  reached,
  START,
  type Stack,
  sfnClient,
  startExecution,
  startStack,
  types,
} from './harness';

const waiting = {
  StartAt: 'Prepare',
  States: {
    Prepare: {
      Type: 'Pass',
      Parameters: { 'request.$': '$.request', step: 'prepared' },
      Next: 'Wait An Hour',
    },
    'Wait An Hour': { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Pass', Result: 'done', ResultPath: '$.result', End: true },
  },
};

const quick = { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } };

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
});

afterEach(async () => {
  await stack.close();
});

describe('state machines', () => {
  it('creates, describes, updates, lists and deletes a state machine', async () => {
    // Prepare
    const { client, clock } = stack;
    const definition = JSON.stringify(waiting);

    // Act
    const created = await client.send(
      new CreateStateMachineCommand({ name: 'vending', definition, roleArn: ROLE }),
    );
    const described = await client.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    );
    clock.advance(1000);
    const updated = await client.send(
      new UpdateStateMachineCommand({
        stateMachineArn: created.stateMachineArn,
        definition: JSON.stringify(quick),
      }),
    );
    const after = await client.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    );
    const listed = await client.send(new ListStateMachinesCommand({}));
    await client.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));

    // Assess
    expect(created).toMatchObject({
      stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:vending`,
      creationDate: new Date(START),
    });
    expect(described).toMatchObject({
      name: 'vending',
      status: 'ACTIVE',
      type: 'STANDARD',
      definition,
      roleArn: ROLE,
      creationDate: new Date(START),
    });
    expect(updated.updateDate).toEqual(new Date(START + 1000));
    expect(after.definition).toBe(JSON.stringify(quick));
    expect(after.revisionId).toBe(updated.revisionId);
    expect(listed.stateMachines).toEqual([
      {
        stateMachineArn: created.stateMachineArn,
        name: 'vending',
        type: 'STANDARD',
        creationDate: new Date(START),
      },
    ]);
    await expect(
      client.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    // deleting what is gone succeeds, as on AWS
    await client.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
  });

  it('answers a repeated CreateStateMachine with the same machine, and refuses a different one by that name', async () => {
    const { client } = stack;
    const first = await createMachine(client, 'same', quick);
    const again = await createMachine(client, 'same', quick);
    expect(again).toBe(first);
    await expect(createMachine(client, 'same', waiting)).rejects.toMatchObject({
      name: 'StateMachineAlreadyExists',
      message: expect.stringContaining(first),
    });
  });

  it('refuses a definition AWS would refuse, naming the state and field', async () => {
    const broken = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } };
    await expect(createMachine(stack.client, 'broken', broken)).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringMatching(/Invalid State Machine Definition: .*A.*Nowhere/s),
    });
    await expect(
      stack.client.send(new CreateStateMachineCommand({ name: 'not-json', definition: '{', roleArn: ROLE })),
    ).rejects.toMatchObject({ name: 'InvalidDefinition' });
  });

  it('refuses bad names, role ARNs and EXPRESS machines with AWS exception names', async () => {
    const { client } = stack;
    const create = (input: { name?: string; roleArn?: string; type?: 'EXPRESS' }) =>
      client.send(
        new CreateStateMachineCommand({
          name: input.name ?? 'ok',
          definition: JSON.stringify(quick),
          roleArn: input.roleArn ?? ROLE,
          ...(input.type ? { type: input.type } : {}),
        }),
      );
    await expect(create({ name: 'has space' })).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(create({ name: 'x'.repeat(81) })).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(create({ roleArn: 'not-an-arn' })).rejects.toMatchObject({ name: 'InvalidArn' });
    await expect(create({ type: 'EXPRESS' })).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
      message: expect.stringContaining('STANDARD'),
    });
    await expect(
      client.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:states:us-east-1:1:nope' })),
    ).rejects.toMatchObject({ name: 'InvalidArn' });
    await expect(
      client.send(
        new UpdateStateMachineCommand({
          stateMachineArn: await createMachine(client, 'nothing-to-update', quick),
        }),
      ),
    ).rejects.toMatchObject({ name: 'MissingRequiredParameter' });
  });

  it('lists state machines page by page, per account', async () => {
    const { client, server } = stack;
    for (const name of ['a', 'b', 'c']) await createMachine(client, name, quick);
    const first = await client.send(new ListStateMachinesCommand({ maxResults: 2 }));
    const second = await client.send(
      new ListStateMachinesCommand({ maxResults: 2, nextToken: first.nextToken }),
    );
    const other = sfnClient(server.url, '222222222222');
    const theirs = await other.send(new ListStateMachinesCommand({}));
    other.destroy();
    expect(first.stateMachines?.map((m) => m.name)).toEqual(['a', 'b']);
    expect(second.stateMachines?.map((m) => m.name)).toEqual(['c']);
    expect(second.nextToken).toBeUndefined();
    expect(theirs.stateMachines).toEqual([]);
  });

  it('keeps running executions on the definition they started with; DescribeStateMachineForExecution shows it', async () => {
    // Prepare
    const { client, clock } = stack;
    const machine = await createMachine(client, 'versioned', waiting);
    const old = await startExecution(client, machine, { request: 'r1' });
    await reached(client, old, 'WaitStateEntered');

    // Act
    await client.send(
      new UpdateStateMachineCommand({ stateMachineArn: machine, definition: JSON.stringify(quick) }),
    );
    const fresh = await startExecution(client, machine, { request: 'r2' });
    clock.advance(3600_000);
    const oldEnd = await finished(client, old);
    const freshEnd = await finished(client, fresh);
    const ranWith = await client.send(new DescribeStateMachineForExecutionCommand({ executionArn: old }));

    // Assess
    expect(JSON.parse(oldEnd.output!)).toEqual({ request: 'r1', step: 'prepared', result: 'done' });
    expect(JSON.parse(freshEnd.output!)).toEqual({ request: 'r2' });
    expect(JSON.parse(ranWith.definition!)).toEqual(waiting);
  });

  it('stops the running executions of a deleted state machine', async () => {
    const { client } = stack;
    const machine = await createMachine(client, 'doomed', waiting);
    const execution = await startExecution(client, machine, { request: 1 });
    await reached(client, execution, 'WaitStateEntered');
    await client.send(new DeleteStateMachineCommand({ stateMachineArn: machine }));
    const end = await finished(client, execution);
    expect(end).toMatchObject({ status: 'ABORTED', error: 'States.Runtime' });
    await expect(startExecution(client, machine)).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});

describe('executions', () => {
  it('runs an execution on the clock and describes it before and after', async () => {
    // Prepare
    const { client, clock } = stack;
    const machine = await createMachine(client, 'vending', waiting);

    // Act
    const executionArn = await startExecution(client, machine, { request: { id: 'r-1' } }, 'request-r-1');
    await reached(client, executionArn, 'WaitStateEntered');
    const running = await describeExecution(client, executionArn);
    clock.advance(3600_000);
    const done = await finished(client, executionArn);

    // Assess
    expect(executionArn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:execution:vending:request-r-1`);
    expect(running).toMatchObject({
      status: 'RUNNING',
      name: 'request-r-1',
      stateMachineArn: machine,
      input: '{"request":{"id":"r-1"}}',
      startDate: new Date(START),
    });
    expect(running.stopDate).toBeUndefined();
    expect(done).toMatchObject({ status: 'SUCCEEDED', stopDate: new Date(START + 3600_000) });
    expect(JSON.parse(done.output!)).toEqual({ request: { id: 'r-1' }, step: 'prepared', result: 'done' });
  });

  it('applies the name rules: same name and input while running is the same execution, anything else exists', async () => {
    // Prepare
    const { client, clock } = stack;
    const machine = await createMachine(client, 'vending', waiting);
    const first = await startExecution(client, machine, { request: 1 }, 'req-1');

    // Act + Assess: while it runs
    expect(await startExecution(client, machine, { request: 1 }, 'req-1')).toBe(first);
    await expect(startExecution(client, machine, { request: 2 }, 'req-1')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });

    // once it has ended, even the same input is refused, for 90 days
    await reached(client, first, 'WaitStateEntered');
    clock.advance(3600_000);
    await finished(client, first);
    await expect(startExecution(client, machine, { request: 1 }, 'req-1')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      message: expect.stringContaining(first),
    });
    clock.advance(NAME_RESERVATION_MS - 1000);
    await expect(startExecution(client, machine, { request: 1 }, 'req-1')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    clock.advance(1000);
    expect(await startExecution(client, machine, { request: 3 }, 'req-1')).toBe(first);
    expect(JSON.parse((await describeExecution(client, first)).input!)).toEqual({ request: 3 });
  });

  it('checks execution names and input as AWS does', async () => {
    const { client } = stack;
    const machine = await createMachine(client, 'quick', quick);
    for (const name of ['has space', 'a:b', 'a/b', 'a*', 'tab\t', 'x'.repeat(81), ''])
      await expect(
        client.send(new StartExecutionCommand({ stateMachineArn: machine, name })),
        `name ${JSON.stringify(name)}`,
      ).rejects.toMatchObject({ name: 'InvalidName' });
    expect(await startExecution(client, machine, {}, 'x'.repeat(80))).toMatch(/:x{80}$/);
    expect(await startExecution(client, machine, {}, 'ünïcode-ok_1.2')).toMatch(/ünïcode-ok_1\.2$/);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: machine, input: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: machine, input: JSON.stringify('x'.repeat(262_144)) }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      startExecution(client, `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:missing`),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      describeExecution(client, `arn:aws:states:us-east-1:${ACCOUNT}:execution:quick:missing`),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(describeExecution(client, machine)).rejects.toMatchObject({ name: 'InvalidArn' });
  });

  it('lists executions newest first, by status, page by page', async () => {
    // Prepare: three running, two succeeded
    const { client } = stack;
    const slow = await createMachine(client, 'slow', waiting);
    const names = ['e1', 'e2', 'e3', 'e4', 'e5'];
    for (const name of names) await startExecution(client, slow, { request: name }, name);
    for (const name of ['e2', 'e4'])
      await client.send(
        new StopExecutionCommand({
          executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:slow:${name}`,
        }),
      );

    // Act
    const all = await client.send(new ListExecutionsCommand({ stateMachineArn: slow }));
    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: slow, statusFilter: 'RUNNING' }),
    );
    const page1 = await client.send(new ListExecutionsCommand({ stateMachineArn: slow, maxResults: 2 }));
    const page2 = await client.send(
      new ListExecutionsCommand({ stateMachineArn: slow, maxResults: 2, nextToken: page1.nextToken }),
    );
    const page3 = await client.send(
      new ListExecutionsCommand({ stateMachineArn: slow, maxResults: 2, nextToken: page2.nextToken }),
    );

    // Assess
    expect(all.executions?.map((e) => e.name)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect(all.executions?.[1]).toMatchObject({
      status: 'ABORTED',
      stopDate: new Date(START),
      stateMachineArn: slow,
    });
    expect(running.executions?.map((e) => e.name)).toEqual(['e5', 'e3', 'e1']);
    expect([page1, page2, page3].map((p) => p.executions?.map((e) => e.name))).toEqual([
      ['e5', 'e4'],
      ['e3', 'e2'],
      ['e1'],
    ]);
    expect(page3.nextToken).toBeUndefined();
    await expect(
      client.send(new ListExecutionsCommand({ stateMachineArn: slow, maxResults: 1001 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      client.send(new ListExecutionsCommand({ stateMachineArn: slow, nextToken: 'garbage' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('returns the history with AWS event types and ids, in both orders, paged, with or without data', async () => {
    // Prepare
    const { client, clock } = stack;
    const machine = await createMachine(client, 'vending', waiting);
    const executionArn = await startExecution(client, machine, { request: 'secret' });
    await reached(client, executionArn, 'WaitStateEntered');
    clock.advance(3600_000);
    await finished(client, executionArn);

    // Act
    const events = await history(client, executionArn);
    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    const page1 = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4 }));
    const page2 = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken: page1.nextToken }),
    );
    const dataless = await client.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );

    // Assess
    expect(events.map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'PassStateEntered'],
      [3, 2, 'PassStateExited'],
      [4, 3, 'WaitStateEntered'],
      [5, 4, 'WaitStateExited'],
      [6, 5, 'PassStateEntered'],
      [7, 6, 'PassStateExited'],
      [8, 7, 'ExecutionSucceeded'],
    ]);
    expect(events[0]).toMatchObject({
      timestamp: new Date(START),
      executionStartedEventDetails: {
        input: '{"request":"secret"}',
        inputDetails: { truncated: false },
        roleArn: ROLE,
      },
    });
    expect(events[4]).toMatchObject({
      timestamp: new Date(START + 3600_000),
      stateExitedEventDetails: { name: 'Wait An Hour' },
    });
    expect(reversed.events?.map((e) => e.id)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect([...(page1.events ?? []), ...(page2.events ?? [])].map((e) => e.id)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(page2.nextToken).toBeUndefined();
    expect(JSON.stringify(dataless.events)).not.toContain('secret');
    expect(dataless.events?.[1]?.stateEnteredEventDetails).toEqual({ name: 'Prepare' });
  });

  it('stops an execution with an error and cause; ends failed and timed-out executions with theirs', async () => {
    // Prepare
    const { client, clock } = stack;
    const slow = await createMachine(client, 'slow', waiting);
    const failing = await createMachine(client, 'failing', {
      StartAt: 'Give Up',
      States: { 'Give Up': { Type: 'Fail', Error: 'AccountNotCreated', Cause: 'the email is taken' } },
    });
    const bounded = await createMachine(client, 'bounded', { ...waiting, TimeoutSeconds: 60 });

    // Act
    const stopped = await startExecution(client, slow, { request: 'to-stop' });
    await reached(client, stopped, 'WaitStateEntered');
    clock.advance(5000);
    const stop = await client.send(
      new StopExecutionCommand({
        executionArn: stopped,
        error: 'Cancelled',
        cause: 'the requester withdrew',
      }),
    );
    const failed = await startExecution(client, failing);
    const timedOut = await startExecution(client, bounded, { request: 'slow' });
    await reached(client, timedOut, 'WaitStateEntered');
    clock.advance(60_000);

    // Assess
    expect(stop.stopDate).toEqual(new Date(START + 5000));
    expect(await finished(client, stopped)).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: 'the requester withdrew',
    });
    expect((await types(client, stopped)).slice(-1)).toEqual(['ExecutionAborted']);
    expect(await finished(client, failed)).toMatchObject({
      status: 'FAILED',
      error: 'AccountNotCreated',
      cause: 'the email is taken',
    });
    expect(await finished(client, timedOut)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect((await types(client, timedOut)).slice(-1)).toEqual(['ExecutionTimedOut']);
    // stopping an execution that has ended changes nothing
    await client.send(new StopExecutionCommand({ executionArn: failed }));
    expect((await describeExecution(client, failed)).status).toBe('FAILED');
  });

  it('runs many executions at once', async () => {
    const { client, clock } = stack;
    const machine = await createMachine(client, 'vending', waiting);
    const arns = await Promise.all(
      Array.from({ length: 50 }, (_, i) => startExecution(client, machine, { request: i })),
    );
    await Promise.all(arns.map((arn) => reached(client, arn, 'WaitStateEntered')));
    clock.advance(3600_000);
    const ends = await Promise.all(arns.map((arn) => finished(client, arn)));
    expect(ends.map((end) => JSON.parse(end.output!).request)).toEqual(arns.map((_, i) => i));
  });
});

describe('ListTagsForResource, ValidateStateMachineDefinition, StartSyncExecution', () => {
  it('lists no tags for a state machine, and refuses an unknown one or another resource', async () => {
    // Prepare
    const arn = await createMachine(stack.client, 'tagged', quick);
    const list = (resourceArn: string) => stack.client.send(new ListTagsForResourceCommand({ resourceArn }));

    // Act
    const tags = await list(arn);

    // Assess
    expect(tags.tags).toEqual([]);
    await expect(list(`${arn}-gone`)).rejects.toMatchObject({ name: 'ResourceNotFound' });
    await expect(list(`arn:aws:states:us-east-1:${ACCOUNT}:execution:tagged:run`)).rejects.toMatchObject({
      name: 'InvalidArn',
    });
  });

  it('validates a definition as CreateStateMachine would, with diagnostics instead of a refusal', async () => {
    // Prepare
    const validate = (definition: string, maxResults?: number) =>
      stack.client.send(
        new ValidateStateMachineDefinitionCommand({
          definition,
          ...(maxResults === undefined ? {} : { maxResults }),
        }),
      );
    const twoProblems = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'Nowhere' }, B: { Type: 'Pass', Next: 'Elsewhere' } },
    };

    // Act
    const ok = await validate(JSON.stringify(quick));
    const broken = await validate(JSON.stringify(twoProblems));
    const truncated = await validate(JSON.stringify(twoProblems), 1);
    const notJson = await validate('{');

    // Assess
    expect(ok).toMatchObject({ result: 'OK', diagnostics: [], truncated: false });
    expect(broken.result).toBe('FAIL');
    expect(broken.diagnostics).toContainEqual({
      severity: 'ERROR',
      code: 'SCHEMA_VALIDATION_FAILED',
      message: expect.stringContaining('Nowhere'),
      location: expect.stringMatching(/^\/States\/A/),
    });
    expect(truncated).toMatchObject({ result: 'FAIL', truncated: true, diagnostics: [expect.anything()] });
    expect(notJson).toMatchObject({
      result: 'FAIL',
      diagnostics: [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION' }],
    });
    await expect(
      stack.client.send(new ValidateStateMachineDefinitionCommand({ definition: '{}', maxResults: 101 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers StartSyncExecution as AWS does for a STANDARD state machine, through the host prefix', async () => {
    // Prepare: without disableHostPrefix the SDK would call sync-127.0.0.1, a name that does not resolve
    const arn = await createMachine(stack.client, 'standard', quick);
    const client = new SFNClient({
      endpoint: stack.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'local' },
      maxAttempts: 1,
      disableHostPrefix: true,
    });

    // Act
    const standard = client.send(new StartSyncExecutionCommand({ stateMachineArn: arn }));
    const missing = client.send(new StartSyncExecutionCommand({ stateMachineArn: `${arn}-gone` }));

    // Assess
    await expect(standard).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
      message: expect.stringContaining('runs STANDARD state machines only'),
    });
    await expect(missing).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    client.destroy();
  });
});

describe('the wire protocol', () => {
  it('answers AWS JSON 1.0 errors with __type and message, and unknown operations', async () => {
    const post = (target: string, body: string) =>
      fetch(stack.server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': target,
          authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body,
      });
    const missing = await post('AWSStepFunctions.DescribeExecution', '{}');
    const unknown = await post('AWSStepFunctions.GetActivityTask', '{}');
    const garbled = await post('AWSStepFunctions.ListStateMachines', '{');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      __type: 'ValidationException',
      message: expect.stringContaining(
        "at 'executionArn' failed to satisfy constraint: Member must not be null",
      ),
    });
    expect(await unknown.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringContaining(
        'send AWSStepFunctions.<Operation> with one of CreateStateMachine, DeleteStateMachine,',
      ),
    });
    expect(await garbled.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('works with the AWS CLI', { timeout: 60_000 }, async () => {
    // Prepare
    const machine = await createMachine(stack.client, 'cli', waiting);
    const run = promisify(execFile);
    const cli = async (...args: string[]) => {
      const { stdout } = await run('aws', ['stepfunctions', ...args, '--endpoint-url', stack.server.url], {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: ACCOUNT,
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      });
      return JSON.parse(stdout);
    };

    // Act
    let listed: { stateMachines: { name: string; type: string }[] };
    try {
      listed = await cli('list-state-machines');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      console.warn('the AWS CLI is not installed: skipped');
      return;
    }
    const started = await cli(
      'start-execution',
      '--state-machine-arn',
      machine,
      '--name',
      'from-cli',
      '--input',
      '{"request":7}',
    );
    const described = await cli('describe-execution', '--execution-arn', started.executionArn);

    // Assess
    expect(listed.stateMachines[0]).toMatchObject({ name: 'cli', type: 'STANDARD' });
    expect(started.executionArn).toMatch(/:execution:cli:from-cli$/);
    expect(described).toMatchObject({ status: 'RUNNING', input: '{"request":7}' });
    // the CLI v1 prints timestamps as sent (epoch seconds); v2 as ISO text
    const startDate = described.startDate;
    expect(new Date(typeof startDate === 'number' ? startDate * 1000 : startDate).getTime()).toBe(START);
  });
});
