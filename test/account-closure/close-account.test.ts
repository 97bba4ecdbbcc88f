import 'aws-sdk-client-mock-vitest/extend';
import {
  AccountAlreadyClosedException,
  AccountNotFoundException,
  CloseAccountCommand,
  ConstraintViolationException,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import { recordBatch } from '../../functions/account-closure/batch-store';
import { checkAccount } from '../../functions/account-closure/check-account/check-account';
import { closeAccountOnce } from '../../functions/account-closure/close-account/close-account';
import { ClosureConfigSchema } from '../../functions/account-closure/closure-config';
import type { ClosurePorts } from '../../functions/account-closure/closure-ports';
import { closuresInWindow, recordClosure, recordQuotaLimit } from '../../functions/account-closure/ledger';
import { governorTableOnDynalite } from '../governor-table';

// Close Account with Organizations mocked and the closure ledger on dynalite.

const NOW = Date.UTC(2026, 11, 6);
const MEMBER = '222222222222';
const organizationsMock = mockClient(OrganizationsClient);
const table = governorTableOnDynalite();
let ports: ClosurePorts;

const DAY = 24 * 60 * 60 * 1000;
const BATCH = 'cb-test';

beforeEach(async () => {
  organizationsMock.reset();
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '111111111111' } });
  organizationsMock.on(DescribeAccountCommand).resolves({ Account: { Id: MEMBER, State: 'ACTIVE' } });
  organizationsMock.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  organizationsMock
    .on(ListParentsCommand, { ChildId: MEMBER })
    .resolves({ Parents: [{ Id: 'ou-ab12-decommis', Type: 'ORGANIZATIONAL_UNIT' }] })
    .on(ListParentsCommand, { ChildId: 'ou-ab12-decommis' })
    .resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
  organizationsMock
    .on(DescribeOrganizationalUnitCommand)
    .resolves({ OrganizationalUnit: { Id: 'ou-ab12-decommis', Name: 'Decommission' } });
  organizationsMock.on(CloseAccountCommand).resolves({});
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  ports = {
    organizations,
    directory: new OrganizationDirectory(organizations),
    db: table.db,
    table: table.name,
    config: ClosureConfigSchema.parse({}),
    now: () => NOW,
  };
  await recordQuotaLimit(ports, { limit: 250, memberAccounts: 1000, countedAt: NOW });
  // the batch asked for MEMBER (and the management account, which its plan skipped)
  await recordBatch(
    ports,
    {
      batchId: BATCH,
      reason: 'test',
      requestedBy: 'arn:aws:iam::111111111111:role/CloudOps',
      source: 'api',
      dryRun: false,
      createdAt: new Date(NOW).toISOString(),
      selection: { accountIds: [MEMBER], includeSubOrganizationalUnits: false },
      plan: [
        { accountId: MEMBER, decision: 'close-now' },
        { accountId: '111111111111', decision: 'skipped', reason: 'management-account', detail: 'x' },
      ],
      quota: { used: 0, limit: 250, nextFitsAt: new Date(NOW).toISOString() },
    },
    NOW,
  );
});

const check = (accountId = MEMBER, protectedOus: string[] = []) => {
  ports.config = ClosureConfigSchema.parse({ protectedOrganizationalUnits: protectedOus });
  return checkAccount(ports, { batchId: BATCH, accountId });
};
const close = (accountId = MEMBER) => closeAccountOnce(ports, { batchId: BATCH, accountId });

/** Fills the window with `count` closures of other accounts, requested `daysAgo` days before NOW. */
async function closedBefore(count: number, daysAgo: number) {
  for (let i = 0; i < count; i++)
    await recordClosure(ports, {
      accountId: String(300000000000 + i),
      requestedAt: NOW - daysAgo * DAY + i,
      source: 'outside',
    });
}

const stateOf = async (accountId = MEMBER) =>
  (await readBatchAccounts()).find((a) => a.accountId === accountId)?.state;
const readBatchAccounts = async () => {
  // the batch item is written by the plan; the accounts' items exist on their own
  const { Items } = await table.db.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `closure-batch#${BATCH}` },
    }),
  );
  return (Items ?? []) as { accountId: string; state: string; until?: string }[];
};

