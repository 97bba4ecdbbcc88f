import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ExecutionStatusChangeEvent,
  ExecutionStatusChangeEventSchema,
  recordEndedExecution,
} from '../../functions/account-vending/record-ended-execution/record-ended-execution';
import {
  readRequestRecord,
  recordProgress,
  recordSubmission,
} from '../../functions/account-vending/request-record';
import { matches } from '../../local/eventbridge/pattern';
import { governorTableOnDynalite } from '../governor-table';

// Record Ended Execution on the real table (dynalite): the request of a vending execution that timed out, was
// stopped or failed without recording it is recorded FAILED, once.

const table = governorTableOnDynalite();
const root = join(import.meta.dirname, '../..');
const sample = ExecutionStatusChangeEventSchema.parse(
  JSON.parse(readFileSync(join(root, 'events/samples/states-execution-aborted.json'), 'utf8')),
);
const VENDING = sample.detail.stateMachineArn;
const requestId = sample.detail.name;
const { caller, request } = JSON.parse(sample.detail.input!);
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const STOPPED = sample.detail.stopDate!;

const ports = (now = STOPPED + 60_000) => ({
  db: table.db,
  table: table.name,
  vendingStateMachineArn: VENDING,
  now: () => now,
});
const ended = (
  status: string,
  detail: Partial<ExecutionStatusChangeEvent['detail']> = {},
): ExecutionStatusChangeEvent => ({
  ...sample,
  detail: { ...sample.detail, status, ...detail },
});

async function creating(accountId?: string) {
  await recordSubmission(ports(), { requestId, idempotencyKey: 'k1', caller, request, now: T0 });
  await recordProgress(ports(), {
    requestId,
    caller,
    request,
    state: 'CREATING',
    ...(accountId ? { accountId } : {}),
    now: T0 + 1000,
  });
}

