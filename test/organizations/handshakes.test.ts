import {
  AcceptHandshakeCommand,
  CancelHandshakeCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  DeclineHandshakeCommand,
  DescribeAccountCommand,
  DescribeHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  type Handshake,
  type HandshakeFilter,
  InviteAccountToOrganizationCommand,
  type InviteAccountToOrganizationCommandInput,
  ListAccountsCommand,
  ListHandshakesForAccountCommand,
  ListHandshakesForOrganizationCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MANAGEMENT, OUTSIDER, startHarness, startWithOrganization } from './harness';

const DAY = 24 * 60 * 60 * 1000;
const INVITEE = '222222222222';
const OTHER_INVITEE = '333333333333';
const CB_MANAGEMENT = '444444444444';
const START = new Date(Date.UTC(2026, 0, 1));

type OrgHarness = Harness & { org: OrganizationsClient; organization: { Id?: string | undefined } };

let h: OrgHarness;
afterEach(async () => h?.close());

/** An organization with all features, and standalone accounts the tests invite. */
async function withInvitees(options: Parameters<typeof startWithOrganization>[0] = {}): Promise<OrgHarness> {
  const harness = await startWithOrganization(options);
  harness.emulator.addStandaloneAccount({ id: INVITEE, email: 'juan@example.com', name: 'Juan' });
  harness.emulator.addStandaloneAccount({ id: OTHER_INVITEE, email: 'anika@example.com', name: 'Anika' });
  return harness;
}

/** An organization with consolidated billing only, managed by CB_MANAGEMENT, plus the standalone invitees. */
async function consolidatedBilling(): Promise<OrgHarness> {
  const harness = await startHarness();
  harness.emulator.addStandaloneAccount({ id: CB_MANAGEMENT, email: 'bill@example.com', name: 'Bill' });
  harness.emulator.addStandaloneAccount({ id: INVITEE, email: 'juan@example.com', name: 'Juan' });
  harness.emulator.addStandaloneAccount({ id: OTHER_INVITEE, email: 'anika@example.com', name: 'Anika' });
  const org = harness.client(CB_MANAGEMENT);
  const { Organization } = await org.send(
    new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }),
  );
  return { ...harness, org, organization: Organization! };
}

async function invite(input: Partial<InviteAccountToOrganizationCommandInput> = {}, from = h.org) {
  const { Handshake } = await from.send(
    new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: INVITEE }, ...input }),
  );
  return Handshake!;
}

/** Invites `accountId` and has it accept: a member that joined by invitation. */
async function join(accountId: string): Promise<void> {
  const handshake = await invite({ Target: { Type: 'ACCOUNT', Id: accountId } });
  await h.client(accountId).send(new AcceptHandshakeCommand({ HandshakeId: handshake.Id }));
}

async function stateOf(id: string, as = h.org): Promise<string | undefined> {
  return (await as.send(new DescribeHandshakeCommand({ HandshakeId: id }))).Handshake!.State;
}

async function forAccount(accountId: string, Filter?: HandshakeFilter): Promise<Handshake[]> {
  return (await h.client(accountId).send(new ListHandshakesForAccountCommand({ Filter }))).Handshakes!;
}

async function forOrganization(Filter?: HandshakeFilter): Promise<Handshake[]> {
  return (await h.org.send(new ListHandshakesForOrganizationCommand({ Filter }))).Handshakes!;
}

