import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloseAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatch } from '../../functions/account-closure/batch-store';
import type { ManualClock } from '../../local/clock';
import { legacyQuotas } from '../../local/organizations/config';
import {
  buildLargeOrganization,
  closureBatchInput,
  type LargeOrganization,
} from '../../local/organizations/large-organization';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// The older quota profile (10 % of the members, at least 10) and closures made outside orgflow: an organization
// of 100 members may close 10 accounts in 30 days; 3 were closed by hand (the console, another tool) before a
// batch of 10 is asked for. orgflow learns them from their CloudTrail events and closes 7, deferring 3.

const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };

describe('a closure batch after closures made outside orgflow (legacy quota profile)', {
  timeout: 120_000,
}, () => {
  const dirs = dataDirs();
  let stack: LocalStack;
  let org: LargeOrganization;
  const clients: { destroy(): void }[] = [];

  beforeAll(async () => {
    const dataDir = dirs.fresh();
    org = buildLargeOrganization(dataDir, 100, 13);
    stack = await startLocalStack({
      dataDir,
      functionEnvironments: 'shared',
      timeScale: 'manual',
      throttling: false,
      limits: { ...legacyQuotas, accountQuota: 200 },
      closureConfig: JSON.stringify({
        callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`],
        quotaProfile: 'legacy',
      }),
      onInternalError: (error) => console.error('INTERNAL', error),
    });
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await stack?.close();
    dirs.removeAll();
  });

  it('counts them, closes what the quota leaves and defers the rest, with no quota error', async () => {
    // Prepare: three closures by hand, each reported to the ledger by its CloudTrail event
    const options = { region: 'us-east-1', credentials };
    const organizations = new OrganizationsClient({ ...options, endpoint: stack.endpoints.organizations });
    const sfn = new SFNClient({ ...options, endpoint: stack.endpoints.stepfunctions });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...options, endpoint: stack.endpoints.dynamodb }),
    );
    clients.push(organizations, sfn, db);
    const [byHand, asked] = [org.sweep.slice(0, 3), org.sweep.slice(3)];
    for (const accountId of byHand)
      await organizations.send(new CloseAccountCommand({ AccountId: accountId }));
    // they finish (SUSPENDED) before the batch starts: not in flight any more, still in the 30-day window
    (stack.clock as ManualClock).advance(61_000);
    await stack.settled();

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArns.ClosureBatch,
        name: 'cb-outside',
        input: JSON.stringify(closureBatchInput({ accountIds: asked }, 'after closures by hand')),
      }),
    );
    const table = process.env.GOVERNOR_TABLE_NAME!;
    const states = async () =>
      (await readBatch({ db, table }, 'cb-outside'))?.accounts.map((a) => a.state) ?? [];
    for (let step = 0; step < 300; step++) {
      const now = await states();
      if (now.filter((s) => s === 'closed').length === 7) break;
      (stack.clock as ManualClock).advance(10_000);
      await stack.settled();
    }

    // Assess
    const now = await states();
    expect(now.filter((s) => s === 'closed')).toHaveLength(7);
    expect(now.filter((s) => s === 'deferred')).toHaveLength(3);
    const refused = stack.emulator.events
      .since(0)
      .map((entry) => entry.event.detail as { eventName: string; errorCode?: string })
      .filter((detail) => detail.eventName === 'CloseAccount' && detail.errorCode !== undefined);
    expect(refused).toEqual([]);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe('RUNNING');
  });
});
