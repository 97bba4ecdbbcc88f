import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AcceptHandshakeCommand,
  CancelHandshakeCommand,
  ConstraintViolationException,
  DescribeHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  EnablePolicyTypeCommand,
  type Handshake,
  ListHandshakesForOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { approveMembers } from '../../functions/all-features/approve-members/approve-members';
import { cancelRound } from '../../functions/all-features/cancel-round/cancel-round';
import {
  completeApproval,
  HandshakeCallEventSchema,
  roundOf,
} from '../../functions/all-features/complete-approval/complete-approval';
import { finishMigration } from '../../functions/all-features/finish-migration/finish-migration';
import { memberOrganizationsThroughRole } from '../../functions/all-features/member-access';
import { loadMigrationConfig, MigrationConfigSchema } from '../../functions/all-features/migration-config';
import type { MigrationPorts } from '../../functions/all-features/migration-ports';
import { readMigration, requestResend } from '../../functions/all-features/migration-store';
import { preflight } from '../../functions/all-features/preflight/preflight';
import { decideRound, type MemberRequest } from '../../functions/all-features/round';
import { watchApprovals } from '../../functions/all-features/watch-approvals/watch-approvals';
import { governorTableOnDynalite } from '../governor-table';

// The steps of the migration with Organizations, STS, EventBridge and Step Functions mocked and the migration's
// record on dynalite.

const NOW = Date.UTC(2026, 11, 6, 9, 30);
const DAY = 24 * 60 * 60 * 1000;
const MIGRATION = 'afm-0001';
const PARENT = 'h-00000000000000000000000000000001';
const EXPIRES = new Date(NOW + 90 * DAY);
const REACHABLE = '222222222222';
const UNREACHABLE = '333333333333';
const ROLE = 'OrganizationAccountAccessRole';

const organizationsMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);
const eventsMock = mockClient(EventBridgeClient);
const sfnMock = mockClient(SFNClient);
const table = governorTableOnDynalite();
let now = NOW;
let ports: MigrationPorts;

const child = (accountId: string, state = 'OPEN'): Handshake => ({
  Id: `h-${accountId}0000000000000000000`,
  Action: 'APPROVE_ALL_FEATURES',
  State: state as Handshake['State'],
  ExpirationTimestamp: EXPIRES,
  Parties: [
    { Id: 'o-abcdefghij', Type: 'ORGANIZATION' },
    { Id: accountId, Type: 'ACCOUNT' },
  ],
  Resources: [{ Type: 'PARENT_HANDSHAKE', Value: PARENT }],
});
const parent = (state: string): Handshake => ({
  Id: PARENT,
  Action: 'ENABLE_ALL_FEATURES',
  State: state as Handshake['State'],
  ExpirationTimestamp: EXPIRES,
});
const children = (...handshakes: Handshake[]) =>
  organizationsMock
    .on(ListHandshakesForOrganizationCommand, { Filter: { ParentHandshakeId: PARENT } })
    .resolves({ Handshakes: handshakes });
const round = { migrationId: MIGRATION, round: 1, handshakeId: PARENT };
const published = () =>
  eventsMock
    .commandCalls(PutEventsCommand)
    .map((call) => call.args[0].input.Entries?.[0])
    .map((entry) => ({ type: entry?.DetailType, detail: JSON.parse(entry?.Detail ?? '{}') }));

beforeEach(() => {
  now = NOW;
  for (const mock of [organizationsMock, stsMock, eventsMock, sfnMock]) mock.reset();
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-abcdefghij', FeatureSet: 'CONSOLIDATED_BILLING' } });
  organizationsMock
    .on(ListHandshakesForOrganizationCommand, { Filter: { ActionType: 'ENABLE_ALL_FEATURES' } })
    .resolves({ Handshakes: [] });
  organizationsMock.on(EnableAllFeaturesCommand).resolves({ Handshake: parent('REQUESTED') });
  organizationsMock.on(DescribeHandshakeCommand).resolves({ Handshake: parent('REQUESTED') });
  organizationsMock.on(AcceptHandshakeCommand).resolves({});
  children(child(REACHABLE), child(UNREACHABLE));
  stsMock.on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${REACHABLE}:role/${ROLE}` }).resolves({
    Credentials: {
      AccessKeyId: 'ASIA',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(),
    },
  });
  stsMock
    .on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${UNREACHABLE}:role/${ROLE}` })
    .rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }));
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  ports = {
    organizations: new OrganizationsClient({ region: 'us-east-1' }),
    organizationsReader: new OrganizationsClient({ region: 'us-east-1' }),
    db: table.db,
    table: table.name,
    config: MigrationConfigSchema.parse({}),
    events: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'default',
    sfn: new SFNClient({ region: 'us-east-1' }),
    memberOrganizations: memberOrganizationsThroughRole(new STSClient({ region: 'us-east-1' }), ROLE),
    now: () => now,
    // a sleeper wakes at its time: concurrent sleepers each move the clock to theirs, never back
    sleep: async (ms) => {
      const until = now + ms;
      await Promise.resolve();
      now = Math.max(now, until);
    },
  };
});

