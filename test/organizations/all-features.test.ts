import {
  AcceptHandshakeCommand,
  CancelHandshakeCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  DeclineHandshakeCommand,
  DescribeCreateAccountStatusCommand,
  DescribeHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  type Handshake,
  InviteAccountToOrganizationCommand,
  ListHandshakesForAccountCommand,
  ListHandshakesForOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudTrailEvent } from '../../local/organizations/cloudtrail';
import { startStsServer } from '../../local/sts/server';
import { sample, shapeOf } from './event-samples';
import { type Harness, startHarness } from './harness';

// An organization with consolidated billing only, as the enable-all-features workflow meets it: invited members
// with the access role (reachable), one without it (it answers with its own key), and one created account.

const DAY = 24 * 60 * 60 * 1000;
const SECOND = 1000;
const MANAGEMENT = '111111111111';
const REACHABLE = '222222222222';
const UNREACHABLE = '333333333333';
const DECLINER = '444444444444';
const LATECOMER = '555555555555';
const INVITED = [REACHABLE, UNREACHABLE, DECLINER];
const ACCESS_ROLE = 'OrganizationAccountAccessRole';

interface RoundHarness extends Harness {
  /** the management account, signed with its own 12-digit key */
  org: OrganizationsClient;
  createdAccountId: string;
  /** the member as the management account reaches it: AssumeRole into its OrganizationAccountAccessRole */
  throughRole(accountId: string): Promise<OrganizationsClient>;
}

