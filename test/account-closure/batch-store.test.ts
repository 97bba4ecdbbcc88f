import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type BatchRecord,
  type BatchStorePorts,
  readBatch,
  recordBatch,
  setAccountState,
} from '../../functions/account-closure/batch-store';
import { governorTableOnDynalite } from '../governor-table';

// The closure batches' store on a real DynamoDB implementation (dynalite, in memory), emptied before each test.

const NOW = Date.UTC(2026, 11, 6);
const DAY = 24 * 60 * 60 * 1000;
const table = governorTableOnDynalite();
let ports: BatchStorePorts;

beforeEach(() => {
  ports = { db: table.db, table: table.name };
});
afterEach(() => vi.restoreAllMocks());

const batchOf = (plan: BatchRecord['plan'], overrides: Partial<BatchRecord> = {}): BatchRecord => ({
  batchId: 'cb-0001',
  reason: 'the acquisition is wound down',
  requestedBy: 'arn:aws:sts::111111111111:assumed-role/CloudOps/jane',
  source: 'api',
  dryRun: false,
  createdAt: new Date(NOW).toISOString(),
  selection: { accountIds: plan.map((p) => p.accountId), includeSubOrganizationalUnits: false },
  plan,
  quota: { used: 3, limit: 250, nextFitsAt: new Date(NOW).toISOString() },
  ...overrides,
});

const until = new Date(NOW + 10 * DAY).toISOString();
const firstPlan: BatchRecord['plan'] = [
  { accountId: '222222222222', decision: 'close-now' },
  { accountId: '333333333333', decision: 'deferred', until },
  {
    accountId: '111111111111',
    decision: 'skipped',
    reason: 'management-account',
    detail: 'the management account cannot be closed',
  },
];

const accountsOf = async (batchId = 'cb-0001') =>
  Object.fromEntries(((await readBatch(ports, batchId))?.accounts ?? []).map((a) => [a.accountId, a]));

describe('recordBatch', () => {
  it("records the batch and each account's first state from its decision", async () => {
    // Act
    const recorded = await recordBatch(ports, batchOf(firstPlan), NOW);

    // Assess
    expect(recorded).toEqual(batchOf(firstPlan));
    const read = await readBatch(ports, 'cb-0001');
    expect(read?.batch).toEqual(batchOf(firstPlan));
    const updatedAt = new Date(NOW).toISOString();
    expect(await accountsOf()).toEqual({
      '222222222222': { accountId: '222222222222', state: 'planned', updatedAt },
      '333333333333': { accountId: '333333333333', state: 'deferred', until, updatedAt },
      '111111111111': {
        accountId: '111111111111',
        state: 'skipped',
        reason: 'management-account',
        detail: 'the management account cannot be closed',
        updatedAt,
      },
    });
    // kept a year, then DynamoDB's TTL removes it
    const item = await table.item('closure-batch#cb-0001', 'batch');
    expect(item?.expiresAt).toBe(Math.floor((NOW + 365 * DAY) / 1000));
  });

  it('returns the plan an earlier attempt recorded, and leaves the accounts that moved on where they are', async () => {
    // Prepare: the first attempt recorded its plan, and an account went on to closing
    await recordBatch(ports, batchOf(firstPlan), NOW);
    await setAccountState(ports, 'cb-0001', '222222222222', 'closing', NOW + 60_000);
    const otherPlan: BatchRecord['plan'] = [
      { accountId: '222222222222', decision: 'deferred', until },
      { accountId: '444444444444', decision: 'close-now' },
    ];

    // Act: a retry planned again, differently (closures happened meanwhile)
    const recorded = await recordBatch(
      ports,
      batchOf(otherPlan, { createdAt: new Date(NOW + DAY).toISOString() }),
      NOW + DAY,
    );

    // Assess
    expect(recorded).toEqual(batchOf(firstPlan));
    expect((await readBatch(ports, 'cb-0001'))?.batch).toEqual(batchOf(firstPlan));
    const accounts = await accountsOf();
    expect(Object.keys(accounts).sort()).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(accounts['222222222222']).toMatchObject({ state: 'closing' });
    expect(accounts['333333333333']).toMatchObject({ state: 'deferred', until });
  });

  it('writes the accounts an attempt that stopped after the batch item never wrote', async () => {
    // Prepare: the batch item alone, as a crash right after it leaves it
    await table.put({
      pk: 'closure-batch#cb-0001',
      sk: 'batch',
      ...batchOf(firstPlan),
    });

    // Act
    await recordBatch(ports, batchOf([{ accountId: '444444444444', decision: 'close-now' }]), NOW);

    // Assess
    expect(Object.keys(await accountsOf()).sort()).toEqual(['111111111111', '222222222222', '333333333333']);
  });
});