const record = async () => (await readMigration(ports, MIGRATION))!;
const memberStates = async () =>
  Object.fromEntries((await record()).members.map((m) => [`${m.round}:${m.accountId}`, m.state]));

describe('the enable-all-features configuration', () => {
  it('has the documented defaults and names every bad field', () => {
    // Act
    const defaults = loadMigrationConfig({});
    const bad = () => loadMigrationConfig({ ALL_FEATURES_CONFIG: '{"maxRounds":0,"lookIntervalSeconds":5}' });

    // Assess
    expect(defaults).toEqual({
      callers: [],
      approvalRoleName: ROLE,
      maxRounds: 3,
      lookIntervalSeconds: 3600,
      maxLookIntervalSeconds: 86_400,
      reminderIntervalDays: 3,
      afterRoundEnds: 'new-round',
      policyTypesToEnable: [],
    });
    expect(bad).toThrow(/maxRounds: .*; lookIntervalSeconds: /);
  });
});

describe('decideRound', () => {
  const request = (state: MemberRequest['state']): MemberRequest => ({
    accountId: REACHABLE,
    handshakeId: 'h-1',
    state,
    expiresAt: 0,
  });

  it.each([
    ['OPEN', [], { outcome: 'approved' }],
    ['ACCEPTED', [], { outcome: 'approved' }],
    ['CANCELED', [], { outcome: 'restart', end: 'canceled' }],
    ['EXPIRED', [], { outcome: 'restart', end: 'expired' }],
    ['REQUESTED', [request('DECLINED'), request('OPEN')], { outcome: 'restart', end: 'declined' }],
    ['REQUESTED', [request('EXPIRED')], { outcome: 'restart', end: 'expired' }],
    // AWS cancels the request of a member that left: the round no longer waits for it
    ['REQUESTED', [request('CANCELED'), request('OPEN')], { outcome: 'waiting' }],
    ['REQUESTED', [request('ACCEPTED'), request('OPEN')], { outcome: 'waiting' }],
  ] as const)('parent %s, requests %j → %j', (state, requests, decision) => {
    expect(decideRound(state, requests)).toEqual(decision);
  });
});

describe('Preflight', () => {
  it('finds an organization that is ALL already and opens nothing', async () => {
    // Prepare
    organizationsMock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: 'o-1', FeatureSet: 'ALL' } });

    // Act
    const result = await preflight(ports, { migrationId: MIGRATION });

    // Assess
    expect(result).toEqual({ outcome: 'already-all', organizationId: 'o-1' });
    expect(organizationsMock).not.toHaveReceivedCommand(EnableAllFeaturesCommand);
  });

  it('opens round 1 with EnableAllFeatures and records the members it asks; a retry records the same round', async () => {
    // Act
    const first = await preflight(ports, {
      migrationId: MIGRATION,
      requestedBy: 'arn:aws:iam::1:role/Ops',
      idempotencyKey: 'migrate-2026-12',
    });
    organizationsMock
      .on(ListHandshakesForOrganizationCommand, { Filter: { ActionType: 'ENABLE_ALL_FEATURES' } })
      .resolves({ Handshakes: [parent('REQUESTED')] });
    const again = await preflight(ports, { migrationId: MIGRATION });

    // Assess
    expect(first).toMatchObject({
      outcome: 'round',
      round: 1,
      handshakeId: PARENT,
      adopted: false,
      members: 2,
    });
    expect(again).toMatchObject({ outcome: 'round', round: 1, handshakeId: PARENT, adopted: true });
    expect(organizationsMock).toHaveReceivedCommandTimes(EnableAllFeaturesCommand, 1);
    const { migration, rounds } = await record();
    expect(migration).toMatchObject({
      state: 'running',
      round: 1,
      requestedBy: 'arn:aws:iam::1:role/Ops',
      idempotencyKey: 'migrate-2026-12',
    });
    expect(rounds).toEqual([expect.objectContaining({ round: 1, handshakeId: PARENT, adopted: false })]);
    expect(await memberStates()).toEqual({ [`1:${REACHABLE}`]: 'pending', [`1:${UNREACHABLE}`]: 'pending' });
  });

  it('refuses an organization too large for the standard migration with a named error', async () => {
    // Prepare
    organizationsMock.on(EnableAllFeaturesCommand).rejects(
      new ConstraintViolationException({
        $metadata: {},
        message: 'too many accounts',
        Reason: 'ALL_FEATURES_MIGRATION_ORGANIZATION_SIZE_LIMIT_EXCEEDED',
      }),
    );

    // Act
    const result = preflight(ports, { migrationId: MIGRATION });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'OrganizationTooLargeError' });
  });
});