describe('InviteAccountToOrganization', () => {
  it('sends an OPEN invitation that expires in 15 days', async () => {
    h = await withInvitees();

    const handshake = await invite({ Notes: 'join us' });

    const orgId = h.organization.Id!;
    expect(handshake).toMatchObject({
      Action: 'INVITE',
      State: 'OPEN',
      Arn: `arn:aws:organizations::${MANAGEMENT}:handshake/${orgId}/invite/${handshake.Id}`,
      Parties: [
        { Id: orgId, Type: 'ORGANIZATION' },
        { Id: INVITEE, Type: 'ACCOUNT' },
      ],
      Resources: [
        {
          Type: 'ORGANIZATION',
          Value: orgId,
          Resources: [
            { Type: 'MASTER_EMAIL', Value: `account-${MANAGEMENT}@example.com` },
            { Type: 'MASTER_NAME', Value: `Account ${MANAGEMENT}` },
            { Type: 'ORGANIZATION_FEATURE_SET', Value: 'ALL' },
          ],
        },
        { Type: 'ACCOUNT', Value: INVITEE },
        { Type: 'NOTES', Value: 'join us' },
      ],
      RequestedTimestamp: START,
      ExpirationTimestamp: new Date(START.getTime() + 15 * DAY),
    });
    expect(handshake.Id).toMatch(/^h-[0-9a-z]{8,32}$/);
    expect(await forOrganization()).toEqual([handshake]);
    expect(await forAccount(INVITEE)).toEqual([handshake]);
    expect(await forAccount(OTHER_INVITEE)).toEqual([]);
  });

  it('joins the accepting account to the root with the invitation tags and the default SCP', async () => {
    h = await withInvitees();
    const handshake = await invite({ Tags: [{ Key: 'team', Value: 'payments' }] });
    h.clock.advance(60_000);

    const { Handshake } = await h
      .client(INVITEE)
      .send(new AcceptHandshakeCommand({ HandshakeId: handshake.Id }));

    expect(Handshake!.State).toBe('ACCEPTED');
    const { Account } = await h.org.send(new DescribeAccountCommand({ AccountId: INVITEE }));
    expect(Account).toMatchObject({
      Id: INVITEE,
      Email: 'juan@example.com',
      JoinedMethod: 'INVITED',
      JoinedTimestamp: new Date(START.getTime() + 60_000),
    });
    const { Roots } = await h.org.send(new ListRootsCommand({}));
    expect(Account!.Paths).toEqual([`${h.organization.Id}/${Roots![0]!.Id}/${INVITEE}/`]);
    const { Tags } = await h.org.send(new ListTagsForResourceCommand({ ResourceId: INVITEE }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
    const { Policies } = await h.org.send(
      new ListPoliciesForTargetCommand({ TargetId: INVITEE, Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    expect(Policies!.map((p) => p.Id)).toEqual(['p-FullAWSAccess']);
  });

  it('invites by email, and the account with that address accepts it', async () => {
    h = await withInvitees();

    const handshake = await invite({ Target: { Type: 'EMAIL', Id: 'Juan@Example.com' } });

    expect(handshake.Parties).toContainEqual({ Id: 'Juan@Example.com', Type: 'EMAIL' });
    expect(handshake.Resources).toContainEqual({ Type: 'EMAIL', Value: 'Juan@Example.com' });
    expect((await forAccount(INVITEE)).map((x) => x.Id)).toEqual([handshake.Id]);
    await expect(
      h.client(OTHER_INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: handshake.Id })),
    ).rejects.toMatchObject({ name: 'HandshakeNotFoundException' });
    await h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: handshake.Id }));
    const { Accounts } = await h.org.send(new ListAccountsCommand({}));
    expect(Accounts!.map((a) => a.Id)).toEqual([MANAGEMENT, INVITEE]);
  });

  it.each([
    [
      'an organization as target',
      { Target: { Type: 'ORGANIZATION', Id: 'o-aaaaaaaaaa' } },
      'INVALID_PARTY_TYPE_TARGET',
    ],
    ['a malformed email', { Target: { Type: 'EMAIL', Id: 'juan@example' } }, 'INVALID_EMAIL_ADDRESS_TARGET'],
    [
      'an account target that is no account id',
      { Target: { Type: 'ACCOUNT', Id: 'juan' } },
      'INVALID_PATTERN',
    ],
    ['a reserved tag key', { Tags: [{ Key: 'aws:team', Value: 'x' }] }, 'INVALID_SYSTEM_TAGS_PARAMETER'],
  ] as const)('refuses %s and changes nothing', async (_, input, Reason) => {
    h = await withInvitees();
    const before = h.emulator.store.snapshot();

    await expect(invite(input as Partial<InviteAccountToOrganizationCommandInput>)).rejects.toMatchObject({
      name: 'InvalidInputException',
      Reason,
    });

    expect(h.emulator.store.snapshot()).toEqual(before);
  });

  it('refuses accounts already in an organization, this one included', async () => {
    h = await withInvitees();
    await h.client(OTHER_INVITEE).send(new CreateOrganizationCommand({}));

    for (const Id of [MANAGEMENT, OTHER_INVITEE])
      await expect(invite({ Target: { Type: 'ACCOUNT', Id } })).rejects.toMatchObject({
        name: 'HandshakeConstraintViolationException',
        Reason: 'ALREADY_IN_AN_ORGANIZATION',
      });
    await expect(invite({ Target: { Type: 'EMAIL', Id: 'anika@example.com' } })).rejects.toMatchObject({
      Reason: 'ALREADY_IN_AN_ORGANIZATION',
    });
    expect(await forOrganization()).toEqual([]);
  });

  it('refuses a second open invitation to the same account, by id or by email, until the first ends', async () => {
    h = await withInvitees();
    const first = await invite();

    await expect(invite()).rejects.toMatchObject({ name: 'DuplicateHandshakeException' });
    await expect(invite({ Target: { Type: 'EMAIL', Id: 'JUAN@example.com' } })).rejects.toMatchObject({
      name: 'DuplicateHandshakeException',
    });
    await h.client(INVITEE).send(new DeclineHandshakeCommand({ HandshakeId: first.Id }));
    const second = await invite();

    expect(second.Id).not.toBe(first.Id);
  });

  it('lets only the management account invite', async () => {
    h = await withInvitees();
    await join(OTHER_INVITEE);

    await expect(invite({}, h.client(OTHER_INVITEE))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(invite({}, h.client(OUTSIDER))).rejects.toMatchObject({
      name: 'AWSOrganizationsNotInUseException',
    });
  });

  it('counts open invitations toward the account quota and frees the slot when one ends', async () => {
    h = await withInvitees({ limits: { accountQuota: 3 } });
    const first = await invite();
    await invite({ Target: { Type: 'ACCOUNT', Id: OTHER_INVITEE } });

    await expect(invite({ Target: { Type: 'ACCOUNT', Id: '555555555555' } })).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
    });
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: first.Id }));
    await invite({ Target: { Type: 'ACCOUNT', Id: '555555555555' } });
  });

  it('allows max(20, account quota) invitations a day, not counting accepted ones', async () => {
    h = await withInvitees();
    for (let i = 0; i < 19; i++) {
      const handshake = await invite();
      await h.org.send(new CancelHandshakeCommand({ HandshakeId: handshake.Id }));
    }
    await join(OTHER_INVITEE);
    const twentieth = await invite();
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: twentieth.Id }));

    await expect(invite()).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'HANDSHAKE_RATE_LIMIT_EXCEEDED',
    });
    h.clock.advance(DAY);
    await invite();
  });

  it('expires an unanswered invitation after 15 days; it can no longer be accepted', async () => {
    h = await withInvitees();
    const handshake = await invite();

    h.clock.advance(15 * DAY - 1);
    expect(await stateOf(handshake.Id!)).toBe('OPEN');
    h.clock.advance(1);

    expect(await stateOf(handshake.Id!)).toBe('EXPIRED');
    await expect(
      h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: handshake.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    await invite();
  });

  it('lists completed handshakes for 30 days, then deletes them', async () => {
    h = await withInvitees();
    const handshake = await invite();
    await h.client(INVITEE).send(new DeclineHandshakeCommand({ HandshakeId: handshake.Id }));

    h.clock.advance(30 * DAY - 1);
    expect((await forOrganization()).map((x) => x.State)).toEqual(['DECLINED']);
    expect((await forAccount(INVITEE)).map((x) => x.State)).toEqual(['DECLINED']);
    h.clock.advance(1);

    expect(await forOrganization()).toEqual([]);
    expect(await forAccount(INVITEE)).toEqual([]);
    await expect(stateOf(handshake.Id!)).rejects.toMatchObject({ name: 'HandshakeNotFoundException' });
  });

  it('keeps an expired invitation listed for 30 days after it expired', async () => {
    h = await withInvitees();
    await invite();

    h.clock.advance(45 * DAY - 1);
    expect((await forOrganization()).map((x) => x.State)).toEqual(['EXPIRED']);
    h.clock.advance(1);
    expect(await forOrganization()).toEqual([]);
  });
});

