import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AcceptHandshakeCommand,
  DeclineHandshakeCommand,
  DescribeOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENT_SOURCE } from '../../functions/_shared/publish-event';
import { readMigration } from '../../functions/all-features/migration-store';
import type { ManualClock } from '../../local/clock';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  buildConsolidatedBillingOrganization,
  type ConsolidatedBillingOrganization,
} from '../all-features/consolidated-organization';
import { dataDirs } from './stack-process';

// A consolidated-billing organization, built offline, taken to ALL by the AllFeaturesMigration state machine on
// the local stack (a manual clock, moved only where a test says so): members with the approval role are approved
// by orgflow, the others answer as themselves, through the AWS CLI or the SDK, with the command their
// `Approval Needed` event gives. Their answers reach the management account's bus and wake the migration: the
// clock never moves in the scenarios that do not say so, so no hourly look finds them.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ROLE = 'OrganizationAccountAccessRole';
const run = promisify(execFile);

interface Asked {
  migrationId: string;
  round: number;
  accountId: string;
  handshakeId: string;
  command: string;
  reason: string;
}

describe('the migration to all features on the local stack', { timeout: 60_000 }, () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack;
  let org: ConsolidatedBillingOrganization;
  /** orgflow's events (Approval Needed, Approval Reminder, All Features Enabled) and the handshake calls on the management bus */
  let published: () => EventBridgeEvent[];

  const organizationsAs = (accountId: string) => {
    const client = new OrganizationsClient({
      endpoint: stack.endpoints.organizations,
      region: 'us-east-1',
      credentials: { accessKeyId: accountId, secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };
  const clock = () => stack.clock as ManualClock;
  /** Moves the clock by `ms`, then by a few seconds at a time so that retries after the deadline run too. */
  const advance = async (ms: number) => {
    clock().advance(ms);
    await stack.settled();
    for (let step = 0; step < 5; step++) {
      clock().advance(2_000);
      await stack.settled();
    }
  };
  const ofType = (detailType: string) => published().filter((e) => e['detail-type'] === detailType);
  /** The `Approval Needed` events of a round, by member. */
  const asked = (round: number) =>
    new Map(
      ofType('Approval Needed')
        .map((e) => e.detail as Asked)
        .filter((d) => d.round === round)
        .map((d) => [d.accountId, d]),
    );

  /** Starts a stack on a fresh organization: `reachable` invited members with the role, `unreachable` without, `created` ones. */
  async function startOn(counts: { reachable: number; unreachable: number; created: number }) {
    const dataDir = dirs.fresh();
    org = buildConsolidatedBillingOrganization(dataDir, counts);
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir,
      timeScale: 'manual',
      throttling: false,
      onInternalError: (error) => console.error('internal error:', error),
    });
    const delivered = vi.fn();
    const bus = stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT);
    bus.putRule({
      name: 'all-features-observer',
      eventPattern: JSON.stringify({
        $or: [
          { source: [EVENT_SOURCE] },
          {
            source: ['aws.organizations'],
            detail: { eventName: ['AcceptHandshake', 'DeclineHandshake', 'CancelHandshake'] },
          },
        ],
      }),
    });
    bus.putTargets('all-features-observer', [
      { id: 'observer', arn: 'arn:aws:local:observer', deliver: delivered },
    ]);
    published = () => delivered.mock.calls.map(([input]) => JSON.parse(input as string));
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack?.close();
    dirs.removeAll();
  });

  const start = async (migrationId: string) => {
    const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };
    const sfn = new SFNClient({ endpoint: stack.endpoints.stepfunctions, region: 'us-east-1', credentials });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials }),
    );
    clients.push(sfn, db);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArns.AllFeaturesMigration,
        name: migrationId,
        input: JSON.stringify({
          migrationId,
          requestedBy: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:role/CloudOps`,
        }),
      }),
    );
    await stack.settled();
    return {
      record: async () =>
        (await readMigration({ db, table: process.env.GOVERNOR_TABLE_NAME! }, migrationId))!,
      status: async () => (await sfn.send(new DescribeExecutionCommand({ executionArn })))?.status,
    };
  };

  /** The member answers its request as itself, through the SDK, then the stack runs what that set off. */
  const answer = async (request: Asked, how: 'accept' | 'decline') => {
    const member = organizationsAs(request.accountId);
    await member.send(
      how === 'accept'
        ? new AcceptHandshakeCommand({ HandshakeId: request.handshakeId })
        : new DeclineHandshakeCommand({ HandshakeId: request.handshakeId }),
    );
  };

  /** The member runs the command its `Approval Needed` event gives, with the AWS CLI and its own key. */
  const acceptWithCli = async (request: Asked) => {
    const [program, ...args] = request.command.split(' ');
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    const { stdout } = await run(
      program!,
      [...args, '--endpoint-url', stack.endpoints.organizations, '--output', 'json'],
      {
        env: {
          ...env,
          AWS_ACCESS_KEY_ID: request.accountId,
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    return JSON.parse(stdout) as { Handshake: { State: string } };
  };

  const statesOf = (members: { accountId: string; state: string; round: number }[], round: number) =>
    Object.fromEntries(members.filter((m) => m.round === round).map((m) => [m.accountId, m.state]));
  const all = (ids: string[], state: string) => Object.fromEntries(ids.map((id) => [id, state]));

  it('takes 20 invited and 10 created members to ALL: 15 approved by orgflow, 3 by themselves, 2 declining then accepting in a second round', async () => {
    // Prepare
    await startOn({ reachable: 15, unreachable: 5, created: 10 });
    const startedAt = clock().now();
    const [cli, sdk1, sdk2, decline1, decline2] = org.unreachable as [string, string, string, string, string];

    // Act: round 1 — three accept as themselves (one with the AWS CLI), two decline
    const migration = await start('afm-e2e');
    const first = await migration.record();
    const round1 = asked(1);
    const byCli = await acceptWithCli(round1.get(cli)!);
    await stack.settled();
    for (const id of [sdk1, sdk2]) {
      await answer(round1.get(id)!, 'accept');
      await stack.settled();
    }
    const beforeDeclines = await migration.record();
    // both answer before orgflow reacts to either
    await Promise.all([answer(round1.get(decline1)!, 'decline'), answer(round1.get(decline2)!, 'decline')]);
    await stack.settled();
    const second = await migration.record();
    // round 2: every member is asked again; those orgflow cannot reach accept, the CLI again for one
    const round2 = asked(2);
    await acceptWithCli(round2.get(cli)!);
    await stack.settled();
    for (const id of [sdk1, sdk2, decline1, decline2]) {
      await answer(round2.get(id)!, 'accept');
      await stack.settled();
    }

    // Assess: round 1 as orgflow left it to wait, with the members it could not reach asked
    expect(first.migration).toMatchObject({ state: 'running', round: 1 });
    expect(statesOf(first.members, 1)).toEqual({
      ...all(org.reachable, 'approved-by-orgflow'),
      ...all(org.unreachable, 'waiting-role-unreachable'),
    });
    expect([...round1.keys()].sort()).toEqual([...org.unreachable].sort());
    for (const request of round1.values()) {
      expect(request.command).toBe(
        `aws organizations accept-handshake --handshake-id ${request.handshakeId}`,
      );
      expect(request.reason).toContain(`arn:aws:iam::${request.accountId}:role/${ROLE}`);
    }
    expect(byCli.Handshake.State).toBe('ACCEPTED');
    // each acceptance woke the migration to look, and it recorded it
    expect(statesOf(beforeDeclines.members, 1)).toMatchObject(all([cli, sdk1, sdk2], 'approved-by-member'));
    expect(beforeDeclines.migration.round).toBe(1);
    // the declines ended round 1 and opened round 2 at once
    expect(second.migration.round).toBe(2);
    expect(second.rounds.map((r) => [r.round, r.end])).toEqual([
      [1, 'declined'],
      [2, undefined],
    ]);
    expect([...round2.keys()].sort()).toEqual([...org.unreachable].sort());
    // the end: ALL, every round recorded, created members never asked
    expect(await migration.status()).toBe('SUCCEEDED');
    const done = await migration.record();
    expect(done.migration).toMatchObject({ state: 'enabled', round: 2 });
    expect(done.rounds.map((r) => [r.round, r.end, r.adopted])).toEqual([
      [1, 'declined', false],
      [2, 'approved', false],
    ]);
    expect(statesOf(done.members, 1)).toEqual({
      ...all(org.reachable, 'approved-by-orgflow'),
      ...all([cli, sdk1, sdk2], 'approved-by-member'),
      ...all([decline1, decline2], 'declined'),
    });
    expect(statesOf(done.members, 2)).toEqual({
      ...all(org.reachable, 'approved-by-orgflow'),
      ...all(org.unreachable, 'approved-by-member'),
    });
    expect(done.members.filter((m) => org.created.includes(m.accountId))).toEqual([]);
    expect(ofType('All Features Enabled')).toHaveLength(1);
    const { Organization } = await organizationsAs(DEMO_MANAGEMENT_ACCOUNT).send(
      new DescribeOrganizationCommand({}),
    );
    expect(Organization?.FeatureSet).toBe('ALL');
    // woken by the members' answers: no look at an interval was needed
    expect(clock().now()).toBe(startedAt);
  });

  it('starts a new round when the round expires at 90 days, reminding the members meanwhile', async () => {
    // Prepare
    await startOn({ reachable: 2, unreachable: 2, created: 1 });
    const migration = await start('afm-expiry');
    const first = await migration.record();

    // Act: nobody answers; ten days at a time (each a look), past the 90 days of the round
    for (let day = 10; day <= 90; day += 10) await advance(10 * DAY);
    await advance(HOUR);
    const second = await migration.record();
    const reminders = ofType('Approval Reminder').map((e) => e.detail as Asked);
    for (const request of asked(2).values()) await answer(request, 'accept');
    await stack.settled();

    // Assess
    const expiry = Date.parse(first.migration.handshakeExpiresAt!) - Date.parse(first.rounds[0]!.openedAt);
    expect(expiry).toBe(90 * DAY);
    expect(second.migration.round).toBe(2);
    expect(second.rounds.map((r) => [r.round, r.end])).toEqual([
      [1, 'expired'],
      [2, undefined],
    ]);
    expect(statesOf(second.members, 1)).toEqual({
      ...all(org.reachable, 'approved-by-orgflow'),
      ...all(org.unreachable, 'expired'),
    });
    // a reminder per member still waited for at each look of round 1 before the expiry (8 looks)
    expect(reminders.filter((r) => r.round === 1)).toHaveLength(8 * org.unreachable.length);
    expect(new Set(reminders.map((r) => r.accountId))).toEqual(new Set(org.unreachable));
    expect(await migration.status()).toBe('SUCCEEDED');
    const done = await migration.record();
    expect(done.migration).toMatchObject({ state: 'enabled', round: 2 });
    expect(done.rounds.map((r) => [r.round, r.end])).toEqual([
      [1, 'expired'],
      [2, 'approved'],
    ]);
  });

  it('changes nothing when the members’ answers are delivered again, in their round or a later one', async () => {
    // Prepare: round 1 declined by one member, round 2 waiting for both unreachable members
    await startOn({ reachable: 2, unreachable: 2, created: 1 });
    const [member, decliner] = org.unreachable as [string, string];
    const migration = await start('afm-duplicates');
    await answer(asked(1).get(member)!, 'accept');
    await stack.settled();
    await answer(asked(1).get(decliner)!, 'decline');
    await stack.settled();
    await answer(asked(2).get(member)!, 'accept');
    await stack.settled();
    const calls = published().filter((e) => e.source === 'aws.organizations');
    const memberAnswers = calls.filter((e) =>
      [member, decliner].includes(
        (e.detail as { userIdentity: { accountId: string } }).userIdentity.accountId,
      ),
    );
    const before = await migration.record();
    const eventsBefore = published().length;

    // Act: every member's answer so far delivered again, twice (round 1's decline among them)
    for (let copy = 0; copy < 2; copy++) for (const event of memberAnswers) stack.buses.publish(event);
    await stack.settled();
    const after = await migration.record();
    const eventsAfter = published().length;
    // then the last member accepts, and the copies come again after the end
    await answer(asked(2).get(decliner)!, 'accept');
    await stack.settled();
    const done = await migration.record();
    for (const event of memberAnswers) stack.buses.publish(event);
    await stack.settled();

    // Assess
    expect(memberAnswers.map((e) => (e.detail as { eventName: string }).eventName)).toEqual([
      'AcceptHandshake',
      'DeclineHandshake',
      'AcceptHandshake',
    ]);
    expect(before.migration.round).toBe(2);
    expect(after).toEqual(before);
    // only the copies themselves: no Approval Needed, no cancellation, no new round
    expect(eventsAfter - eventsBefore).toBe(2 * memberAnswers.length);
    expect(await migration.status()).toBe('SUCCEEDED');
    expect(done.migration).toMatchObject({ state: 'enabled', round: 2 });
    expect(done.rounds.map((r) => [r.round, r.end])).toEqual([
      [1, 'declined'],
      [2, 'approved'],
    ]);
    expect(await migration.record()).toEqual(done);
    expect(ofType('All Features Enabled')).toHaveLength(1);
  });
});
