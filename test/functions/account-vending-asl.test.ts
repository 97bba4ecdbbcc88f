import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  definitionSubstitutions,
  type FunctionName,
  placeholderOf,
  stateMachines,
} from '../../catalog/functions';
import * as errors from '../../functions/_shared/errors';
import { phaseOfState } from '../../functions/api/request-status';
import { CreateAccountPoolEnvSchema } from '../../functions/governor/pools';
import {
  type AslState,
  Execution,
  type Json,
  loadDefinitionFile,
  ManualClock,
  type StateMachineDefinition,
  seededRandom,
  type TaskPort,
  type TaskRequest,
} from '../../local/stepfunctions/index';

const { definitionFile, functions } = stateMachines.AccountVending;
const arnOf = (name: FunctionName) => `arn:aws:lambda:us-east-1:111111111111:function:orgflow-${name}`;
const load = () =>
  loadDefinitionFile(definitionFile, {
    substitutions: definitionSubstitutions(
      'AccountVending',
      arnOf,
      (name) => `arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-${name}`,
    ),
  });

const request = {
  accountName: 'payments-prod',
  email: 'payments-prod@orgflow.example',
  organizationalUnit: { id: 'ou-ab12-prod0001', path: 'Workloads/Prod' },
  tags: [{ key: 'team', value: 'payments' }],
  policies: [{ id: 'p-deny00001', name: 'DenyLeaveOrganization', type: 'SERVICE_CONTROL_POLICY' }],
};
const caller = { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' };
const input = {
  caller,
  request: { ...request, organizationalUnit: 'Workloads/Prod', policies: ['DenyLeaveOrganization'] },
};

/** A step's failure as the Lambda runner reports it: the error class name and its JSON payload. */
const failure = (name: string, message: string) => ({
  error: name,
  cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }),
});

/** What a step called with `.waitForTaskToken` returns to leave its token unanswered (a lost wake-up). */
const NO_ANSWER = '(no answer)';

type Step = (input: Json, call: number) => Json;

/**
 * Fake steps by function name; each counts its calls. A step may throw a `failure(...)`. Called with
 * `.waitForTaskToken` (its `taskToken` taken out of the input it records), a step's result or failure answers
 * the token, as the function would with SendTaskSuccess/SendTaskFailure.
 */
class Steps implements TaskPort {
  readonly calls: { name: string; input: Json }[] = [];
  readonly answers: { token: string; output?: Json; failure?: { error: string; cause: string } }[] = [];
  constructor(private readonly steps: Partial<Record<FunctionName, Step>>) {}

  async invoke(task: TaskRequest): Promise<Json> {
    const name = task.resource.split(':function:orgflow-')[1] as FunctionName;
    const { taskToken: _, ...input } = task.input as Record<string, Json>;
    this.calls.push({ name, input: task.taskToken ? input : task.input });
    const step = this.steps[name];
    if (!step) throw failure('Lambda.ResourceNotFoundException', `no fake for ${name}`);
    const call = this.calls.filter((c) => c.name === name).length;
    if (!task.taskToken) return step(task.input, call);
    try {
      const output = step(input, call);
      if (output !== NO_ANSWER) this.answers.push({ token: task.taskToken, output });
    } catch (thrown) {
      this.answers.push({ token: task.taskToken, failure: thrown as { error: string; cause: string } });
    }
    return {};
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }
}

const happySteps = (): Partial<Record<FunctionName, Step>> => ({
  ValidateRequest: () => request,
  AcquireCreateSlot: () => ({
    slot: 0,
    ticket: 1,
    leaseExpiresAt: '2026-03-01T11:00:00.000Z',
    callAt: Date.UTC(2026, 2, 1, 10, 0, 0),
  }),
  CreateAccount: () => ({ createAccountRequestId: 'car-1', source: 'new' }),
  WatchAccountCreation: () => ({ state: 'SUCCEEDED', accountId: '123456789012' }),
  ReleaseCreateSlot: () => ({ released: true }),
  AdoptExistingAccount: () => ({ accountId: '210987654321', adopted: true }),
  MoveAccount: () => ({ moved: true, from: 'r-ab12' }),
  TagAccount: () => ({ tagged: 1 }),
  AttachPolicies: () => ({ attached: ['p-deny00001'], alreadyAttached: [] }),
  PublishAccountVended: () => ({ eventId: 'evt-1' }),
  // as functions/account-vending/record-request tells them apart: requester-facing errors are refusals
  RecordRequest: (recorded) => {
    const { state, error } = recorded as { state: string; error?: string };
    return {
      state,
      refused: state === 'FAILED' && errors.requesterFacingErrors.has(error ?? ''),
      recorded: true,
    };
  },
});

