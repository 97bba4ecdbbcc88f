import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AcceptHandshakeCommand,
  CreateOrganizationCommand,
  DeclineHandshakeCommand,
  DescribeOrganizationCommand,
  InviteAccountToOrganizationCommand,
  ListHandshakesForAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMigration } from '../../functions/all-features/migration-store';
import type { ManualClock } from '../../local/clock';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// A consolidated-billing organization built with the emulator (invited members joined as themselves) taken to ALL
// by the AllFeaturesMigration state machine on the local stack: members with the approval role are approved by
// orgflow, the others accept (or decline) as themselves through the SDK, as a person would.

const MANAGEMENT = '111111111111';
const ROLE = 'OrganizationAccountAccessRole';
const REACHABLE = ['200000000001', '200000000002', '200000000003', '200000000004'];
const UNREACHABLE = ['300000000001', '300000000002'];
const HOUR = 3_600_000;

describe('the migration to all features on the local stack', { timeout: 120_000 }, () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack;

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

  beforeEach(async () => {
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      seed: false,
    });
    stack.emulator.addStandaloneAccount({
      id: MANAGEMENT,
      email: 'management@example.com',
      name: 'Management',
    });
    for (const id of REACHABLE)
      stack.emulator.addStandaloneAccount({
        id,
        email: `${id}@example.com`,
        name: `Reachable ${id}`,
        accessRoleName: ROLE,
      });
    for (const id of UNREACHABLE)
      stack.emulator.addStandaloneAccount({ id, email: `${id}@example.com`, name: `Unreachable ${id}` });
    const management = organizationsAs(MANAGEMENT);
    await management.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
    for (const id of [...REACHABLE, ...UNREACHABLE]) {
      const { Handshake } = await management.send(
        new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: id } }),
      );
      await organizationsAs(id).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    }
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack.close();
    dirs.removeAll();
  });

  const start = async (migrationId: string) => {
    const sfn = new SFNClient({
      endpoint: stack.endpoints.stepfunctions,
      region: 'us-east-1',
      credentials: { accessKeyId: MANAGEMENT, secretAccessKey: 'local' },
    });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: MANAGEMENT, secretAccessKey: 'local' },
      }),
    );
    clients.push(sfn, db);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArns.AllFeaturesMigration,
        name: migrationId,
        input: JSON.stringify({ migrationId, requestedBy: `arn:aws:iam::${MANAGEMENT}:role/CloudOps` }),
      }),
    );
    await stack.settled();
    return {
      record: async () =>
        (await readMigration({ db, table: process.env.GOVERNOR_TABLE_NAME! }, migrationId))!,
      status: async () => (await sfn.send(new DescribeExecutionCommand({ executionArn })))?.status,
    };
  };

  /** The member answers its open request as itself, through the SDK. */
  const answerAsMember = async (accountId: string, answer: 'accept' | 'decline') => {
    const member = organizationsAs(accountId);
    const { Handshakes } = await member.send(
      new ListHandshakesForAccountCommand({ Filter: { ActionType: 'APPROVE_ALL_FEATURES' } }),
    );
    const open = Handshakes?.find((h) => h.State === 'OPEN');
    await member.send(
      answer === 'accept'
        ? new AcceptHandshakeCommand({ HandshakeId: open!.Id! })
        : new DeclineHandshakeCommand({ HandshakeId: open!.Id! }),
    );
  };

  const statesOf = (members: { accountId: string; state: string; round: number }[], round: number) =>
    Object.fromEntries(members.filter((m) => m.round === round).map((m) => [m.accountId, m.state]));

  it('approves the reachable members, waits for the others to accept as themselves, and ends ALL', async () => {
    // Act: the migration runs until only the unreachable members are missing
    const migration = await start('afm-e2e');
    const waiting = await migration.record();
    for (const id of UNREACHABLE) await answerAsMember(id, 'accept');
    // their own calls reach their own buses, not the management account's: the hourly look finds them
    await advance(HOUR);

    // Assess
    expect(waiting.migration).toMatchObject({ state: 'running', round: 1 });
    expect(statesOf(waiting.members, 1)).toEqual({
      ...Object.fromEntries(REACHABLE.map((id) => [id, 'approved-by-orgflow'])),
      ...Object.fromEntries(UNREACHABLE.map((id) => [id, 'waiting-role-unreachable'])),
    });
    for (const id of UNREACHABLE)
      expect(waiting.members.find((m) => m.accountId === id)).toMatchObject({
        notifiedAt: expect.any(String),
        detail: expect.stringContaining(`arn:aws:iam::${id}:role/${ROLE}`),
      });
    expect(await migration.status()).toBe('SUCCEEDED');
    const done = await migration.record();
    expect(done.migration).toMatchObject({ state: 'enabled', round: 1 });
    expect(done.rounds).toEqual([expect.objectContaining({ round: 1, end: 'approved', adopted: false })]);
    expect(statesOf(done.members, 1)).toEqual({
      ...Object.fromEntries(REACHABLE.map((id) => [id, 'approved-by-orgflow'])),
      ...Object.fromEntries(UNREACHABLE.map((id) => [id, 'approved-by-member'])),
    });
    const { Organization } = await organizationsAs(MANAGEMENT).send(new DescribeOrganizationCommand({}));
    expect(Organization?.FeatureSet).toBe('ALL');
  });

  it('starts a second round after a member declines, and ends ALL with both rounds recorded', async () => {
    // Act: one unreachable member declines in the first round, then both accept in the second
    const migration = await start('afm-decline');
    await answerAsMember(UNREACHABLE[0]!, 'decline');
    await advance(HOUR);
    const second = await migration.record();
    for (const id of UNREACHABLE) await answerAsMember(id, 'accept');
    await advance(HOUR);

    // Assess
    expect(second.migration).toMatchObject({ state: 'running', round: 2 });
    expect(statesOf(second.members, 1)).toMatchObject({
      [UNREACHABLE[0]!]: 'declined',
      [UNREACHABLE[1]!]: 'canceled',
    });
    expect(await migration.status()).toBe('SUCCEEDED');
    const done = await migration.record();
    expect(done.migration).toMatchObject({ state: 'enabled', round: 2 });
    expect(done.rounds.map((r) => [r.round, r.end])).toEqual([
      [1, 'declined'],
      [2, 'approved'],
    ]);
    expect(statesOf(done.members, 2)).toEqual({
      ...Object.fromEntries(REACHABLE.map((id) => [id, 'approved-by-orgflow'])),
      ...Object.fromEntries(UNREACHABLE.map((id) => [id, 'approved-by-member'])),
    });
    const { Organization } = await organizationsAs(MANAGEMENT).send(new DescribeOrganizationCommand({}));
    expect(Organization?.FeatureSet).toBe('ALL');
  });
});
