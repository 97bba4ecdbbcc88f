import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  type ListAccountsForParentCommandInput,
  ListOrganizationalUnitsForParentCommand,
  type ListOrganizationalUnitsForParentCommandInput,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readBatch } from '../../functions/account-closure/batch-store';
import { ClosureConfigSchema } from '../../functions/account-closure/closure-config';
import { recordClosure, recordedQuotaLimit } from '../../functions/account-closure/ledger';
import {
  type ClosureBatchInput,
  type PlanBatchPorts,
  planClosureBatch,
} from '../../functions/account-closure/plan-closure-batch/plan-closure-batch';
import { lambdaContext } from '../functions/fixtures/lambda-context';
import { governorTableOnDynalite } from '../governor-table';

// Plan Closure Batch with Organizations mocked (a small organization, paged as AWS pages) and the governor table
// on dynalite.

const NOW = Date.UTC(2026, 11, 6);
const DAY = 24 * 60 * 60 * 1000;
const organizationsMock = mockClient(OrganizationsClient);
const table = governorTableOnDynalite();
let ports: PlanBatchPorts;

const MANAGEMENT = '111111111111';
const ACTIVE = '222222222222';
const TAGGED = '333333333333';
const SUSPENDED = '444444444444';
const CLOSING = '455555555555';
const IN_SUB_OU = '555555555555';
const IN_SECURITY = '666666666666';
const IN_WORKLOADS = '777777777777';
const STRANGER = '999999999999';

const ous: Record<string, { Id: string; Name: string }[]> = {
  'r-ab12': [
    { Id: 'ou-ab12-decommis', Name: 'Decommission' },
    { Id: 'ou-ab12-security', Name: 'Security' },
    { Id: 'ou-ab12-workload', Name: 'Workloads' },
  ],
  'ou-ab12-decommis': [{ Id: 'ou-ab12-decold01', Name: 'Old' }],
};
const accounts: Record<string, { Id: string; State: string }[]> = {
  'r-ab12': [{ Id: MANAGEMENT, State: 'ACTIVE' }],
  'ou-ab12-decommis': [
    { Id: ACTIVE, State: 'ACTIVE' },
    { Id: TAGGED, State: 'ACTIVE' },
    { Id: SUSPENDED, State: 'SUSPENDED' },
    { Id: CLOSING, State: 'PENDING_CLOSURE' },
  ],
  'ou-ab12-decold01': [{ Id: IN_SUB_OU, State: 'ACTIVE' }],
  'ou-ab12-security': [{ Id: IN_SECURITY, State: 'ACTIVE' }],
  'ou-ab12-workload': [{ Id: IN_WORKLOADS, State: 'ACTIVE' }],
};

/** One page of `items`, `size` long, from the NextToken (an offset) given. */
function pageOf<T>(items: T[], nextToken: string | undefined, size: number) {
  const from = Number(nextToken ?? 0);
  const next = from + size < items.length ? String(from + size) : undefined;
  return { page: items.slice(from, from + size), ...(next ? { NextToken: next } : {}) };
}

function mockOrganization() {
  organizationsMock.reset();
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: MANAGEMENT } });
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
  organizationsMock.on(ListAccountsForParentCommand).callsFake((input: ListAccountsForParentCommandInput) => {
    const { page, ...rest } = pageOf(accounts[input.ParentId ?? ''] ?? [], input.NextToken, 2);
    return { Accounts: page, ...rest };
  });
  organizationsMock
    .on(ListOrganizationalUnitsForParentCommand)
    .callsFake((input: ListOrganizationalUnitsForParentCommandInput) => {
      const { page, ...rest } = pageOf(ous[input.ParentId ?? ''] ?? [], input.NextToken, 2);
      return { OrganizationalUnits: page, ...rest };
    });
  organizationsMock.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'ops' }] });
  organizationsMock
    .on(ListTagsForResourceCommand, { ResourceId: TAGGED })
    .resolves({ Tags: [{ Key: 'orgflow:protected', Value: 'true' }] });
}