let h: RoundHarness;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(): Promise<RoundHarness> {
  const harness = await startHarness({ limits: { createAccountDurationMs: [3 * SECOND, 3 * SECOND] } });
  cleanups.push(() => harness.close());
  const sts = await startStsServer(harness.emulator, { port: 0, onInternalError: () => {} });
  cleanups.push(() => sts.close());
  const { emulator } = harness;
  emulator.addStandaloneAccount({ id: MANAGEMENT, email: 'payer@example.com', name: 'Payer' });
  // invited accounts keep the roles they had; only some were given the access role by hand
  emulator.addStandaloneAccount({
    id: REACHABLE,
    email: 'reachable@example.com',
    name: 'Reachable',
    accessRoleName: ACCESS_ROLE,
  });
  emulator.addStandaloneAccount({ id: UNREACHABLE, email: 'unreachable@example.com', name: 'Unreachable' });
  emulator.addStandaloneAccount({
    id: DECLINER,
    email: 'decliner@example.com',
    name: 'Decliner',
    accessRoleName: ACCESS_ROLE,
  });
  emulator.addStandaloneAccount({ id: LATECOMER, email: 'latecomer@example.com', name: 'Latecomer' });
  const org = harness.client(MANAGEMENT);
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
  for (const member of INVITED) {
    const { Handshake } = await org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: member } }),
    );
    await harness.client(member).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id }));
  }
  const createdAccountId = await createAccount(harness, org, 'created');
  const throughRole = async (accountId: string) => {
    const client = new STSClient({
      endpoint: sts.url,
      region: 'us-east-1',
      credentials: { accessKeyId: MANAGEMENT, secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    cleanups.push(() => client.destroy());
    const { Credentials } = await client.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${ACCESS_ROLE}`,
        RoleSessionName: 'approve-all-features',
      }),
    );
    const member = new OrganizationsClient({
      endpoint: harness.server.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
      maxAttempts: 1,
    });
    cleanups.push(() => member.destroy());
    return member;
  };
  h = { ...harness, org, createdAccountId, throughRole };
  return h;
}

async function createAccount(harness: Harness, org: OrganizationsClient, name: string): Promise<string> {
  const { CreateAccountStatus } = await org.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  harness.clock.advance(3 * SECOND);
  const status = await org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id }),
  );
  return status.CreateAccountStatus!.AccountId!;
}

async function enableAllFeatures(): Promise<Handshake> {
  return (await h.org.send(new EnableAllFeaturesCommand({}))).Handshake!;
}

/** The APPROVE_ALL_FEATURES request of `round` addressed to `accountId`, as that account lists it. */
async function requestOf(accountId: string, round: Handshake): Promise<Handshake> {
  const { Handshakes } = await h
    .client(accountId)
    .send(new ListHandshakesForAccountCommand({ Filter: { ParentHandshakeId: round.Id } }));
  expect(Handshakes).toHaveLength(1);
  return Handshakes![0]!;
}

/** recipient → state of every request of `round`, as the management account lists them */
async function requestStates(round: Handshake): Promise<Record<string, string>> {
  const { Handshakes } = await h.org.send(
    new ListHandshakesForOrganizationCommand({ Filter: { ParentHandshakeId: round.Id } }),
  );
  return Object.fromEntries(Handshakes!.map((r) => [r.Parties![1]!.Id!, r.State!]));
}

async function stateOf(handshake: Handshake): Promise<string> {
  return (await h.org.send(new DescribeHandshakeCommand({ HandshakeId: handshake.Id }))).Handshake!.State!;
}

async function approve(accountId: string, round: Handshake, as = h.client(accountId)): Promise<Handshake> {
  const request = await requestOf(accountId, round);
  return (await as.send(new AcceptHandshakeCommand({ HandshakeId: request.Id }))).Handshake!;
}

/** The error `call` fails with (undefined if it succeeds), caught at once so no rejection goes unhandled. */
const refusal = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );

const eventsSince = (sequence: number): CloudTrailEvent[] =>
  h.emulator.events.since(sequence).map((entry) => entry.event);

describe('an enable-all-features round, over HTTP through the SDK', () => {
  it('asks every invited member, and neither the created account nor the management account', async () => {
    // Prepare
    await start();

    // Act
    const round = await enableAllFeatures();

    // Assess
    expect(round).toMatchObject({ Action: 'ENABLE_ALL_FEATURES', State: 'REQUESTED' });
    expect(await requestStates(round)).toEqual({
      [REACHABLE]: 'OPEN',
      [UNREACHABLE]: 'OPEN',
      [DECLINER]: 'OPEN',
    });
    const { Handshakes: approvals } = await h.org.send(
      new ListHandshakesForOrganizationCommand({ Filter: { ActionType: 'APPROVE_ALL_FEATURES' } }),
    );
    expect(approvals!.map((a) => a.ExpirationTimestamp)).toEqual(
      INVITED.map(() => round.ExpirationTimestamp),
    );
    const { Handshakes: created } = await h
      .client(h.createdAccountId)
      .send(new ListHandshakesForAccountCommand({}));
    expect(created).toEqual([]);
    const { Handshakes: management } = await h.org.send(new ListHandshakesForAccountCommand({}));
    expect(management!.map((x) => [x.Id, x.Action])).toEqual([[round.Id, 'ENABLE_ALL_FEATURES']]);
  });

  it('refuses the management account until every member approved (InvalidHandshakeTransitionException), then opens', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    await approve(REACHABLE, round);
    await approve(DECLINER, round);

    // Act
    const early = await refusal(h.org.send(new AcceptHandshakeCommand({ HandshakeId: round.Id })));

    // Assess
    expect(early).toMatchObject({
      name: 'InvalidHandshakeTransitionException',
      message: expect.stringContaining(`still waiting for ${UNREACHABLE}`),
    });
    expect(await stateOf(round)).toBe('REQUESTED');
    await approve(UNREACHABLE, round);
    expect(await stateOf(round)).toBe('OPEN');
    const { Handshake } = await h.org.send(new AcceptHandshakeCommand({ HandshakeId: round.Id }));
    expect(Handshake!.State).toBe('ACCEPTED');
    const { Organization } = await h.org.send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('ALL');
  });

  it('lets a member approve as itself: through its access role, or with its own key when it has none', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();

    // Act
    const throughRole = await approve(REACHABLE, round, await h.throughRole(REACHABLE));
    const noRole = await refusal(h.throughRole(UNREACHABLE));
    const ownKey = await approve(UNREACHABLE, round, h.client(UNREACHABLE));

    // Assess
    expect(throughRole).toMatchObject({ Action: 'APPROVE_ALL_FEATURES', State: 'ACCEPTED' });
    expect(noRole).toMatchObject({ name: 'AccessDenied' });
    expect(ownKey).toMatchObject({ Action: 'APPROVE_ALL_FEATURES', State: 'ACCEPTED' });
    // the management account cannot answer for a member with its own key: it is not the recipient
    const declinerRequest = await requestOf(DECLINER, round);
    await expect(
      h.org.send(new AcceptHandshakeCommand({ HandshakeId: declinerRequest.Id })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('keeps a round with a decline REQUESTED: other members still approve, the decline stands until a new round', async () => {
    // Prepare
    await start();
    const first = await enableAllFeatures();
    await approve(REACHABLE, first);

    // Act
    const declinerRequest = await requestOf(DECLINER, first);
    const { Handshake: declined } = await h
      .client(DECLINER)
      .send(new DeclineHandshakeCommand({ HandshakeId: declinerRequest.Id }));
    const afterDecline = await stateOf(first);
    await approve(UNREACHABLE, first);

    // Assess
    expect(declined!.State).toBe('DECLINED');
    expect(afterDecline).toBe('REQUESTED');
    expect(await requestStates(first)).toEqual({
      [REACHABLE]: 'ACCEPTED',
      [UNREACHABLE]: 'ACCEPTED',
      [DECLINER]: 'DECLINED',
    });
    expect(await stateOf(first)).toBe('REQUESTED');
    await expect(
      h.client(DECLINER).send(new AcceptHandshakeCommand({ HandshakeId: declinerRequest.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    await expect(h.org.send(new AcceptHandshakeCommand({ HandshakeId: first.Id }))).rejects.toMatchObject({
      name: 'InvalidHandshakeTransitionException',
      message: expect.stringContaining(`still waiting for ${DECLINER}`),
    });
    // "resend": cancel the round and start again; every invited member is asked again
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: first.Id }));
    const second = await enableAllFeatures();
    expect(await requestStates(second)).toEqual({
      [REACHABLE]: 'OPEN',
      [UNREACHABLE]: 'OPEN',
      [DECLINER]: 'OPEN',
    });
  });

  it('keeps holding the round back with a decline older than the 30 days completed handshakes stay listed', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    const request = await requestOf(DECLINER, round);
    await h.client(DECLINER).send(new DeclineHandshakeCommand({ HandshakeId: request.Id }));
    await approve(REACHABLE, round);
    await approve(UNREACHABLE, round);

    // Act
    h.clock.advance(40 * DAY);
    const late = await refusal(h.org.send(new AcceptHandshakeCommand({ HandshakeId: round.Id })));

    // Assess
    expect(late).toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    expect(await requestStates(round)).toEqual({ [DECLINER]: 'DECLINED' });
    h.clock.advance(50 * DAY + 30 * DAY);
    expect(await requestStates(round)).toEqual({});
  });

  it('cancels the open requests with the round; only the management account may cancel it', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    await approve(REACHABLE, round);
    const request = await requestOf(UNREACHABLE, round);

    // Act
    const byMember = await refusal(
      h.client(UNREACHABLE).send(new CancelHandshakeCommand({ HandshakeId: round.Id })),
    );
    const ownRequest = await refusal(
      h.client(UNREACHABLE).send(new CancelHandshakeCommand({ HandshakeId: request.Id })),
    );
    const { Handshake: canceled } = await h.org.send(new CancelHandshakeCommand({ HandshakeId: round.Id }));

    // Assess
    expect(byMember).toMatchObject({ name: 'AccessDeniedException' });
    expect(ownRequest).toMatchObject({ name: 'AccessDeniedException' });
    expect(canceled!.State).toBe('CANCELED');
    expect(await requestStates(round)).toEqual({
      [REACHABLE]: 'ACCEPTED',
      [UNREACHABLE]: 'CANCELED',
      [DECLINER]: 'CANCELED',
    });
    await expect(
      h.client(UNREACHABLE).send(new AcceptHandshakeCommand({ HandshakeId: request.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
  });

  it('expires the round and its open requests at 90 days on the clock, silently; a new round may start', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    await approve(REACHABLE, round);
    const request = await requestOf(UNREACHABLE, round);
    const expiresAt = round.ExpirationTimestamp!.getTime();
    expect(expiresAt - round.RequestedTimestamp!.getTime()).toBe(90 * DAY);

    // Act
    h.clock.advance(expiresAt - h.clock.now() - 1);
    const justBefore = await stateOf(round);
    const before = h.emulator.events.lastSequence;
    h.clock.advance(1);
    const published = eventsSince(before);

    // Assess
    expect(justBefore).toBe('REQUESTED');
    // AWS reports no API call for an expiry, and documents no service event for it
    expect(published).toEqual([]);
    expect(await stateOf(round)).toBe('EXPIRED');
    // the approval given on the first day was listed for 30 days, then deleted, as every completed handshake
    expect(await requestStates(round)).toEqual({
      [UNREACHABLE]: 'EXPIRED',
      [DECLINER]: 'EXPIRED',
    });
    await expect(
      h.client(UNREACHABLE).send(new AcceptHandshakeCommand({ HandshakeId: request.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    const second = await enableAllFeatures();
    expect(second.State).toBe('REQUESTED');
  });

  it('expires an OPEN round the management account never accepted', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    for (const member of INVITED) await approve(member, round);
    expect(await stateOf(round)).toBe('OPEN');

    // Act
    h.clock.advance(90 * DAY);

    // Assess
    expect(await stateOf(round)).toBe('EXPIRED');
    await expect(h.org.send(new AcceptHandshakeCommand({ HandshakeId: round.Id }))).rejects.toMatchObject({
      name: 'InvalidHandshakeTransitionException',
    });
    const { Organization } = await h.org.send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('CONSOLIDATED_BILLING');
  });

  it('cancels pending invitations when a round starts and refuses new ones until it ends; CreateAccount goes on', async () => {
    // Prepare
    await start();
    const { Handshake: byAccount } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: LATECOMER } }),
    );
    const { Handshake: byEmail } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'EMAIL', Id: 'someone@example.com' } }),
    );

    // Act
    const round = await enableAllFeatures();
    const refused = await refusal(
      h.org.send(new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: LATECOMER } })),
    );
    const created = await createAccount(h, h.org, 'during-round');

    // Assess
    expect(await stateOf(byAccount!)).toBe('CANCELED');
    expect(await stateOf(byEmail!)).toBe('CANCELED');
    await expect(
      h.client(LATECOMER).send(new AcceptHandshakeCommand({ HandshakeId: byAccount!.Id })),
    ).rejects.toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    expect(refused).toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES',
    });
    // a created account is not asked, and does not hold the round back
    expect(created).toMatch(/^\d{12}$/);
    expect(Object.keys(await requestStates(round)).sort()).toEqual([...INVITED].sort());
    // once the round ends, invitations are allowed again
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: round.Id }));
    const { Handshake: again } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: LATECOMER } }),
    );
    expect(again!.State).toBe('OPEN');
  });

  it('refuses EnableAllFeatures while a round is REQUESTED or OPEN, and once the organization has all features', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    const pending = {
      name: 'HandshakeConstraintViolationException',
      Reason: 'ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION',
      message: expect.stringContaining(round.Id!),
    };

    // Act
    const whileRequested = await refusal(h.org.send(new EnableAllFeaturesCommand({})));
    for (const member of INVITED) await approve(member, round);
    const whileOpen = await refusal(h.org.send(new EnableAllFeaturesCommand({})));
    await h.org.send(new AcceptHandshakeCommand({ HandshakeId: round.Id }));
    const afterAll = await refusal(h.org.send(new EnableAllFeaturesCommand({})));

    // Assess
    expect(whileRequested).toMatchObject(pending);
    expect(whileOpen).toMatchObject(pending);
    expect(afterAll).toMatchObject({
      name: 'HandshakeConstraintViolationException',
      Reason: 'ORGANIZATION_ALREADY_HAS_ALL_FEATURES',
    });
  });
});

describe('the CloudTrail events of a round', () => {
  /** The sample's key paths outside the handshake's parties and resources, which differ by action. */
  const outline = (event: unknown) =>
    Object.keys(shapeOf(event))
      .filter((path) => !/responseElements\.handshake\.(parties|resources)/.test(path))
      .sort();

  it('records a member answer (accept or decline) in the management account, which runs the round', async () => {
    // Prepare
    await start();
    const round = await enableAllFeatures();
    const member = await h.throughRole(REACHABLE);
    const before = h.emulator.events.lastSequence;

    // Act
    const approved = await approve(REACHABLE, round, member);
    const request = await requestOf(DECLINER, round);
    await h.client(DECLINER).send(new DeclineHandshakeCommand({ HandshakeId: request.Id }));
    const refused = await refusal(
      h.client(DECLINER).send(new AcceptHandshakeCommand({ HandshakeId: request.Id })),
    );

    // Assess
    const [accept, decline, failed, ...rest] = eventsSince(before);
    expect(refused).toMatchObject({ name: 'InvalidHandshakeTransitionException' });
    expect(rest).toEqual([]);
    expect(outline(accept)).toEqual(outline(sample('organizations-accept-handshake')));
    expect(accept).toMatchObject({
      account: MANAGEMENT,
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventName: 'AcceptHandshake',
        recipientAccountId: MANAGEMENT,
        userIdentity: {
          type: 'AssumedRole',
          accountId: REACHABLE,
          arn: `arn:aws:sts::${REACHABLE}:assumed-role/${ACCESS_ROLE}/approve-all-features`,
        },
        requestParameters: { handshakeId: approved.Id },
        responseElements: {
          handshake: {
            id: approved.Id,
            action: 'approve_all_features',
            state: 'ACCEPTED',
            resources: expect.arrayContaining([{ type: 'PARENT_HANDSHAKE', value: round.Id }]),
          },
        },
      },
    });
    expect(decline).toMatchObject({
      account: MANAGEMENT,
      detail: {
        eventName: 'DeclineHandshake',
        recipientAccountId: MANAGEMENT,
        userIdentity: { type: 'Root', accountId: DECLINER },
        responseElements: { handshake: { id: request.Id, state: 'DECLINED' } },
      },
    });
    // a refused call is recorded where the caller is, as every failed call
    expect(failed).toMatchObject({
      account: DECLINER,
      detail: { eventName: 'AcceptHandshake', errorCode: 'InvalidHandshakeTransitionException' },
    });
  });

  it("records the management account's calls, and an invitation's acceptance by its invitee, as before", async () => {
    // Prepare
    await start();
    const before = h.emulator.events.lastSequence;

    // Act
    const round = await enableAllFeatures();
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: round.Id }));
    const second = await enableAllFeatures();
    for (const member of INVITED) await approve(member, second);
    await h.org.send(new AcceptHandshakeCommand({ HandshakeId: second.Id }));
    const { Handshake: invitation } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: LATECOMER } }),
    );
    await h.client(LATECOMER).send(new AcceptHandshakeCommand({ HandshakeId: invitation!.Id }));

    // Assess
    const calls = eventsSince(before).map((e) => [
      e.detail.eventName,
      e.account,
      (e.detail.userIdentity as { accountId: string }).accountId,
      (e.detail.responseElements as { handshake: { state: string } } | null)?.handshake.state,
    ]);
    expect(calls).toEqual([
      ['EnableAllFeatures', MANAGEMENT, MANAGEMENT, 'REQUESTED'],
      ['CancelHandshake', MANAGEMENT, MANAGEMENT, 'CANCELED'],
      ['EnableAllFeatures', MANAGEMENT, MANAGEMENT, 'REQUESTED'],
      ...INVITED.map((member) => ['AcceptHandshake', MANAGEMENT, member, 'ACCEPTED']),
      ['AcceptHandshake', MANAGEMENT, MANAGEMENT, 'ACCEPTED'],
      ['InviteAccountToOrganization', MANAGEMENT, MANAGEMENT, 'OPEN'],
      // AWS logs the invitee's acceptance in its own account (and gives the management account a membership event)
      ['AcceptHandshake', LATECOMER, LATECOMER, 'ACCEPTED'],
      ['AccountJoinedOrganization', MANAGEMENT, MANAGEMENT, undefined],
    ]);
  });
});
