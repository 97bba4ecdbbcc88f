import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { readMigration } from '../../functions/all-features/migration-store';
import type { ManualClock } from '../../local/clock';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { buildConsolidatedBillingOrganization } from '../all-features/consolidated-organization';
import { dataDirs } from './stack-process';

// Step Functions keeps at most 25,000 events in a Standard execution's history; past that the execution fails.
// The budget of a migration whose members never answer, with the default configuration (maxRounds 3, a look
// after an hour that doubles while nothing happens, up to a day): each round runs to its 90-day expiry,
// looking at 1, 2, 4, 8 and 16 hours, then daily — about 94 looks, each 8 events (TaskTimedOut,
// TaskStateExited, Look Later entered and exited, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted)
// — so about 760 events a round and 2,300 for the three, where a steady hourly look took 2,160 looks a round,
// some 26,000 events for three. Measured here on the local engine, which writes AWS's event types, by following
// the migration's own `nextLookAt`: every look it would make on AWS, none skipped.

const AWS_HISTORY_LIMIT = 25_000;
const DAY = 86_400_000;

describe('the execution history of a migration that runs every round to its expiry', {
  timeout: 600_000,
}, () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack | undefined;

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack?.close();
    stack = undefined;
    dirs.removeAll();
  });

  it('stays far within the 25,000 events of a Standard execution with 3 rounds of 90 days', async () => {
    // Prepare: two invited members orgflow cannot reach, who never answer
    const dataDir = dirs.fresh();
    buildConsolidatedBillingOrganization(dataDir, { reachable: 0, unreachable: 2, created: 0 });
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir,
      timeScale: 'manual',
      throttling: false,
      onFunctionLog: () => {},
      onInternalError: (error) => console.error('internal error:', error),
    });
    const clock = stack.clock as ManualClock;
    const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };
    const sfn = new SFNClient({ endpoint: stack.endpoints.stepfunctions, region: 'us-east-1', credentials });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials }),
    );
    clients.push(sfn, db);
    const store = { db, table: process.env.GOVERNOR_TABLE_NAME! };
    const startedAt = clock.now();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArns.AllFeaturesMigration,
        name: 'afm-history',
        input: JSON.stringify({ migrationId: 'afm-history' }),
      }),
    );
    await stack.settled();

    // Act: the clock moved to each look the migration says is next, until it ends
    const looks: number[] = [];
    const status = async () => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
    while ((await status()) === 'RUNNING') {
      if (clock.now() - startedAt > 400 * DAY) throw new Error('the migration still runs after 400 days');
      const next = (await readMigration(store, 'afm-history'))?.migration.nextLookAt;
      const wait = next ? Date.parse(next) - clock.now() : 0;
      if (wait > 0) looks.push(clock.now() + wait);
      clock.advance(Math.max(wait, 1_000));
      await stack.settled();
    }
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const record = (await readMigration(store, 'afm-history'))!;

    // Assess: the three rounds expired, and the history stayed within a tenth of AWS's limit
    console.log(
      `history of a 3-round migration run to its expiries: ${events.length} events, ${looks.length} looks in ${Math.round((clock.now() - startedAt) / DAY)} days (AWS's limit: ${AWS_HISTORY_LIMIT})`,
    );
    expect(await status()).toBe('FAILED');
    expect(record.migration).toMatchObject({ state: 'failed', error: 'MaxRoundsReachedError' });
    expect(record.rounds.map((r) => [r.round, r.end])).toEqual([
      [1, 'expired'],
      [2, 'expired'],
      [3, 'expired'],
    ]);
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(270 * DAY);
    // each expiry seen by the look 30 seconds after it, not by the next daily one
    for (const round of record.rounds) {
      const late = Date.parse(round.endedAt!) - Date.parse(round.handshakeExpiresAt);
      expect(late, `round ${round.round} seen ${late} ms after its expiry`).toBeGreaterThanOrEqual(0);
      expect(late, `round ${round.round} seen ${late} ms after its expiry`).toBeLessThanOrEqual(60_000);
    }
    // at most a day between two looks
    const gaps = looks.slice(1).map((at, i) => at - looks[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DAY);
    expect(looks.length).toBeLessThan(3 * 100);
    expect(events.length).toBeLessThan(AWS_HISTORY_LIMIT / 10);
  });
});