describe('Approve Members', () => {
  it('accepts as each member it can reach and asks the others, with the command they run, once', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });

    // Act
    const result = await approveMembers(ports, round);
    const again = await approveMembers(ports, round);

    // Assess
    expect(result).toEqual({ approved: 1, unreachable: 1, remaining: 0 });
    expect(again).toEqual({ approved: 0, unreachable: 0, remaining: 0 });
    expect(organizationsMock).toHaveReceivedCommandTimes(AcceptHandshakeCommand, 1);
    expect(organizationsMock).toHaveReceivedCommandWith(AcceptHandshakeCommand, {
      HandshakeId: child(REACHABLE).Id,
    });
    expect(await memberStates()).toEqual({
      [`1:${REACHABLE}`]: 'approved-by-orgflow',
      [`1:${UNREACHABLE}`]: 'waiting-role-unreachable',
    });
    expect(published()).toEqual([
      {
        type: 'Approval Needed',
        detail: {
          migrationId: MIGRATION,
          round: 1,
          accountId: UNREACHABLE,
          handshakeId: child(UNREACHABLE).Id,
          expiresAt: EXPIRES.toISOString(),
          reason: expect.stringContaining(`arn:aws:iam::${UNREACHABLE}:role/${ROLE}`),
          command: `aws organizations accept-handshake --handshake-id ${child(UNREACHABLE).Id}`,
        },
      },
    ]);
  });

  it('counts as its own an acceptance whose answer was lost, found when the step is tried again', async () => {
    // Prepare: the call accepts, but its answer never comes back (the stack killed, the function timed out)
    await preflight(ports, { migrationId: MIGRATION });
    organizationsMock
      .on(AcceptHandshakeCommand)
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(approveMembers(ports, round)).rejects.toMatchObject({ name: 'TimeoutError' });
    children(child(REACHABLE, 'ACCEPTED'), child(UNREACHABLE));

    // Act
    const retried = await approveMembers(ports, round);
    await watchApprovals(ports, { ...round, taskToken: 'token-1' });

    // Assess
    expect(retried).toMatchObject({ approved: 0, remaining: 0 });
    expect(await memberStates()).toEqual({
      [`1:${REACHABLE}`]: 'approved-by-orgflow',
      [`1:${UNREACHABLE}`]: 'waiting-role-unreachable',
    });
  });

  it('leaves to the member an acceptance after its own call was throttled, and tries it again', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    organizationsMock
      .on(AcceptHandshakeCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    // Act: throttled, then the member accepts by itself before the next call
    const throttled = await approveMembers(ports, round);
    children(child(REACHABLE, 'ACCEPTED'), child(UNREACHABLE));
    const next = await approveMembers(ports, round);

    // Assess
    expect(throttled).toEqual({ approved: 0, unreachable: 1, remaining: 1 });
    expect(next).toEqual({ approved: 0, unreachable: 0, remaining: 0 });
    expect(await memberStates()).toMatchObject({ [`1:${REACHABLE}`]: 'approved-by-member' });
    expect((await record()).members.find((m) => m.accountId === REACHABLE)?.attemptedAt).toBeUndefined();
  });

  it('paces AcceptHandshake within 5 calls per second for the organization', async () => {
    // Prepare: 10 reachable members
    const members = Array.from({ length: 10 }, (_, i) => `4000000000${String(i).padStart(2, '0')}`);
    children(...members.map((id) => child(id)));
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() },
    });
    await preflight(ports, { migrationId: MIGRATION });
    // the time each call was paced for: the first goes at once, the others when their sleep ends
    const times: number[] = [NOW];
    const sleep = ports.sleep;
    ports.sleep = (ms) => {
      times.push(now + ms);
      return sleep(ms);
    };

    // Act
    const result = await approveMembers(ports, round);

    // Assess
    expect(result).toEqual({ approved: 10, unreachable: 0, remaining: 0 });
    expect(times).toHaveLength(10);
    const sorted = [...times].sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((t, i) => t - sorted[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(200);
  });
});

