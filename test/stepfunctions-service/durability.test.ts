import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock';
import { StepFunctionsService } from '../../local/stepfunctions/service/index';
import { board } from './fixtures/handlers';
import {
  ACCOUNT,
  createMachine,
  dataDirs,
  eventually,
  FN,
  finished,
  fixtureRunner,
  history,
  reached,
  type Stack,
  startExecution,
  startStack,
  types,
} from './harness';

// Every transition is persisted before it takes effect, so a service that ends at any point (closed
// without finishing here, SIGKILLed in the last test) resumes each running execution from its last
// transition: a Wait keeps its deadline, an interrupted task runs again (at least once), and the history
// has every event exactly once.

const dirs = dataDirs();
const stacks: Stack[] = [];

afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
  dirs.removeAll();
  const shared = board();
  shared.calls = {};
  shared.tokens = [];
  shared.releases = [];
});

/** A stack on `dataDir` whose clock starts where `after` left off (a restarted process's clock goes on). */
async function boot(dataDir: string, after?: Stack): Promise<Stack> {
  const stack = await startStack({
    dataDir,
    lambda: fixtureRunner(),
    ...(after ? { clock: new ManualClock(after.clock.now()) } : {}),
  });
  stacks.push(stack);
  return stack;
}

const waiting = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Result: 'ready', ResultPath: '$.prepared', Next: 'Wait An Hour' },
    'Wait An Hour': { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Pass', Result: 'done', ResultPath: '$.result', End: true },
  },
};