describe('handshake transitions', () => {
  it('lets only the recipient accept or decline, and only the sender cancel', async () => {
    h = await withInvitees();
    const { Id } = await invite();
    const invitee = h.client(INVITEE);

    await expect(h.org.send(new AcceptHandshakeCommand({ HandshakeId: Id }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(h.org.send(new DeclineHandshakeCommand({ HandshakeId: Id }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(invitee.send(new CancelHandshakeCommand({ HandshakeId: Id }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(await stateOf(Id!)).toBe('OPEN');
  });

  it('hides a handshake from accounts that are no party to it', async () => {
    h = await withInvitees();
    const { Id } = await invite();

    for (const command of [
      new DescribeHandshakeCommand({ HandshakeId: Id }),
      new AcceptHandshakeCommand({ HandshakeId: Id }),
      new CancelHandshakeCommand({ HandshakeId: Id }),
    ])
      await expect(h.client(OTHER_INVITEE).send(command as AcceptHandshakeCommand)).rejects.toMatchObject({
        name: 'HandshakeNotFoundException',
      });
    await expect(stateOf('h-0123456789abcdef', h.client(INVITEE))).rejects.toMatchObject({
      name: 'HandshakeNotFoundException',
    });
    expect(await stateOf(Id!, h.client(INVITEE))).toBe('OPEN');
  });

  it('answers a repeated transition with HandshakeAlreadyInState and a wrong one with InvalidHandshakeTransition', async () => {
    h = await withInvitees();
    const accepted = await invite();
    await h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: accepted.Id }));
    const declined = await invite({ Target: { Type: 'ACCOUNT', Id: OTHER_INVITEE } });
    await h.client(OTHER_INVITEE).send(new DeclineHandshakeCommand({ HandshakeId: declined.Id }));

    await expect(
      h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: accepted.Id })),
    ).rejects.toMatchObject({ name: 'HandshakeAlreadyInStateException' });
    await expect(h.org.send(new CancelHandshakeCommand({ HandshakeId: accepted.Id }))).rejects.toMatchObject({
      name: 'InvalidHandshakeTransitionException',
    });
    await expect(
      h.client(OTHER_INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: declined.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    await expect(
      h.client(OTHER_INVITEE).send(new DeclineHandshakeCommand({ HandshakeId: declined.Id })),
    ).rejects.toMatchObject({ name: 'HandshakeAlreadyInStateException' });
  });

  it('cancels an invitation, which the invitee then can no longer accept', async () => {
    h = await withInvitees();
    const { Id } = await invite();

    const { Handshake } = await h.org.send(new CancelHandshakeCommand({ HandshakeId: Id }));

    expect(Handshake!.State).toBe('CANCELED');
    await expect(
      h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
  });

  it('refuses an invitation to an account that joined another organization meanwhile', async () => {
    h = await withInvitees();
    const { Id } = await invite();
    const other = await invite({ Target: { Type: 'ACCOUNT', Id: OTHER_INVITEE } });
    await h.client(INVITEE).send(new CreateOrganizationCommand({}));
    await h
      .client(INVITEE)
      .send(new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: OTHER_INVITEE } }));
    const [foreign] = await forAccount(OTHER_INVITEE, { ActionType: 'INVITE' }).then((all) =>
      all.filter((x) => x.Id !== other.Id),
    );
    await h.client(OTHER_INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: foreign!.Id }));

    await expect(
      h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: Id })),
    ).rejects.toMatchObject({ name: 'MasterCannotLeaveOrganizationException' });
    await expect(
      h.client(OTHER_INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: other.Id })),
    ).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'ALREADY_IN_AN_ORGANIZATION',
    });
    expect(await stateOf(other.Id!)).toBe('OPEN');
  });
});

