import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningDynamoDb, startDynamoDb, type TableDefinition } from '../../local/dynamodb/server';

const table: TableDefinition = {
  table: {
    TableName: 'orgflow-test-leases',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  },
  timeToLiveAttribute: 'expiresAt',
};

const clientFor = (url: string) =>
  new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

describe('local DynamoDB', () => {
  const running: RunningDynamoDb[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const db of running.splice(0)) await db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the defined tables, in memory', async () => {
    const db = await startDynamoDb({ tables: [table] });
    running.push(db);

    const { TableNames } = await clientFor(db.url).send(new ListTablesCommand({}));

    expect(TableNames).toEqual(['orgflow-test-leases']);
  });

  it('keeps tables and items in its data directory across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-dynamo-'));
    dirs.push(dir);
    const first = await startDynamoDb({ dataDir: dir, tables: [table] });
    await clientFor(first.url).send(
      new PutItemCommand({ TableName: 'orgflow-test-leases', Item: { pk: { S: 'slot#1' } } }),
    );
    await first.close();

    const second = await startDynamoDb({ dataDir: dir, tables: [table] });
    running.push(second);
    const { Item } = await clientFor(second.url).send(
      new GetItemCommand({ TableName: 'orgflow-test-leases', Key: { pk: { S: 'slot#1' } } }),
    );

    expect(Item).toEqual({ pk: { S: 'slot#1' } });
  });

  it('adds an index a kept table lacks, keeping its items (dynalite cannot add one in place)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-dynamo-'));
    dirs.push(dir);
    const first = await startDynamoDb({ dataDir: dir, tables: [table] });
    const items = Array.from({ length: 30 }, (_, i) => ({
      pk: { S: `request#${i}` },
      ...(i % 3 === 0 ? { owner: { S: 'portal' } } : {}),
    }));
    for (const Item of items)
      await clientFor(first.url).send(new PutItemCommand({ TableName: 'orgflow-test-leases', Item }));
    await first.close();
    const indexed: TableDefinition = {
      ...table,
      table: {
        ...table.table,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'owner', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'by-owner',
            KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    };

    const second = await startDynamoDb({ dataDir: dir, tables: [indexed] });
    running.push(second);
    const { Items } = await clientFor(second.url).send(
      new QueryCommand({
        TableName: 'orgflow-test-leases',
        IndexName: 'by-owner',
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: 'portal' } },
      }),
    );
    const { Item } = await clientFor(second.url).send(
      new GetItemCommand({ TableName: 'orgflow-test-leases', Key: { pk: { S: 'request#29' } } }),
    );

    expect(Items?.map((item) => item.pk?.S).sort()).toEqual(
      items
        .filter((item) => item.owner)
        .map((item) => item.pk.S)
        .sort(),
    );
    expect(Item).toEqual({ pk: { S: 'request#29' } });
  });
});