describe('a restarted service', () => {
  it('resumes an execution in the middle of a Wait with the same deadline and the exact history', async () => {
    // Prepare
    const dir = dirs.fresh();
    const first = await boot(dir);
    const machine = await createMachine(first.client, 'waits', waiting);
    const executionArn = await startExecution(first.client, machine, { request: 7 }, 'req-7');
    await reached(first.client, executionArn, 'WaitStateEntered');
    first.clock.advance(1000_000);

    // Act
    await first.close();
    const second = await boot(dir, first);
    const resumed = await second.client.send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
    // the resumed execution is parked again once its Wait is back on the clock: nothing may have run meanwhile
    await eventually(() => {
      if (second.clock.pendingWaits === 0) throw new Error('the resumed Wait is not on the clock yet');
    });
    const early = (await history(second.client, executionArn)).length;
    second.clock.advance(2600_000);
    const end = await finished(second.client, executionArn);

    // Assess
    expect(resumed.name).toBe('waits');
    expect(early).toBe(4);
    expect(end).toMatchObject({
      status: 'SUCCEEDED',
      stopDate: new Date(first.clock.now() - 1000_000 + 3600_000),
    });
    expect(JSON.parse(end.output!)).toEqual({ request: 7, prepared: 'ready', result: 'done' });
    const events = await history(second.client, executionArn);
    expect(events.map((e) => [e.id, e.type])).toEqual([
      [1, 'ExecutionStarted'],
      [2, 'PassStateEntered'],
      [3, 'PassStateExited'],
      [4, 'WaitStateEntered'],
      [5, 'WaitStateExited'],
      [6, 'PassStateEntered'],
      [7, 'PassStateExited'],
      [8, 'ExecutionSucceeded'],
    ]);
    // the name stays taken across the restart
    await expect(startExecution(second.client, machine, { request: 7 }, 'req-7')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('runs an interrupted task again (at least once) and records it once', async () => {
    // Prepare: the function never answers in the first process
    const dir = dirs.fresh();
    const first = await boot(dir);
    const machine = await createMachine(first.client, 'calls', {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: `${FN}:held`, ResultPath: '$.result', End: true } },
    });
    const executionArn = await startExecution(first.client, machine, { n: 1 });
    await eventually(() => expect(board().releases).toHaveLength(1));

    // Act
    await first.close();
    const second = await boot(dir, first);
    await eventually(() => expect(board().releases).toHaveLength(2));
    board().releases[0]?.('from the closed service');
    board().releases[1]?.({ answered: 'after restart' });
    const end = await finished(second.client, executionArn);

    // Assess
    expect(board().calls.held).toEqual([{ n: 1 }, { n: 1 }]);
    expect(JSON.parse(end.output!)).toEqual({ n: 1, result: { answered: 'after restart' } });
    expect(await types(second.client, executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('resumes a Map in the middle of its iterations from the changes the journal wrote', async () => {
    // Prepare: 6 items, 2 at a time, each iteration waits 10 s
    const dir = dirs.fresh();
    const first = await boot(dir);
    const machine = await createMachine(first.client, 'waves', {
      StartAt: 'Each Account',
      States: {
        'Each Account': {
          Type: 'Map',
          ItemsPath: '$.accounts',
          MaxConcurrency: 2,
          ItemProcessor: {
            StartAt: 'Settle',
            States: {
              Settle: { Type: 'Wait', Seconds: 10, Next: 'Close' },
              Close: { Type: 'Pass', Parameters: { 'closed.$': '$' }, End: true },
            },
          },
          End: true,
        },
      },
    });
    const accounts = ['a', 'b', 'c', 'd', 'e', 'f'];
    const executionArn = await startExecution(first.client, machine, { accounts });
    await reached(first.client, executionArn, 'WaitStateEntered');
    first.clock.advance(10_000);
    await eventually(async () => {
      const waits = (await types(first.client, executionArn)).filter((t) => t === 'WaitStateEntered');
      expect(waits).toHaveLength(4);
    });

    // Act
    await first.close();
    const second = await boot(dir, first);
    // advance only once the resumed waits are back on the clock (an advance before would find nothing to wake)
    await eventually(() => {
      if (second.clock.pendingWaits === 0) throw new Error('the resumed waits are not on the clock yet');
    });
    second.clock.advance(10_000);
    await eventually(async () => {
      const waits = (await types(second.client, executionArn)).filter((t) => t === 'WaitStateEntered');
      expect(waits).toHaveLength(6);
    });
    second.clock.advance(10_000);
    const end = await finished(second.client, executionArn);

    // Assess
    expect(JSON.parse(end.output!)).toEqual(accounts.map((closed) => ({ closed })));
    const ids = (await history(second.client, executionArn)).map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });

  it('keeps a delivered task token valid and does not deliver it again', async () => {
    const dir = dirs.fresh();
    const first = await boot(dir);
    const machine = await createMachine(first.client, 'approval', {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'keeps-token', Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    });
    const executionArn = await startExecution(first.client, machine);
    await reached(first.client, executionArn, 'TaskSubmitted');
    const [token] = board().tokens;

    await first.close();
    const second = await boot(dir, first);
    await second.client.send(new SendTaskSuccessCommand({ taskToken: token!, output: '{"approved":true}' }));
    const end = await finished(second.client, executionArn);

    expect(end.output).toBe('{"approved":true}');
    expect(board().calls.keepsToken).toHaveLength(1);
  });

  it('re-attaches a .sync:2 parent to the child it started instead of starting another', async () => {
    // Prepare
    const dir = dirs.fresh();
    const first = await boot(dir);
    const child = await createMachine(first.client, 'child', waiting);
    const parent = await createMachine(first.client, 'parent', {
      StartAt: 'Run Child',
      States: {
        'Run Child': {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: child, Input: { 'request.$': '$.request' } },
          OutputPath: '$.Output',
          End: true,
        },
      },
    });
    const parentArn = await startExecution(first.client, parent, { request: 'r' });
    const [childArn] = await eventually(async () => {
      const { executions } = await first.client.send(new ListExecutionsCommand({ stateMachineArn: child }));
      if (executions?.length !== 1) throw new Error('no child yet');
      return executions.map((e) => e.executionArn!);
    });
    await reached(first.client, childArn!, 'WaitStateEntered');

    // Act
    await first.close();
    const second = await boot(dir, first);
    // advance only once the resumed waits are back on the clock (an advance before would find nothing to wake)
    await eventually(() => {
      if (second.clock.pendingWaits === 0) throw new Error('the resumed waits are not on the clock yet');
    });
    second.clock.advance(3600_000);
    const end = await finished(second.client, parentArn);

    // Assess
    expect(JSON.parse(end.output!)).toEqual({ request: 'r', prepared: 'ready', result: 'done' });
    const { executions } = await second.client.send(new ListExecutionsCommand({ stateMachineArn: child }));
    expect(executions?.map((e) => e.executionArn)).toEqual([childArn]);
  });

  it('compacts the journal into a snapshot at start and while running, ignoring a torn last line and a journal already compacted', async () => {
    // Prepare: compaction every 5 journal lines
    const dir = dirs.fresh();
    const clock = new ManualClock();
    const service = new StepFunctionsService({ dataDir: dir, clock, compactAfter: 5 });
    const { stateMachineArn } = service.createStateMachine({
      name: 'chain',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      definition: JSON.stringify({
        StartAt: 'S0',
        States: Object.fromEntries(
          Array.from({ length: 10 }, (_, i) => [
            `S${i}`,
            i === 9 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `S${i + 1}` },
          ]),
        ),
      }),
    });
    const arns: string[] = [];
    for (let i = 0; i < 3; i++)
      arns.push((await service.startExecution({ stateMachineArn, input: `{"i":${i}}` })).executionArn);
    await Promise.all(arns.map((arn) => service.waitForExecution(arn)));
    service.close();
    const journalPath = join(dir, 'stepfunctions.journal.jsonl');
    appendFileSync(journalPath, '{"x":"arn:aws:states:us-east-1:1111');
    const beforeCompaction = readFileSync(journalPath, 'utf8');

    // Act: reopen; then put the old journal back, as a kill between snapshot and journal reset leaves it
    new StepFunctionsService({ dataDir: dir, clock }).close();
    const journal = readFileSync(journalPath, 'utf8');
    writeFileSync(journalPath, beforeCompaction);
    const reopened = new StepFunctionsService({ dataDir: dir, clock });

    // Assess
    expect(beforeCompaction.split('\n').length).toBeGreaterThan(3);
    expect(journal).toMatch(/^\{"g":\d+\}\n$/);
    for (const [i, arn] of arns.entries()) {
      expect(reopened.describeExecution({ executionArn: arn })).toMatchObject({
        status: 'SUCCEEDED',
        output: `{"i":${i}}`,
      });
      expect(reopened.getExecutionHistory({ executionArn: arn }).events.map((e) => e.id)).toEqual(
        Array.from({ length: 22 }, (_, k) => k + 1),
      );
    }
    reopened.close();
  });

  it('survives a SIGKILL in the middle of a Wait and of a Task', { timeout: 30_000 }, async () => {
    // Prepare: a child process with one execution in a Wait and one in a task, killed without warning
    const dir = dirs.fresh();
    const repo = resolve(fileURLToPath(import.meta.url), '../../..');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/stepfunctions-service/fixtures/durable-process.ts', dir],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const ready = await new Promise<{ waiting: string; calling: string; now: number }>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = /ready (\{.*\})/.exec(output);
        if (line) done(JSON.parse(line[1]!));
      });
      child.once('exit', (code) =>
        fail(new Error(`the child exited (${code}) before it was ready:\n${output}`)),
      );
    });
    const exited = new Promise((done) => child.once('exit', (_code, signal) => done(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // Act: this process takes over the data directory
    const stack = await startStack({
      dataDir: dir,
      lambda: fixtureRunner(),
      clock: new ManualClock(Date.now()),
    });
    stacks.push(stack);
    await eventually(() => expect(board().releases).toHaveLength(1));
    board().releases[0]?.('answered');
    const called = await finished(stack.client, ready.calling);
    stack.clock.advance(3600_000);
    const waited = await finished(stack.client, ready.waiting);

    // Assess
    expect(called).toMatchObject({ status: 'SUCCEEDED', output: '{"n":1,"result":"answered"}' });
    expect(await types(stack.client, ready.calling)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(waited).toMatchObject({ status: 'SUCCEEDED', output: '{"before":1,"after":2}' });
    expect((await history(stack.client, ready.waiting)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await expect(
      stack.client.send(
        new StartExecutionCommand({ stateMachineArn: called.stateMachineArn, name: 'in-task' }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });
});
