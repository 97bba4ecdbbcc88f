import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountRecord, readBatch } from '../../functions/account-closure/batch-store';
import type { ManualClock } from '../../local/clock';
import {
  buildLargeOrganization,
  closureBatchInput,
  type LargeOrganization,
  mostClosuresInFlight,
} from '../../local/organizations/large-organization';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// Issue #12's scenario: an organization of 1,000 members (a closure quota of 250 in 30 days) asked to close
// 300 accounts, with the management account and a protected one among them. AWS's defaults throughout: 3
// closures in flight, CloseAccount paced at 0.05 call per second, a minute per closure. What is checked comes
// from the emulator's own record of the closures, not from the workflow's.

const DAY = 24 * 60 * 60 * 1000;
const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };

describe('a closure batch at the 30-day quota (1,000 members, 300 asked for)', { timeout: 600_000 }, () => {
  const dirs = dataDirs();
  let stack: LocalStack;
  let org: LargeOrganization;
  let sfn: SFNClient;
  let organizations: OrganizationsClient;
  let db: DynamoDBDocumentClient;
  let table: string;
  let executionArn: string;
  const BATCH = 'cb-quota-e2e';

  beforeAll(async () => {
    const dataDir = dirs.fresh();
    org = buildLargeOrganization(dataDir, 1000, 300);
    stack = await startLocalStack({
      dataDir,
      functionEnvironments: 'shared',
      timeScale: 'manual',
      throttling: false,
      limits: { accountQuota: 1100 },
      // AWS's quota for the organization's size (the demo configuration caps its own closures lower)
      closureConfig: JSON.stringify({ callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`] }),
      onInternalError: (error) => console.error('INTERNAL', error),
    });
    const clientOptions = { region: 'us-east-1', credentials };
    sfn = new SFNClient({ ...clientOptions, endpoint: stack.endpoints.stepfunctions });
    organizations = new OrganizationsClient({ ...clientOptions, endpoint: stack.endpoints.organizations });
    db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...clientOptions, endpoint: stack.endpoints.dynamodb }),
    );
    table = process.env.GOVERNOR_TABLE_NAME!;
    const input = closureBatchInput(
      { accountIds: [org.managementAccount, org.protectedAccount], organizationalUnit: 'Sweep' },
      'acquisition wound down',
    );
    ({ executionArn } = (await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArns.ClosureBatch,
        name: BATCH,
        input: JSON.stringify(input),
      }),
    )) as { executionArn: string });
  });

  afterAll(async () => {
    for (const client of [sfn, organizations, db]) client?.destroy();
    await stack?.close();
    dirs.removeAll();
  });

  const clock = () => stack.clock as ManualClock;
  const accounts = async (): Promise<AccountRecord[]> =>
    (await readBatch({ db, table }, BATCH))?.accounts ?? [];
  const count = (records: AccountRecord[], state: string) => records.filter((a) => a.state === state).length;

  /** Advances the clock `stepMs` at a time, letting the stack work between steps, until `done` or `maxSteps`. */
  async function advanceUntil(done: () => Promise<boolean>, stepMs: number, maxSteps: number) {
    for (let step = 0; step < maxSteps; step++) {
      if (step % 10 === 0 && (await done())) return;
      clock().advance(stepMs);
      await stack.settled();
    }
    if (!(await done())) {
      const records = await accounts();
      const states = Object.fromEntries(
        ['planned', 'waiting-for-slot', 'closing', 'closed', 'deferred', 'skipped', 'failed'].map((s) => [
          s,
          count(records, s),
        ]),
      );
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      throw new Error(
        `not done after ${maxSteps} steps of ${stepMs} ms: ${JSON.stringify(states)} ${execution.status} ${execution.error ?? ''} ${execution.cause ?? ''} ${JSON.stringify(records.filter((r) => r.state === 'failed').slice(0, 2))}`,
      );
    }
  }

  const closures = () => [...stack.emulator.store.closures.values()];

  const maxInFlight = () => mostClosuresInFlight(stack.emulator);

  const closeAccountCalls = () =>
    stack.emulator.events
      .since(0)
      .map(
        (entry) =>
          entry.event.detail as {
            eventName: string;
            errorCode?: string;
            requestParameters?: { accountId?: string };
          },
      )
      .filter((detail) => detail.eventName === 'CloseAccount');

  it('closes 250 now, defers 50 with a date, skips the management and the protected account', async () => {
    // Act: a closure a minute, three at a time and paced 20 s apart: about 84 minutes of virtual time
    await advanceUntil(async () => count(await accounts(), 'closed') >= 250, 10_000, 2000);

    // Assess
    const records = await accounts();
    expect(count(records, 'closed')).toBe(250);
    expect(count(records, 'deferred')).toBe(50);
    const skipped = records.filter((a) => a.state === 'skipped');
    expect(skipped.map((a) => [a.accountId, a.reason]).sort()).toEqual(
      [
        [org.managementAccount, 'management-account'],
        [org.protectedAccount, 'protected-account'],
      ].sort(),
    );
    // each deferred account waits for one of the 250 closures to leave the window (forecast 20 s apart, the
    // pace of CloseAccount); the first no earlier than the first closure
    const firstClosure = Math.min(...closures().map((c) => c.requestedAt));
    const dates = records
      .filter((a) => a.state === 'deferred')
      .map((a) => Date.parse(a.until!))
      .sort((a, b) => a - b);
    expect(dates[0]).toBeGreaterThanOrEqual(firstClosure - 60_000 + 30 * DAY);
    for (const [i, date] of dates.slice(1).entries()) expect(date - dates[i]!).toBeGreaterThanOrEqual(20_000);
    // from the emulator's record: never more than 3 in flight, no closure refused, each account closed once
    expect(maxInFlight()).toBeLessThanOrEqual(3);
    const calls = closeAccountCalls();
    expect(calls.filter((c) => c.errorCode !== undefined)).toEqual([]);
    expect(new Set(calls.map((c) => c.requestParameters?.accountId)).size).toBe(calls.length);
    expect(calls).toHaveLength(250);
    const { Account } = await organizations.send(
      new DescribeAccountCommand({ AccountId: org.protectedAccount }),
    );
    expect(Account?.State).toBe('ACTIVE');
  });

  it('closes the 50 deferred ones by itself once the clock passes their dates', async () => {
    // Act: 30 days on, the first closures leave the window one by one
    clock().advance(30 * DAY);
    await advanceUntil(
      async () => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status !== 'RUNNING',
      10_000,
      1000,
    );

    // Assess
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      batchId: BATCH,
      closed: 300,
      skipped: 2,
      failed: 0,
      departed: 0,
    });
    expect(count(await accounts(), 'closed')).toBe(300);
    const calls = closeAccountCalls();
    expect(calls.filter((c) => c.errorCode !== undefined)).toEqual([]);
    expect(calls).toHaveLength(300);
    expect(maxInFlight()).toBeLessThanOrEqual(3);
    // the window was never over the quota: at no closure were 250 others requested in the 30 days before it
    const times = closures()
      .map((c) => c.requestedAt)
      .sort((a, b) => a - b);
    for (const [i, at] of times.entries())
      expect(times.filter((t) => t > at - 30 * DAY && t <= at).length, `closure ${i}`).toBeLessThanOrEqual(
        250,
      );
  });
});