describe('closeAccountOnce', () => {
  it('records the closure in the ledger, then calls CloseAccount once', async () => {
    // Act
    const result = await close();

    // Assess
    expect(result).toEqual({ accountId: MEMBER, outcome: 'requested' });
    expect(await stateOf()).toBe('closing');
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(CloseAccountCommand, {
      AccountId: MEMBER,
    });
    expect(await closuresInWindow(ports, NOW)).toEqual([NOW]);
  });

  it.each([
    ['the management account', '111111111111', [], 'management-account'],
    ['an account tagged orgflow:protected=true', MEMBER, [], 'protected-account'],
    ['an account under a protected OU, by path', MEMBER, ['Decommission'], 'protected-ou'],
    ['an account under a protected OU, by id', MEMBER, ['ou-ab12-decommis'], 'protected-ou'],
  ])(
    'refuses %s whatever the input says, with the reason, and calls nothing',
    async (_, accountId, protectedOus, reason) => {
      // Prepare
      if (reason === 'protected-account')
        organizationsMock
          .on(ListTagsForResourceCommand)
          .resolves({ Tags: [{ Key: 'orgflow:protected', Value: 'true' }] });

      // Act
      const result = await check(accountId, protectedOus);

      // Assess
      expect(result).toMatchObject({ accountId, outcome: 'refused', reason });
      expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
      expect(await closuresInWindow(ports, NOW)).toEqual([]);
    },
  );

  it('finds an account an earlier attempt already closed (its answer lost) pending, or closed', async () => {
    // Prepare: orgflow's ledger says it called for it
    await recordClosure(ports, {
      accountId: MEMBER,
      requestedAt: NOW - 60_000,
      source: 'orgflow',
      batchId: BATCH,
    });
    organizationsMock
      .on(DescribeAccountCommand)
      .resolvesOnce({ Account: { Id: MEMBER, State: 'PENDING_CLOSURE' } })
      .resolvesOnce({ Account: { Id: MEMBER, State: 'SUSPENDED' } });

    // Act
    const first = await check();
    const second = await check();

    // Assess
    expect(first).toEqual({ accountId: MEMBER, outcome: 'pending' });
    expect(second).toEqual({ accountId: MEMBER, outcome: 'closed' });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
  });

  it("refuses an account someone else closed: it is not this closure's to finish", async () => {
    // Prepare
    organizationsMock
      .on(DescribeAccountCommand)
      .resolves({ Account: { Id: MEMBER, State: 'PENDING_CLOSURE' } });

    // Act
    const result = await check();

    // Assess
    expect(result).toMatchObject({ outcome: 'refused', reason: 'already-closing' });
  });

  it('refuses an account another batch of orgflow is closing: that batch finishes it, not this one', async () => {
    // Prepare
    await recordClosure(ports, {
      accountId: MEMBER,
      requestedAt: NOW - 60_000,
      source: 'orgflow',
      batchId: 'cb-other',
    });
    organizationsMock
      .on(DescribeAccountCommand)
      .resolves({ Account: { Id: MEMBER, State: 'PENDING_CLOSURE' } });

    // Act
    const result = await check();

    // Assess
    expect(result).toMatchObject({ outcome: 'refused', reason: 'already-closing' });
  });

  it.each([
    ['a batch that does not exist', 'cb-none', MEMBER],
    ['an account its batch does not plan to close', BATCH, '333333333333'],
  ])('refuses %s (an execution started by hand), and calls nothing', async (_, batchId, accountId) => {
    // Prepare
    organizationsMock
      .on(ListParentsCommand, { ChildId: '333333333333' })
      .resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });

    // Act
    const result = await checkAccount(ports, { batchId, accountId });

    // Assess
    expect(result).toMatchObject({ outcome: 'refused', reason: 'not-asked-for' });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
  });

  it('is pending when CloseAccount says an earlier call got through', async () => {
    // Prepare
    organizationsMock
      .on(CloseAccountCommand)
      .rejects(new AccountAlreadyClosedException({ message: 'closing', $metadata: {} }));

    // Act
    const result = await close();

    // Assess
    expect(result).toEqual({ accountId: MEMBER, outcome: 'pending' });
  });

  it('finds an account its batch planned to close, no longer a member, departed, and calls nothing', async () => {
    // Prepare: removed from the organization while the closure waited
    organizationsMock
      .on(DescribeAccountCommand)
      .rejects(new AccountNotFoundException({ message: 'gone', $metadata: {} }));

    // Act
    const result = await check();

    // Assess
    expect(result).toEqual({
      accountId: MEMBER,
      outcome: 'departed',
      detail: expect.stringContaining(`account ${MEMBER} left or was removed from the organization`),
    });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
    expect(await closuresInWindow(ports, NOW)).toEqual([]);
  });

  it('still refuses a non-member its batch does not plan to close (an execution started by hand)', async () => {
    // Prepare
    organizationsMock
      .on(DescribeAccountCommand)
      .rejects(new AccountNotFoundException({ message: 'gone', $metadata: {} }));

    // Act
    const result = await check('999999999999');

    // Assess
    expect(result).toMatchObject({ accountId: '999999999999', outcome: 'refused', reason: 'not-a-member' });
  });

  it('names an account that left between Check Account and the call AccountDepartedError, and forgets the closure', async () => {
    // Prepare
    organizationsMock
      .on(CloseAccountCommand)
      .rejects(new AccountNotFoundException({ message: 'gone', $metadata: {} }));

    // Act + Assess
    await expect(close()).rejects.toMatchObject({ name: 'AccountDepartedError' });
    expect(await closuresInWindow(ports, NOW)).toEqual([]);
  });

  it('finds an account that may be closed, with room in the window, ready', async () => {
    // Act
    const result = await check();

    // Assess
    expect(result).toEqual({ accountId: MEMBER, outcome: 'ready' });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
  });

  it('defers without calling when the ledger says the 30-day window is full', async () => {
    // Prepare: 250 closures, the oldest 20 days ago: it leaves the window in 10 days
    await closedBefore(250, 20);

    // Act
    const result = await check();

    // Assess
    const until = new Date(NOW - 20 * DAY + 30 * DAY).toISOString();
    expect(result).toEqual({ accountId: MEMBER, outcome: 'deferred', until });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
    expect(await stateOf()).toBe('deferred');
  });

  it('does not defer a retry whose closure the ledger already counts', async () => {
    // Prepare: the window holds 249 others and this account's own record from an earlier attempt
    await closedBefore(249, 20);
    await recordClosure(ports, { accountId: MEMBER, requestedAt: NOW - 1000, source: 'orgflow' });

    // Act
    const result = await check();

    // Assess
    expect(result.outcome).toBe('ready');
    expect(await closuresInWindow(ports, NOW)).toHaveLength(250);
  });

  it('defers, and fills the ledger, when AWS says the 30-day quota is spent', async () => {
    // Prepare
    organizationsMock.on(CloseAccountCommand).rejects(
      new ConstraintViolationException({
        message: 'You have exceeded close account quota for the past 30 days.',
        Reason: 'CLOSE_ACCOUNT_QUOTA_EXCEEDED',
        $metadata: {},
      }),
    );

    // Act
    const result = await close();

    // Assess: the window is full from now, so the account waits 30 days; nothing surfaces as an error
    expect(result).toEqual({
      accountId: MEMBER,
      outcome: 'deferred',
      until: new Date(NOW + 30 * DAY).toISOString(),
    });
    expect(await closuresInWindow(ports, NOW)).toHaveLength(250);
    expect(await stateOf()).toBe('deferred');
  });

  it('names the limit of closures in flight, for the workflow to wait and retry, and forgets the closure', async () => {
    // Prepare
    organizationsMock.on(CloseAccountCommand).rejects(
      new ConstraintViolationException({
        message: 'too many',
        Reason: 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED',
        $metadata: {},
      }),
    );

    // Act + Assess
    await expect(close()).rejects.toMatchObject({ name: 'ClosuresInFlightError' });
    expect(await closuresInWindow(ports, NOW)).toEqual([]);
  });
});

