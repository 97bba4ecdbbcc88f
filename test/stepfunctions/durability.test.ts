import { describe, expect, it } from 'vitest';
import { Execution, type ExecutionState, type Json, type StepResult } from '../../local/stepfunctions/index';
import { begin, FN, type Handler, harness, machine, runToEnd, START, types } from './harness';

// Durability builds on one property: the ExecutionState is plain JSON, and an execution resumed from a
// JSON copy of it carries on as if nothing had happened (a task that was in flight runs again).

const TOKEN_QUEUE = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';

const vending = machine({
  StartAt: 'Validate',
  States: {
    Validate: { Type: 'Pass', Parameters: { 'email.$': '$.email', 'tags.$': '$.tags' }, Next: 'Create' },
    Create: {
      Type: 'Task',
      Resource: `${FN}:create-account`,
      ResultPath: '$.account',
      Retry: [{ ErrorEquals: ['TooManyRequestsException'], IntervalSeconds: 2 }],
      Next: 'Wait For Account',
    },
    'Wait For Account': { Type: 'Wait', Seconds: 60, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.account.id', IsPresent: true, Next: 'Tag Each' }],
      Default: 'Give Up',
    },
    'Tag Each': {
      Type: 'Map',
      ItemsPath: '$.tags',
      ItemSelector: { 'key.$': '$$.Map.Item.Value', 'account.$': '$.account.id' },
      MaxConcurrency: 2,
      ItemProcessor: { StartAt: 'Tag', States: { Tag: { Type: 'Task', Resource: `${FN}:tag`, End: true } } },
      ResultPath: '$.tagged',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    'Give Up': { Type: 'Fail', Error: 'AccountNotCreated' },
  },
});

const input = { email: 'a@example.com', tags: ['team', 'cost-centre', 'env'] };
const handlers: Record<string, Handler> = {
  [`${FN}:create-account`]: (_input, request) => {
    // the first attempt is throttled, so a retry interval is part of the story
    if (request.retryCount === 0) throw { error: 'TooManyRequestsException', cause: 'slow down' };
    return { id: '111122223333' };
  },
  [`${FN}:tag`]: (item) => ({ tagged: (item as { key: string }).key }),
};

/** JSON round trip: what a store would write and read back. */
function persisted(execution: Execution): ExecutionState {
  return JSON.parse(JSON.stringify(execution)) as ExecutionState;
}

describe('serialising and resuming an execution', () => {
  it('resumes in the middle of a Wait with the same deadline', async () => {
    // Prepare
    const h = harness(handlers);
    const execution = await begin(vending, input, h);
    h.clock.advance(2000);
    await execution.runUntilIdle();
    expect(execution.state.threads[1]?.step.kind).toBe('wait');
    const snapshot = persisted(execution);

    // Act: a new process, new ports, the same definition
    const restarted = harness(handlers);
    restarted.clock.advance(h.clock.now() - START);
    const resumed = Execution.resume(vending, snapshot, restarted);
    await resumed.runUntilIdle();
    const deadline = resumed.nextDeadline();
    await runToEnd(resumed, restarted.clock);

    // Assess
    expect(deadline).toBe(execution.nextDeadline());
    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.state.output).toMatchObject({
      account: { id: '111122223333' },
      tagged: [{ tagged: 'team' }, { tagged: 'cost-centre' }, { tagged: 'env' }],
    });
    expect(resumed.history[0]?.id).toBe((execution.history.at(-1)?.id ?? 0) + 1);
    expect(types(resumed.history)[0]).toBe('WaitStateExited');
  });

  it('resumes in the middle of a Task by invoking it again, with the same task id and input', async () => {
    // Prepare: the task never answers in the first process
    const h = harness({ [`${FN}:create-account`]: 'hold' });
    const execution = await begin(vending, input, h);
    const first = h.tasks.calls[0];
    const snapshot = persisted(execution);

    // Act
    const restarted = harness({
      [`${FN}:create-account`]: () => ({ id: '999988887777' }),
      [`${FN}:tag`]: () => 'ok',
    });
    const resumed = Execution.resume(vending, snapshot, restarted);
    await runToEnd(resumed, restarted.clock);

    // Assess
    expect(restarted.tasks.calls[0]).toEqual(first);
    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.state.output).toMatchObject({
      account: { id: '999988887777' },
      tagged: ['ok', 'ok', 'ok'],
    });
  });

  it('resumes during a retry interval without retrying early', async () => {
    const h = harness(handlers);
    const execution = await begin(vending, input, h);
    expect(execution.state.threads[1]?.step).toEqual({ kind: 'backoff', until: START + 2000 });

    const restarted = harness(handlers);
    const resumed = Execution.resume(vending, persisted(execution), restarted);
    await resumed.runUntilIdle();
    expect(restarted.tasks.calls).toHaveLength(0);
    restarted.clock.advance(2000);
    await resumed.runUntilIdle();
    expect(restarted.tasks.calls).toHaveLength(1);
  });

  it('does not send a delivered .waitForTaskToken request again; the token still completes the task', async () => {
    // Prepare
    const definition = machine({
      StartAt: 'Ask',
      States: {
        Ask: { Type: 'Task', Resource: TOKEN_QUEUE, Parameters: { 'token.$': '$$.Task.Token' }, End: true },
      },
    });
    const h = harness({ [TOKEN_QUEUE]: () => ({ MessageId: '1' }) });
    const execution = await begin(definition, {}, h);
    const token = h.tasks.calls[0]?.taskToken as string;

    // Act
    const restarted = harness({ [TOKEN_QUEUE]: () => ({ MessageId: '2' }) });
    const resumed = Execution.resume(definition, persisted(execution), restarted);
    await resumed.runUntilIdle();
    await resumed.sendTaskSuccess(token, { approved: true });
    await resumed.runUntilIdle();

    // Assess
    expect(restarted.tasks.calls).toHaveLength(0);
    expect(resumed.state.output).toEqual({ approved: true });
  });

  it('reaches the same end from a copy taken after any transition', async () => {
    // Prepare: one uninterrupted run, keeping the record after every transition as a store would
    const snapshots: string[] = [];
    const keep = (result: StepResult) => {
      snapshots.push(JSON.stringify(result.state));
    };
    const h = harness(handlers);
    const original = await Execution.start(vending, input, h, { name: 'test-execution', onTransition: keep });
    await runToEnd(original, h.clock);
    const expected = { status: original.status, output: original.state.output as Json };
    const lastEvent = original.history.at(-1)?.id;

    // Act + Assess: resume from each of them
    expect(snapshots.length).toBeGreaterThan(15);
    for (const [i, snapshot] of snapshots.entries()) {
      const record = JSON.parse(snapshot) as ExecutionState;
      // deadlines in the record are absolute: the new process's clock may start anywhere before them
      const restarted = harness(handlers);
      const resumed = Execution.resume(vending, record, restarted);
      const end = await runToEnd(resumed, restarted.clock);
      expect({ status: end.status, output: end.output as Json }, `resumed from transition ${i}`).toEqual(
        expected,
      );
      expect(end.counters.event, `events after resuming from transition ${i}`).toBe(lastEvent);
    }
  });
});
