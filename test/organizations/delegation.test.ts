import {
  CreateOrganizationCommand,
  DeleteResourcePolicyCommand,
  DeregisterDelegatedAdministratorCommand,
  DescribeResourcePolicyCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListDelegatedServicesForAccountCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  PutResourcePolicyCommand,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountRow } from '../../local/organizations/model';
import {
  addMemberRows,
  type Harness,
  MANAGEMENT,
  OUTSIDER,
  startHarness,
  startWithOrganization,
} from './harness';

const MEMBER = '222222222222';
const OTHER_MEMBER = '333333333333';
const THIRD_MEMBER = '444444444444';
const SSO = 'sso.amazonaws.com';
const STACKSETS = 'member.org.stacksets.cloudformation.amazonaws.com';
const START = new Date(Date.UTC(2026, 0, 1));
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MEMBER}:root` },
      Action: 'organizations:DescribeOrganization',
      Resource: '*',
    },
  ],
});

type OrgHarness = Harness & { org: OrganizationsClient; organization: { Id?: string | undefined } };

/** Puts a member account straight into the organization's root, as a finished CreateAccount would. */
async function addMember(h: OrgHarness, id: string, overrides: Partial<AccountRow> = {}): Promise<void> {
  addMemberRows(h, h.organization.Id!, [id], { overrides });
}

async function delegate(h: OrgHarness, accountId: string, principal = SSO): Promise<void> {
  await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }));
  await h.org.send(
    new RegisterDelegatedAdministratorCommand({ AccountId: accountId, ServicePrincipal: principal }),
  );
}

async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[]; NextToken?: string | undefined }>,
) {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.NextToken;
  } while (token);
  return items;
}

describe('trusted service access', () => {
  let h: OrgHarness;
  afterEach(async () => h?.close());

  it('enables a service and lists it with the date it was enabled', async () => {
    h = await startWithOrganization();

    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO }));

    const { EnabledServicePrincipals } = await h.org.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(EnabledServicePrincipals).toEqual([{ ServicePrincipal: SSO, DateEnabled: START }]);
  });

  it('treats enabling an enabled service as done and keeps its first date', async () => {
    h = await startWithOrganization();
    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO }));
    h.clock.advance(60_000);

    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO }));

    const { EnabledServicePrincipals } = await h.org.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(EnabledServicePrincipals).toEqual([{ ServicePrincipal: SSO, DateEnabled: START }]);
  });

  it('pages through the enabled services and refuses a forged token', async () => {
    h = await startWithOrganization();
    const principals = ['sso.amazonaws.com', 'guardduty.amazonaws.com', 'backup.amazonaws.com'];
    for (const p of principals) await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: p }));

    const listed = await allPages(async (NextToken) => {
      const out = await h.org.send(
        new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 2, NextToken }),
      );
      expect(out.EnabledServicePrincipals!.length).toBeLessThanOrEqual(2);
      return { items: out.EnabledServicePrincipals!, NextToken: out.NextToken };
    });

    expect(listed.map((s) => s.ServicePrincipal)).toEqual(principals);
    await expect(
      h.org.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken: 'forged' })),
    ).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_NEXT_TOKEN' });
  });

  it('disables a service, deregistering its delegated administrators and no others', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await delegate(h, MEMBER, SSO);
    await delegate(h, MEMBER, 'guardduty.amazonaws.com');

    await h.org.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: SSO }));

    const { EnabledServicePrincipals } = await h.org.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(EnabledServicePrincipals!.map((s) => s.ServicePrincipal)).toEqual(['guardduty.amazonaws.com']);
    const { DelegatedServices } = await h.org.send(
      new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER }),
    );
    expect(DelegatedServices!.map((s) => s.ServicePrincipal)).toEqual(['guardduty.amazonaws.com']);
  });

  it('treats disabling a service that is not enabled as done', async () => {
    h = await startWithOrganization();

    await h.org.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: SSO }));

    const { EnabledServicePrincipals } = await h.org.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(EnabledServicePrincipals).toEqual([]);
  });

  it.each([
    [
      'an unrecognised principal',
      new EnableAWSServiceAccessCommand({ ServicePrincipal: 'coffee.amazonaws.com' }),
      'InvalidInputException',
      'UNRECOGNIZED_SERVICE_PRINCIPAL',
    ],
    [
      'a principal breaking the pattern',
      new EnableAWSServiceAccessCommand({ ServicePrincipal: 'sso amazonaws com' }),
      'InvalidInputException',
      'INVALID_PATTERN',
    ],
    [
      'an unrecognised principal to disable',
      new DisableAWSServiceAccessCommand({ ServicePrincipal: 'coffee.amazonaws.com' }),
      'InvalidInputException',
      'UNRECOGNIZED_SERVICE_PRINCIPAL',
    ],
  ] as const)('refuses %s', async (_, command, name, Reason) => {
    h = await startWithOrganization();
    const before = h.emulator.store.snapshot();

    await expect(h.org.send(command as EnableAWSServiceAccessCommand)).rejects.toMatchObject({
      name,
      Reason,
    });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('refuses to enable a service in an organization with only consolidated billing', async () => {
    const harness = await startHarness();
    const client = harness.client(MANAGEMENT);
    await client.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
    h = { ...harness, org: client, organization: {} };

    await expect(
      client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO })),
    ).rejects.toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
    });
    expect(h.emulator.store.serviceAccess.size).toBe(0);
  });

  it('lets only the management account change service access', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    const member = h.client(MEMBER);

    await expect(
      member.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      member.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: SSO })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      h.client(OUTSIDER).send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO })),
    ).rejects.toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
  });

  it('lets a delegated administrator list service access, and no other member', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await addMember(h, OTHER_MEMBER);
    await delegate(h, MEMBER);

    const { EnabledServicePrincipals } = await h
      .client(MEMBER)
      .send(new ListAWSServiceAccessForOrganizationCommand({}));

    expect(EnabledServicePrincipals!.map((s) => s.ServicePrincipal)).toEqual([SSO]);
    await expect(
      h.client(OTHER_MEMBER).send(new ListAWSServiceAccessForOrganizationCommand({})),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('delegated administrators', () => {
  let h: OrgHarness;
  afterEach(async () => h?.close());

  it('registers a member and lists it in the Account-like shape', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO }));
    h.clock.advance(5_000);

    await h.org.send(new RegisterDelegatedAdministratorCommand({ AccountId: MEMBER, ServicePrincipal: SSO }));

    const { DelegatedAdministrators } = await h.org.send(new ListDelegatedAdministratorsCommand({}));
    expect(DelegatedAdministrators).toEqual([
      {
        Id: MEMBER,
        Arn: `arn:aws:organizations::${MANAGEMENT}:account/${h.organization.Id}/${MEMBER}`,
        Email: `member-${MEMBER}@example.com`,
        Name: `Member ${MEMBER}`,
        Status: 'ACTIVE',
        State: 'ACTIVE',
        JoinedMethod: 'CREATED',
        JoinedTimestamp: START,
        DelegationEnabledDate: new Date(START.getTime() + 5_000),
      },
    ]);
    const { DelegatedServices } = await h.org.send(
      new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER }),
    );
    expect(DelegatedServices).toEqual([
      { ServicePrincipal: SSO, DelegationEnabledDate: new Date(START.getTime() + 5_000) },
    ]);
  });

  it('lists each account once, filters by service and pages', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await addMember(h, OTHER_MEMBER);
    await addMember(h, THIRD_MEMBER);
    await delegate(h, MEMBER, SSO);
    h.clock.advance(1_000);
    await delegate(h, MEMBER, STACKSETS);
    await delegate(h, OTHER_MEMBER, STACKSETS);
    await delegate(h, THIRD_MEMBER, 'guardduty.amazonaws.com');

    const all = await allPages(async (NextToken) => {
      const out = await h.org.send(new ListDelegatedAdministratorsCommand({ MaxResults: 2, NextToken }));
      return { items: out.DelegatedAdministrators!, NextToken: out.NextToken };
    });
    const stacksets = await h.org.send(
      new ListDelegatedAdministratorsCommand({ ServicePrincipal: STACKSETS }),
    );

    expect(all.map((a) => a.Id)).toEqual([MEMBER, OTHER_MEMBER, THIRD_MEMBER]);
    expect(all[0]!.DelegationEnabledDate).toEqual(START);
    expect(stacksets.DelegatedAdministrators!.map((a) => [a.Id, a.DelegationEnabledDate])).toEqual([
      [MEMBER, new Date(START.getTime() + 1_000)],
      [OTHER_MEMBER, new Date(START.getTime() + 1_000)],
    ]);
    const services = await h.org.send(
      new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER, MaxResults: 1 }),
    );
    expect(services.DelegatedServices!.map((s) => s.ServicePrincipal)).toEqual([SSO]);
    expect(services.NextToken).toBeDefined();
  });

  it('deregisters an administrator', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await delegate(h, MEMBER);

    await h.org.send(
      new DeregisterDelegatedAdministratorCommand({ AccountId: MEMBER, ServicePrincipal: SSO }),
    );

    const { DelegatedAdministrators } = await h.org.send(new ListDelegatedAdministratorsCommand({}));
    expect(DelegatedAdministrators).toEqual([]);
    await expect(
      h.org.send(new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER })),
    ).rejects.toMatchObject({ name: 'AccountNotRegisteredException' });
  });

  type Setup = (h: OrgHarness) => Promise<void>;
  const enableSso: Setup = async (h) => {
    await addMember(h, MEMBER);
    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: SSO }));
  };

  it.each<[string, Setup, { AccountId: string; ServicePrincipal: string }, string, string | undefined]>([
    [
      'an account outside the organization',
      enableSso,
      { AccountId: OUTSIDER, ServicePrincipal: SSO },
      'AccountNotFoundException',
      undefined,
    ],
    [
      'the management account',
      enableSso,
      { AccountId: MANAGEMENT, ServicePrincipal: SSO },
      'ConstraintViolationException',
      'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR',
    ],
    [
      'a suspended account',
      async (h) => {
        await addMember(h, OTHER_MEMBER, { status: 'SUSPENDED', state: 'CLOSED' });
        await enableSso(h);
      },
      { AccountId: OTHER_MEMBER, ServicePrincipal: SSO },
      'ConstraintViolationException',
      'CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR',
    ],
    [
      'a service without service access',
      (h) => addMember(h, MEMBER),
      { AccountId: MEMBER, ServicePrincipal: SSO },
      'ConstraintViolationException',
      'SERVICE_ACCESS_NOT_ENABLED',
    ],
    [
      'an account already registered',
      (h) => addMember(h, MEMBER).then(() => delegate(h, MEMBER)),
      { AccountId: MEMBER, ServicePrincipal: SSO },
      'AccountAlreadyRegisteredException',
      undefined,
    ],
    [
      'a second administrator for a service that allows one',
      async (h) => {
        await addMember(h, OTHER_MEMBER);
        await enableSso(h);
        await h.org.send(
          new RegisterDelegatedAdministratorCommand({ AccountId: OTHER_MEMBER, ServicePrincipal: SSO }),
        );
      },
      { AccountId: MEMBER, ServicePrincipal: SSO },
      'ConstraintViolationException',
      'MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED',
    ],
    [
      'an unrecognised principal',
      enableSso,
      { AccountId: MEMBER, ServicePrincipal: 'coffee.amazonaws.com' },
      'InvalidInputException',
      'UNRECOGNIZED_SERVICE_PRINCIPAL',
    ],
    [
      'a service without delegated administration',
      enableSso,
      { AccountId: MEMBER, ServicePrincipal: 'ram.amazonaws.com' },
      'InvalidInputException',
      'UNRECOGNIZED_SERVICE_PRINCIPAL',
    ],
    [
      'a malformed account id',
      enableSso,
      { AccountId: '12345', ServicePrincipal: SSO },
      'InvalidInputException',
      'INVALID_PATTERN',
    ],
  ])('refuses to register %s', async (_, setup, input, name, Reason) => {
    h = await startWithOrganization();
    await setup(h);
    const before = h.emulator.store.snapshot();

    await expect(h.org.send(new RegisterDelegatedAdministratorCommand(input))).rejects.toMatchObject({
      name,
      ...(Reason === undefined ? {} : { Reason }),
    });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('registers up to the limit of a service that allows several', async () => {
    h = await startWithOrganization();
    const members = [
      '222222222222',
      '333333333333',
      '444444444444',
      '555555555555',
      '666666666666',
      '777777777777',
    ];
    for (const id of members) await addMember(h, id);
    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: STACKSETS }));

    for (const id of members.slice(0, 5))
      await h.org.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: id, ServicePrincipal: STACKSETS }),
      );

    await expect(
      h.org.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: members[5]!, ServicePrincipal: STACKSETS }),
      ),
    ).rejects.toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED',
    });
    const { DelegatedAdministrators } = await h.org.send(
      new ListDelegatedAdministratorsCommand({ ServicePrincipal: STACKSETS }),
    );
    expect(DelegatedAdministrators!.map((a) => a.Id)).toEqual(members.slice(0, 5));
  });

  it('refuses to register in an organization with only consolidated billing', async () => {
    const harness = await startHarness();
    const client = harness.client(MANAGEMENT);
    const { Organization } = await client.send(
      new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }),
    );
    h = { ...harness, org: client, organization: Organization! };
    await addMember(h, MEMBER);

    await expect(
      client.send(new RegisterDelegatedAdministratorCommand({ AccountId: MEMBER, ServicePrincipal: SSO })),
    ).rejects.toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
    });
  });

  it.each<[string, { AccountId: string; ServicePrincipal: string }, string, string | undefined]>([
    [
      'an account that is not registered',
      { AccountId: OTHER_MEMBER, ServicePrincipal: SSO },
      'AccountNotRegisteredException',
      undefined,
    ],
    [
      'a service the account does not administer',
      { AccountId: MEMBER, ServicePrincipal: 'guardduty.amazonaws.com' },
      'AccountNotRegisteredException',
      undefined,
    ],
    [
      'an account outside the organization',
      { AccountId: OUTSIDER, ServicePrincipal: SSO },
      'AccountNotFoundException',
      undefined,
    ],
    [
      'an unrecognised principal',
      { AccountId: MEMBER, ServicePrincipal: 'coffee.amazonaws.com' },
      'InvalidInputException',
      'UNRECOGNIZED_SERVICE_PRINCIPAL',
    ],
  ])('refuses to deregister %s', async (_, input, name, Reason) => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await addMember(h, OTHER_MEMBER);
    await delegate(h, MEMBER);
    const before = h.emulator.store.snapshot();

    await expect(h.org.send(new DeregisterDelegatedAdministratorCommand(input))).rejects.toMatchObject({
      name,
      ...(Reason === undefined ? {} : { Reason }),
    });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('refuses listings that name an unknown account or principal', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);

    await expect(
      h.org.send(new ListDelegatedServicesForAccountCommand({ AccountId: OUTSIDER })),
    ).rejects.toMatchObject({ name: 'AccountNotFoundException' });
    await expect(
      h.org.send(new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER })),
    ).rejects.toMatchObject({ name: 'AccountNotRegisteredException' });
    await expect(
      h.org.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: 'coffee.amazonaws.com' })),
    ).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'UNRECOGNIZED_SERVICE_PRINCIPAL' });
  });

  it('lets a delegated administrator read delegations but not change them', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await addMember(h, OTHER_MEMBER);
    await delegate(h, MEMBER);
    const admin = h.client(MEMBER);

    const { DelegatedAdministrators } = await admin.send(new ListDelegatedAdministratorsCommand({}));
    const { DelegatedServices } = await admin.send(
      new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER }),
    );

    expect(DelegatedAdministrators!.map((a) => a.Id)).toEqual([MEMBER]);
    expect(DelegatedServices!.map((s) => s.ServicePrincipal)).toEqual([SSO]);
    await expect(
      admin.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: OTHER_MEMBER, ServicePrincipal: SSO }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      admin.send(new DeregisterDelegatedAdministratorCommand({ AccountId: MEMBER, ServicePrincipal: SSO })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      h.client(OTHER_MEMBER).send(new ListDelegatedAdministratorsCommand({})),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      h.client(OTHER_MEMBER).send(new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('the organization resource policy', () => {
  let h: OrgHarness;
  afterEach(async () => h?.close());

  it('creates a policy with tags and describes it', async () => {
    h = await startWithOrganization();

    const { ResourcePolicy } = await h.org.send(
      new PutResourcePolicyCommand({ Content: POLICY, Tags: [{ Key: 'owner', Value: 'platform' }] }),
    );

    const id = ResourcePolicy!.ResourcePolicySummary!.Id!;
    expect(id).toMatch(/^rp-[0-9a-zA-Z_]{4,128}$/);
    expect(ResourcePolicy).toEqual({
      ResourcePolicySummary: {
        Id: id,
        Arn: `arn:aws:organizations::${MANAGEMENT}:resourcepolicy/${h.organization.Id}/${id}`,
      },
      Content: POLICY,
    });
    const described = await h.org.send(new DescribeResourcePolicyCommand({}));
    expect(described.ResourcePolicy).toEqual(ResourcePolicy);
    const { Tags } = await h.org.send(new ListTagsForResourceCommand({ ResourceId: id }));
    expect(Tags).toEqual([{ Key: 'owner', Value: 'platform' }]);
  });

  it('replaces the content and keeps the id and ARN', async () => {
    h = await startWithOrganization();
    const first = await h.org.send(new PutResourcePolicyCommand({ Content: POLICY }));
    const updated = JSON.stringify({ Version: '2012-10-17', Statement: [] });

    const second = await h.org.send(new PutResourcePolicyCommand({ Content: updated }));

    expect(second.ResourcePolicy).toEqual({
      ResourcePolicySummary: first.ResourcePolicy!.ResourcePolicySummary,
      Content: updated,
    });
    const described = await h.org.send(new DescribeResourcePolicyCommand({}));
    expect(described.ResourcePolicy!.Content).toBe(updated);
  });

  it('deletes the policy and its tags', async () => {
    h = await startWithOrganization();
    const { ResourcePolicy } = await h.org.send(
      new PutResourcePolicyCommand({ Content: POLICY, Tags: [{ Key: 'owner', Value: 'platform' }] }),
    );

    await h.org.send(new DeleteResourcePolicyCommand({}));

    await expect(h.org.send(new DescribeResourcePolicyCommand({}))).rejects.toMatchObject({
      name: 'ResourcePolicyNotFoundException',
    });
    expect(h.emulator.store.tags.has(ResourcePolicy!.ResourcePolicySummary!.Id!)).toBe(false);
  });

  it('answers ResourcePolicyNotFoundException while there is none', async () => {
    h = await startWithOrganization();

    await expect(h.org.send(new DescribeResourcePolicyCommand({}))).rejects.toMatchObject({
      name: 'ResourcePolicyNotFoundException',
    });
    await expect(h.org.send(new DeleteResourcePolicyCommand({}))).rejects.toMatchObject({
      name: 'ResourcePolicyNotFoundException',
    });
  });

  it.each<[string, { Content: string; Tags?: { Key: string; Value: string }[] }, string, string | undefined]>(
    [
      [
        'content that is not JSON',
        { Content: '{"Version": "2012-10-17",' },
        'InvalidInputException',
        'INVALID_RESOURCE_POLICY_JSON',
      ],
      [
        'JSON that is not an object',
        { Content: '["Allow"]' },
        'InvalidInputException',
        'INVALID_RESOURCE_POLICY_JSON',
      ],
      [
        'content over 40,000 characters',
        { Content: JSON.stringify({ Sid: 'x'.repeat(40_000) }) },
        'InvalidInputException',
        'MAX_LENGTH_EXCEEDED',
      ],
      ['empty content', { Content: '' }, 'InvalidInputException', 'MIN_LENGTH_EXCEEDED'],
      [
        'a system tag',
        { Content: POLICY, Tags: [{ Key: 'aws:owner', Value: 'x' }] },
        'InvalidInputException',
        'INVALID_SYSTEM_TAGS_PARAMETER',
      ],
      [
        'a duplicate tag key',
        {
          Content: POLICY,
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'a', Value: '2' },
          ],
        },
        'InvalidInputException',
        'DUPLICATE_TAG_KEY',
      ],
    ],
  )('refuses to put %s and creates nothing', async (_, input, name, Reason) => {
    h = await startWithOrganization();
    const before = h.emulator.store.snapshot();

    await expect(h.org.send(new PutResourcePolicyCommand(input))).rejects.toMatchObject({
      name,
      ...(Reason === undefined ? {} : { Reason }),
    });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('refuses tags on an update and keeps the policy as it was', async () => {
    h = await startWithOrganization();
    await h.org.send(new PutResourcePolicyCommand({ Content: POLICY }));
    const before = h.emulator.store.snapshot();

    await expect(
      h.org.send(
        new PutResourcePolicyCommand({
          Content: '{"Statement":[]}',
          Tags: [{ Key: 'owner', Value: 'platform' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('lets delegated administrators read the policy and only the management account change it', async () => {
    h = await startWithOrganization();
    await addMember(h, MEMBER);
    await addMember(h, OTHER_MEMBER);
    await delegate(h, MEMBER);
    await h.org.send(new PutResourcePolicyCommand({ Content: POLICY }));
    const admin = h.client(MEMBER);

    const { ResourcePolicy } = await admin.send(new DescribeResourcePolicyCommand({}));

    expect(ResourcePolicy!.Content).toBe(POLICY);
    await expect(admin.send(new PutResourcePolicyCommand({ Content: POLICY }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(admin.send(new DeleteResourcePolicyCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(h.client(OTHER_MEMBER).send(new DescribeResourcePolicyCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(h.client(OUTSIDER).send(new DescribeResourcePolicyCommand({}))).rejects.toMatchObject({
      name: 'AWSOrganizationsNotInUseException',
    });
  });
});
