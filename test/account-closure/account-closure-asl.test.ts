import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  definitionSubstitutions,
  type FunctionName,
  placeholderOf,
  stateMachines,
} from '../../catalog/functions';
import {
  type AslState,
  type Json,
  loadDefinitionFile,
  type ManualClock,
  type StateMachineDefinition,
} from '../../local/stepfunctions/index';
import { failure, NO_ANSWER, runWithSteps, type Step, Steps } from '../stepfunctions/fake-steps';

// statemachines/account-closure.asl.json run on the local engine, each step a fake that records its calls and
// the time of each (the virtual clock's), as account-vending-asl.test.ts runs the vending workflow.

const { definitionFile, functions } = stateMachines.AccountClosure;
const arnOf = (name: FunctionName) => `arn:aws:lambda:us-east-1:111111111111:function:orgflow-${name}`;
const load = () =>
  loadDefinitionFile(definitionFile, {
    substitutions: definitionSubstitutions(
      'AccountClosure',
      arnOf,
      (name) => `arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-${name}`,
    ),
  });

const START = Date.UTC(2026, 11, 6, 10, 0, 0);
const DAY = 24 * 60 * 60 * 1000;
const BATCH = 'cb-0001';
const ACCOUNT = '222222222222';
const NAME = `${BATCH}-${ACCOUNT}`;
const REASON = 'the sandbox OU is swept';
const input = { batchId: BATCH, reason: REASON, accountId: ACCOUNT, until: null };

const grant = (callAt: number) => ({
  slot: 0,
  ticket: 1,
  leaseExpiresAt: new Date(callAt + 3_600_000).toISOString(),
  callAt,
});

const happySteps = (): Partial<Record<FunctionName, Step>> => ({
  AcquireCloseSlot: () => grant(START + 21_000),
  CheckAccount: () => ({ accountId: ACCOUNT, outcome: 'ready' }),
  CloseAccount: () => ({ accountId: ACCOUNT, outcome: 'requested' }),
  WatchAccountClosure: () => ({ accountId: ACCOUNT, state: 'SUCCEEDED' }),
  ReleaseCloseSlot: () => ({ released: true }),
  FinishClosure: (stepInput) => ({
    accountId: ACCOUNT,
    outcome: (stepInput as { outcome: string }).outcome,
  }),
});

function runClosure(
  steps: (clock: ManualClock) => Steps,
  executionInput: Json = input,
  definition: StateMachineDefinition = load(),
) {
  return runWithSteps(definition, executionInput, { start: START, name: NAME, steps });
}

const withSteps =
  (overrides: Partial<Record<FunctionName, Step>> = {}) =>
  (clock: ManualClock) =>
    new Steps(clock, { ...happySteps(), ...overrides });

const states = (): Record<string, AslState> => load().json.States as Record<string, AslState>;