describe('closeAccountOnce retried after its call got through (the answer lost, the stack restarted)', () => {
  it('looks at the account and does not call again when it is already closing', async () => {
    // Prepare: the attempt before recorded the closure and called
    await recordClosure(ports, { accountId: MEMBER, requestedAt: NOW - 5000, source: 'orgflow' });
    organizationsMock
      .on(DescribeAccountCommand)
      .resolves({ Account: { Id: MEMBER, State: 'PENDING_CLOSURE' } });

    // Act
    const result = await close();

    // Assess
    expect(result).toEqual({ accountId: MEMBER, outcome: 'pending' });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
  });

  it('leaves the account to another batch that recorded its closure first, and calls nothing', async () => {
    // Prepare: asked for twice (moved into Decommission twice): the other batch got to its call first
    await recordClosure(ports, {
      accountId: MEMBER,
      requestedAt: NOW - 5000,
      source: 'orgflow',
      batchId: 'cb-other',
    });

    // Act
    const result = await close();

    // Assess
    expect(result).toMatchObject({ outcome: 'refused', reason: 'already-closing' });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
  });

  it('calls when the attempt before recorded it but never got to call', async () => {
    // Prepare
    await recordClosure(ports, { accountId: MEMBER, requestedAt: NOW - 5000, source: 'orgflow' });

    // Act
    const result = await close();

    // Assess: the window counts the closure from this call, not from the attempt before it
    expect(result).toEqual({ accountId: MEMBER, outcome: 'requested' });
    expect(organizationsMock).toHaveReceivedCommandTimes(CloseAccountCommand, 1);
    expect(await closuresInWindow(ports, NOW)).toEqual([NOW]);
  });
});
