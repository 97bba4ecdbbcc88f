import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  definitionSubstitutions,
  type FunctionName,
  placeholderOf,
  stateMachinePlaceholderOf,
  stateMachines,
} from '../../catalog/functions';
import {
  Execution,
  type Json,
  type JsonObject,
  loadDefinitionFile,
  ManualClock,
  seededRandom,
  type TaskPort,
  type TaskRequest,
} from '../../local/stepfunctions/index';

// statemachines/closure-batch.asl.json run on the local engine: Plan Closure Batch is a fake step, and each
// account's closure execution (states:startExecution.sync:2) a fake child that ends as the test says, answered
// as the integration answers: DescribeExecution of the finished child, its Output as JSON.

const { definitionFile, functions, startsStateMachines = [] } = stateMachines.ClosureBatch;
const arnOf = (name: FunctionName) => `arn:aws:lambda:us-east-1:111111111111:function:orgflow-${name}`;
const machineArn = (name: string) => `arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-${name}`;
const load = () =>
  loadDefinitionFile(definitionFile, {
    substitutions: definitionSubstitutions('ClosureBatch', arnOf, machineArn),
  });

const START = Date.UTC(2026, 11, 6, 10, 0, 0);
const BATCH = 'cb-0001';
const REASON = 'the sandbox OU is swept';
const caller = { arn: 'arn:aws:sts::111111111111:assumed-role/CloudOps/jane', accountId: '111111111111' };
const request = {
  selection: { accountIds: [], organizationalUnit: 'Decommission', includeSubOrganizationalUnits: true },
  reason: REASON,
  dryRun: false,
};
const input = { caller, source: 'api', request };

/** How a child closure ends: its Output, or a failure of the execution. */
type ChildEnd = { output: JsonObject } | { error: string; cause: string };
const closed = (accountId: string): ChildEnd => ({
  output: { batchId: BATCH, accountId, outcome: 'closed' },
});
const skipped = (accountId: string): ChildEnd => ({
  output: { batchId: BATCH, accountId, outcome: 'skipped', reason: 'protected' },
});
const failedWith = (error: string): ChildEnd => ({ error, cause: `the words for ${error}` });

class Fakes implements TaskPort {
  readonly plans: Json[] = [];
  readonly finishes: Json[] = [];
  readonly children: { stateMachineArn: string; name: string; input: Json }[] = [];
  constructor(
    private readonly planned: JsonObject | (() => never),
    private readonly ends: Record<string, ChildEnd> = {},
  ) {}

  async invoke(task: TaskRequest): Promise<Json> {
    if (task.resource === arnOf('PlanClosureBatch')) {
      this.plans.push(task.input);
      return typeof this.planned === 'function' ? this.planned() : this.planned;
    }
    if (task.resource === arnOf('FinishClosure')) {
      this.finishes.push(task.input);
      return { outcome: 'failed' };
    }
    if (task.resource !== 'arn:aws:states:::states:startExecution.sync:2')
      throw { error: 'Lambda.ResourceNotFoundException', cause: `no fake for ${task.resource}` };
    const { StateMachineArn, Name, Input } = task.input as {
      StateMachineArn: string;
      Name: string;
      Input: Json;
    };
    this.children.push({ stateMachineArn: StateMachineArn, name: Name, input: Input });
    const accountId = (Input as { accountId: string }).accountId;
    const end = this.ends[accountId] ?? closed(accountId);
    const described = {
      ExecutionArn: `arn:aws:states:us-east-1:111111111111:execution:orgflow-AccountClosure:${Name}`,
      Input,
      Name,
      StateMachineArn,
      Status: 'output' in end ? 'SUCCEEDED' : 'FAILED',
      ...('output' in end ? { Output: end.output } : { Error: end.error, Cause: end.cause }),
    };
    if ('output' in end) return described;
    throw { error: 'States.TaskFailed', cause: JSON.stringify(described) };
  }
}

const plannedBatch = (
  closures: { accountId: string; until: string | null }[],
  extra: { dryRun?: boolean; skipped?: number } = {},
): JsonObject => ({
  batchId: BATCH,
  dryRun: extra.dryRun ?? false,
  reason: REASON,
  closures: extra.dryRun ? [] : closures,
  counts: {
    closeNow: closures.filter((c) => c.until === null).length,
    deferred: closures.filter((c) => c.until !== null).length,
    skipped: extra.skipped ?? 0,
  },
});

async function runBatch(fakes: Fakes, executionInput: Json = input) {
  const clock = new ManualClock(START);
  const execution = await Execution.start(
    load(),
    executionInput,
    { clock, tasks: fakes, random: seededRandom(1) },
    { name: BATCH },
  );
  for (let i = 0; i < 1_000 && execution.status === 'RUNNING'; i++) {
    await execution.runUntilIdle();
    const deadline = execution.nextDeadline();
    if (execution.status !== 'RUNNING' || deadline === undefined) break;
    clock.advance(Math.max(0, deadline - clock.now()));
  }
  return execution;
}

const until = new Date(START + 10 * 24 * 60 * 60 * 1000).toISOString();
const threeClosures = [
  { accountId: '222222222222', until: null },
  { accountId: '333333333333', until: null },
  { accountId: '444444444444', until },
];