/** How a request that could not be served ends: the execution succeeds with the failure as its output. */
const refusal = (execution: Execution) => ({
  status: execution.status,
  ...(execution.state.output as { state?: string; error?: string; cause?: string }),
});

async function runVending(definition: StateMachineDefinition, steps: Steps, executionInput: Json = input) {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 10, 0, 0));
  const start = clock.now();
  const execution = await Execution.start(
    definition,
    executionInput,
    { clock, tasks: steps, random: seededRandom(1) },
    { name: 'ar-0123456789abcdef0123456789abcdef' },
  );
  for (let i = 0; i < 10_000 && execution.status === 'RUNNING'; i++) {
    await execution.runUntilIdle();
    // answer every token before time moves (an answer may start a task whose token is answered at once)
    for (let answer = steps.answers.shift(); answer; answer = steps.answers.shift()) {
      if (answer.failure)
        await execution.sendTaskFailure(answer.token, answer.failure.error, answer.failure.cause);
      else await execution.sendTaskSuccess(answer.token, answer.output as Json);
      await execution.runUntilIdle();
    }
    const deadline = execution.nextDeadline();
    if (execution.status !== 'RUNNING' || deadline === undefined) break;
    clock.advance(Math.max(0, deadline - clock.now()));
  }
  return { execution, elapsedMs: clock.now() - start };
}

/** Errors retried to wait again, not a fault's backoff: a wait for a token that timed out. */
const waits = ['States.Timeout'];

const states = (): Record<string, AslState> => load().json.States as Record<string, AslState>;

