import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AccountNotFoundException,
  AttachPolicyCommand,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  DuplicatePolicyAttachmentException,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import {
  type BaselinePorts,
  baselineAccount,
  type JoinedEvent,
  JoinedEventSchema,
  joinedAccountOf,
} from '../../functions/reactions/baseline-account/baseline-account';
import { ReactionsConfigSchema } from '../../functions/reactions/reactions-config';

// Baseline Account with Organizations and EventBridge mocked. The events are the samples of events/samples/:
// CreateAccountResult (account 444455556666), AccountJoinedOrganization and an accepted invitation.

const sample = (name: string): JoinedEvent =>
  JoinedEventSchema.parse(JSON.parse(readFileSync(`events/samples/${name}.json`, 'utf8')) as unknown);
const created = () => sample('organizations-create-account-result-succeeded');
const ACCOUNT = '444455556666';
const MANAGEMENT = '111111111111';
const ROOT = 'r-a1b2';
const SANDBOX = 'ou-a1b2-sandbox1';
const WORKLOADS = 'ou-a1b2-workload';
const POLICY = 'p-deny0leave1';

const organizationsMock = mockClient(OrganizationsClient);
const eventsMock = mockClient(EventBridgeClient);

function portsWith(config: unknown = {}, protectedOrganizationalUnits: string[] = []): BaselinePorts {
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  return {
    organizations,
    directory: new OrganizationDirectory(organizations),
    config: ReactionsConfigSchema.parse(config),
    protectedOrganizationalUnits,
    events: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'default',
  };
}
const baseline = {
  baseline: { landingOrganizationalUnit: 'Sandbox', version: 'v1', policies: ['DenyLeaveOrganization'] },
};

beforeEach(() => {
  organizationsMock.reset();
  eventsMock.reset();
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { MasterAccountId: MANAGEMENT } });
  organizationsMock.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: 'ACTIVE' } });
  organizationsMock.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT }] });
  organizationsMock.on(ListOrganizationalUnitsForParentCommand, { ParentId: ROOT }).resolves({
    OrganizationalUnits: [
      { Id: SANDBOX, Name: 'Sandbox' },
      { Id: WORKLOADS, Name: 'Workloads' },
    ],
  });
  organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: ROOT, Type: 'ROOT' }] });
  organizationsMock.on(ListPoliciesCommand).resolves({ Policies: [] });
  organizationsMock
    .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' })
    .resolves({ Policies: [{ Id: POLICY, Name: 'DenyLeaveOrganization' }] });
  organizationsMock.on(MoveAccountCommand).resolves({});
  organizationsMock.on(AttachPolicyCommand).resolves({});
  organizationsMock.on(TagResourceCommand).resolves({});
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('the account a joining event names', () => {
  it('reads it from each of the three events', () => {
    expect(joinedAccountOf(created())).toBe(ACCOUNT);
    expect(joinedAccountOf(sample('organizations-account-joined-organization'))).toBe('444455556666');
    expect(joinedAccountOf(sample('organizations-accept-handshake'))).toBe('222222222222');
  });

  it('refuses an event that is none of them, and a failed creation', () => {
    const failed = JSON.parse(
      readFileSync('events/samples/organizations-create-account-result-failed.json', 'utf8'),
    ) as unknown;
    expect(JoinedEventSchema.safeParse(failed).success).toBe(false);
    const move = JSON.parse(
      readFileSync('events/samples/organizations-move-account.json', 'utf8'),
    ) as unknown;
    expect(JoinedEventSchema.safeParse(move).success).toBe(false);
  });
});

