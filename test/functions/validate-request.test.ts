import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeOrganizationalUnitCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  OrganizationalUnitNotFoundException,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/_shared/errors';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import { validateAccountRequest } from '../../functions/account-vending/request-validation/validate-request';
import { loadVendingConfig, VendingConfigSchema } from '../../functions/account-vending/vending-config';

const organizationsMock = mockClient(OrganizationsClient);
const organizations = new OrganizationsClient({ region: 'us-east-1' });
// a new directory per call unless a test shares one: nothing is remembered between tests
const fresh = () => new OrganizationDirectory(organizations);

const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-workload';
const PROD = 'ou-ab12-prod0001';
const SANDBOX = 'ou-ab12-sandbox1';

const portal = { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' };
const config = VendingConfigSchema.parse({
  selfServicePolicies: ['DenyLeaveOrganization', 'p-tags00001'],
  callers: [{ principal: 'arn:aws:iam::222233334444:role/PortalRole', organizationalUnits: ['Workloads/*'] }],
});
const request = {
  accountName: 'payments-prod',
  email: 'payments-prod@orgflow.example',
  organizationalUnit: 'Workloads/Prod',
  tags: [{ key: 'team', value: 'payments' }],
  policies: ['DenyLeaveOrganization', 'p-tags00001'],
};

beforeEach(() => {
  organizationsMock.reset();
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT, Name: 'Root' }] });
  organizationsMock.on(ListAccountsCommand).resolves({
    Accounts: [{ Id: '123456789012', Email: 'Audit@orgflow.example', State: 'ACTIVE' }],
  });
  organizationsMock
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: ROOT })
    .resolves({
      OrganizationalUnits: [
        { Id: SANDBOX, Name: 'Sandbox' },
        { Id: WORKLOADS, Name: 'Workloads' },
      ],
    })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: WORKLOADS, NextToken: undefined })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-dev00001', Name: 'Dev' }], NextToken: 'more' })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: WORKLOADS, NextToken: 'more' })
    .resolves({ OrganizationalUnits: [{ Id: PROD, Name: 'Prod' }] });
  organizationsMock
    .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' })
    .resolves({
      Policies: [
        { Id: 'p-FullAWSAccess', Name: 'FullAWSAccess' },
        { Id: 'p-deny00001', Name: 'DenyLeaveOrganization' },
        { Id: 'p-root00001', Name: 'DenyRootUser' },
      ],
    })
    .on(ListPoliciesCommand, { Filter: 'TAG_POLICY' })
    .resolves({ Policies: [{ Id: 'p-tags00001', Name: 'CostCenterTags' }] });
});