describe('statemachines/closure-batch.asl.json', () => {
  it('loads on the local engine with its function and the closure state machine substituted', () => {
    // Act
    const definition = load();

    // Assess
    expect(definition.queryLanguage).toBe('JSONata');
    expect(definition.startAt).toBe('Plan Closure Batch');
    const placeholders = [...readFileSync(definitionFile, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(
      new Set([...functions.map(placeholderOf), ...startsStateMachines.map(stateMachinePlaceholderOf)]),
    );
  });

  it('plans a dry run and stops there, closing nothing', async () => {
    // Prepare
    const fakes = new Fakes(plannedBatch(threeClosures, { dryRun: true, skipped: 2 }));

    // Act
    const execution = await runBatch(fakes, { ...input, request: { ...request, dryRun: true } });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({
      batchId: BATCH,
      dryRun: true,
      counts: { closeNow: 2, deferred: 1, skipped: 2 },
    });
    expect(fakes.children).toEqual([]);
    expect(fakes.plans).toEqual([
      { batchId: BATCH, caller, source: 'api', request: { ...request, dryRun: true } },
    ]);
  });

  it('closes each planned account in an execution of its own, named by the batch and the account, and counts the outcomes', async () => {
    // Prepare
    const fakes = new Fakes(plannedBatch(threeClosures, { skipped: 2 }));

    // Act
    const execution = await runBatch(fakes);

    // Assess
    expect(execution.state.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ batchId: BATCH, closed: 3, skipped: 2, failed: 0, departed: 0 });
    expect(fakes.plans).toEqual([{ batchId: BATCH, caller, source: 'api', request }]);
    expect(fakes.children.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      threeClosures.map(({ accountId, until: date }) => ({
        stateMachineArn: machineArn('AccountClosure'),
        name: `${BATCH}-${accountId}`,
        input: { batchId: BATCH, reason: REASON, accountId, until: date },
      })),
    );
  });

  it('counts a closure skipped at its execution, and one that failed, and goes on with the others', async () => {
    // Prepare
    const fakes = new Fakes(plannedBatch(threeClosures, { skipped: 1 }), {
      '222222222222': skipped('222222222222'),
      '333333333333': failedWith('AccountClosureFailedError'),
    });

    // Act
    const execution = await runBatch(fakes);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ batchId: BATCH, closed: 1, skipped: 2, failed: 1, departed: 0 });
    expect(fakes.children).toHaveLength(3);
  });

  it('counts a closure that ended because its account left the organization as departed, not failed', async () => {
    // Prepare
    const fakes = new Fakes(plannedBatch(threeClosures), {
      '333333333333': {
        output: {
          batchId: BATCH,
          accountId: '333333333333',
          outcome: 'departed',
          error: 'AccountDepartedError',
          reason: 'account 333333333333 was removed from the organization',
        },
      },
    });

    // Act
    const execution = await runBatch(fakes);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ batchId: BATCH, closed: 2, skipped: 0, failed: 0, departed: 1 });
    // the closure recorded its own outcome: the batch writes nothing over it
    expect(fakes.finishes).toEqual([]);
  });

  it('reports which account a closure failed for, and why', async () => {
    // Prepare
    const fakes = new Fakes(plannedBatch([{ accountId: '333333333333', until: null }]), {
      '333333333333': failedWith('AccountClosureFailedError'),
    });

    // Act
    const execution = await runBatch(fakes);

    // Assess
    const mapped = execution.history.find((e) => e.type === 'MapStateExited');
    expect(JSON.parse((mapped?.stateExitedEventDetails?.output as string | undefined) ?? 'null')).toEqual([
      { accountId: '333333333333', outcome: 'failed', error: 'States.TaskFailed' },
    ]);
    expect(execution.state.output).toEqual({ batchId: BATCH, closed: 0, skipped: 0, failed: 1, departed: 0 });
    // the batch records it failed, in case the closure execution ended without recording it (timed out, stopped)
    expect(fakes.finishes).toEqual([
      {
        batchId: BATCH,
        accountId: '333333333333',
        reason: REASON,
        outcome: 'failed',
        failure: { Error: 'States.TaskFailed', Cause: expect.stringContaining('AccountClosureFailedError') },
      },
    ]);
  });

  it('succeeds with nothing to close when every account was skipped', async () => {
    // Prepare
    const fakes = new Fakes(plannedBatch([], { skipped: 4 }));

    // Act
    const execution = await runBatch(fakes);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ batchId: BATCH, closed: 0, skipped: 4, failed: 0, departed: 0 });
  });

  it('fails with the error of a plan that cannot be made', async () => {
    // Prepare
    const fakes = new Fakes(() => {
      throw {
        error: 'OrganizationalUnitNotFoundError',
        cause: JSON.stringify({
          errorType: 'OrganizationalUnitNotFoundError',
          errorMessage: 'organizational unit Sandbox no longer exists; ask again with an existing one',
        }),
      };
    });

    // Act
    const execution = await runBatch(fakes);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('OrganizationalUnitNotFoundError');
    expect(fakes.children).toEqual([]);
  });
});