describe('Baseline Account', () => {
  it('moves an account in the root to the landing OU, attaches the policies, then tags it and announces it', async () => {
    // Act
    const outcome = await baselineAccount(portsWith(baseline), created());

    // Assess
    expect(outcome).toEqual({
      baselined: true,
      accountId: ACCOUNT,
      version: 'v1',
      organizationalUnit: 'Sandbox',
      moved: true,
      policiesAttached: ['DenyLeaveOrganization'],
    });
    expect(organizationsMock).toHaveReceivedCommandWith(MoveAccountCommand, {
      AccountId: ACCOUNT,
      SourceParentId: ROOT,
      DestinationParentId: SANDBOX,
    });
    expect(organizationsMock).toHaveReceivedCommandWith(AttachPolicyCommand, {
      PolicyId: POLICY,
      TargetId: ACCOUNT,
    });
    expect(organizationsMock).toHaveReceivedCommandWith(TagResourceCommand, {
      ResourceId: ACCOUNT,
      Tags: [{ Key: 'orgflow:baseline', Value: 'v1' }],
    });
    // the tag last: an account that carries it has the whole baseline
    const calls = organizationsMock.calls().map((call) => call.args[0].constructor.name);
    expect(calls.indexOf('TagResourceCommand')).toBeGreaterThan(calls.indexOf('AttachPolicyCommand'));
    const entry = eventsMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.DetailType).toBe('Account Baselined');
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      accountId: ACCOUNT,
      joinedBy: 'CreateAccountResult',
      sourceEventId: 'e5e20ada-7d1c-434d-bac2-32e156df4d93',
    });
  });

  it.each([
    [
      'the management account',
      () =>
        organizationsMock
          .on(DescribeOrganizationCommand)
          .resolves({ Organization: { MasterAccountId: ACCOUNT } }),
      'management-account',
    ],
    [
      'an account no longer in the organization',
      () =>
        organizationsMock
          .on(DescribeAccountCommand)
          .rejects(new AccountNotFoundException({ message: 'gone', $metadata: {} })),
      'not-a-member',
    ],
    [
      'a suspended account',
      () =>
        organizationsMock
          .on(DescribeAccountCommand)
          .resolves({ Account: { Id: ACCOUNT, State: 'SUSPENDED' } }),
      'not-a-member',
    ],
    [
      'an account tagged protected',
      () =>
        organizationsMock
          .on(ListTagsForResourceCommand)
          .resolves({ Tags: [{ Key: 'orgflow:protected', Value: 'TRUE' }] }),
      'protected-account',
    ],
    [
      'an account vended by orgflow',
      () =>
        organizationsMock
          .on(ListTagsForResourceCommand)
          .resolves({ Tags: [{ Key: 'orgflow:request-id', Value: 'req-1' }] }),
      'vended-by-orgflow',
    ],
    [
      'an account already at this version',
      () =>
        organizationsMock
          .on(ListTagsForResourceCommand)
          .resolves({ Tags: [{ Key: 'orgflow:baseline', Value: 'v1' }] }),
      'already-baselined',
    ],
  ])('leaves %s alone, and changes nothing', async (_what, arrange, reason) => {
    // Prepare
    arrange();

    // Act
    const outcome = await baselineAccount(portsWith(baseline), created());

    // Assess
    expect(outcome).toMatchObject({ baselined: false, accountId: ACCOUNT, reason });
    expect(organizationsMock).not.toHaveReceivedCommand(MoveAccountCommand);
    expect(organizationsMock).not.toHaveReceivedCommand(AttachPolicyCommand);
    expect(organizationsMock).not.toHaveReceivedCommand(TagResourceCommand);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('does nothing at all without a baseline in the configuration', async () => {
    const outcome = await baselineAccount(portsWith({}), created());
    expect(outcome).toMatchObject({ baselined: false, reason: 'no-baseline-configured' });
    expect(organizationsMock.calls()).toHaveLength(0);
  });

  it('leaves an account someone placed in an OU where it is, and still tags it and attaches the policies', async () => {
    // Prepare
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: WORKLOADS, Type: 'ORGANIZATIONAL_UNIT' }] });

    // Act
    const outcome = await baselineAccount(portsWith(baseline), created());

    // Assess
    expect(outcome).toMatchObject({ baselined: true, moved: false, organizationalUnit: WORKLOADS });
    expect(organizationsMock).not.toHaveReceivedCommand(MoveAccountCommand);
    expect(organizationsMock).toHaveReceivedCommand(TagResourceCommand);
  });

  it('moves a placed account too when movePlacedAccounts says so', async () => {
    // Prepare
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: WORKLOADS, Type: 'ORGANIZATIONAL_UNIT' }] });
    const config = { baseline: { ...baseline.baseline, movePlacedAccounts: true } };

    // Act
    const outcome = await baselineAccount(portsWith(config), created());

    // Assess
    expect(outcome).toMatchObject({ baselined: true, moved: true, organizationalUnit: 'Sandbox' });
    expect(organizationsMock).toHaveReceivedCommandWith(MoveAccountCommand, {
      SourceParentId: WORKLOADS,
      DestinationParentId: SANDBOX,
    });
  });

  it('never moves an account out of an OU the closure configuration protects, movePlacedAccounts or not', async () => {
    // Prepare: placed in Workloads, which the closure configuration protects
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: WORKLOADS, Type: 'ORGANIZATIONAL_UNIT' }] });
    organizationsMock
      .on(ListParentsCommand, { ChildId: WORKLOADS })
      .resolves({ Parents: [{ Id: ROOT, Type: 'ROOT' }] });
    organizationsMock
      .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: WORKLOADS })
      .resolves({ OrganizationalUnit: { Id: WORKLOADS, Name: 'Workloads' } });
    const config = { baseline: { ...baseline.baseline, movePlacedAccounts: true } };

    // Act
    const outcome = await baselineAccount(portsWith(config, ['Workloads']), created());

    // Assess
    expect(outcome).toMatchObject({ baselined: true, moved: false, organizationalUnit: WORKLOADS });
    expect(organizationsMock).not.toHaveReceivedCommand(MoveAccountCommand);
  });

  it('completes a run cut short: a policy attached already is what the baseline wants', async () => {
    // Prepare: moved and attached by an earlier delivery, which failed before the tag
    organizationsMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: SANDBOX, Type: 'ORGANIZATIONAL_UNIT' }] });
    organizationsMock
      .on(AttachPolicyCommand)
      .rejects(new DuplicatePolicyAttachmentException({ message: 'attached', $metadata: {} }));

    // Act
    const outcome = await baselineAccount(portsWith(baseline), created());

    // Assess
    expect(outcome).toMatchObject({ baselined: true, moved: false, organizationalUnit: 'Sandbox' });
    expect(organizationsMock).toHaveReceivedCommand(TagResourceCommand);
  });

  it('throws, to be retried and then dead-lettered, when the landing OU or a policy does not exist; nothing is tagged', async () => {
    // Act + Assess
    await expect(
      baselineAccount(
        portsWith({ baseline: { ...baseline.baseline, landingOrganizationalUnit: 'Nowhere' } }),
        created(),
      ),
    ).rejects.toThrow('the landing OU Nowhere of the baseline does not exist');
    await expect(
      baselineAccount(portsWith({ baseline: { ...baseline.baseline, policies: ['Missing'] } }), created()),
    ).rejects.toThrow("the baseline's policies Missing do not exist");
    expect(organizationsMock).not.toHaveReceivedCommand(TagResourceCommand);
  });
});