describe('validateAccountRequest', () => {
  it('resolves the OU path and the policies and returns the normalized request', async () => {
    // Act
    const normalized = await validateAccountRequest(fresh(), config, { caller: portal, request });

    // Assess
    expect(normalized).toEqual({
      accountName: 'payments-prod',
      email: 'payments-prod@orgflow.example',
      organizationalUnit: { id: PROD, path: 'Workloads/Prod' },
      tags: [{ key: 'team', value: 'payments' }],
      policies: [
        { id: 'p-deny00001', name: 'DenyLeaveOrganization', type: 'SERVICE_CONTROL_POLICY' },
        { id: 'p-tags00001', name: 'CostCenterTags', type: 'TAG_POLICY' },
      ],
    });
    expect(organizationsMock).toHaveReceivedCommandTimes(ListOrganizationalUnitsForParentCommand, 3);
  });

  it('resolves an OU id to its path by walking up to the root', async () => {
    // Prepare
    organizationsMock
      .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: PROD })
      .resolves({ OrganizationalUnit: { Id: PROD, Name: 'Prod' } })
      .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: WORKLOADS })
      .resolves({ OrganizationalUnit: { Id: WORKLOADS, Name: 'Workloads' } });
    organizationsMock
      .on(ListParentsCommand, { ChildId: PROD })
      .resolves({ Parents: [{ Id: WORKLOADS, Type: 'ORGANIZATIONAL_UNIT' }] })
      .on(ListParentsCommand, { ChildId: WORKLOADS })
      .resolves({ Parents: [{ Id: ROOT, Type: 'ROOT' }] });

    // Act
    const normalized = await validateAccountRequest(fresh(), config, {
      caller: portal,
      request: { ...request, organizationalUnit: PROD, policies: [] },
    });

    // Assess
    expect(normalized.organizationalUnit).toEqual({ id: PROD, path: 'Workloads/Prod' });
    expect(organizationsMock).not.toHaveReceivedCommand(ListPoliciesCommand);
  });

  it('lists every problem the organization and the configuration reveal, in one ValidationError', async () => {
    // Prepare
    const body = {
      ...request,
      organizationalUnit: 'Sandbox',
      policies: ['DenyRootUser', 'NoSuchPolicy', 'p-deny00001'],
    };

    // Act
    const validation = validateAccountRequest(fresh(), config, { caller: portal, request: body });

    // Assess
    await expect(validation).rejects.toBeInstanceOf(ValidationError);
    const error = (await validation.catch((e: unknown) => e)) as ValidationError;
    expect(error.issues).toEqual([
      {
        path: 'organizationalUnit',
        rule: 'caller-not-allowed',
        message: `${portal.arn} may not ask for accounts in Sandbox (${SANDBOX}); it may ask in Workloads/*`,
      },
      {
        path: 'policies[0]',
        rule: 'policy-not-self-service',
        message:
          "policy 'DenyRootUser' is not one requesters may ask for; the self-service policies are DenyLeaveOrganization, p-tags00001",
      },
      {
        path: 'policies[1]',
        rule: 'policy-not-found',
        message: "no SERVICE_CONTROL_POLICY or TAG_POLICY has the id or name 'NoSuchPolicy'",
      },
    ]);
  });

  it('refuses an OU that does not exist and a caller no rule names', async () => {
    // Prepare
    organizationsMock
      .on(DescribeOrganizationalUnitCommand)
      .rejects(new OrganizationalUnitNotFoundException({ message: 'no', $metadata: {} }));
    const stranger = { arn: 'arn:aws:iam::999999999999:user/mallory', accountId: '999999999999' };

    // Act
    const validation = validateAccountRequest(fresh(), config, {
      caller: stranger,
      request: { ...request, organizationalUnit: 'ou-ab12-gone0001', policies: [] },
    });

    // Assess
    await expect(validation).rejects.toMatchObject({
      issues: [
        { path: 'organizationalUnit', rule: 'caller-not-allowed' },
        { path: 'organizationalUnit', rule: 'ou-not-found' },
      ],
    });
  });

  it('refuses an email that already belongs to an account of the organization, whatever its case, without naming it', async () => {
    // Act
    const validation = validateAccountRequest(fresh(), config, {
      caller: portal,
      request: { ...request, email: 'audit@ORGFLOW.example' },
    });

    // Assess
    await expect(validation).rejects.toMatchObject({
      issues: [
        {
          path: 'email',
          rule: 'email-in-use',
          message: expect.not.stringContaining('123456789012'),
        },
      ],
    });
  });

  it('refuses malformed input before calling AWS', async () => {
    // Act
    const validation = validateAccountRequest(fresh(), config, {
      caller: portal,
      request: { accountName: '' },
    });

    // Assess
    await expect(validation).rejects.toBeInstanceOf(ValidationError);
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });
});

