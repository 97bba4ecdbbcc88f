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
import { beforeEach, describe, expect, it } from 'vitest';
import {
  accountsUnder,
  ancestorsIn,
  organizationalUnitIn,
  readOrganization,
  tagsOf,
} from '../../functions/_shared/organization-snapshot';

// The whole organization read at once, with Organizations mocked page by page (20 accounts, 10 OUs a page).

const organizationsMock = mockClient(OrganizationsClient);
const organizations = new OrganizationsClient({ region: 'us-east-1' });

/** parent id → its OUs (id, name) */
const ous: Record<string, { Id: string; Name: string }[]> = {
  'r-ab12': [
    { Id: 'ou-ab12-workload', Name: 'Workloads' },
    { Id: 'ou-ab12-decommis', Name: 'Decommission' },
  ],
  'ou-ab12-workload': [{ Id: 'ou-ab12-prod0001', Name: 'Prod' }],
  'ou-ab12-prod0001': [{ Id: 'ou-ab12-payments', Name: 'Payments' }],
};
/** parent id → its accounts */
const accounts: Record<string, { Id: string; Name: string; State?: string; Status?: string }[]> = {
  'r-ab12': [{ Id: '111111111111', Name: 'management', State: 'ACTIVE' }],
  'ou-ab12-prod0001': [{ Id: '222222222222', Name: 'prod', State: 'ACTIVE' }],
  'ou-ab12-payments': [{ Id: '333333333333', Name: 'payments', Status: 'SUSPENDED' }],
  // 45 accounts: three pages
  'ou-ab12-decommis': Array.from({ length: 45 }, (_, i) => ({
    Id: String(400000000000 + i),
    Name: `old-${i}`,
    State: i === 0 ? 'PENDING_CLOSURE' : 'ACTIVE',
  })),
};

/** One page of `items` from the NextToken (an offset) given. */
function pageOf<T>(items: T[], nextToken: string | undefined, size: number) {
  const from = Number(nextToken ?? 0);
  const next = from + size < items.length ? String(from + size) : undefined;
  return { page: items.slice(from, from + size), ...(next ? { NextToken: next } : {}) };
}

beforeEach(() => {
  organizationsMock.reset();
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '111111111111' } });
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
  organizationsMock.on(ListAccountsForParentCommand).callsFake((input: ListAccountsForParentCommandInput) => {
    const { page, ...rest } = pageOf(accounts[input.ParentId ?? ''] ?? [], input.NextToken, 20);
    return { Accounts: page, ...rest };
  });
  organizationsMock
    .on(ListOrganizationalUnitsForParentCommand)
    .callsFake((input: ListOrganizationalUnitsForParentCommandInput) => {
      const { page, ...rest } = pageOf(ous[input.ParentId ?? ''] ?? [], input.NextToken, 10);
      return { OrganizationalUnits: page, ...rest };
    });
});

describe('readOrganization', () => {
  it('reads every OU with its path and every account with its state and parent, page by page', async () => {
    // Act
    const snapshot = await readOrganization(organizations);

    // Assess
    expect(snapshot.managementAccountId).toBe('111111111111');
    expect(snapshot.rootId).toBe('r-ab12');
    expect(snapshot.accounts.size).toBe(48);
    expect(snapshot.accounts.get('222222222222')).toEqual({
      id: '222222222222',
      name: 'prod',
      state: 'ACTIVE',
      parentId: 'ou-ab12-prod0001',
    });
    // the older Status field when State is absent
    expect(snapshot.accounts.get('333333333333')?.state).toBe('SUSPENDED');
    expect(snapshot.accounts.get('400000000000')?.state).toBe('PENDING_CLOSURE');
    expect(snapshot.accounts.get('400000000044')?.parentId).toBe('ou-ab12-decommis');
    expect([...snapshot.organizationalUnits.values()].map((ou) => [ou.id, ou.path])).toEqual([
      ['ou-ab12-workload', 'Workloads'],
      ['ou-ab12-decommis', 'Decommission'],
      ['ou-ab12-prod0001', 'Workloads/Prod'],
      ['ou-ab12-payments', 'Workloads/Prod/Payments'],
    ]);
    expect(organizationsMock).toHaveReceivedCommandWith(ListAccountsForParentCommand, {
      ParentId: 'ou-ab12-decommis',
      NextToken: '40',
    });
  });

  it('refuses an organization without a root', async () => {
    // Prepare
    organizationsMock.on(ListRootsCommand).resolves({ Roots: [] });

    // Act
    const reading = readOrganization(organizations);

    // Assess
    await expect(reading).rejects.toThrow(/the organization has no root/);
  });
});