beforeEach(() => {
  mockOrganization();
  ports = {
    organizations: new OrganizationsClient({ region: 'us-east-1' }),
    db: table.db,
    table: table.name,
    config: ClosureConfigSchema.parse({ protectedOrganizationalUnits: ['Security'] }),
    now: () => NOW,
  };
});

const caller = { arn: 'arn:aws:sts::111111111111:assumed-role/CloudOps/jane', accountId: '111111111111' };
const inputOf = (
  selection: { accountIds?: string[]; organizationalUnit?: string; includeSubOrganizationalUnits?: boolean },
  extra: { dryRun?: boolean; batchId?: string } = {},
): ClosureBatchInput => ({
  batchId: extra.batchId ?? 'cb-0001',
  caller,
  source: 'api',
  request: {
    selection: {
      accountIds: selection.accountIds ?? [],
      includeSubOrganizationalUnits: selection.includeSubOrganizationalUnits ?? false,
      ...(selection.organizationalUnit ? { organizationalUnit: selection.organizationalUnit } : {}),
    },
    reason: 'the sandbox OU is swept',
    dryRun: extra.dryRun ?? false,
  },
});

/** Fills the window with closures of other accounts, requested the given days before NOW. */
async function closedDaysAgo(...days: number[]) {
  for (const [i, daysAgo] of days.entries())
    await recordClosure(ports, {
      accountId: String(800000000000 + i),
      requestedAt: NOW - daysAgo * DAY,
      source: 'outside',
    });
}