describe('handshake listings', () => {
  it('filters by action or by parent handshake, not both, and pages', async () => {
    h = await withInvitees();
    const first = await invite();
    const second = await invite({ Target: { Type: 'ACCOUNT', Id: OTHER_INVITEE } });

    expect((await forOrganization({ ActionType: 'INVITE' })).map((x) => x.Id)).toEqual([first.Id, second.Id]);
    expect(await forOrganization({ ActionType: 'ENABLE_ALL_FEATURES' })).toEqual([]);
    const page = await h.org.send(new ListHandshakesForOrganizationCommand({ MaxResults: 1 }));
    expect(page.Handshakes!.map((x) => x.Id)).toEqual([first.Id]);
    const next = await h.org.send(
      new ListHandshakesForOrganizationCommand({ MaxResults: 1, NextToken: page.NextToken }),
    );
    expect(next.Handshakes!.map((x) => x.Id)).toEqual([second.Id]);
    expect(next.NextToken).toBeUndefined();
    await expect(
      forAccount(INVITEE, { ActionType: 'INVITE', ParentHandshakeId: first.Id }),
    ).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'MAX_LIMIT_EXCEEDED_FILTER' });
  });

  it('lists an organization handshakes only for its management account', async () => {
    h = await withInvitees();
    await join(INVITEE);

    await expect(h.client(INVITEE).send(new ListHandshakesForOrganizationCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('EnableAllFeatures', () => {
  /** A consolidated-billing organization with two invited members and one created account. */
  async function roundReady(): Promise<string> {
    h = await consolidatedBilling();
    await join(INVITEE);
    await join(OTHER_INVITEE);
    await h.org.send(new CreateAccountCommand({ AccountName: 'Created', Email: 'created@example.com' }));
    h.clock.advance(60_000);
    const { Accounts } = await h.org.send(new ListAccountsCommand({}));
    const created = Accounts!.find((a) => a.Email === 'created@example.com');
    expect(created?.JoinedMethod).toBe('CREATED');
    return created!.Id!;
  }

  async function approvals(parentId: string): Promise<Handshake[]> {
    return forOrganization({ ParentHandshakeId: parentId });
  }

  async function approvalOf(accountId: string, parentId: string): Promise<Handshake> {
    const [request] = await forAccount(accountId, { ParentHandshakeId: parentId });
    return request!;
  }

  it('runs a round to ALL: a decline, a cancelled round, a new round both members approve', async () => {
    await roundReady();
    const orgId = h.organization.Id!;

    // first round: one member approves, the other declines
    const first = (await h.org.send(new EnableAllFeaturesCommand({}))).Handshake!;
    expect(first).toMatchObject({
      Action: 'ENABLE_ALL_FEATURES',
      State: 'REQUESTED',
      Arn: `arn:aws:organizations::${CB_MANAGEMENT}:handshake/${orgId}/enable_all_features/${first.Id}`,
      Parties: [{ Id: orgId, Type: 'ORGANIZATION' }],
      Resources: [{ Type: 'ORGANIZATION', Value: orgId }],
      ExpirationTimestamp: new Date(first.RequestedTimestamp!.getTime() + 90 * DAY),
    });
    const requests = await approvals(first.Id!);
    expect(requests.map((r) => r.Parties![1]!.Id).sort()).toEqual([INVITEE, OTHER_INVITEE]);
    const juan = await approvalOf(INVITEE, first.Id!);
    expect(juan).toMatchObject({
      Action: 'APPROVE_ALL_FEATURES',
      State: 'OPEN',
      Arn: `arn:aws:organizations::${CB_MANAGEMENT}:handshake/${orgId}/approve_all_features/${juan.Id}`,
      Parties: [
        { Id: orgId, Type: 'ORGANIZATION' },
        { Id: INVITEE, Type: 'ACCOUNT' },
      ],
      Resources: [
        { Type: 'PARENT_HANDSHAKE', Value: first.Id },
        { Type: 'ORGANIZATION', Value: orgId },
        { Type: 'ACCOUNT', Value: INVITEE },
      ],
      ExpirationTimestamp: first.ExpirationTimestamp,
    });
    await h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: juan.Id }));
    const anika = await approvalOf(OTHER_INVITEE, first.Id!);
    await h.client(OTHER_INVITEE).send(new DeclineHandshakeCommand({ HandshakeId: anika.Id }));
    expect(await stateOf(first.Id!)).toBe('REQUESTED');
    await expect(h.org.send(new AcceptHandshakeCommand({ HandshakeId: first.Id }))).rejects.toMatchObject({
      name: 'InvalidHandshakeTransitionException',
    });

    // the round is cancelled and started again; this time both approve
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: first.Id }));
    const second = (await h.org.send(new EnableAllFeaturesCommand({}))).Handshake!;
    for (const member of [INVITEE, OTHER_INVITEE]) {
      const request = await approvalOf(member, second.Id!);
      await h.client(member).send(new AcceptHandshakeCommand({ HandshakeId: request.Id }));
    }
    expect(await stateOf(second.Id!)).toBe('OPEN');
    const { Handshake } = await h.org.send(new AcceptHandshakeCommand({ HandshakeId: second.Id }));

    expect(Handshake!.State).toBe('ACCEPTED');
    const { Organization } = await h.org.send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('ALL');
    // only CreateOrganization with ALL enables SCPs in the root; the migration leaves that to EnablePolicyType
    const { Roots } = await h.org.send(new ListRootsCommand({}));
    expect(Roots![0]!.PolicyTypes).toEqual([]);
    await expect(h.org.send(new EnableAllFeaturesCommand({}))).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'ORGANIZATION_ALREADY_HAS_ALL_FEATURES',
    });
  });

  it('lets the management account finalize once a member that declined is removed', async () => {
    await roundReady();
    const { Handshake } = await h.org.send(new EnableAllFeaturesCommand({}));
    const juan = await approvalOf(INVITEE, Handshake!.Id!);
    await h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: juan.Id }));
    const anika = await approvalOf(OTHER_INVITEE, Handshake!.Id!);
    await h.client(OTHER_INVITEE).send(new DeclineHandshakeCommand({ HandshakeId: anika.Id }));

    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: OTHER_INVITEE }));
    const { Handshake: accepted } = await h.org.send(
      new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id }),
    );

    expect(accepted!.State).toBe('ACCEPTED');
    const { Organization } = await h.org.send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('ALL');
  });

  it('asks no created account and not the management account', async () => {
    const created = await roundReady();

    const { Handshake } = await h.org.send(new EnableAllFeaturesCommand({}));

    expect(await forAccount(created)).toEqual([]);
    expect((await forAccount(CB_MANAGEMENT)).map((x) => x.Id)).toEqual([Handshake!.Id]);
    expect(await approvals(Handshake!.Id!)).toHaveLength(2);
  });

  it('opens the round at once when no member was invited', async () => {
    h = await consolidatedBilling();

    const { Handshake } = await h.org.send(new EnableAllFeaturesCommand({}));

    expect(Handshake!.State).toBe('OPEN');
    await h.org.send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id }));
    const { Organization } = await h.org.send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('ALL');
  });

  it('blocks invitations and a second round while one is pending, and cancels open invitations', async () => {
    h = await consolidatedBilling();
    const pending = await invite();

    await h.org.send(new EnableAllFeaturesCommand({}));

    expect(await stateOf(pending.Id!)).toBe('CANCELED');
    await expect(invite()).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES',
    });
    await expect(h.org.send(new EnableAllFeaturesCommand({}))).rejects.toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION',
    });
  });

  it('cancels the open approval requests with their round', async () => {
    await roundReady();
    const { Handshake } = await h.org.send(new EnableAllFeaturesCommand({}));
    const juan = await approvalOf(INVITEE, Handshake!.Id!);
    await h.client(INVITEE).send(new AcceptHandshakeCommand({ HandshakeId: juan.Id }));

    await h.org.send(new CancelHandshakeCommand({ HandshakeId: Handshake!.Id }));

    expect((await approvals(Handshake!.Id!)).map((r) => [r.Parties![1]!.Id, r.State])).toEqual([
      [INVITEE, 'ACCEPTED'],
      [OTHER_INVITEE, 'CANCELED'],
    ]);
    await expect(
      h
        .client(OTHER_INVITEE)
        .send(
          new AcceptHandshakeCommand({ HandshakeId: (await approvalOf(OTHER_INVITEE, Handshake!.Id!)).Id }),
        ),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
  });

  it('expires the round and its requests after 90 days', async () => {
    await roundReady();
    const { Handshake } = await h.org.send(new EnableAllFeaturesCommand({}));

    h.clock.advance(90 * DAY);

    expect(await stateOf(Handshake!.Id!)).toBe('EXPIRED');
    expect((await approvals(Handshake!.Id!)).map((r) => r.State)).toEqual(['EXPIRED', 'EXPIRED']);
    const { Organization } = await h.org.send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('CONSOLIDATED_BILLING');
    await h.org.send(new EnableAllFeaturesCommand({}));
  });

  it('lets only the management account start a round', async () => {
    await roundReady();

    await expect(h.client(INVITEE).send(new EnableAllFeaturesCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
