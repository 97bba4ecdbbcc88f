import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AcceptHandshakeCommand,
  DescribeOrganizationCommand,
  ListHandshakesForAccountCommand,
  ListHandshakesForOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createTableInput, tables } from '../../catalog/tables';
import { readMigration } from '../../functions/all-features/migration-store';
import type { CloudTrailEvent } from '../../local/organizations/cloudtrail';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { LOCAL_PREFIX } from '../../local/stack';
import { buildConsolidatedBillingOrganization } from '../all-features/consolidated-organization';
import { dataDirs, killAll, type StackProcess, spawnStack } from './stack-process';

// A migration to all features across a SIGKILL of the stack, killed while orgflow approves as the members: the
// restarted stack resumes the execution, approves the rest, waits for the members it cannot reach and ends ALL
// in one round, each member approved once.

const args = ['--throttling', 'off'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const table = createTableInput(LOCAL_PREFIX, tables[0]!).TableName!;

/** orgflow's AcceptHandshake as a member, through the approval role. */
const approvedByOrgflow = (event: CloudTrailEvent) => {
  const detail = event.detail as {
    eventName?: string;
    userIdentity?: { type?: string };
    responseElements?: { handshake?: { action?: string } };
  };
  return (
    detail.eventName === 'AcceptHandshake' &&
    detail.userIdentity?.type === 'AssumedRole' &&
    detail.responseElements?.handshake?.action?.toUpperCase() === 'APPROVE_ALL_FEATURES'
  );
};

describe('a migration to all features across a SIGKILL of the stack (npm start as a child process)', {
  timeout: 90_000,
}, () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await killAll();
    dirs.removeAll();
  });

  const recordOf = (stack: StackProcess, migrationId: string) => {
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
      }),
    );
    clients.push(db);
    return async () => (await readMigration({ db, table }, migrationId))!;
  };
  /** Polls `read` every 100 ms until `done` says so (or 30 s pass); the last value read. */
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    let value = await read();
    for (const deadline = Date.now() + 30_000; !done(value) && Date.now() < deadline; ) {
      await sleep(100);
      value = await read();
    }
    return value;
  }

  it('finishes after the restart, approving every member once', async () => {
    // Prepare: 15 invited members orgflow approves for, 3 it cannot reach, 2 created
    const dataDir = dirs.fresh();
    const org = buildConsolidatedBillingOrganization(dataDir, { reachable: 15, unreachable: 3, created: 2 });
    const first = await spawnStack(dataDir, args);
    const { executionArn } = await first.sfn(DEMO_MANAGEMENT_ACCOUNT).send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:us-east-1:${DEMO_MANAGEMENT_ACCOUNT}:stateMachine:AllFeaturesMigration`,
        name: 'afm-restart',
        input: JSON.stringify({ migrationId: 'afm-restart' }),
      }),
    );

    // Act: killed once orgflow has approved 5 members (others in flight or waiting for their turn)
    let approvals = 0;
    await first.nextEvent((event) => approvedByOrgflow(event) && ++approvals >= 5, 30_000);
    const exit = await first.kill('SIGKILL');
    const second = await spawnStack(dataDir, args);
    // the restarted stack goes on approving
    const approvingAgain = second.nextEvent(approvedByOrgflow, 20_000);
    const record = recordOf(second, 'afm-restart');
    const waiting = await until(record, (r) =>
      org.unreachable.every(
        (id) => r?.members.find((m) => m.accountId === id)?.state === 'waiting-role-unreachable',
      ),
    );
    // the members orgflow cannot reach accept as themselves
    for (const id of org.unreachable) {
      const member = second.organizations(id);
      const { Handshakes } = await member.send(
        new ListHandshakesForAccountCommand({ Filter: { ActionType: 'APPROVE_ALL_FEATURES' } }),
      );
      const open = Handshakes!.find((h) => h.State === 'OPEN')!;
      await member.send(new AcceptHandshakeCommand({ HandshakeId: open.Id! }));
    }
    const sfn = second.sfn(DEMO_MANAGEMENT_ACCOUNT);
    const status = async () => (await sfn.send(new DescribeExecutionCommand({ executionArn })))?.status;
    const ended = await until(status, (s) => s !== 'RUNNING');
    const management = second.organizations(DEMO_MANAGEMENT_ACCOUNT);
    const { Organization } = await management.send(new DescribeOrganizationCommand({}));
    const { Handshakes: rounds } = await management.send(
      new ListHandshakesForOrganizationCommand({ Filter: { ActionType: 'ENABLE_ALL_FEATURES' } }),
    );
    const { Handshakes: requests } = await management.send(
      new ListHandshakesForOrganizationCommand({
        Filter: { ActionType: 'APPROVE_ALL_FEATURES' },
        MaxResults: 20,
      }),
    );
    const done = await record();

    // Assess
    expect(exit.signal).toBe('SIGKILL');
    await expect(approvingAgain).resolves.toBeDefined();
    expect(waiting.migration.round).toBe(1);
    expect(ended).toBe('SUCCEEDED');
    expect(Organization?.FeatureSet).toBe('ALL');
    // one round, never restarted: each member asked once and approved once
    expect(rounds?.map((h) => h.State)).toEqual(['ACCEPTED']);
    expect(requests).toHaveLength(18);
    expect(new Set(requests?.map((h) => h.State))).toEqual(new Set(['ACCEPTED']));
    expect(done.migration).toMatchObject({ state: 'enabled', round: 1 });
    expect(done.rounds.map((r) => [r.round, r.end])).toEqual([[1, 'approved']]);
    expect(Object.fromEntries(done.members.map((m) => [m.accountId, m.state]))).toEqual({
      ...Object.fromEntries(org.reachable.map((id) => [id, 'approved-by-orgflow'])),
      ...Object.fromEntries(org.unreachable.map((id) => [id, 'approved-by-member'])),
    });
  });
});
