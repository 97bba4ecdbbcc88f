import 'aws-sdk-client-mock-vitest/extend';
import {
  CloseAccountCommand,
  ConstraintViolationException,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import {
  type CloseAccountPorts,
  closeAccountOnce,
} from '../../functions/account-closure/close-account/close-account';
import { closuresInWindow } from '../../functions/account-closure/ledger';
import { governorTableOnDynalite } from '../governor-table';

// Close Account with Organizations mocked and the closure ledger on dynalite.

const NOW = Date.UTC(2026, 11, 6);
const MEMBER = '222222222222';
const organizationsMock = mockClient(OrganizationsClient);
const table = governorTableOnDynalite();
let ports: CloseAccountPorts;

beforeEach(() => {
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
    now: () => NOW,
  };
});

const close = (accountId = MEMBER, protectedOus: string[] = []) =>
  closeAccountOnce(ports, { accountId, protectedOus, quotaLimit: 250 });

describe('closeAccountOnce', () => {
  it('records the closure in the ledger, then calls CloseAccount once', async () => {
    // Act
    const result = await close();

    // Assess
    expect(result).toEqual({ accountId: MEMBER, closed: 'now' });
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
  ])('refuses %s whatever the input says, and calls nothing', async (_, accountId, protectedOus, reason) => {
    // Prepare
    if (reason === 'protected-account')
      organizationsMock
        .on(ListTagsForResourceCommand)
        .resolves({ Tags: [{ Key: 'orgflow:protected', Value: 'true' }] });

    // Act
    const attempt = close(accountId, protectedOus);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ClosureRefusedError', reason });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
    expect(await closuresInWindow(ports, NOW)).toEqual([]);
  });

  it('is done when an earlier attempt already closed it (its answer lost)', async () => {
    // Prepare
    organizationsMock
      .on(DescribeAccountCommand)
      .resolves({ Account: { Id: MEMBER, State: 'PENDING_CLOSURE' } });

    // Act
    const result = await close();

    // Assess
    expect(result).toEqual({ accountId: MEMBER, closed: 'already' });
    expect(organizationsMock).not.toHaveReceivedCommand(CloseAccountCommand);
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
    const attempt = close();

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ClosureQuotaExhaustedError' });
    expect(await closuresInWindow(ports, NOW)).toHaveLength(250);
  });

  it('names the limit of closures in flight, for the workflow to wait and retry', async () => {
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
  });
});
