import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../../functions/_shared/errors';
import {
  definitionSubstitutions,
  type FunctionName,
  placeholderOf,
  stateMachines,
} from '../../functions/_shared/functions';
import { phaseOfState } from '../../functions/api/request-status';
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
  loadDefinitionFile(definitionFile, { substitutions: definitionSubstitutions('AccountVending', arnOf) });

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

type Step = (input: Json, call: number) => Json;

/** Fake steps by function name; each counts its calls. A step may throw a `failure(...)`. */
class Steps implements TaskPort {
  readonly calls: { name: string; input: Json }[] = [];
  constructor(private readonly steps: Partial<Record<FunctionName, Step>>) {}

  async invoke(task: TaskRequest): Promise<Json> {
    const name = task.resource.split(':function:orgflow-')[1] as FunctionName;
    this.calls.push({ name, input: task.input });
    const step = this.steps[name];
    if (!step) throw failure('Lambda.ResourceNotFoundException', `no fake for ${name}`);
    return step(task.input, this.calls.filter((c) => c.name === name).length);
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }
}

const happySteps = (): Partial<Record<FunctionName, Step>> => ({
  ValidateRequest: () => request,
  AcquireCreateSlot: () => ({ slot: 0, ticket: 1, leaseExpiresAt: '2026-03-01T11:00:00.000Z' }),
  CreateAccount: () => ({ createAccountRequestId: 'car-1', source: 'new' }),
  CheckCreateAccountStatus: () => ({ state: 'SUCCEEDED', accountId: '123456789012' }),
  ReleaseCreateSlot: () => ({ released: true }),
  AdoptExistingAccount: () => ({ accountId: '210987654321', adopted: true }),
  MoveAccount: () => ({ moved: true, from: 'r-ab12' }),
  TagAccount: () => ({ tagged: 1 }),
  AttachPolicies: () => ({ attached: ['p-deny00001'], alreadyAttached: [] }),
  PublishAccountVended: () => ({ eventId: 'evt-1' }),
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
    const deadline = execution.nextDeadline();
    if (execution.status !== 'RUNNING' || deadline === undefined) break;
    clock.advance(Math.max(0, deadline - clock.now()));
  }
  return { execution, elapsedMs: clock.now() - start };
}

/** Errors a step throws to be asked again later: its Retry is a poll, not a fault's backoff. */
const polls = ['AccountCreationInProgressError'];
const inProgress = () => {
  throw failure('AccountCreationInProgressError', 'AWS is still creating the account of car-1');
};

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
    expect(tasks).toHaveLength(11);
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
        if (!retrier.ErrorEquals.every((error) => polls.includes(error)))
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
    ]);

    // Assess
    expect(named.size).toBeGreaterThan(3);
    for (const name of named) expect(defined).toContain(name);
  });

  it('vends an account: waits for a slot and for the creation, releases the slot, configures and announces it', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      AcquireCreateSlot: (_input, call) => {
        if (call < 3) throw failure('SlotUnavailableError', 'number 1 in line');
        return { slot: 2, ticket: 9, leaseExpiresAt: '2026-03-01T11:00:00.000Z' };
      },
      CheckCreateAccountStatus: (_input, call) =>
        call < 3 ? inProgress() : { state: 'SUCCEEDED', accountId: '123456789012' },
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
      'AcquireCreateSlot',
      'CreateAccount',
      'CheckCreateAccountStatus',
      'CheckCreateAccountStatus',
      'CheckCreateAccountStatus',
      'ReleaseCreateSlot',
      'MoveAccount',
      'TagAccount',
      'AttachPolicies',
      'PublishAccountVended',
    ]);
    const inputOf = (name: string) => steps.calls.find((c) => c.name === name)?.input;
    // started without what the API resolved: Validate Request resolves everything itself
    expect(inputOf('ValidateRequest')).toEqual({ ...input, resolved: null });
    expect(inputOf('CreateAccount')).toEqual({ requestId: 'ar-0123456789abcdef0123456789abcdef', request });
    expect(inputOf('CheckCreateAccountStatus')).toEqual({
      createAccountRequestId: 'car-1',
      email: request.email,
    });
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
    // the first look after 5 s, then the checks back off: 3 s, then 3.75 s
    const created = execution.history.find(
      (e) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name === 'Create Account',
    )?.timestamp as number;
    const checks = execution.history
      .filter((e) => e.type === 'LambdaFunctionScheduled')
      .map((e) => e.timestamp)
      .slice(5, 8);
    expect(
      [created, ...checks].slice(1).map((t, i) => (t - ([created, ...checks][i] as number)) / 1000),
    ).toEqual([5, 3, 3.75]);
    // one state entered for the three looks
    expect(
      execution.history.filter(
        (e) =>
          e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'Check Create Account Status',
      ),
    ).toHaveLength(1);
  });

  it('adopts the account that already has the email after EMAIL_ALREADY_EXISTS', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      CheckCreateAccountStatus: () => {
        throw failure('EmailAlreadyExistsError', 'the email address is taken');
      },
    });

    // Act
    const { execution } = await runVending(load(), steps);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toMatchObject({ accountId: '210987654321', adopted: true });
    expect(steps.names().slice(3, 8)).toEqual([
      'CheckCreateAccountStatus',
      'ReleaseCreateSlot',
      'AdoptExistingAccount',
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
    ['InvalidEmailError', 'CheckCreateAccountStatus'],
    ['AccountCreationFailedError', 'CheckCreateAccountStatus'],
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
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe(name);
    expect(JSON.parse(execution.state.cause ?? '{}')).toMatchObject({
      errorMessage: `the words for ${name}`,
    });
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
    expect(execution.state.error).toBe('ValidationError');
    expect(steps.names()).toEqual(['ValidateRequest']);
  });

  it('gives up after 50 checks of a creation that never finishes, with a named error, and frees the slot', async () => {
    // Prepare
    const steps = new Steps({
      ...happySteps(),
      CheckCreateAccountStatus: inProgress,
    });

    // Act
    const { execution, elapsedMs } = await runVending(load(), steps);

    // Assess
    expect(execution.state.error).toBe('CreateAccountTimeoutError');
    expect(execution.state.cause).toMatch(/still creating the account after 50 checks/);
    expect(steps.names().filter((n) => n === 'CheckCreateAccountStatus')).toHaveLength(50);
    expect(steps.names().at(-1)).toBe('ReleaseCreateSlot');
    // 5 s, then backoff 3 s → 30 s: about 21 minutes, inside the 40-minute slot lease
    expect(elapsedMs / 60_000).toBeGreaterThan(20);
    expect(elapsedMs / 60_000).toBeLessThan(25);
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
});
