import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTableInput, governorTable } from '../../catalog/tables';
import {
  closuresInWindow,
  correct,
  type LedgerPorts,
  recordClosure,
} from '../../functions/account-closure/ledger';
import { nextClosureTimes } from '../../functions/governor/closure-window';
import { type RunningDynamoDb, startDynamoDb } from '../../local/dynamodb/server';

// The closure ledger on a real DynamoDB implementation (dynalite, in memory).

const NOW = Date.UTC(2026, 11, 6);
const DAY = 24 * 60 * 60 * 1000;
let dynamo: RunningDynamoDb;
let ports: LedgerPorts;

// a DynamoDB of its own for each test: the ledger is one partition of the governor table
beforeEach(async () => {
  const table = createTableInput('orgflow', governorTable);
  dynamo = await startDynamoDb({
    tables: [{ table, timeToLiveAttribute: governorTable.timeToLiveAttribute }],
  });
  const client = new DynamoDBClient({
    endpoint: dynamo.url,
    region: 'us-east-1',
    credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
  });
  ports = { db: DynamoDBDocumentClient.from(client), table: table.TableName as string };
});
afterEach(async () => {
  ports.db.destroy();
  await dynamo.close();
});

describe('the closure ledger', () => {
  it("records each account's closure once, whoever closed it and however often it is reported", async () => {
    // Act
    const first = await recordClosure(ports, {
      accountId: '222222222222',
      requestedAt: NOW - DAY,
      source: 'outside',
    });
    const again = await recordClosure(ports, {
      accountId: '222222222222',
      requestedAt: NOW,
      source: 'orgflow',
    });
    await recordClosure(ports, { accountId: '333333333333', requestedAt: NOW - 2 * DAY, source: 'orgflow' });

    // Assess
    expect([first, again]).toEqual([true, false]);
    expect(await closuresInWindow(ports, NOW)).toEqual([NOW - 2 * DAY, NOW - DAY]);
  });

  it('counts only the closures still in the 30-day window', async () => {
    // Prepare
    await recordClosure(ports, { accountId: '222222222222', requestedAt: NOW - 31 * DAY, source: 'orgflow' });
    await recordClosure(ports, { accountId: '333333333333', requestedAt: NOW - 29 * DAY, source: 'orgflow' });

    // Act + Assess
    expect(await closuresInWindow(ports, NOW)).toEqual([NOW - 29 * DAY]);
  });

  it('fills the window when AWS refuses a closure as over quota, so the forecast defers from then on', async () => {
    // Prepare
    await recordClosure(ports, { accountId: '222222222222', requestedAt: NOW - DAY, source: 'orgflow' });

    // Act
    const added = await correct(ports, 3, NOW);
    const ledger = await closuresInWindow(ports, NOW);

    // Assess
    expect(added).toBe(2);
    expect(ledger).toHaveLength(3);
    expect(nextClosureTimes(ledger, 3, NOW, 1)).toEqual([NOW - DAY + 30 * DAY]);
  });
});