describe('statemachines/account-closure.asl.json', () => {
  it('loads on the local engine with every placeholder of the catalog substituted', () => {
    // Act
    const definition = load();

    // Assess
    expect(definition.queryLanguage).toBe('JSONata');
    expect(definition.startAt).toBe('Start Closure');
    const placeholders = [...readFileSync(definitionFile, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(new Set(functions.map(placeholderOf)));
  });

  it('names its states in Title Case; retries Lambda faults and throttling with full jitter and catches everything', () => {
    // Act
    const all = Object.entries(states());
    const tasks = all.filter(([, state]) => state.Type === 'Task');

    // Assess
    for (const [name] of all) expect(name).toMatch(/^[A-Z][a-z]+( [A-Z][a-z]+)*\??$/);
    expect(tasks).toHaveLength(9);
    for (const [name, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'ThrottlingException']));
      // Close Account's throttled call goes back to the governor to be paced again, not retried at random
      if (name === 'Close Account')
        expect(state.Catch?.[0]).toEqual({
          ErrorEquals: ['TooManyRequestsException'],
          Next: 'Acquire Close Slot',
        });
      else expect(retried).toContain('TooManyRequestsException');
      for (const retrier of state.Retry ?? [])
        if (!retrier.ErrorEquals.includes('States.Timeout')) expect(retrier.JitterStrategy).toBe('FULL');
      expect(state.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
    }
  });

  it('closes an account: a slot, CloseAccount at the call time the grant gives, the wait for AWS, the slot back, the finish', async () => {
    // Act
    const { execution, steps } = await runClosure(withSteps());

    // Assess
    expect(execution.state.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ batchId: BATCH, accountId: ACCOUNT, outcome: 'closed' });
    expect(steps.names()).toEqual([
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'WatchAccountClosure',
      'ReleaseCloseSlot',
      'FinishClosure',
    ]);
    expect(steps.of('AcquireCloseSlot')[0]).toMatchObject({
      input: { requestId: NAME, batchId: BATCH, accountId: ACCOUNT },
      at: START,
    });
    // the account is looked at 3 s before the call time of the grant (AWS's throttle), CloseAccount called at it
    expect(steps.of('CheckAccount')[0]).toEqual({
      name: 'CheckAccount',
      input: { batchId: BATCH, accountId: ACCOUNT },
      at: START + 18_000,
    });
    expect(steps.of('CloseAccount')[0]).toEqual({
      name: 'CloseAccount',
      input: { batchId: BATCH, accountId: ACCOUNT },
      at: START + 21_000,
    });
    expect(steps.of('WatchAccountClosure')[0]?.input).toEqual({
      batchId: BATCH,
      accountId: ACCOUNT,
      look: false,
    });
    expect(steps.of('ReleaseCloseSlot')[0]?.input).toEqual({ requestId: NAME });
    expect(steps.of('FinishClosure')[0]?.input).toEqual({
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: REASON,
      outcome: 'closed',
    });
  });

  it('finishes an account found already closed without waiting for AWS', async () => {
    // Prepare
    const closed = withSteps({ CheckAccount: () => ({ accountId: ACCOUNT, outcome: 'closed' }) });

    // Act
    const { execution, steps } = await runClosure(closed);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.names()).toEqual(['AcquireCloseSlot', 'CheckAccount', 'ReleaseCloseSlot', 'FinishClosure']);
  });

  it('waits without a slot until the date of a deferred account, then gets in line', async () => {
    // Prepare
    const until = new Date(START + 10 * DAY).toISOString();

    // Act
    const { execution, steps } = await runClosure(
      withSteps({ AcquireCloseSlot: () => grant(START + 10 * DAY) }),
      { ...input, until },
    );

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.of('AcquireCloseSlot').map((c) => c.at)).toEqual([START + 10 * DAY]);
    expect(steps.of('CloseAccount').map((c) => c.at)).toEqual([START + 10 * DAY]);
  });

  it('starts at once without until in its input (an execution started by hand)', async () => {
    // Act
    const { execution, steps } = await runClosure(withSteps(), {
      batchId: BATCH,
      reason: REASON,
      accountId: ACCOUNT,
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.of('AcquireCloseSlot')[0]?.at).toBe(START);
  });

  it('gives the slot back when Close Account defers the account, waits for the new date, then tries again', async () => {
    // Prepare: closures outside orgflow filled the window; it has room again in 3 days
    const until = START + 21_000 + 3 * DAY;
    const steps = withSteps({
      AcquireCloseSlot: (_input, call) => grant(call === 1 ? START + 21_000 : until + 21_000),
      CloseAccount: (_input, call) =>
        call === 1
          ? { accountId: ACCOUNT, outcome: 'deferred', until: new Date(until).toISOString() }
          : { accountId: ACCOUNT, outcome: 'requested' },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(called.names()).toEqual([
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'ReleaseCloseSlot',
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'WatchAccountClosure',
      'ReleaseCloseSlot',
      'FinishClosure',
    ]);
    expect(called.of('AcquireCloseSlot').map((c) => c.at)).toEqual([START, until]);
    expect(called.of('CloseAccount').map((c) => c.at)).toEqual([START + 21_000, until + 21_000]);
    // the same request: the governor knows it by the execution's name
    expect(
      new Set(called.of('AcquireCloseSlot').map((c) => (c.input as { requestId: string }).requestId)),
    ).toEqual(new Set([NAME]));
  });

  it('gives the slot back when Check Account finds the window full, waits for the date, then checks again', async () => {
    // Prepare
    const until = START + 21_000 + 5 * DAY;
    const steps = withSteps({
      AcquireCloseSlot: (_input, call) => grant(call === 1 ? START + 21_000 : until + 21_000),
      CheckAccount: (_input, call) =>
        call === 1
          ? { accountId: ACCOUNT, outcome: 'deferred', until: new Date(until).toISOString() }
          : { accountId: ACCOUNT, outcome: 'ready' },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess: nothing was called before the date, and the slot went back at once
    expect(execution.status).toBe('SUCCEEDED');
    expect(called.names()).toEqual([
      'AcquireCloseSlot',
      'CheckAccount',
      'ReleaseCloseSlot',
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'WatchAccountClosure',
      'ReleaseCloseSlot',
      'FinishClosure',
    ]);
    expect(called.of('ReleaseCloseSlot')[0]?.at).toBe(START + 18_000);
    expect(called.of('AcquireCloseSlot').map((c) => c.at)).toEqual([START, until]);
  });

  it('takes a throttled CloseAccount back to the governor, keeping its slot, to be paced again', async () => {
    // Prepare: the first call is throttled; the governor answers the holder with a new call time
    const steps = withSteps({
      AcquireCloseSlot: (_input, call) => grant(START + 21_000 * call),
      CloseAccount: (_input, call) => {
        if (call === 1)
          throw failure('TooManyRequestsException', 'AWS Organizations cannot complete your request');
        return { accountId: ACCOUNT, outcome: 'requested' };
      },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(called.names()).toEqual([
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'WatchAccountClosure',
      'ReleaseCloseSlot',
      'FinishClosure',
    ]);
    expect(called.of('CloseAccount').map((c) => c.at)).toEqual([START + 21_000, START + 42_000]);
    expect(called.of('ReleaseCloseSlot')).toHaveLength(1);
  });

  it('records a refused account as skipped and succeeds with the refusal, after giving the slot back', async () => {
    // Prepare
    const detail = 'tagged orgflow:protected=true';
    const steps = withSteps({
      CheckAccount: () => ({ accountId: ACCOUNT, outcome: 'refused', reason: 'protected-account', detail }),
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({
      batchId: BATCH,
      accountId: ACCOUNT,
      outcome: 'skipped',
      reason: detail,
    });
    expect(called.names()).toEqual(['AcquireCloseSlot', 'CheckAccount', 'ReleaseCloseSlot', 'FinishClosure']);
    expect(called.of('FinishClosure')[0]?.input).toEqual({
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: REASON,
      outcome: 'skipped',
      failure: { Error: 'ClosureRefusedError', Cause: detail, reason: 'protected-account' },
    });
  });

  it.each([
    ['in line for a slot', 'AcquireCloseSlot', ['AcquireCloseSlot', 'ReleaseCloseSlot', 'FinishClosure']],
    [
      'waiting for AWS to close it',
      'WatchAccountClosure',
      [
        'AcquireCloseSlot',
        'CheckAccount',
        'CloseAccount',
        'WatchAccountClosure',
        'ReleaseCloseSlot',
        'FinishClosure',
      ],
    ],
    [
      'calling CloseAccount',
      'CloseAccount',
      ['AcquireCloseSlot', 'CheckAccount', 'CloseAccount', 'ReleaseCloseSlot', 'FinishClosure'],
    ],
  ] as const)(
    'ends departed, not failed, when AccountDepartedError answers it %s: the slot back, the batch told',
    async (_when, failingStep, calls) => {
      // Prepare: what the Account Departed reaction (or the step itself) answers
      const words = 'account 222222222222 was removed from the organization (May 29, 2026 9:41:37 AM)';
      const steps = withSteps({
        [failingStep]: () => {
          throw failure('AccountDepartedError', words);
        },
      });

      // Act
      const { execution, steps: called } = await runClosure(steps);

      // Assess
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.state.output).toMatchObject({
        batchId: BATCH,
        accountId: ACCOUNT,
        outcome: 'departed',
        error: 'AccountDepartedError',
      });
      expect(called.names()).toEqual(calls);
      expect(called.of('ReleaseCloseSlot')[0]?.input).toEqual({ requestId: NAME });
      expect(called.of('FinishClosure')[0]?.input).toMatchObject({
        batchId: BATCH,
        accountId: ACCOUNT,
        outcome: 'departed',
        failure: { Error: 'AccountDepartedError', Cause: expect.stringContaining(words) },
      });
    },
  );

  it('ends departed when Check Account finds the planned account gone, without calling CloseAccount', async () => {
    // Prepare
    const detail =
      'account 222222222222 left or was removed from the organization while orgflow was working on it';
    const steps = withSteps({ CheckAccount: () => ({ accountId: ACCOUNT, outcome: 'departed', detail }) });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({
      batchId: BATCH,
      accountId: ACCOUNT,
      outcome: 'departed',
      error: 'AccountDepartedError',
      reason: detail,
    });
    expect(called.names()).toEqual(['AcquireCloseSlot', 'CheckAccount', 'ReleaseCloseSlot', 'FinishClosure']);
    expect(called.of('FinishClosure')[0]?.input).toEqual({
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: REASON,
      outcome: 'departed',
      failure: { Error: 'AccountDepartedError', Cause: detail, reason: 'account-departed' },
    });
  });

  it.each([
    ['AccountClosureFailedError', 'WatchAccountClosure'],
    ['AccessDeniedException', 'CloseAccount'],
    ['ValidationError', 'AcquireCloseSlot'],
  ] as const)(
    'ends with %s from %s after giving the slot back and recording the failure',
    async (name, failingStep) => {
      // Prepare
      const steps = withSteps({
        [failingStep]: () => {
          throw failure(name, `the words for ${name}`);
        },
      });

      // Act
      const { execution, steps: called } = await runClosure(steps);

      // Assess
      expect(execution.status).toBe('FAILED');
      expect(execution.state.error).toBe(name);
      expect(JSON.parse(execution.state.cause ?? '{}')).toMatchObject({
        errorMessage: `the words for ${name}`,
      });
      expect(called.of('ReleaseCloseSlot')).toHaveLength(1);
      expect(called.names().slice(-2)).toEqual(['ReleaseCloseSlot', 'FinishClosure']);
      expect(called.of('FinishClosure')[0]?.input).toMatchObject({
        outcome: 'failed',
        failure: { Error: name },
      });
    },
  );

  it('looks with each wait retried after the CloseAccountResult event was lost', async () => {
    // Prepare
    const steps = withSteps({
      WatchAccountClosure: (_input, call) =>
        call < 3 ? NO_ANSWER : { accountId: ACCOUNT, state: 'SUCCEEDED' },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(called.of('WatchAccountClosure').map((c) => (c.input as { look: boolean }).look)).toEqual([
      false,
      true,
      true,
    ]);
    const timedOut = execution.history.filter((e) => e.type === 'TaskTimedOut');
    expect(timedOut).toHaveLength(2);
  });

  it('gives up on a closure AWS never reports after about 2 hours, with AccountClosureTimeoutError, and frees the slot', async () => {
    // Prepare
    const steps = withSteps({ WatchAccountClosure: () => NO_ANSWER });

    // Act
    const { execution, steps: called, elapsedMs } = await runClosure(steps);

    // Assess
    expect(execution.state.error).toBe('AccountClosureTimeoutError');
    expect(execution.state.cause).toMatch(/still closing the account after about 2 hours/);
    expect(called.of('WatchAccountClosure')).toHaveLength(25);
    expect(called.names().slice(-2)).toEqual(['ReleaseCloseSlot', 'FinishClosure']);
    expect(elapsedMs / 3_600_000).toBeGreaterThan(2);
    expect(elapsedMs / 3_600_000).toBeLessThan(2.2);
  });

  it('gives up waiting in line after about a week with CloseSlotTimeoutError, inside the execution timeout', async () => {
    // Prepare
    const steps = withSteps({ AcquireCloseSlot: () => NO_ANSWER });

    // Act
    const { execution, steps: called, elapsedMs } = await runClosure(steps);

    // Assess
    expect(execution.state.error).toBe('CloseSlotTimeoutError');
    expect(called.of('AcquireCloseSlot')).toHaveLength(2001);
    expect(called.names().slice(-2)).toEqual(['ReleaseCloseSlot', 'FinishClosure']);
    expect(elapsedMs / DAY).toBeGreaterThan(6.9);
    expect(elapsedMs / 1000).toBeLessThan(load().json.TimeoutSeconds as number);
  });

  it('waits a minute while AWS has 3 closures in flight that orgflow did not start, then is paced and checked again', async () => {
    // Prepare
    const steps = withSteps({
      AcquireCloseSlot: (_input, call) => grant(START + 21_000 + (call - 1) * 81_000),
      CloseAccount: (_input, call) => {
        if (call < 3) throw failure('ClosuresInFlightError', 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED');
        return { accountId: ACCOUNT, outcome: 'requested' };
      },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(called.of('CloseAccount')).toHaveLength(3);
    // each refused call goes back to the governor after a minute, and the account is looked at again
    expect(called.of('AcquireCloseSlot').map((c) => c.at)).toEqual([START, START + 81_000, START + 162_000]);
    expect(called.of('CheckAccount')).toHaveLength(3);
    expect(called.of('ReleaseCloseSlot')).toHaveLength(1);
  });

  it('goes on to the finish when giving the slot back fails: the lease frees it later', async () => {
    // Prepare
    const steps = withSteps({
      ReleaseCloseSlot: () => {
        throw failure('ResourceNotFoundException', 'table gone');
      },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(called.names().at(-1)).toBe('FinishClosure');
  });

  it('records the closure as failed when finishing it fails', async () => {
    // Prepare
    const steps = withSteps({
      FinishClosure: (stepInput) => {
        if ((stepInput as { outcome: string }).outcome === 'closed')
          throw failure('OrganizationalUnitNotFoundError', 'organizational unit Closed no longer exists');
        return { accountId: ACCOUNT, outcome: 'failed' };
      },
    });

    // Act
    const { execution, steps: called } = await runClosure(steps);

    // Assess
    expect(execution.state.error).toBe('OrganizationalUnitNotFoundError');
    expect(called.of('FinishClosure').map((c) => (c.input as { outcome: string }).outcome)).toEqual([
      'closed',
      'failed',
    ]);
  });
});
