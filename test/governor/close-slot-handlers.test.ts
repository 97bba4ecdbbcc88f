import 'aws-sdk-client-mock-vitest/extend';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readBatch, recordBatch } from '../../functions/account-closure/batch-store';
import { PACE_MARGIN } from '../../functions/governor/plan';
import { lambdaContext } from '../functions/fixtures/lambda-context';
import { governorTableOnDynalite } from '../governor-table';

// Acquire Close Slot and Release Close Slot as Lambda runs them, with the close pool's defaults (no
// CLOSE_ACCOUNT_* variable set): the table on dynalite, Step Functions mocked with aws-sdk-client-mock.

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const table = governorTableOnDynalite();
const sfn = mockClient(SFNClient);
const handlers: Record<string, Handler> = {};
const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);
const BATCH = 'cb-0001';
const accounts = ['222222222222', '333333333333', '444444444444', '555555555555'];
const requestIdOf = (accountId: string) => `${BATCH}-${accountId}`;

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  for (const folder of ['acquire-close-slot', 'release-close-slot'])
    handlers[folder] = (
      (await import(`../../functions/account-closure/${folder}/handler.ts`)) as { handler: Handler }
    ).handler;
});
afterAll(() => vi.unstubAllEnvs());

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  await recordBatch(
    { db: table.db, table: table.name },
    {
      batchId: BATCH,
      reason: 'the sandbox OU is swept',
      requestedBy: 'arn:aws:sts::111111111111:assumed-role/CloudOps/jane',
      source: 'api',
      dryRun: false,
      createdAt: new Date(NOW).toISOString(),
      selection: { accountIds: accounts, includeSubOrganizationalUnits: false },
      plan: [
        ...accounts.slice(0, 3).map((accountId) => ({ accountId, decision: 'close-now' as const })),
        { accountId: accounts[3] as string, decision: 'deferred', until: new Date(NOW).toISOString() },
      ],
      quota: { used: 0, limit: 250, nextFitsAt: new Date(NOW).toISOString() },
    },
    NOW,
  );
});
afterEach(() => vi.useRealTimers());

const acquire = (accountId: string, taskToken = `token-${accountId}`) =>
  (handlers['acquire-close-slot'] as Handler)(
    { requestId: requestIdOf(accountId), taskToken, batchId: BATCH, accountId },
    lambdaContext('acquire-close-slot'),
  );
const release = (accountId: string) =>
  (handlers['release-close-slot'] as Handler)(
    { requestId: requestIdOf(accountId) },
    lambdaContext('release-close-slot'),
  );
/** The grant sent to a token, parsed. */
const grantTo = (taskToken: string) => {
  const sent = sfn
    .commandCalls(SendTaskSuccessCommand)
    .find((call) => call.args[0].input.taskToken === taskToken);
  return sent ? JSON.parse(sent.args[0].input.output ?? '{}') : undefined;
};

describe('Acquire Close Slot and Release Close Slot', () => {
  it('holds 3 closures in flight by default, their CloseAccount calls 20 s apart (0.05 per second, burst 1) and 5 % more', async () => {
    // Act
    const results = [];
    for (const accountId of accounts) results.push(await acquire(accountId));

    // Assess: 20 s paced PACE_MARGIN slower, for clock drift
    expect(PACE_MARGIN).toBe(1.05);
    expect(results).toEqual([
      { ticket: 1, handedOver: 1 },
      { ticket: 2, handedOver: 1 },
      { ticket: 3, handedOver: 1 },
      { ticket: 4, handedOver: 0 },
    ]);
    expect(accounts.slice(0, 3).map((a) => grantTo(`token-${a}`))).toEqual([
      { slot: 0, ticket: 1, leaseExpiresAt: new Date(NOW + 14_400_000).toISOString(), callAt: NOW },
      { slot: 1, ticket: 2, leaseExpiresAt: new Date(NOW + 14_400_000).toISOString(), callAt: NOW + 21_000 },
      { slot: 2, ticket: 3, leaseExpiresAt: new Date(NOW + 14_400_000).toISOString(), callAt: NOW + 42_000 },
    ]);
    expect(grantTo(`token-${accounts[3]}`)).toBeUndefined();
    expect(await table.item('close-account', 'slot#002')).toMatchObject({
      holder: requestIdOf(accounts[2] as string),
    });
  });

  it('hands a released slot to the next in line, paced 21 s after the last call', async () => {
    // Prepare
    for (const accountId of accounts) await acquire(accountId);
    vi.setSystemTime(NOW + 30_000);

    // Act
    const released = await release(accounts[0] as string);

    // Assess
    expect(released).toEqual({ released: true });
    expect(grantTo(`token-${accounts[3]}`)).toEqual({
      slot: 0,
      ticket: 4,
      leaseExpiresAt: new Date(NOW + 30_000 + 14_400_000).toISOString(),
      callAt: NOW + 63_000,
    });
  });

  it("records in the batch that the account waits for a slot, its deferral's date gone", async () => {
    // Act
    await acquire(accounts[3] as string);

    // Assess
    const account = (await readBatch({ db: table.db, table: table.name }, BATCH))?.accounts.find(
      (a) => a.accountId === accounts[3],
    );
    expect(account).toEqual({
      accountId: accounts[3],
      state: 'waiting-for-slot',
      updatedAt: new Date(NOW).toISOString(),
    });
  });

  it('refuses an acquire that names no batch or account with ValidationError, before getting in line', async () => {
    // Act
    const acquiring = (handlers['acquire-close-slot'] as Handler)(
      { requestId: requestIdOf('222222222222'), taskToken: 'token-x' },
      lambdaContext('acquire-close-slot'),
    );

    // Assess
    await expect(acquiring).rejects.toMatchObject({ name: 'ValidationError' });
    expect(await table.item('close-account', 'slot#000')).toBeUndefined();
    expect(sfn.calls()).toHaveLength(0);
  });

  it('releases twice, or without a slot, calmly', async () => {
    // Prepare
    await acquire(accounts[0] as string);

    // Act
    const first = await release(accounts[0] as string);
    const again = await release(accounts[0] as string);
    const never = await release(accounts[1] as string);

    // Assess
    expect([first, again, never]).toEqual([{ released: true }, { released: false }, { released: false }]);
  });
});