describe('Wait For Approvals', () => {
  const token = 'token-1';

  it('records what members answered and keeps waiting while a request is open', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    children(child(REACHABLE, 'ACCEPTED'), child(UNREACHABLE));

    // Act
    const result = await watchApprovals(ports, { ...round, taskToken: token });

    // Assess
    expect(result).toEqual({ decision: { outcome: 'waiting' }, answered: false, reminded: 0 });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(await memberStates()).toMatchObject({ [`1:${REACHABLE}`]: 'approved-by-member' });
  });

  it('decides an open round whose members are all recorded approved without listing its requests', async () => {
    // Prepare: orgflow approved the round's only member
    children(child(REACHABLE));
    await preflight(ports, { migrationId: MIGRATION });
    await approveMembers(ports, round);
    organizationsMock.on(DescribeHandshakeCommand).resolves({ Handshake: parent('OPEN') });
    const listed = () =>
      organizationsMock
        .commandCalls(ListHandshakesForOrganizationCommand)
        .filter((c) => c.args[0].input.Filter?.ParentHandshakeId === PARENT).length;
    const before = listed();

    // Act
    const result = await watchApprovals(ports, { ...round, taskToken: token });

    // Assess
    expect(result).toMatchObject({ decision: { outcome: 'approved' }, answered: true });
    expect(listed()).toBe(before);
  });

  it('answers the wait once the round is open, and records the round approved', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    organizationsMock.on(DescribeHandshakeCommand).resolves({ Handshake: parent('OPEN') });

    // Act
    const result = await watchApprovals(ports, { ...round, taskToken: token });

    // Assess
    expect(result.answered).toBe(true);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: token,
      output: JSON.stringify({ outcome: 'approved' }),
    });
    expect((await record()).rounds[0]).toMatchObject({ end: 'approved' });
  });

  it('with wait-for-operator, leaves a declined round parked and recorded as waiting, until a resend is recorded', async () => {
    // Prepare
    const operated = { ...ports, config: { ...ports.config, afterRoundEnds: 'wait-for-operator' as const } };
    await preflight(operated, { migrationId: MIGRATION });
    children(child(REACHABLE, 'ACCEPTED'), child(UNREACHABLE, 'DECLINED'));

    // Act
    const parked = await watchApprovals(operated, { ...round, taskToken: token, lookIntervalSeconds: 7200 });
    const waiting = (await record()).migration;
    await requestResend(operated, MIGRATION, 1, 'arn:aws:iam::111111111111:role/CloudOps', now);
    const resent = await watchApprovals(operated, { ...round, taskToken: token });

    // Assess
    expect(parked).toEqual({
      decision: { outcome: 'waiting-for-operator', end: 'declined' },
      answered: false,
      reminded: 0,
    });
    expect(waiting.operatorWait).toMatchObject({ round: 1, end: 'declined', decliners: [UNREACHABLE] });
    expect(waiting.nextLookAt).toBe(new Date(now + 7200 * 1000).toISOString());
    expect(resent).toMatchObject({ decision: { outcome: 'restart', end: 'declined' }, answered: true });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect((await record()).rounds[0]).toMatchObject({ end: 'declined' });
  });

  it('with wait-for-operator, ends an expired round at once when no round is left to resend', async () => {
    // Prepare
    const operated = {
      ...ports,
      config: { ...ports.config, afterRoundEnds: 'wait-for-operator' as const, maxRounds: 1 },
    };
    await preflight(operated, { migrationId: MIGRATION });
    organizationsMock.on(DescribeHandshakeCommand).resolves({ Handshake: parent('EXPIRED') });

    // Act
    const result = await watchApprovals(operated, { ...round, taskToken: token });

    // Assess
    expect(result).toMatchObject({ decision: { outcome: 'restart', end: 'expired' }, answered: true });
    expect((await record()).migration.operatorWait).toBeUndefined();
  });

  it('reminds the members still waited for once the reminder interval has passed, once per interval', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    await approveMembers(ports, round);
    children(child(REACHABLE, 'ACCEPTED'), child(UNREACHABLE));
    eventsMock.resetHistory();

    // Act
    now = NOW + 3 * DAY;
    const due = await watchApprovals(ports, { ...round, taskToken: token });
    now += 60 * 60 * 1000;
    const notYet = await watchApprovals(ports, { ...round, taskToken: token });

    // Assess
    expect(due.reminded).toBe(1);
    expect(notYet.reminded).toBe(0);
    expect(published()).toEqual([
      { type: 'Approval Reminder', detail: expect.objectContaining({ accountId: UNREACHABLE }) },
    ]);
  });
});

