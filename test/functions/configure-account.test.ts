import 'aws-sdk-client-mock-vitest/extend';
import {
  AccountNotFoundException,
  AttachPolicyCommand,
  ConcurrentModificationException,
  DestinationParentNotFoundException,
  DuplicateAccountException,
  DuplicatePolicyAttachmentException,
  ListParentsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  PolicyNotFoundException,
  SourceParentNotFoundException,
  TagResourceCommand,
  TargetNotFoundException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { attachPolicies } from '../../functions/account-vending/attach-policies/attach-policies';
import { moveAccount } from '../../functions/account-vending/move-account/move-account';
import { tagAccount } from '../../functions/account-vending/tag-account/tag-account';

const organizationsMock = mockClient(OrganizationsClient);
const organizations = new OrganizationsClient({ region: 'us-east-1' });
const accountId = '123456789012';
const prod = 'ou-ab12-prod0001';
const root = 'r-ab12';

beforeEach(() => organizationsMock.reset());

describe('moveAccount', () => {
  it('moves the account from its current parent into the OU', async () => {
    // Prepare
    organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: root, Type: 'ROOT' }] });
    organizationsMock.on(MoveAccountCommand).resolves({});

    // Act
    const result = await moveAccount(organizations, { accountId, organizationalUnitId: prod });

    // Assess
    expect(result).toEqual({ moved: true, from: root });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(MoveAccountCommand, {
      AccountId: accountId,
      SourceParentId: root,
      DestinationParentId: prod,
    });
  });

  it('moves a new account out of the root with one call, without looking up its parent', async () => {
    // Prepare
    organizationsMock.on(MoveAccountCommand).resolves({});

    // Act
    const result = await moveAccount(organizations, {
      accountId,
      organizationalUnitId: prod,
      expectedParentId: root,
    });

    // Assess
    expect(result).toEqual({ moved: true, from: root });
    expect(organizationsMock).not.toHaveReceivedCommand(ListParentsCommand);
    expect(organizationsMock).toHaveReceivedCommandTimes(MoveAccountCommand, 1);
  });

  it('looks the parent up when the account is not where it should be (an earlier attempt moved it)', async () => {
    // Prepare
    organizationsMock
      .on(MoveAccountCommand)
      .rejects(new SourceParentNotFoundException({ message: 'not in r-ab12', $metadata: {} }));
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: prod, Type: 'ORGANIZATIONAL_UNIT' }] });

    // Act
    const result = await moveAccount(organizations, {
      accountId,
      organizationalUnitId: prod,
      expectedParentId: root,
    });

    // Assess
    expect(result).toEqual({ moved: false, from: prod });
    expect(organizationsMock).toHaveReceivedCommandTimes(MoveAccountCommand, 1);
  });

  it('is done when the account is already in the OU', async () => {
    // Prepare
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: prod, Type: 'ORGANIZATIONAL_UNIT' }] });

    // Act
    const result = await moveAccount(organizations, { accountId, organizationalUnitId: prod });

    // Assess
    expect(result).toEqual({ moved: false, from: prod });
    expect(organizationsMock).not.toHaveReceivedCommand(MoveAccountCommand);
  });

  it('is done when a concurrent move put it there first (DuplicateAccountException)', async () => {
    // Prepare
    organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: root, Type: 'ROOT' }] });
    organizationsMock
      .on(MoveAccountCommand)
      .rejects(new DuplicateAccountException({ message: 'already there', $metadata: {} }));

    // Act
    const result = await moveAccount(organizations, { accountId, organizationalUnitId: prod });

    // Assess
    expect(result.moved).toBe(false);
  });

  it.each([
    [new AccountNotFoundException({ message: 'no', $metadata: {} }), 'AccountDepartedError'],
    [
      new DestinationParentNotFoundException({ message: 'no', $metadata: {} }),
      'OrganizationalUnitNotFoundError',
    ],
    [
      new ConcurrentModificationException({ message: 'busy', $metadata: {} }),
      'ConcurrentModificationException',
    ],
  ])('reports %o as %s', async (error, name) => {
    // Prepare
    organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: root, Type: 'ROOT' }] });
    organizationsMock.on(MoveAccountCommand).rejects(error);

    // Act
    const move = moveAccount(organizations, { accountId, organizationalUnitId: prod });

    // Assess
    await expect(move).rejects.toMatchObject({ name });
  });
});

describe('tagAccount', () => {
  it('sets the tags in one TagResource call', async () => {
    // Prepare
    organizationsMock.on(TagResourceCommand).resolves({});

    // Act
    const result = await tagAccount(organizations, { accountId, tags: [{ key: 'team', value: 'payments' }] });

    // Assess
    expect(result).toEqual({ tagged: 1 });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      ResourceId: accountId,
      Tags: [{ Key: 'team', Value: 'payments' }],
    });
  });

  it('calls nothing without tags', async () => {
    // Act
    const result = await tagAccount(organizations, { accountId, tags: [] });

    // Assess
    expect(result).toEqual({ tagged: 0 });
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });

  it('reports a vanished account as AccountDepartedError, in words for the requester', async () => {
    // Prepare
    organizationsMock
      .on(TagResourceCommand)
      .rejects(new TargetNotFoundException({ message: 'no', $metadata: {} }));

    // Act
    const tag = tagAccount(organizations, { accountId, tags: [{ key: 'team', value: 'payments' }] });

    // Assess
    await expect(tag).rejects.toMatchObject({
      name: 'AccountDepartedError',
      message: expect.stringMatching(/left or was removed from the organization .*invite it back/),
    });
  });
});

describe('attachPolicies', () => {
  const policies = [
    { id: 'p-deny00001', name: 'DenyLeaveOrganization', type: 'SERVICE_CONTROL_POLICY' as const },
    { id: 'p-tags00001', name: 'CostCenterTags', type: 'TAG_POLICY' as const },
  ];

  it('attaches each policy, counting one already attached as done', async () => {
    // Prepare
    organizationsMock
      .on(AttachPolicyCommand, { PolicyId: 'p-deny00001' })
      .rejects(new DuplicatePolicyAttachmentException({ message: 'already', $metadata: {} }))
      .on(AttachPolicyCommand, { PolicyId: 'p-tags00001' })
      .resolves({});

    // Act
    const result = await attachPolicies(organizations, { accountId, policies });

    // Assess
    expect(result).toEqual({ attached: ['p-tags00001'], alreadyAttached: ['p-deny00001'] });
    expect(organizationsMock).toHaveReceivedCommandTimes(AttachPolicyCommand, 2);
  });

  it('reports a deleted policy as PolicyNotFoundError', async () => {
    // Prepare
    organizationsMock
      .on(AttachPolicyCommand)
      .rejects(new PolicyNotFoundException({ message: 'no', $metadata: {} }));

    // Act
    const attach = attachPolicies(organizations, { accountId, policies });

    // Assess
    await expect(attach).rejects.toMatchObject({
      name: 'PolicyNotFoundError',
      message: expect.stringContaining('p-deny00001'),
    });
  });
});
