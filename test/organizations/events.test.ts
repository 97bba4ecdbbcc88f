import {
  AcceptHandshakeCommand,
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DeclineHandshakeCommand,
  DeleteOrganizationCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  InviteAccountToOrganizationCommand,
  LeaveOrganizationCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudTrailEvent } from '../../local/organizations/cloudtrail';
import { startStsServer } from '../../local/sts/server';
import { type SampleName, sample, shapeOf, stableValuesOf, valueAt } from './event-samples';
import { type Harness, MANAGEMENT, startHarness } from './harness';
import { signedFetch } from './signed-fetch';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const INVITEE = '222222222222';
const ROLE = 'Admin';
const javaTimestamp =
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)$/;
const isoSeconds = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface EventHarness extends Harness {
  /** the management account's client, signed with credentials of its role `Admin` (as orgflow's functions call) */
  org: OrganizationsClient;
  rootId: string;
  /** a client for `accountId`'s role `Admin`, through the emulator's STS */
  asRole(accountId: string, sessionName?: string): Promise<OrganizationsClient>;
}

let h: EventHarness;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * An organization created by the management account's role, as orgflow runs, and a standalone account to
 * invite; both accounts have a role `Admin` that STS lets each assume.
 */
async function start(): Promise<EventHarness> {
  const harness = await startHarness({
    limits: { createAccountDurationMs: [3 * SECOND, 3 * SECOND], closeAccountDurationMs: 60 * SECOND },
  });
  cleanups.push(() => harness.close());
  const sts = await startStsServer(harness.emulator, { port: 0, onInternalError: () => {} });
  cleanups.push(() => sts.close());
  harness.emulator.addStandaloneAccount({
    id: MANAGEMENT,
    email: 'diego@example.com',
    name: 'Diego',
    accessRoleName: ROLE,
  });
  harness.emulator.addStandaloneAccount({
    id: INVITEE,
    email: 'mary@example.com',
    name: 'Mary',
    accessRoleName: ROLE,
  });
  const asRole = async (accountId: string, sessionName = 'orgflow') => {
    const client = new STSClient({
      endpoint: sts.url,
      region: 'us-east-1',
      credentials: { accessKeyId: accountId, secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const { Credentials } = await client.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${ROLE}`,
        RoleSessionName: sessionName,
      }),
    );
    client.destroy();
    const organizations = new OrganizationsClient({
      endpoint: harness.server.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
      maxAttempts: 1,
    });
    cleanups.push(() => organizations.destroy());
    return organizations;
  };
  const org = await asRole(MANAGEMENT);
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const { Roots } = await org.send(new ListRootsCommand({}));
  h = { ...harness, org, rootId: Roots![0]!.Id!, asRole };
  return h;
}

/** The events published after `sequence` (by default all), oldest first. */
const eventsAfter = (sequence = 0): CloudTrailEvent[] =>
  h.emulator.events.since(sequence).map((entry) => entry.event);

/** Runs `act` and returns the events it published. */
async function published(act: () => Promise<unknown>): Promise<CloudTrailEvent[]> {
  const before = h.emulator.events.lastSequence;
  await act();
  return eventsAfter(before);
}

/** Runs `act`, expects it to publish exactly one event, and returns that event. */
async function publishedOne(act: () => Promise<unknown>): Promise<CloudTrailEvent> {
  const events = await published(act);
  expect(events.map((e) => e.detail.eventName)).toHaveLength(1);
  return events[0]!;
}

/** Runs `act`, expects it to be refused, and returns the events it published. */
async function publishedByRefusal(act: () => Promise<unknown>, expected: Record<string, unknown>) {
  return published(() => expect(act()).rejects.toMatchObject(expected));
}

/** Asserts that `event` has exactly the key paths, JSON types and stable values of the sample. */
function expectLikeSample(event: CloudTrailEvent, name: SampleName): void {
  const expected = sample(name);
  expect(shapeOf(event)).toEqual(shapeOf(expected));
  expect(stableValuesOf(event)).toEqual(stableValuesOf(expected));
}

/** The value at `path` in the event's detail, e.g. `at(event, 'responseElements.handshake.id')`. */
const at = (event: CloudTrailEvent | undefined, path: string): unknown => valueAt(event?.detail, `.${path}`);

async function createAccount(name: string, email = `${name}@example.com`) {
  const { CreateAccountStatus } = await h.org.send(
    new CreateAccountCommand({ AccountName: name, Email: email, Tags: [] }),
  );
  return CreateAccountStatus!;
}

/** Creates an account, lets the creation finish and returns the account's id. */
async function createdAccount(name: string): Promise<string> {
  const requested = await createAccount(name);
  h.clock.advance(3 * SECOND);
  const { CreateAccountStatus } = await h.org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requested.Id! }),
  );
  return CreateAccountStatus!.AccountId!;
}

/** Invites INVITEE; returns the invitation's id and INVITEE's client (through its role) to answer it. */
async function invite(): Promise<{ handshakeId: string; invitee: OrganizationsClient }> {
  const { Handshake } = await h.org.send(
    new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: INVITEE } }),
  );
  return { handshakeId: Handshake!.Id!, invitee: await h.asRole(INVITEE, 'mary') };
}

/** Invites INVITEE, which accepts, and returns its client: a member that may leave at once. */
async function invitedMember(): Promise<OrganizationsClient> {
  const { handshakeId, invitee } = await invite();
  await invitee.send(new AcceptHandshakeCommand({ HandshakeId: handshakeId }));
  return invitee;
}

async function createOu(name: string): Promise<string> {
  const { OrganizationalUnit } = await h.org.send(
    new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: name }),
  );
  return OrganizationalUnit!.Id!;
}

async function createScp(name: string): Promise<string> {
  const { Policy } = await h.org.send(
    new CreatePolicyCommand({
      Name: name,
      Description: 'guardrail',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
      }),
    }),
  );
  return Policy!.PolicySummary!.Id!;
}

/** Every member inside the CloudTrail elements of `event` (requestParameters, responseElements, serviceEventDetails). */
function elementMembers(event: CloudTrailEvent): [string, unknown][] {
  const members: [string, unknown][] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object')
      for (const [key, member] of Object.entries(value)) {
        members.push([key, member]);
        walk(member);
      }
  };
  for (const part of ['requestParameters', 'responseElements', 'serviceEventDetails']) walk(at(event, part));
  return members;
}

const elementTimestamps = (event: CloudTrailEvent): unknown[] =>
  elementMembers(event)
    .filter(([key]) => key.endsWith('Timestamp'))
    .map(([, value]) => value);

describe('events compared with their samples in events/samples', () => {
  it('CreateAccount: the API call, then CreateAccountResult SUCCEEDED when the creation ends', async () => {
    // Prepare
    await start();

    // Act
    const call = await publishedOne(() => createAccount('payments'));
    const [result, joined] = await published(async () => h.clock.advance(3 * SECOND));

    // Assess
    expect(at(joined, 'eventName')).toBe('AccountJoinedOrganization');
    expectLikeSample(call, 'organizations-create-account');
    expectLikeSample(result!, 'organizations-create-account-result-succeeded');
    const requestId = at(call, 'responseElements.createAccountStatus.id');
    expect(requestId).toMatch(/^car-[0-9a-f]{32}$/);
    expect(at(result, 'serviceEventDetails.createAccountStatus')).toMatchObject({
      id: requestId,
      accountId: expect.stringMatching(/^\d{12}$/),
      requestedTimestamp: 'Jan 1, 2026 12:00:00 AM',
      completedTimestamp: 'Jan 1, 2026 12:00:03 AM',
    });
    expect(result).toMatchObject({ account: MANAGEMENT, time: '2026-01-01T00:00:03Z' });
  });

  it('CreateAccountResult FAILED with EMAIL_ALREADY_EXISTS, without an account id', async () => {
    // Prepare
    await start();
    await createAccount('duplicate', 'diego@example.com');

    // Act
    const result = await publishedOne(async () => h.clock.advance(3 * SECOND));

    // Assess
    expectLikeSample(result, 'organizations-create-account-result-failed');
  });

  it('MoveAccount', async () => {
    // Prepare
    await start();
    const accountId = await createdAccount('mover');
    const ouId = await createOu('Workloads');

    // Act
    const event = await publishedOne(() =>
      h.org.send(
        new MoveAccountCommand({ AccountId: accountId, SourceParentId: h.rootId, DestinationParentId: ouId }),
      ),
    );

    // Assess
    expectLikeSample(event, 'organizations-move-account');
    expect(at(event, 'requestParameters')).toEqual({
      accountId,
      sourceParentId: h.rootId,
      destinationParentId: ouId,
    });
  });

  it('CloseAccount, then CloseAccountResult when the account is closed', async () => {
    // Prepare
    await start();
    const accountId = await createdAccount('retiring');

    // Act
    const call = await publishedOne(() => h.org.send(new CloseAccountCommand({ AccountId: accountId })));
    const result = await publishedOne(async () => h.clock.advance(60 * SECOND));

    // Assess
    expectLikeSample(call, 'organizations-close-account');
    expectLikeSample(result, 'organizations-close-account-result');
    expect(at(result, 'serviceEventDetails.closeAccountStatus.accountId')).toBe(accountId);
  });

  it('InviteAccountToOrganization, then AcceptHandshake by the invited account, on its own bus', async () => {
    // Prepare
    await start();
    const invitee = await h.asRole(INVITEE, 'mary');

    // Act
    const invited = await publishedOne(() =>
      h.org.send(
        new InviteAccountToOrganizationCommand({
          Target: { Type: 'ACCOUNT', Id: INVITEE },
          Notes: "This is a request for Mary's account to join Diego's organization.",
        }),
      ),
    );
    const handshakeId = String(at(invited, 'responseElements.handshake.id'));
    const [accepted, joined] = await published(() =>
      invitee.send(new AcceptHandshakeCommand({ HandshakeId: handshakeId })),
    );

    // Assess
    expect(at(joined, 'eventName')).toBe('AccountJoinedOrganization');
    expectLikeSample(invited, 'organizations-invite-account-to-organization');
    expectLikeSample(accepted!, 'organizations-accept-handshake');
    expect(accepted).toMatchObject({
      account: INVITEE,
      detail: { recipientAccountId: INVITEE, userIdentity: { accountId: INVITEE } },
    });
  });

  it('AttachPolicy refused with PolicyTypeNotEnabledException carries errorCode and errorMessage', async () => {
    // Prepare
    await start();
    const ouId = await createOu('Sandbox');
    const policyId = await createScp('DenyLeave');
    await h.org.send(
      new DisablePolicyTypeCommand({ RootId: h.rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
    );
    let message = '';

    // Act
    const event = await publishedOne(() =>
      h.org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: ouId })).catch((error: Error) => {
        message = error.message;
      }),
    );

    // Assess
    expectLikeSample(event, 'organizations-attach-policy-failed');
    expect(at(event, 'errorMessage')).toBe(message);
  });

  it('DetachPolicy', async () => {
    // Prepare
    await start();
    const ouId = await createOu('Guarded');
    const policyId = await createScp('DenyLeave');
    await h.org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: ouId }));

    // Act
    const event = await publishedOne(() =>
      h.org.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: ouId })),
    );

    // Assess
    expectLikeSample(event, 'organizations-detach-policy');
    expect(at(event, 'requestParameters')).toEqual({ policyId, targetId: ouId });
  });
});

describe('the CloudTrail record', () => {
  it('writes element keys in camelCase and their timestamps Java-style; envelope times and ids as AWS does', async () => {
    // Prepare
    await start();

    // Act
    const { Id } = await createAccount('keys');
    h.clock.advance(3 * SECOND);
    await h.org.send(new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: INVITEE } }));
    const events = eventsAfter();

    // Assess
    expect(events.map((e) => at(e, 'eventName'))).toEqual([
      'CreateOrganization',
      'AccountJoinedOrganization',
      'CreateAccount',
      'CreateAccountResult',
      'AccountJoinedOrganization',
      'InviteAccountToOrganization',
    ]);
    for (const event of events) {
      for (const [key] of elementMembers(event)) expect(key).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      for (const timestamp of elementTimestamps(event)) expect(timestamp).toMatch(javaTimestamp);
      expect(event.time).toMatch(isoSeconds);
      expect(at(event, 'eventTime')).toBe(event.time);
      expect(event.id).toMatch(uuid);
      expect(at(event, 'eventID')).toMatch(uuid);
    }
    expect(events.flatMap(elementTimestamps)).toContain('Jan 16, 2026 12:00:03 AM');
    expect(at(events[2], 'responseElements.createAccountStatus')).toMatchObject({ id: Id });
  });

  it('hides the email and the account name of a new account behind ****', async () => {
    // Prepare
    await start();

    // Act
    const call = await publishedOne(() => createAccount('Secret Project', 'secret.project@example.com'));
    const [result, joined] = await published(async () => h.clock.advance(3 * SECOND));

    // Assess
    expect(at(call, 'requestParameters')).toEqual({ email: '****', accountName: '****', tags: [] });
    expect(at(call, 'responseElements.createAccountStatus.accountName')).toBe('****');
    expect(at(result, 'serviceEventDetails.createAccountStatus.accountName')).toBe('****');
    for (const event of [call, result, joined]) expect(JSON.stringify(event)).not.toMatch(/secret/i);
  });

  it('names an assumed-role caller with its session, and an account-id key as the root user', async () => {
    // Prepare
    await start();
    const root = h.client(MANAGEMENT);

    // Act
    const asRole = await publishedOne(() => createOu('ByRole'));
    const asRoot = await publishedOne(() =>
      root.send(new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'ByRoot' })),
    );

    // Assess
    const session = [...h.emulator.store.sessionCredentials.values()].find(
      (s) => s.accountId === MANAGEMENT,
    )!;
    expect(at(asRole, 'userIdentity')).toEqual({
      type: 'AssumedRole',
      principalId: `${session.roleId}:orgflow`,
      arn: `arn:aws:sts::${MANAGEMENT}:assumed-role/${ROLE}/orgflow`,
      accountId: MANAGEMENT,
      accessKeyId: session.id,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: session.roleId,
          arn: `arn:aws:iam::${MANAGEMENT}:role/${ROLE}`,
          accountId: MANAGEMENT,
          userName: ROLE,
        },
        webIdFederationData: {},
        attributes: { mfaAuthenticated: 'false', creationDate: expect.stringMatching(isoSeconds) },
      },
    });
    expect(at(asRoot, 'userIdentity')).toEqual({
      type: 'Root',
      principalId: MANAGEMENT,
      arn: `arn:aws:iam::${MANAGEMENT}:root`,
      accountId: MANAGEMENT,
      accessKeyId: MANAGEMENT,
    });
    expect(asRoot.detail).toMatchObject({
      sourceIPAddress: '127.0.0.1',
      userAgent: expect.stringMatching(/^aws-sdk-js\//),
    });
  });
});

describe('which calls publish events', () => {
  it('publishes nothing for read-only calls, answered or refused', async () => {
    // Prepare
    await start();

    // Act
    const events = await published(async () => {
      await h.org.send(new DescribeOrganizationCommand({}));
      await h.org.send(new ListAccountsCommand({}));
      await h.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: h.rootId }));
      await expect(
        h.org.send(new DescribeAccountCommand({ AccountId: '123456789012' })),
      ).rejects.toMatchObject({ name: 'AccountNotFoundException' });
    });

    // Assess
    expect(events).toEqual([]);
  });

  it('publishes one error event for a refused call, which changes nothing', async () => {
    // Prepare
    await start();
    const before = JSON.stringify(h.emulator.store.snapshot());

    // Act
    let message = '';
    const events = await published(() =>
      h.org.send(new CloseAccountCommand({ AccountId: MANAGEMENT })).catch((error: Error) => {
        message = error.message;
      }),
    );

    // Assess
    expect(JSON.stringify(h.emulator.store.snapshot())).toBe(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventName: 'CloseAccount',
        errorCode: 'ConstraintViolationException',
        errorMessage: message,
        requestParameters: { accountId: MANAGEMENT },
        responseElements: null,
      },
    });
  });

  it('publishes only the error event of a request rolled back after it wrote', async () => {
    // Prepare
    await start();
    const before = JSON.stringify(h.emulator.store.snapshot());

    // Act: the OU and its default policy are written before its tags are refused
    const events = await publishedByRefusal(
      () =>
        h.org.send(
          new CreateOrganizationalUnitCommand({
            ParentId: h.rootId,
            Name: 'Tagged',
            Tags: [{ Key: 'aws:reserved', Value: 'x' }],
          }),
        ),
      { name: 'InvalidInputException' },
    );

    // Assess
    expect(JSON.stringify(h.emulator.store.snapshot())).toBe(before);
    expect(events.map((e) => [at(e, 'eventName'), at(e, 'errorCode')])).toEqual([
      ['CreateOrganizationalUnit', 'InvalidInputException'],
    ]);
  });

  it('publishes no service event for work a refused request would have started', async () => {
    // Prepare
    await start();

    // Act
    const events = await published(async () => {
      await expect(
        h.org.send(
          new CreateAccountCommand({
            AccountName: 'refused',
            Email: 'refused@example.com',
            Tags: [{ Key: 'aws:reserved', Value: 'x' }],
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidInputException' });
      h.clock.advance(60 * SECOND);
    });

    // Assess
    expect(events.map((e) => at(e, 'eventName'))).toEqual(['CreateAccount']);
    expect(at(events[0], 'errorCode')).toBe('InvalidInputException');
  });

  it('publishes a service event only once its work is committed, so a subscriber sees the result', async () => {
    // Prepare
    await start();
    const { Id } = await createAccount('observed');
    const seen: { eventName: unknown; state: unknown; accountKnown: boolean }[] = [];
    const stop = h.emulator.events.subscribe((event) => {
      const status = h.emulator.store.createAccountStatuses.get(Id!);
      seen.push({
        eventName: event.detail.eventName,
        state: status?.state,
        accountKnown: status?.accountId ? h.emulator.store.accounts.has(status.accountId) : false,
      });
    });
    cleanups.push(stop);

    // Act
    h.clock.advance(3 * SECOND - 1);
    const early = [...seen];
    h.clock.advance(1);

    // Assess
    expect(early).toEqual([]);
    expect(seen).toEqual([
      { eventName: 'CreateAccountResult', state: 'SUCCEEDED', accountKnown: true },
      { eventName: 'AccountJoinedOrganization', state: 'SUCCEEDED', accountKnown: true },
    ]);
  });
});

/** The membership events among `events`, as [eventName, account, the account the event is about, method]. */
const membership = (events: CloudTrailEvent[]) =>
  events
    .filter((e) => /^Account(Joined|Departed)Organization$/.test(String(at(e, 'eventName'))))
    .map((e) => [
      at(e, 'eventName'),
      e.account,
      at(e, 'serviceEventDetails.accountId'),
      at(e, 'serviceEventDetails.joinedMethod') ?? at(e, 'serviceEventDetails.departureMethod'),
    ]);

/** Asserts a membership event: like its sample, in the management account at `time`, reporting `details`. */
function expectMembershipEvent(
  event: CloudTrailEvent | undefined,
  time: string,
  details: Record<string, unknown>,
): void {
  expectLikeSample(
    event!,
    'joinedMethod' in details
      ? 'organizations-account-joined-organization'
      : 'organizations-account-departed-organization',
  );
  expect(event).toMatchObject({
    account: MANAGEMENT,
    time,
    detail: { recipientAccountId: MANAGEMENT, userIdentity: { accountId: MANAGEMENT } },
  });
  expect(at(event, 'serviceEventDetails')).toEqual(details);
}

describe('membership events: AccountJoinedOrganization and AccountDepartedOrganization', () => {
  it('reports a created account joining, CREATED, once, in the management account, after CreateAccountResult', async () => {
    // Prepare
    await start();
    await createAccount('joiner');

    // Act
    const events = await published(async () => h.clock.advance(3 * SECOND));
    const later = await published(async () => h.clock.advance(DAY));

    // Assess
    expect(events.map((e) => at(e, 'eventName'))).toEqual([
      'CreateAccountResult',
      'AccountJoinedOrganization',
    ]);
    const [result, joined] = events;
    expectMembershipEvent(joined, '2026-01-01T00:00:03Z', {
      accountId: at(result, 'serviceEventDetails.createAccountStatus.accountId'),
      joinedMethod: 'CREATED',
      joinedTime: 'Jan 1, 2026 12:00:03 AM',
    });
    expect(later).toEqual([]);
  });

  it('reports no joining for a creation that FAILED', async () => {
    // Prepare
    await start();
    await createAccount('duplicate', 'diego@example.com');

    // Act
    const events = await published(async () => h.clock.advance(3 * SECOND));

    // Assess
    expect(events.map((e) => at(e, 'eventName'))).toEqual(['CreateAccountResult']);
    expect(at(events[0], 'serviceEventDetails.createAccountStatus.state')).toBe('FAILED');
  });

  it('reports an invitee joining, INVITED, in the management account, though its AcceptHandshake stays in its own', async () => {
    // Prepare
    await start();
    const { handshakeId, invitee } = await invite();

    // Act
    const events = await published(() =>
      invitee.send(new AcceptHandshakeCommand({ HandshakeId: handshakeId })),
    );
    const again = await publishedByRefusal(
      () => invitee.send(new AcceptHandshakeCommand({ HandshakeId: handshakeId })),
      { name: 'HandshakeAlreadyInStateException' },
    );

    // Assess
    expect(events.map((e) => [at(e, 'eventName'), e.account])).toEqual([
      ['AcceptHandshake', INVITEE],
      ['AccountJoinedOrganization', MANAGEMENT],
    ]);
    expectMembershipEvent(events[1], '2026-01-01T00:00:00Z', {
      accountId: INVITEE,
      joinedMethod: 'INVITED',
      joinedTime: 'Jan 1, 2026 12:00:00 AM',
    });
    expect(again.map((e) => [at(e, 'eventName'), at(e, 'errorCode')])).toEqual([
      ['AcceptHandshake', 'HandshakeAlreadyInStateException'],
    ]);
  });

  it('reports no joining for a declined invitation', async () => {
    // Prepare
    await start();
    const { handshakeId, invitee } = await invite();

    // Act
    const events = await published(() =>
      invitee.send(new DeclineHandshakeCommand({ HandshakeId: handshakeId })),
    );

    // Assess
    expect(events.map((e) => at(e, 'eventName'))).toEqual(['DeclineHandshake']);
  });

  it('reports RemoveAccountFromOrganization as a departure, REMOVED, once, in the management account', async () => {
    // Prepare
    await start();
    await invitedMember();
    h.clock.advance(30 * MINUTE);

    // Act
    const events = await published(() =>
      h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: INVITEE })),
    );

    // Assess
    expect(events.map((e) => [at(e, 'eventName'), e.account])).toEqual([
      ['RemoveAccountFromOrganization', MANAGEMENT],
      ['AccountDepartedOrganization', MANAGEMENT],
    ]);
    const [call, departed] = events;
    expect(at(call, 'requestParameters')).toEqual({ accountId: INVITEE });
    expectMembershipEvent(departed, '2026-01-01T00:30:00Z', {
      accountId: INVITEE,
      departureMethod: 'REMOVED',
      departureTime: 'Jan 1, 2026 12:30:00 AM',
    });
  });

  it('reports no departure when the removal is refused', async () => {
    // Prepare: a created account may leave only after its 4-day wait
    await start();
    const accountId = await createdAccount('too-young');

    // Act
    const events = await publishedByRefusal(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId })),
      { name: 'ConstraintViolationException', Reason: 'WAIT_PERIOD_ACTIVE' },
    );

    // Assess
    expect(events.map((e) => [at(e, 'eventName'), at(e, 'errorCode')])).toEqual([
      ['RemoveAccountFromOrganization', 'ConstraintViolationException'],
    ]);
  });

  it("reports LeaveOrganization as a departure, LEFT, in the management account, though the call stays in the member's", async () => {
    // Prepare
    await start();
    const member = await invitedMember();

    // Act
    const events = await published(() => member.send(new LeaveOrganizationCommand({})));

    // Assess
    expect(events.map((e) => [at(e, 'eventName'), e.account])).toEqual([
      ['LeaveOrganization', INVITEE],
      ['AccountDepartedOrganization', MANAGEMENT],
    ]);
    expectMembershipEvent(events[1], '2026-01-01T00:00:00Z', {
      accountId: INVITEE,
      departureMethod: 'LEFT',
      departureTime: 'Jan 1, 2026 12:00:00 AM',
    });
  });

  it('reports no departure when a service control policy stops the member leaving', async () => {
    // Prepare
    await start();
    const member = await invitedMember();
    const policyId = await createScp('DenyLeave');
    await h.org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: INVITEE }));

    // Act
    const events = await publishedByRefusal(() => member.send(new LeaveOrganizationCommand({})), {
      name: 'AccessDeniedException',
    });

    // Assess
    expect(events.map((e) => [at(e, 'eventName'), e.account, at(e, 'errorCode')])).toEqual([
      ['LeaveOrganization', INVITEE, 'AccessDeniedException'],
    ]);
  });

  it('reports a closed account leaving after its 90-day post-closure period, CLEANED, once', async () => {
    // Prepare
    await start();
    const accountId = await createdAccount('closing');
    await h.org.send(new CloseAccountCommand({ AccountId: accountId }));
    h.clock.advance(60 * SECOND);

    // Act
    const early = await published(async () => h.clock.advance(90 * DAY - 1));
    const events = await published(async () => h.clock.advance(1));
    const later = await published(async () => h.clock.advance(90 * DAY));

    // Assess
    expect(early).toEqual([]);
    expect(events).toHaveLength(1);
    expectMembershipEvent(events[0], '2026-04-01T00:01:03Z', {
      accountId,
      departureMethod: 'CLEANED',
      departureTime: 'Apr 1, 2026 12:01:03 AM',
    });
    expect(later).toEqual([]);
  });

  it('reports the management account joining with CreateOrganization (INVITED) and leaving with DeleteOrganization (LEFT)', async () => {
    // Prepare
    await start();
    const created = eventsAfter();

    // Act
    const deleted = await published(() => h.org.send(new DeleteOrganizationCommand({})));

    // Assess
    expect(created.map((e) => at(e, 'eventName'))).toEqual([
      'CreateOrganization',
      'AccountJoinedOrganization',
    ]);
    expect(membership(created)).toEqual([['AccountJoinedOrganization', MANAGEMENT, MANAGEMENT, 'INVITED']]);
    expect(deleted.map((e) => at(e, 'eventName'))).toEqual([
      'DeleteOrganization',
      'AccountDepartedOrganization',
    ]);
    expect(membership(deleted)).toEqual([['AccountDepartedOrganization', MANAGEMENT, MANAGEMENT, 'LEFT']]);
  });

  it('reports each fact once over a life in the organization: joined, removed, joined again, left', async () => {
    // Prepare
    await start();
    const before = h.emulator.events.lastSequence;

    // Act
    const member = await invitedMember();
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: INVITEE }));
    const { Handshake } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: INVITEE } }),
    );
    await member.send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    await member.send(new LeaveOrganizationCommand({}));

    // Assess
    expect(membership(eventsAfter(before))).toEqual([
      ['AccountJoinedOrganization', MANAGEMENT, INVITEE, 'INVITED'],
      ['AccountDepartedOrganization', MANAGEMENT, INVITEE, 'REMOVED'],
      ['AccountJoinedOrganization', MANAGEMENT, INVITEE, 'INVITED'],
      ['AccountDepartedOrganization', MANAGEMENT, INVITEE, 'LEFT'],
    ]);
  });
});

describe('the calls that reactions match, in the management account with what a reaction needs', () => {
  it('AttachPolicy: the policy and the target', async () => {
    // Prepare
    await start();
    const ouId = await createOu('Guarded');
    const policyId = await createScp('DenyLeave');

    // Act
    const event = await publishedOne(() =>
      h.org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: ouId })),
    );

    // Assess
    expect(event).toMatchObject({ account: MANAGEMENT, 'detail-type': 'AWS API Call via CloudTrail' });
    expect(at(event, 'requestParameters')).toEqual({ policyId, targetId: ouId });
    expect(at(event, 'errorCode')).toBeUndefined();
  });

  it('UpdatePolicy: the policy id and its new content, in the request and in the answer', async () => {
    // Prepare
    await start();
    const policyId = await createScp('DenyLeave');
    const content = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });

    // Act
    const event = await publishedOne(() =>
      h.org.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: content, Description: 'loosened' })),
    );

    // Assess
    expectLikeSample(event, 'organizations-update-policy');
    expect(event.account).toBe(MANAGEMENT);
    expect(at(event, 'requestParameters')).toEqual({ policyId, content, description: 'loosened' });
    expect(at(event, 'responseElements.policy')).toMatchObject({
      policySummary: { id: policyId, name: 'DenyLeave', type: 'SERVICE_CONTROL_POLICY', awsManaged: false },
      content,
    });
  });

  it('DisablePolicyType and EnablePolicyType: the root and the policy type', async () => {
    // Prepare
    await start();

    // Act
    const disabled = await publishedOne(() =>
      h.org.send(new DisablePolicyTypeCommand({ RootId: h.rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })),
    );
    const enabled = await publishedOne(() =>
      h.org.send(new EnablePolicyTypeCommand({ RootId: h.rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })),
    );

    // Assess
    expectLikeSample(disabled, 'organizations-disable-policy-type');
    for (const event of [disabled, enabled]) {
      expect(event.account).toBe(MANAGEMENT);
      expect(at(event, 'requestParameters')).toEqual({
        rootId: h.rootId,
        policyType: 'SERVICE_CONTROL_POLICY',
      });
    }
    expect(at(disabled, 'responseElements.root.policyTypes')).toEqual([]);
    expect(at(enabled, 'responseElements.root.policyTypes')).toEqual([
      { type: 'SERVICE_CONTROL_POLICY', status: 'ENABLED' },
    ]);
  });
});

interface Frame {
  id: number;
  event: CloudTrailEvent;
}

/** Fails fast, naming what was missing, instead of letting a silent stream run into the test's timeout. */
function withinDeadline<T>(promise: Promise<T>, got: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the event stream sent only ${got} within 5 s`)), 5000);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const asManagement = { accessKeyId: MANAGEMENT, secretAccessKey: 'secret' };

/** A consumer of `GET /_orgflow/events` reading server-sent events with fetch, as another process would. */
async function openStream(query: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await signedFetch(`${h.server.url}/_orgflow/events${query}`, asManagement, {
    headers,
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  cleanups.push(() => controller.abort());
  let buffer = '';
  return {
    response,
    /** the next `count` frames, waiting for them to come */
    async read(count: number): Promise<Frame[]> {
      const frames: Frame[] = [];
      while (frames.length < count) {
        const end = buffer.indexOf('\n\n');
        if (end < 0) {
          const { value, done } = await withinDeadline(reader.read(), `${frames.length} of ${count} frames`);
          if (done) throw new Error(`the stream ended after ${frames.length} of ${count} frames`);
          buffer += value;
          continue;
        }
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field('data');
        if (data !== undefined) frames.push({ id: Number(field('id')), event: JSON.parse(data) });
      }
      return frames;
    },
  };
}

describe('the HTTP event stream for other processes', () => {
  it('streams the backlog and then live events, with increasing ids, as server-sent events', async () => {
    // Prepare
    await start();
    const stream = await openStream('?after=0');

    // Act
    const backlog = await stream.read(2);
    await createOu('Live');
    await h.org.send(new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: INVITEE } }));
    const live = await stream.read(2);

    // Assess
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = [...backlog, ...live];
    expect(frames.map((f) => f.event.detail.eventName)).toEqual([
      'CreateOrganization',
      'AccountJoinedOrganization',
      'CreateOrganizationalUnit',
      'InviteAccountToOrganization',
    ]);
    expect(frames.map((f) => f.id)).toEqual([1, 2, 3, 4]);
    expect(frames.map((f) => f.event)).toEqual(eventsAfter());
  });

  it('resumes after a given id, with ?after= or with the Last-Event-ID header, without duplicates', async () => {
    // Prepare
    await start();
    await createOu('One');
    await createOu('Two');
    await createOu('Three');
    const [first, second] = await (await openStream('?after=0')).read(2);

    // Act
    const resumed = await openStream(`?after=${second!.id}`);
    // an EventSource reconnects to its first URL and names the last id it saw in the header: the header wins
    const reconnected = await openStream('?after=0', { 'Last-Event-ID': String(first!.id) });
    const fromNow = await openStream('');
    await createOu('Four');

    // Assess
    expect((await resumed.read(3)).map((f) => f.id)).toEqual([3, 4, 5]);
    expect((await reconnected.read(4)).map((f) => f.id)).toEqual([2, 3, 4, 5]);
    expect((await fromNow.read(1)).map((f) => f.event.detail.eventName)).toEqual([
      'CreateOrganizationalUnit',
    ]);
  });

  it('refuses a position that is not a sequence number', async () => {
    // Prepare
    await start();

    // Act
    const response = await signedFetch(`${h.server.url}/_orgflow/events?after=soon`, asManagement);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      message: expect.stringMatching(/after must be a sequence number/),
    });
  });
});