describe('Complete Approval', () => {
  const event = (action: string, resources: { type: string; value: string }[] = []) =>
    HandshakeCallEventSchema.parse({
      id: 'evt-1',
      detail: {
        eventName: 'AcceptHandshake',
        responseElements: { handshake: { id: 'h-child', action, resources } },
      },
    });

  it('finds the round of a member request (its parent) or of the round handshake itself, and nothing else', () => {
    expect(roundOf(event('approve_all_features', [{ type: 'PARENT_HANDSHAKE', value: PARENT }]))).toBe(
      PARENT,
    );
    expect(roundOf(event('ENABLE_ALL_FEATURES'))).toBe('h-child');
    expect(roundOf(event('invite'))).toBeUndefined();
  });

  it('wakes the execution waiting on the round; a duplicate event wakes nothing more', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    await watchApprovals(ports, { ...round, taskToken: 'token-1' });
    const rendezvous = { db: table.db, sfn: ports.sfn, table: table.name, now: () => now };
    const accepted = event('approve_all_features', [{ type: 'PARENT_HANDSHAKE', value: PARENT }]);

    // Act
    const first = await completeApproval(rendezvous, accepted);

    // Assess
    expect(first).toEqual({ round: PARENT, woke: true });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1' });
  });
});

describe('Cancel Round and Finish Migration', () => {
  it('cancels what is left of a round and records its end and the members it no longer waits for', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    children(child(REACHABLE, 'DECLINED'), child(UNREACHABLE));
    await watchApprovals(ports, { ...round, taskToken: 't' });
    organizationsMock.on(CancelHandshakeCommand).resolves({});

    // Act
    const result = await cancelRound(ports, { ...round, end: 'declined' });

    // Assess
    expect(result).toEqual({ round: 1, end: 'declined', canceled: 2 });
    expect(organizationsMock).toHaveReceivedCommandWith(CancelHandshakeCommand, { HandshakeId: PARENT });
    expect((await record()).rounds[0]).toMatchObject({ end: 'declined' });
    expect(await memberStates()).toEqual({
      [`1:${REACHABLE}`]: 'declined',
      [`1:${UNREACHABLE}`]: 'canceled',
    });
  });

  it('accepts the round as the management account, enables the configured policy types and announces ALL', async () => {
    // Prepare
    await preflight(ports, { migrationId: MIGRATION });
    organizationsMock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: 'o-1', FeatureSet: 'ALL' } });
    organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', PolicyTypes: [] }] });
    organizationsMock.on(EnablePolicyTypeCommand).resolves({});
    ports.config = MigrationConfigSchema.parse({ policyTypesToEnable: ['SERVICE_CONTROL_POLICY'] });

    // Act
    const result = await finishMigration(ports, {
      migrationId: MIGRATION,
      handshakeId: PARENT,
      outcome: 'enabled',
    });

    // Assess
    expect(result).toMatchObject({ outcome: 'enabled', policyTypesEnabled: ['SERVICE_CONTROL_POLICY'] });
    expect(organizationsMock).toHaveReceivedCommandWith(AcceptHandshakeCommand, { HandshakeId: PARENT });
    expect(organizationsMock).toHaveReceivedCommandWith(EnablePolicyTypeCommand, {
      RootId: 'r-ab12',
      PolicyType: 'SERVICE_CONTROL_POLICY',
    });
    expect(published()).toEqual([
      {
        type: 'All Features Enabled',
        detail: expect.objectContaining({ migrationId: MIGRATION, rounds: 1 }),
      },
    ]);
    expect((await record()).migration).toMatchObject({ state: 'enabled' });
  });

  it('refuses to announce an organization that is not ALL after the acceptance (retried by the state machine)', async () => {
    // Act
    const result = finishMigration(ports, {
      migrationId: MIGRATION,
      handshakeId: PARENT,
      outcome: 'enabled',
    });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AllFeaturesNotEnabledError' });
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