describe('Record Ended Execution', () => {
  it('records a stopped request FAILED with ExecutionAborted and a reason, once: a duplicate changes nothing', async () => {
    // Prepare
    await creating('123456789012');

    // Act
    const first = await recordEndedExecution(ports(), sample);
    const recorded = await readRequestRecord(ports(), requestId);
    const duplicate = await recordEndedExecution(ports(STOPPED + 120_000), sample);

    // Assess
    expect(first).toEqual({ outcome: 'recorded', requestId, error: 'ExecutionAborted' });
    expect(duplicate).toEqual({ outcome: 'already-ended', requestId, state: 'FAILED' });
    expect(recorded).toMatchObject({
      state: 'FAILED',
      error: 'ExecutionAborted',
      accountId: '123456789012',
      idempotencyKey: 'k1',
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(STOPPED).toISOString(),
      completedAt: new Date(STOPPED).toISOString(),
    });
    expect(recorded?.reason).toBe(
      `the request was stopped before it finished; its account 123456789012 was created but may not be configured as asked; give the platform team the request id ${requestId}`,
    );
    expect(await readRequestRecord(ports(), requestId)).toEqual(recorded);
  });

  it('records a request whose execution timed out FAILED with ExecutionTimedOut', async () => {
    // Prepare
    await creating();

    // Act
    const outcome = await recordEndedExecution(ports(), ended('TIMED_OUT'));

    // Assess
    expect(outcome).toEqual({ outcome: 'recorded', requestId, error: 'ExecutionTimedOut' });
    const record = await readRequestRecord(ports(), requestId);
    expect(record).toMatchObject({ state: 'FAILED', error: 'ExecutionTimedOut' });
    expect(record).not.toHaveProperty('accountId');
    expect(record?.reason).toMatch(/^the request did not finish within the time its workflow allows/);
  });

  it("records a failure Record Failure could not record with the execution's error, named and not described", async () => {
    // Prepare
    await creating();

    // Act
    const outcome = await recordEndedExecution(
      ports(),
      ended('FAILED', { error: 'States.Runtime', cause: 'an internal detail' }),
    );

    // Assess
    expect(outcome).toEqual({ outcome: 'recorded', requestId, error: 'States.Runtime' });
    const record = await readRequestRecord(ports(), requestId);
    expect(record).toMatchObject({ state: 'FAILED', error: 'States.Runtime' });
    expect(record?.reason).toMatch(/internal error \(States\.Runtime\)/);
    expect(record?.reason).not.toMatch(/internal detail/);
  });

  it('leaves an outcome already recorded as it is: the end of an execution whose Record step ran', async () => {
    // Prepare
    await creating();
    await recordProgress(ports(), {
      requestId,
      caller,
      request,
      state: 'FAILED',
      error: 'EmailAlreadyExistsError',
      reason: 'the email is taken',
      now: T0 + 2000,
    });
    const before = await readRequestRecord(ports(), requestId);

    // Act
    const outcome = await recordEndedExecution(
      ports(),
      ended('FAILED', { error: 'EmailAlreadyExistsError' }),
    );

    // Assess
    expect(outcome).toEqual({ outcome: 'already-ended', requestId, state: 'FAILED' });
    expect(await readRequestRecord(ports(), requestId)).toEqual(before);
  });

  it('records a request started without the API from the execution input, when it has no record yet', async () => {
    // Act
    const outcome = await recordEndedExecution(ports(), sample);

    // Assess
    expect(outcome).toEqual({ outcome: 'recorded', requestId, error: 'ExecutionAborted' });
    expect(await readRequestRecord(ports(), requestId)).toMatchObject({
      requestId,
      caller,
      request,
      owner: 'arn:aws:iam::222233334444:role/PortalRole',
      state: 'FAILED',
      error: 'ExecutionAborted',
    });
  });

  it("ignores other state machines' executions, and an execution with neither record nor input", async () => {
    // Act
    const other = await recordEndedExecution(
      ports(),
      ended('ABORTED', { stateMachineArn: VENDING.replace('account-vending', 'closure-batch') }),
    );
    const unknown = await recordEndedExecution(ports(), ended('ABORTED', { input: null }));

    // Assess
    expect(other).toMatchObject({ outcome: 'not-a-request' });
    expect(unknown).toMatchObject({ outcome: 'not-a-request' });
    expect(await readRequestRecord(ports(), requestId)).toBeUndefined();
  });

  it('records a vended request whose Record Success did not get through SUCCEEDED with its account, from the output', async () => {
    // Prepare
    await creating('444455556666');

    // Act
    const outcome = await recordEndedExecution(
      ports(),
      ended('SUCCEEDED', {
        output: JSON.stringify({ requestId, accountId: '444455556666', adopted: false }),
      }),
    );

    // Assess
    expect(outcome).toEqual({ outcome: 'recorded', requestId, error: 'none' });
    expect(await readRequestRecord(ports(), requestId)).toMatchObject({
      state: 'SUCCEEDED',
      accountId: '444455556666',
    });
  });

  it('records a refused request whose Record Failure did not get through FAILED with its error, from the output', async () => {
    // Prepare
    await creating();

    // Act
    const outcome = await recordEndedExecution(
      ports(),
      ended('SUCCEEDED', {
        output: JSON.stringify({
          state: 'FAILED',
          error: 'EmailAlreadyExistsError',
          cause: JSON.stringify({ errorMessage: 'the email is in use' }),
        }),
      }),
    );

    // Assess
    expect(outcome).toEqual({ outcome: 'recorded', requestId, error: 'EmailAlreadyExistsError' });
    expect(await readRequestRecord(ports(), requestId)).toMatchObject({
      state: 'FAILED',
      error: 'EmailAlreadyExistsError',
    });
  });

  it("is the target of the rule matching executions' ends, not their start", () => {
    // Prepare
    const rule = JSON.parse(readFileSync(join(root, 'events/rules/record-ended-request.json'), 'utf8'));

    // Act
    const matched = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].filter((status) =>
      matches(rule.eventPattern, ended(status)),
    );

    // Assess
    expect(rule.target).toEqual({ function: 'RecordEndedExecution' });
    expect(matched).toEqual(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
  });
});