describe('validateAccountRequest given what the API resolved', () => {
  const deny = { id: 'p-deny00001', name: 'DenyLeaveOrganization', type: 'SERVICE_CONTROL_POLICY' } as const;
  const tags = { id: 'p-tags00001', name: 'CostCenterTags', type: 'TAG_POLICY' } as const;
  const resolved = { organizationalUnit: { id: PROD, path: 'Workloads/Prod' }, policies: [deny, tags] };
  const issuesOf = async (validation: Promise<unknown>) =>
    ((await validation.catch((e: unknown) => e)) as ValidationError).issues;

  it('verifies the ids instead of resolving again: the path walked down, only the policy types named by name', async () => {
    // Act
    const normalized = await validateAccountRequest(fresh(), config, {
      caller: portal,
      request,
      resolved,
    });

    // Assess
    expect(normalized).toMatchObject({
      organizationalUnit: resolved.organizationalUnit,
      policies: [deny, tags],
    });
    expect(organizationsMock).toHaveReceivedCommandTimes(ListRootsCommand, 1);
    expect(organizationsMock).toHaveReceivedCommandTimes(ListOrganizationalUnitsForParentCommand, 3);
    // p-tags00001 was asked for by the id the allowlist names: no TAG_POLICY listing
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(ListPoliciesCommand, {
      Filter: 'SERVICE_CONTROL_POLICY',
    });
    expect(organizationsMock).not.toHaveReceivedCommand(DescribeOrganizationalUnitCommand);
  });

  it('checks an OU the caller may use anywhere with one DescribeOrganizationalUnit, the root with none', async () => {
    // Prepare
    const anywhere = VendingConfigSchema.parse({
      ...config,
      callers: [{ principal: '*', organizationalUnits: ['*'] }],
    });
    organizationsMock
      .on(DescribeOrganizationalUnitCommand)
      .resolves({ OrganizationalUnit: { Id: PROD, Name: 'Prod' } });
    const root = fresh();
    const onlyIds = { ...request, policies: ['p-tags00001'] };

    // Act
    await validateAccountRequest(root, anywhere, {
      caller: portal,
      request: onlyIds,
      resolved: { ...resolved, policies: [tags] },
    });
    await validateAccountRequest(root, anywhere, {
      caller: portal,
      request: { ...onlyIds, organizationalUnit: ROOT },
      resolved: { organizationalUnit: { id: ROOT, path: '' }, policies: [tags] },
    });

    // Assess
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(DescribeOrganizationalUnitCommand, {
      OrganizationalUnitId: PROD,
    });
    expect(organizationsMock).toHaveReceivedCommandTimes(ListRootsCommand, 1);
    expect(organizationsMock).not.toHaveReceivedCommand(ListOrganizationalUnitsForParentCommand);
    expect(organizationsMock).not.toHaveReceivedCommand(ListPoliciesCommand);
  });

  it('refuses forged claims: an OU that is not at the path, a policy id under an allowed name', async () => {
    // Prepare
    const forged = {
      organizationalUnit: { id: SANDBOX, path: 'Workloads/Prod' },
      policies: [{ ...deny, id: 'p-root00001' }, tags],
    };

    // Act
    const issues = await issuesOf(
      validateAccountRequest(fresh(), config, { caller: portal, request, resolved: forged }),
    );

    // Assess
    expect(issues).toEqual([
      {
        path: 'organizationalUnit',
        rule: 'ou-not-found',
        message: `the organization has no organizational unit ${SANDBOX} at 'Workloads/Prod'`,
      },
      {
        path: 'policies[0]',
        rule: 'policy-not-found',
        message:
          "no SERVICE_CONTROL_POLICY or TAG_POLICY has the id p-root00001 and the name 'DenyLeaveOrganization'",
      },
    ]);
  });

  it('refuses claims about another request, and still enforces the caller rules', async () => {
    // Act
    const mismatch = await issuesOf(
      validateAccountRequest(fresh(), config, {
        caller: portal,
        request: { ...request, organizationalUnit: 'Sandbox', policies: ['DenyLeaveOrganization'] },
        resolved,
      }),
    );
    const stranger = await issuesOf(
      validateAccountRequest(fresh(), config, {
        caller: { arn: 'arn:aws:iam::999988887777:user/mallory', accountId: '999988887777' },
        request,
        resolved,
      }),
    );

    // Assess
    expect(mismatch.map((issue) => [issue.path, issue.rule])).toEqual([
      ['organizationalUnit', 'resolved-mismatch'],
      ['policies', 'resolved-mismatch'],
    ]);
    expect(stranger.map((issue) => [issue.path, issue.rule])).toEqual([
      ['organizationalUnit', 'caller-not-allowed'],
    ]);
  });
});