describe('statemachines/account-vending.asl.json', () => {
  it('loads on the local engine with every placeholder of the catalog substituted', () => {
    // Act
    const definition = load();

    // Assess
    expect(definition.queryLanguage).toBe('JSONata');
    expect(definition.startAt).toBe('Validate Request');
    const placeholders = [...readFileSync(definitionFile, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(new Set(functions.map(placeholderOf)));
  });

  it('names its states in Title Case, and the API knows the phase of each', () => {
    // Act
    const names = Object.keys(states());

    // Assess
    for (const name of names) expect(name).toMatch(/^[A-Z][a-z]+( [A-Z][a-z]+)*\??$/);
    expect(names.sort()).toEqual(Object.keys(phaseOfState).sort());
  });

  it('retries Lambda faults, throttling and concurrent modification with full jitter, and catches everything', () => {
    // Act
    const tasks = Object.entries(states()).filter(([, state]) => state.Type === 'Task');

    // Assess
    expect(tasks).toHaveLength(15);
    for (const [, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
          'TooManyRequestsException',
          'ConcurrentModificationException',
        ]),
      );
      for (const retrier of state.Retry ?? []) {
        // faults are retried with full jitter; a poll is spaced on purpose (its schedule is the backoff)
        if (!retrier.ErrorEquals.every((error) => waits.includes(error)))
          expect(retrier.JitterStrategy).toBe('FULL');
        expect(retrier.MaxAttempts).toBeGreaterThan(0);
      }
      expect(state.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
    }
  });

  it('names only errors that functions/_shared/errors.ts defines (or AWS and Step Functions do)', () => {
    // Prepare
    const text = readFileSync(definitionFile, 'utf8');
    const named = new Set([...text.matchAll(/"(\w+Error)"/g)].map((m) => m[1] as string));
    const defined = new Set([
      ...Object.values(errors)
        .filter((value) => typeof value === 'function')
        .map((errorClass) => (errorClass as { name: string }).name),
      errors.CREATE_ACCOUNT_TIMEOUT_ERROR,
      errors.CREATE_SLOT_TIMEOUT_ERROR,
    ]);

    // Assess
    expect(named.size).toBeGreaterThanOrEqual(3);
    for (const name of named) expect(defined).toContain(name);
  });

  it('vends an account: waits for a slot and for the creation, releases the slot, configures and announces it', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      // the hand-over is lost once: the retry after the timeout is sent the slot, usable 20 s later
      AcquireCreateSlot: (_input, call) =>
        call < 2
          ? NO_ANSWER
          : {
              slot: 2,
              ticket: 9,
              leaseExpiresAt: '2026-03-01T11:00:00.000Z',
              callAt: Date.UTC(2026, 2, 1, 10, 5, 21),
            },
      // the CreateAccountResult event is lost twice: the third wait looks and finds the account
      WatchAccountCreation: (_input, call) =>
        call < 3 ? NO_ANSWER : { state: 'SUCCEEDED', accountId: '123456789012' },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.state.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({
      requestId: 'ar-0123456789abcdef0123456789abcdef',
      accountId: '123456789012',
      accountName: 'payments-prod',
      email: 'payments-prod@orgflow.example',
      organizationalUnit: { id: 'ou-ab12-prod0001', path: 'Workloads/Prod' },
      adopted: false,
    });
    expect(steps.names()).toEqual([
      'ValidateRequest',
      'AcquireCreateSlot',
      'AcquireCreateSlot',
      'CreateAccount',
      'RecordRequest',
      'WatchAccountCreation',
      'WatchAccountCreation',
      'WatchAccountCreation',
      'ReleaseCreateSlot',
      'RecordRequest',
      'MoveAccount',
      'TagAccount',
      'AttachPolicies',
      'PublishAccountVended',
      'RecordRequest',
    ]);
    const inputOf = (name: string) => steps.calls.find((c) => c.name === name)?.input;
    // started without what the API resolved: Validate Request resolves everything itself
    expect(inputOf('ValidateRequest')).toEqual({ ...input, resolved: null });
    expect(inputOf('CreateAccount')).toEqual({ requestId: 'ar-0123456789abcdef0123456789abcdef', request });
    // the first wait only listens; a wait after a timeout also looks
    expect(steps.calls.filter((c) => c.name === 'WatchAccountCreation').map((c) => c.input)).toEqual(
      [false, true, true].map((look) => ({ createAccountRequestId: 'car-1', email: request.email, look })),
    );
    // a new account is in the root and was tagged by CreateAccount
    expect(inputOf('MoveAccount')).toEqual({
      accountId: '123456789012',
      organizationalUnitId: 'ou-ab12-prod0001',
      inRoot: true,
    });
    expect(inputOf('TagAccount')).toEqual({ accountId: '123456789012', tags: [] });
    expect(inputOf('AttachPolicies')).toEqual({ accountId: '123456789012', policies: request.policies });
    expect(inputOf('PublishAccountVended')).toEqual({
      requestId: 'ar-0123456789abcdef0123456789abcdef',
      caller,
      request,
      accountId: '123456789012',
      adopted: false,
    });
    // one state entered for the three waits; timed out: the lost hand-over once, the lost event twice
    const waits = execution.history.filter(
      (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'Wait For Account',
    );
    expect(waits).toHaveLength(1);
    const timedOut = execution.history.filter((e) => e.type === 'TaskTimedOut').map((e) => e.timestamp);
    expect(timedOut).toHaveLength(3);
    // the record follows the request: creating, its account, vended; each with who asked for what
    const recorded = steps.calls.filter((c) => c.name === 'RecordRequest').map((c) => c.input);
    expect(recorded).toEqual([
      { requestId: 'ar-0123456789abcdef0123456789abcdef', caller, request: input.request, state: 'CREATING' },
      expect.objectContaining({ state: 'CONFIGURING', accountId: '123456789012' }),
      expect.objectContaining({ state: 'SUCCEEDED', accountId: '123456789012' }),
    ]);
  });

  it('adopts the account that already has the email after EMAIL_ALREADY_EXISTS', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      WatchAccountCreation: () => {
        throw failure('EmailAlreadyExistsError', 'the email address is taken');
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toMatchObject({ accountId: '210987654321', adopted: true });
    expect(steps.names().slice(4, 10)).toEqual([
      'WatchAccountCreation',
      'ReleaseCreateSlot',
      'AdoptExistingAccount',
      'RecordRequest',
      'MoveAccount',
      'TagAccount',
    ]);
    expect(steps.calls.find((c) => c.name === 'MoveAccount')?.input).toMatchObject({
      accountId: '210987654321',
      inRoot: false,
    });
    expect(steps.calls.find((c) => c.name === 'TagAccount')?.input).toEqual({
      accountId: '210987654321',
      tags: request.tags,
    });
  });

  it.each([
    ['InvalidEmailError', 'WatchAccountCreation'],
    ['AccountCreationFailedError', 'WatchAccountCreation'],
    ['AccountLimitExceededError', 'CreateAccount'],
  ] as const)('ends with %s from %s after releasing the slot', async (name, failingStep) => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      [failingStep]: () => {
        throw failure(name, `the words for ${name}`);
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    const ended = refusal(execution);
    expect(ended).toMatchObject({ status: 'SUCCEEDED', state: 'FAILED', error: name });
    expect(JSON.parse(ended.cause ?? '{}')).toMatchObject({ errorMessage: `the words for ${name}` });
    expect(steps.calls.at(-1)?.input).toMatchObject({ state: 'FAILED', error: name, cause: ended.cause });
    expect(steps.names().filter((n) => n === 'ReleaseCreateSlot')).toHaveLength(1);
    expect(steps.names()).not.toContain('MoveAccount');
  });

  it('hands Validate Request what the API resolved, to verify instead of resolving again', async () => {
    // Prepare
    const steps = new Steps(happySteps());
    const resolved = { organizationalUnit: request.organizationalUnit, policies: request.policies };

    // Act
    const { execution } = await runVending(load(), steps, { ...input, resolved });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.calls.find((c) => c.name === 'ValidateRequest')?.input).toEqual({ ...input, resolved });
  });

  it('refuses an invalid request without taking a slot', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      ValidateRequest: () => {
        throw failure('ValidationError', 'the request is not valid: organizationalUnit: …');
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(refusal(execution)).toMatchObject({
      status: 'SUCCEEDED',
      state: 'FAILED',
      error: 'ValidationError',
    });
    expect(steps.names()).toEqual(['ValidateRequest', 'RecordRequest']);
  });

  it('gives up on a creation that never finishes after about 20 minutes, with a named error, and frees the slot', async () => {
    // Prepare
    const steps = new Steps({ ...happySteps(), WatchAccountCreation: () => NO_ANSWER });

    // Act
    const { execution, elapsedMs } = await runVending(load(), steps);

    // Assess
    expect(refusal(execution)).toMatchObject({ state: 'FAILED', error: 'CreateAccountTimeoutError' });
    expect(refusal(execution).cause).toMatch(/still creating the account after about 20 minutes/);
    expect(steps.names().filter((n) => n === 'WatchAccountCreation')).toHaveLength(11);
    expect(steps.names().slice(-2)).toEqual(['ReleaseCreateSlot', 'RecordRequest']);
    // 11 waits of 2 minutes: about 22 minutes, inside the one-hour slot lease
    expect(elapsedMs / 60_000).toBeGreaterThan(20);
    expect(elapsedMs / 60_000).toBeLessThan(25);
  });

  it('gives up waiting in line after about 21 hours with CreateSlotTimeoutError, inside the execution timeout', async () => {
    // Prepare
    const steps = new Steps({ ...happySteps(), AcquireCreateSlot: () => NO_ANSWER });

    // Act
    const { execution, elapsedMs } = await runVending(load(), steps);

    // Assess
    expect(refusal(execution)).toMatchObject({ state: 'FAILED', error: 'CreateSlotTimeoutError' });
    expect(refusal(execution).cause).toMatch(/no account creation slot came free in about 21 hours/);
    expect(steps.names().filter((n) => n === 'AcquireCreateSlot')).toHaveLength(251);
    expect(steps.names().slice(-2)).toEqual(['ReleaseCreateSlot', 'RecordRequest']);
    expect(elapsedMs / 3_600_000).toBeGreaterThan(20);
    expect(elapsedMs / 1000).toBeLessThan(load().json.TimeoutSeconds as number);
  });

  it('keeps the longest path inside the execution timeout, and a slot holder inside the slot lease', () => {
    // Prepare
    const all = states();
    const retrier = (state: string, error: string) =>
      all[state]?.Retry?.find((r) => r.ErrorEquals.includes(error));
    /** the longest a state's retries of `error` can wait (full jitter waits less) */
    const longestRetries = (state: string, error: string) => {
      const r = retrier(state, error)!;
      let total = 0;
      for (let k = 0; k < (r.MaxAttempts ?? 3); k++)
        total += Math.min(
          r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
          (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** k,
        );
      return total;
    };
    const waits = (state: string) =>
      ((retrier(state, 'States.Timeout')?.MaxAttempts ?? 0) + 1) * (all[state]?.TimeoutSeconds as number) +
      longestRetries(state, 'States.Timeout');
    const holding =
      longestRetries('Create Account', 'AccountCreationRateLimitedError') + waits('Wait For Account');
    const lease = CreateAccountPoolEnvSchema.parse({
      GOVERNOR_TABLE_NAME: 't',
    }).CREATE_ACCOUNT_SLOT_LEASE_SECONDS;

    // Assess
    expect(waits('Acquire Create Slot') + holding).toBeLessThan(load().json.TimeoutSeconds as number);
    expect(holding).toBeLessThan(lease);
  });

  it('retries throttling by its AWS name and carries on', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      MoveAccount: (_input, call) => {
        if (call === 1) throw failure('TooManyRequestsException', 'Rate exceeded');
        if (call === 2) throw failure('ConcurrentModificationException', 'busy');
        return { moved: true, from: 'r-ab12' };
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.names().filter((n) => n === 'MoveAccount')).toHaveLength(3);
  });

  it('goes on when releasing the slot fails: the lease frees it later', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      ReleaseCreateSlot: () => {
        throw failure('ResourceNotFoundException', 'table gone');
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('fails the execution when a step breaks, after recording the failure with its error', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      MoveAccount: () => {
        throw failure('AccessDeniedException', 'not authorized to perform organizations:MoveAccount');
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('AccessDeniedException');
    expect(steps.calls.at(-1)).toEqual({
      name: 'RecordRequest',
      input: expect.objectContaining({
        state: 'FAILED',
        accountId: '123456789012',
        error: 'AccessDeniedException',
        cause: execution.state.cause,
      }),
    });
  });

  it('records a failure of Validate Request, without an account', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      ValidateRequest: () => {
        throw failure('Sandbox.Timedout', 'Task timed out after 30.00 seconds');
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(steps.calls.find((c) => c.name === 'RecordRequest')?.input).toEqual({
      requestId: 'ar-0123456789abcdef0123456789abcdef',
      caller,
      request: input.request,
      state: 'FAILED',
      accountId: null,
      error: 'Sandbox.Timedout',
      cause: execution.state.cause,
    });
  });

  it('fails with the original error when the failure cannot be recorded, and goes on when progress cannot', async () => {
    // Prepare
    const broken = () => {
      throw failure('ResourceNotFoundException', 'table gone');
    };
    const refused = new Steps({
      ...happySteps(),
      RecordRequest: broken,
      WatchAccountCreation: () => {
        throw failure('InvalidEmailError', 'AWS refused the address');
      },
    });
    const vended = new Steps({ ...happySteps(), RecordRequest: broken });

    // Act
    const { execution: failed } = await runVending(load(), refused);
    const { execution: succeeded } = await runVending(load(), vended);

    // Assess
    expect(failed.status).toBe('FAILED');
    expect(failed.state.error).toBe('InvalidEmailError');
    expect(succeeded.status).toBe('SUCCEEDED');
    expect(succeeded.state.output).toMatchObject({ accountId: '123456789012' });
  });
});