describe('setAccountState', () => {
  it('says all there is: the date and reason of an earlier state go', async () => {
    // Prepare
    await recordBatch(ports, batchOf(firstPlan), NOW);

    // Act
    await setAccountState(ports, 'cb-0001', '333333333333', 'waiting-for-slot', NOW + 10 * DAY);
    const waiting = (await accountsOf())['333333333333'];
    await setAccountState(ports, 'cb-0001', '333333333333', 'failed', NOW + 11 * DAY, {
      reason: 'AccountClosureFailedError',
      detail: 'AWS did not close account 333333333333: INTERNAL_FAILURE',
    });
    const failed = (await accountsOf())['333333333333'];
    await setAccountState(ports, 'cb-0001', '333333333333', 'closed', NOW + 12 * DAY, {
      closedAt: new Date(NOW + 12 * DAY).toISOString(),
    });
    const closed = (await accountsOf())['333333333333'];

    // Assess
    expect(waiting).toEqual({
      accountId: '333333333333',
      state: 'waiting-for-slot',
      updatedAt: new Date(NOW + 10 * DAY).toISOString(),
    });
    expect(failed).toEqual({
      accountId: '333333333333',
      state: 'failed',
      reason: 'AccountClosureFailedError',
      detail: 'AWS did not close account 333333333333: INTERNAL_FAILURE',
      updatedAt: new Date(NOW + 11 * DAY).toISOString(),
    });
    expect(closed).toEqual({
      accountId: '333333333333',
      state: 'closed',
      closedAt: new Date(NOW + 12 * DAY).toISOString(),
      updatedAt: new Date(NOW + 12 * DAY).toISOString(),
    });
  });

  it('keeps a deferral date given with the state', async () => {
    // Prepare
    await recordBatch(ports, batchOf(firstPlan), NOW);
    const later = new Date(NOW + 20 * DAY).toISOString();

    // Act
    await setAccountState(ports, 'cb-0001', '222222222222', 'deferred', NOW, { until: later });

    // Assess
    expect((await accountsOf())['222222222222']).toMatchObject({ state: 'deferred', until: later });
  });

  it('writes a final state only over one that is not final when asked to keep the first outcome', async () => {
    // Prepare: the closure execution recorded why it failed
    await recordBatch(ports, batchOf(firstPlan), NOW);
    await setAccountState(ports, 'cb-0001', '222222222222', 'failed', NOW, {
      reason: 'AccountClosureFailedError',
    });

    // Act: the batch then records that the execution did not finish
    await setAccountState(
      ports,
      'cb-0001',
      '222222222222',
      'failed',
      NOW + 1,
      { reason: 'States.TaskFailed' },
      {
        keepFinal: true,
      },
    );
    await setAccountState(
      ports,
      'cb-0001',
      '333333333333',
      'failed',
      NOW + 1,
      { reason: 'States.Timeout' },
      {
        keepFinal: true,
      },
    );

    // Assess
    const accounts = await accountsOf();
    expect(accounts['222222222222']).toMatchObject({ state: 'failed', reason: 'AccountClosureFailedError' });
    expect(accounts['333333333333']).toMatchObject({ state: 'failed', reason: 'States.Timeout' });
  });

  it.each(['closed', 'skipped', 'failed', 'departed'] as const)(
    'keeps a %s account so: a late answer of an earlier step does not write over it',
    async (final) => {
      // Prepare
      await recordBatch(ports, batchOf(firstPlan), NOW);
      await setAccountState(ports, 'cb-0001', '222222222222', final, NOW, { reason: 'why' });

      // Act
      await setAccountState(ports, 'cb-0001', '222222222222', 'waiting-for-slot', NOW + 1);
      await setAccountState(ports, 'cb-0001', '222222222222', 'closing', NOW + 2);

      // Assess
      expect((await accountsOf())['222222222222']).toMatchObject({ state: final, reason: 'why' });
    },
  );
});

describe('readBatch', () => {
  it('is undefined for a batch never recorded', async () => {
    // Act
    const read = await readBatch(ports, 'cb-nothing');

    // Assess
    expect(read).toBeUndefined();
  });

  it('reads a batch larger than one page of a Query', async () => {
    // Prepare: 12 accounts of 100 KB each: more than the 1 MB a Query returns at once
    const plan = Array.from({ length: 12 }, (_, i) => ({
      accountId: String(500000000000 + i),
      decision: 'close-now' as const,
    }));
    await recordBatch(ports, batchOf(plan), NOW);
    for (const { accountId } of plan)
      await table.put({
        pk: 'closure-batch#cb-0001',
        sk: `account#${accountId}`,
        accountId,
        state: 'planned',
        updatedAt: new Date(NOW).toISOString(),
        padding: 'x'.repeat(100_000),
      });
    const sent = vi.spyOn(table.db, 'send');

    // Act
    const read = await readBatch(ports, 'cb-0001');

    // Assess
    expect(read?.batch.plan).toHaveLength(12);
    expect(read?.accounts.map((a) => a.accountId).sort()).toEqual(plan.map((p) => p.accountId));
    const queries = sent.mock.calls.filter(([command]) => command instanceof QueryCommand);
    expect(queries.length).toBeGreaterThan(1);
  });

  it('keeps the batches apart', async () => {
    // Prepare
    await recordBatch(ports, batchOf(firstPlan), NOW);
    await recordBatch(
      ports,
      batchOf([{ accountId: '444444444444', decision: 'close-now' }], { batchId: 'cb-0002' }),
      NOW,
    );

    // Act
    const read = await readBatch(ports, 'cb-0002');

    // Assess
    expect(read?.batch.batchId).toBe('cb-0002');
    expect(read?.accounts.map((a) => a.accountId)).toEqual(['444444444444']);
  });
});