describe('OrganizationDirectory', () => {
  it('asks for the root once, and again after a failed call', async () => {
    // Prepare
    organizationsMock
      .on(ListRootsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }))
      .resolves({ Roots: [{ Id: ROOT }] });
    const directory = fresh();

    // Act
    await expect(directory.rootId()).rejects.toThrow('Rate exceeded');
    const ids = [await directory.rootId(), await directory.rootId()];

    // Assess
    expect(ids).toEqual([ROOT, ROOT]);
    expect(organizationsMock).toHaveReceivedCommandTimes(ListRootsCommand, 2);
  });

  it('validates a burst of requests with one listing per level and type, and lists again after the TTL', async () => {
    // Prepare
    let now = 1_000_000;
    const directory = new OrganizationDirectory(organizations, { ttlMs: 30_000, now: () => now });
    const validate = () => validateAccountRequest(directory, config, { caller: portal, request });

    // Act
    const burst = await Promise.all(Array.from({ length: 20 }, validate));
    now += 29_000;
    await validate();
    const beforeExpiry = organizationsMock.commandCalls(ListOrganizationalUnitsForParentCommand).length;
    now += 2_000;
    await validate();

    // Assess
    expect(burst.every((normalized) => normalized.organizationalUnit.id === PROD)).toBe(true);
    expect(organizationsMock).toHaveReceivedCommandTimes(ListRootsCommand, 1);
    // Workloads' listing has two pages: root + 2 pages, then the same again once expired
    expect(beforeExpiry).toBe(3);
    expect(organizationsMock).toHaveReceivedCommandTimes(ListOrganizationalUnitsForParentCommand, 6);
    expect(organizationsMock).toHaveReceivedCommandTimes(ListPoliciesCommand, 4);
  });

  it('looks for a name it does not know in a fresh listing, so a new OU or policy is found at once', async () => {
    // Prepare
    let now = 1_000_000;
    const directory = new OrganizationDirectory(organizations, { ttlMs: 30_000, now: () => now });
    await validateAccountRequest(directory, config, { caller: portal, request });
    organizationsMock
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: WORKLOADS, NextToken: 'more' })
      .resolves({
        OrganizationalUnits: [
          { Id: PROD, Name: 'Prod' },
          { Id: 'ou-ab12-new00001', Name: 'New' },
        ],
      });
    organizationsMock.on(ListPoliciesCommand, { Filter: 'TAG_POLICY' }).resolves({
      Policies: [
        { Id: 'p-tags00001', Name: 'CostCenterTags' },
        { Id: 'p-tags00002', Name: 'NewTags' },
      ],
    });
    const withNew = VendingConfigSchema.parse({ ...config, selfServicePolicies: ['NewTags'] });
    now += 1_500;

    // Act
    const normalized = await validateAccountRequest(directory, withNew, {
      caller: portal,
      request: { ...request, organizationalUnit: 'Workloads/New', policies: ['NewTags'] },
    });

    // Assess
    expect(normalized.organizationalUnit).toEqual({ id: 'ou-ab12-new00001', path: 'Workloads/New' });
    expect(normalized.policies).toEqual([{ id: 'p-tags00002', name: 'NewTags', type: 'TAG_POLICY' }]);
  });
});

describe('loadVendingConfig', () => {
  it('refuses everything when nothing is configured', () => {
    // Act
    const loaded = loadVendingConfig({});

    // Assess
    expect(loaded).toEqual({
      selfServicePolicies: [],
      policyTypes: ['SERVICE_CONTROL_POLICY', 'TAG_POLICY'],
      callers: [],
      readers: [],
    });
  });

  it('reads the configuration from a file', () => {
    // Act
    const loaded = loadVendingConfig({ VENDING_CONFIG_FILE: '/etc/orgflow/vending.json' }, (path) =>
      path === '/etc/orgflow/vending.json'
        ? '{"callers":[{"principal":"*","organizationalUnits":["Sandbox"]}]}'
        : '',
    );

    // Assess
    expect(loaded.callers).toEqual([{ principal: '*', organizationalUnits: ['Sandbox'] }]);
  });

  it.each([
    [{ VENDING_CONFIG: '{', VENDING_CONFIG_FILE: 'x' }, /not both/],
    [{ VENDING_CONFIG: '{' }, /VENDING_CONFIG is not JSON/],
    [{ VENDING_CONFIG: '{"callers":[{"principal":"*"}]}' }, /callers\.0\.organizationalUnits/],
    [{ VENDING_CONFIG: '{"selfService":[]}' }, /not a valid vending configuration/],
  ])('refuses %j', (env, message) => {
    // Act
    const load = () => loadVendingConfig(env);

    // Assess
    expect(load).toThrow(message);
  });
});
