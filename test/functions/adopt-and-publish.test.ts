import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { adoptExistingAccount } from '../../functions/account-vending/adopt-existing-account/adopt-existing-account';
import { publishAccountVended } from '../../functions/account-vending/publish-account-vended/publish-account-vended';

const organizationsMock = mockClient(OrganizationsClient);
const eventsMock = mockClient(EventBridgeClient);
const organizations = new OrganizationsClient({ region: 'us-east-1' });
const events = new EventBridgeClient({ region: 'us-east-1' });
const PROD = 'ou-ab12-prod0001';

beforeEach(() => {
  organizationsMock.reset();
  eventsMock.reset();
  organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '111111111111' } });
});

describe('adoptExistingAccount', () => {
  const REQUEST = 'ar-0123456789abcdef0123456789abcdef';
  const mark = (requestId: string) => ({ Tags: [{ Key: 'orgflow:request-id', Value: requestId }] });
  const input = { requestId: REQUEST, email: 'payments-prod@orgflow.example', organizationalUnitId: PROD };

  it('adopts the account created for this request, found on any page, ignoring case', async () => {
    // Prepare
    organizationsMock
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [{ Id: '111111111111', Email: 'mgmt@orgflow.example', State: 'ACTIVE' }],
        NextToken: 'page-2',
      })
      .on(ListAccountsCommand, { NextToken: 'page-2' })
      .resolves({
        Accounts: [{ Id: '123456789012', Email: 'Payments-Prod@orgflow.example', State: 'ACTIVE' }],
      });
    organizationsMock.on(ListTagsForResourceCommand, { ResourceId: '123456789012' }).resolves(mark(REQUEST));

    // Act
    const result = await adoptExistingAccount(organizations, input);

    // Assess
    expect(result).toEqual({ accountId: '123456789012', adopted: true });
    expect(organizationsMock).toHaveReceivedCommandTimes(ListAccountsCommand, 2);
  });

  it.each([
    ['has no mark (created outside orgflow)', { Tags: [{ Key: 'owner', Value: 'team-b' }] }],
    ["carries another request's mark", mark('ar-ffffffffffffffffffffffffffffffff')],
  ])('refuses an account in the root that %s, and reads nothing more', async (_, tags) => {
    // Prepare
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: '123456789012', Email: 'payments-prod@orgflow.example', State: 'ACTIVE' }],
    });
    organizationsMock.on(ListTagsForResourceCommand).resolves(tags);

    // Act
    const adopt = adoptExistingAccount(organizations, input);

    // Assess
    await expect(adopt).rejects.toMatchObject({
      name: 'EmailAlreadyExistsError',
      message: expect.stringContaining(
        'account 123456789012 of this organization, which orgflow did not create for this request',
      ),
    });
    expect(organizationsMock).toHaveReceivedCommandTimes(ListParentsCommand, 0);
  });

  it.each([
    [[], /an account outside this organization/],
    [
      [{ Id: '123456789012', Email: 'payments-prod@orgflow.example', State: 'SUSPENDED' }],
      /account 123456789012 of this organization, which is SUSPENDED/,
    ],
    [
      [{ Id: '111111111111', Email: 'payments-prod@orgflow.example', State: 'ACTIVE' }],
      /the management account/,
    ],
  ])('refuses to adopt when the accounts are %j', async (accounts, message) => {
    // Prepare
    organizationsMock.on(ListAccountsCommand).resolves({ Accounts: accounts as never });
    organizationsMock.on(ListTagsForResourceCommand).resolves(mark(REQUEST));

    // Act
    const adopt = adoptExistingAccount(organizations, input);

    // Assess
    await expect(adopt).rejects.toMatchObject({
      name: 'EmailAlreadyExistsError',
      message: expect.stringMatching(message),
    });
  });

  it('adopts its own account already in the requested OU (an earlier attempt moved it)', async () => {
    // Prepare
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: '123456789012', Email: 'payments-prod@orgflow.example', State: 'ACTIVE' }],
    });
    organizationsMock.on(ListTagsForResourceCommand).resolves(mark(REQUEST));
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: PROD, Type: 'ORGANIZATIONAL_UNIT' }] });

    // Act
    const result = await adoptExistingAccount(organizations, input);

    // Assess
    expect(result).toEqual({ accountId: '123456789012', adopted: true });
  });

  it('never pulls an account out of another OU, even its own', async () => {
    // Prepare
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: '123456789012', Email: 'payments-prod@orgflow.example', State: 'ACTIVE' }],
    });
    organizationsMock.on(ListTagsForResourceCommand).resolves(mark(REQUEST));
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: 'ou-ab12-security', Type: 'ORGANIZATIONAL_UNIT' }] });

    // Act
    const adopt = adoptExistingAccount(organizations, { ...input, organizationalUnitId: 'ou-ab12-sandbox1' });

    // Assess
    await expect(adopt).rejects.toMatchObject({
      name: 'EmailAlreadyExistsError',
      message: expect.stringContaining('but is now in ou-ab12-security; the platform team can move it'),
    });
  });
});

describe('publishAccountVended', () => {
  const input = {
    requestId: 'ar-0123456789abcdef0123456789abcdef',
    caller: { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' },
    request: {
      accountName: 'payments-prod',
      email: 'payments-prod@orgflow.example',
      organizationalUnit: { id: 'ou-ab12-prod0001', path: 'Workloads/Prod' },
      tags: [{ key: 'team', value: 'payments' }],
      policies: [
        { id: 'p-deny00001', name: 'DenyLeaveOrganization', type: 'SERVICE_CONTROL_POLICY' as const },
      ],
    },
    accountId: '123456789012',
    adopted: false,
  };

  it('puts one orgflow / Account Vended event on the bus', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });

    // Act
    const result = await publishAccountVended(events, 'default', input);

    // Assess
    expect(result).toEqual({ eventId: 'evt-1' });
    const entry = eventsMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ Source: 'orgflow', DetailType: 'Account Vended', EventBusName: 'default' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toEqual({
      requestId: input.requestId,
      accountId: '123456789012',
      accountName: 'payments-prod',
      email: 'payments-prod@orgflow.example',
      organizationalUnit: { id: 'ou-ab12-prod0001', path: 'Workloads/Prod' },
      tags: [{ key: 'team', value: 'payments' }],
      policies: ['p-deny00001'],
      adopted: false,
      requestedBy: input.caller.arn,
    });
  });

  it('fails with EventNotPublishedError when EventBridge refuses the entry', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    // Act
    const publish = publishAccountVended(events, 'default', input);

    // Assess
    await expect(publish).rejects.toMatchObject({
      name: 'EventNotPublishedError',
      message: expect.stringContaining('InternalFailure'),
    });
  });
});