describe('the reactions configuration', () => {
  it('refuses a guardrail selected both by name and by tag, or by neither, and one attached nowhere', () => {
    const guardrail = (g: Record<string, unknown>) =>
      ReactionsConfigSchema.safeParse({ guardrails: [{ attachedTo: ['Workloads'], ...g }] });
    expect(guardrail({ policy: 'A', policyTag: 'k=v' }).success).toBe(false);
    expect(guardrail({}).success).toBe(false);
    expect(ReactionsConfigSchema.safeParse({ guardrails: [{ policy: 'A', attachedTo: [] }] }).success).toBe(
      false,
    );
    expect(guardrail({ policy: 'A', approvedContent: 'not json' }).success).toBe(false);
    expect(guardrail({ policyTag: 'orgflow:guardrail=true' }).success).toBe(true);
    // one approved document fits one policy, not every policy a tag selects
    expect(guardrail({ policyTag: 'orgflow:guardrail=true', approvedContent: '{}' }).success).toBe(false);
    expect(guardrail({ policy: 'A', approvedContent: '{}' }).success).toBe(true);
  });

  it('refuses a baseline version that cannot be a tag value, and unknown fields', () => {
    const base = { landingOrganizationalUnit: 'Sandbox', version: 'v1' };
    expect(ReactionsConfigSchema.safeParse({ baseline: { ...base, version: 'two words' } }).success).toBe(
      false,
    );
    expect(ReactionsConfigSchema.safeParse({ baseline: { ...base, extra: 1 } }).success).toBe(false);
    expect(ReactionsConfigSchema.safeParse({ baseline: base }).success).toBe(true);
  });
});