describe('planClosureBatch', () => {
  it('plans the accounts directly in the OU, each skipped one with its reason', async () => {
    // Act
    const planned = await planClosureBatch(ports, inputOf({ organizationalUnit: 'Decommission' }));

    // Assess
    expect(planned).toEqual({
      batchId: 'cb-0001',
      dryRun: false,
      reason: 'the sandbox OU is swept',
      closures: [{ accountId: ACTIVE, until: null }],
      counts: { closeNow: 1, deferred: 0, skipped: 3 },
      quota: { used: 0, limit: 250 },
    });
    const recorded = await readBatch(ports, 'cb-0001');
    expect(recorded?.batch.plan).toEqual([
      { accountId: ACTIVE, decision: 'close-now' },
      {
        accountId: TAGGED,
        decision: 'skipped',
        reason: 'protected-account',
        detail: 'tagged orgflow:protected=true',
      },
      { accountId: SUSPENDED, decision: 'skipped', reason: 'already-closed', detail: 'already SUSPENDED' },
      {
        accountId: CLOSING,
        decision: 'skipped',
        reason: 'already-closing',
        detail: 'already PENDING_CLOSURE',
      },
    ]);
    expect(recorded?.batch).toMatchObject({
      requestedBy: caller.arn,
      source: 'api',
      createdAt: new Date(NOW).toISOString(),
      selection: { accountIds: [], organizationalUnit: 'Decommission', includeSubOrganizationalUnits: false },
    });
    expect(Object.fromEntries(recorded?.accounts.map((a) => [a.accountId, a.state]) ?? [])).toEqual({
      [ACTIVE]: 'planned',
      [TAGGED]: 'skipped',
      [SUSPENDED]: 'skipped',
      [CLOSING]: 'skipped',
    });
  });

  it('adds the accounts of the sub-OUs when asked, by id or by path', async () => {
    // Act
    const byPath = await planClosureBatch(
      ports,
      inputOf({ organizationalUnit: 'Decommission', includeSubOrganizationalUnits: true }),
    );
    const byId = await planClosureBatch(
      ports,
      inputOf(
        { organizationalUnit: 'ou-ab12-decommis', includeSubOrganizationalUnits: true },
        { batchId: 'cb-0002' },
      ),
    );

    // Assess
    expect(byPath.closures).toEqual([
      { accountId: ACTIVE, until: null },
      { accountId: IN_SUB_OU, until: null },
    ]);
    expect(byPath.counts).toEqual({ closeNow: 2, deferred: 0, skipped: 3 });
    expect(byId.closures).toEqual(byPath.closures);
  });

  it('skips the management account, a non-member and an account under a protected OU, reading no tags for the first two', async () => {
    // Act
    const planned = await planClosureBatch(
      ports,
      inputOf({ accountIds: [MANAGEMENT, STRANGER, IN_SECURITY, IN_WORKLOADS, IN_WORKLOADS] }),
    );

    // Assess
    expect(planned.closures).toEqual([{ accountId: IN_WORKLOADS, until: null }]);
    expect((await readBatch(ports, 'cb-0001'))?.batch.plan).toEqual([
      {
        accountId: MANAGEMENT,
        decision: 'skipped',
        reason: 'management-account',
        detail: 'the management account cannot be closed',
      },
      {
        accountId: STRANGER,
        decision: 'skipped',
        reason: 'not-a-member',
        detail: `${STRANGER} is not a member of this organization`,
      },
      {
        accountId: IN_SECURITY,
        decision: 'skipped',
        reason: 'protected-ou',
        detail: 'under the protected OU Security (ou-ab12-security)',
      },
      { accountId: IN_WORKLOADS, decision: 'close-now' },
    ]);
    expect(organizationsMock).not.toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      ResourceId: MANAGEMENT,
    });
    expect(organizationsMock).not.toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      ResourceId: STRANGER,
    });
  });

  it('plans an account asked for by id and through its OU once', async () => {
    // Act
    const planned = await planClosureBatch(
      ports,
      inputOf({ accountIds: [ACTIVE], organizationalUnit: 'Decommission' }),
    );

    // Assess
    expect(planned.closures).toEqual([{ accountId: ACTIVE, until: null }]);
    expect((await readBatch(ports, 'cb-0001'))?.batch.plan).toHaveLength(4);
  });

  it.each([
    ['the current profile: 250 at least', {}, 250],
    ['the legacy profile: 10 at least', { quotaProfile: 'legacy' }, 10],
    ['a limit raised through AWS Support', { quotaLimit: 1200 }, 1200],
  ])('records the quota of %s', async (_, config, limit) => {
    // Prepare
    ports.config = ClosureConfigSchema.parse(config);
    await closedDaysAgo(40, 29, 1);

    // Act
    await planClosureBatch(ports, inputOf({ accountIds: [ACTIVE] }));

    // Assess
    expect(await recordedQuotaLimit(ports)).toBe(limit);
    // 8 accounts, the management account among them
    expect(await table.item('closure-ledger', 'quota')).toMatchObject({
      limit,
      memberAccounts: 7,
      countedAt: NOW,
    });
    expect((await readBatch(ports, 'cb-0001'))?.batch.quota).toEqual({
      used: 2,
      limit,
      nextFitsAt: new Date(NOW).toISOString(),
    });
  });

  it('defers what the 30-day window has no room for until the closure it waits for leaves it', async () => {
    // Prepare: room for one more closure; the two in the window leave it in 20 and 25 days
    ports.config = ClosureConfigSchema.parse({ quotaLimit: 3 });
    await closedDaysAgo(10, 5);

    // Act
    const planned = await planClosureBatch(ports, inputOf({ accountIds: [ACTIVE, IN_SUB_OU, IN_WORKLOADS] }));

    // Assess
    const first = new Date(NOW + 20 * DAY).toISOString();
    const second = new Date(NOW + 25 * DAY).toISOString();
    expect(planned.closures).toEqual([
      { accountId: ACTIVE, until: null },
      { accountId: IN_SUB_OU, until: first },
      { accountId: IN_WORKLOADS, until: second },
    ]);
    expect(planned.counts).toEqual({ closeNow: 1, deferred: 2, skipped: 0 });
    const recorded = await readBatch(ports, 'cb-0001');
    expect(recorded?.batch.quota).toEqual({ used: 2, limit: 3, nextFitsAt: new Date(NOW).toISOString() });
    expect(recorded?.accounts.find((a) => a.accountId === IN_SUB_OU)).toMatchObject({
      state: 'deferred',
      until: first,
    });
  });

  it('reads the recorded plan back on a retry, whatever changed since', async () => {
    // Prepare
    ports.config = ClosureConfigSchema.parse({ quotaLimit: 3 });
    const first = await planClosureBatch(ports, inputOf({ accountIds: [ACTIVE, IN_WORKLOADS] }));
    // closures made meanwhile fill the window, and the caller asks for another account
    await closedDaysAgo(2, 1, 0.5);
    ports.now = () => NOW + 60_000;

    // Act
    const retried = await planClosureBatch(ports, inputOf({ accountIds: [ACTIVE, IN_WORKLOADS, IN_SUB_OU] }));

    // Assess
    expect(first.closures).toEqual([
      { accountId: ACTIVE, until: null },
      { accountId: IN_WORKLOADS, until: null },
    ]);
    expect(retried).toEqual(first);
    expect((await readBatch(ports, 'cb-0001'))?.batch.createdAt).toBe(new Date(NOW).toISOString());
  });

  it('refuses an OU that does not exist with OrganizationalUnitNotFoundError, recording nothing', async () => {
    // Act
    const planning = planClosureBatch(ports, inputOf({ organizationalUnit: 'Sandbox' }));

    // Assess
    await expect(planning).rejects.toMatchObject({
      name: 'OrganizationalUnitNotFoundError',
      message: expect.stringContaining('Sandbox'),
    });
    expect(await readBatch(ports, 'cb-0001')).toBeUndefined();
  });

  it('refuses to plan while the configuration protects an OU that names nothing, recording nothing', async () => {
    // Prepare: a typo protects nothing
    ports.config = ClosureConfigSchema.parse({ protectedOrganizationalUnits: ['workloads/prod'] });

    // Act
    const planning = planClosureBatch(ports, inputOf({ organizationalUnit: 'Decommission' }));

    // Assess
    await expect(planning).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining("'workloads/prod'"),
    });
    expect(await readBatch(ports, 'cb-0001')).toBeUndefined();
  });

  it('records the plan of a dry run and hands the Map nothing to close', async () => {
    // Act
    const planned = await planClosureBatch(
      ports,
      inputOf({ organizationalUnit: 'Decommission' }, { dryRun: true }),
    );

    // Assess
    expect(planned).toMatchObject({
      dryRun: true,
      closures: [],
      counts: { closeNow: 1, deferred: 0, skipped: 3 },
    });
    expect((await readBatch(ports, 'cb-0001'))?.batch.dryRun).toBe(true);
  });
});

describe('the Plan Closure Batch handler', () => {
  let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
    vi.stubEnv('CLOSURE_CONFIG', JSON.stringify({ protectedOrganizationalUnits: ['ou-ab12-workload'] }));
    ({ handler } = await import('../../functions/account-closure/plan-closure-batch/handler'));
  });
  afterAll(() => vi.unstubAllEnvs());

  it('plans with the configuration of the deployment, not of the input', async () => {
    // Act
    const planned = await handler(
      inputOf({ accountIds: [IN_WORKLOADS, IN_SECURITY] }),
      lambdaContext('plan-closure-batch'),
    );

    // Assess
    expect(planned).toMatchObject({
      closures: [{ accountId: IN_SECURITY, until: null }],
      counts: { closeNow: 1, deferred: 0, skipped: 1 },
    });
  });

  it('refuses an input that is not a batch with ValidationError', async () => {
    // Act
    const planning = handler({ batchId: 'not a batch id!', caller }, lambdaContext('plan-closure-batch'));

    // Assess
    await expect(planning).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