describe('reading a snapshot', () => {
  it('gives the OUs above an account from the root down', async () => {
    // Prepare
    const snapshot = await readOrganization(organizations);

    // Act
    const ancestors = ancestorsIn(snapshot, 'ou-ab12-payments');
    const inRoot = ancestorsIn(snapshot, 'r-ab12');

    // Assess
    expect(ancestors).toEqual([
      { id: 'ou-ab12-workload', path: 'Workloads' },
      { id: 'ou-ab12-prod0001', path: 'Workloads/Prod' },
      { id: 'ou-ab12-payments', path: 'Workloads/Prod/Payments' },
    ]);
    expect(inRoot).toEqual([]);
  });

  it.each([
    ['its id', 'ou-ab12-prod0001'],
    ['its path', 'Workloads/Prod'],
    ['its path with slashes around it', '/Workloads/Prod/'],
  ])('finds an OU by %s', async (_, ref) => {
    // Prepare
    const snapshot = await readOrganization(organizations);

    // Act
    const ou = organizationalUnitIn(snapshot, ref);

    // Assess
    expect(ou).toEqual({
      id: 'ou-ab12-prod0001',
      name: 'Prod',
      parentId: 'ou-ab12-workload',
      path: 'Workloads/Prod',
    });
  });

  it('finds no OU for a name that is not a whole path', async () => {
    // Prepare
    const snapshot = await readOrganization(organizations);

    // Act
    const found = ['Prod', 'Workloads/Pro', 'ou-ab12-nothere'].map((ref) =>
      organizationalUnitIn(snapshot, ref),
    );

    // Assess
    expect(found).toEqual([undefined, undefined, undefined]);
  });

  it('gives the accounts directly in an OU, or also in the OUs below it', async () => {
    // Prepare
    const snapshot = await readOrganization(organizations);

    // Act
    const direct = accountsUnder(snapshot, 'ou-ab12-workload', false).map((a) => a.id);
    const below = accountsUnder(snapshot, 'ou-ab12-workload', true).map((a) => a.id);
    const prod = accountsUnder(snapshot, 'ou-ab12-prod0001', false).map((a) => a.id);

    // Assess
    expect(direct).toEqual([]);
    expect(below.sort()).toEqual(['222222222222', '333333333333']);
    expect(prod).toEqual(['222222222222']);
  });
});

describe('tagsOf', () => {
  it("reads every page of an account's tags", async () => {
    // Prepare
    organizationsMock
      .on(ListTagsForResourceCommand)
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'payments' }], NextToken: 'page-2' })
      .resolvesOnce({
        Tags: [
          { Key: 'orgflow:protected', Value: 'true' },
          // the SDK types a Value on every tag; the code still takes one without it
          { Key: 'empty' } as { Key: string; Value: string },
        ],
      });

    // Act
    const tags = await tagsOf(organizations, '222222222222');

    // Assess
    expect(tags).toEqual({ team: 'payments', 'orgflow:protected': 'true', empty: '' });
    expect(organizationsMock).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 2);
    expect(organizationsMock).toHaveReceivedNthCommandWith(ListTagsForResourceCommand, 2, {
      ResourceId: '222222222222',
      NextToken: 'page-2',
    });
  });
});
