import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensurePrivateDirectory } from '../data-dir';
import { DEFAULT_ACCOUNT_ID } from '../identity';
import { guardRequestBodies } from './body-guard';

/** A table as orgflow defines it once for CDK and for the local stack. */
export interface TableDefinition {
  table: CreateTableCommandInput;
  /** attribute DynamoDB deletes expired items by, if any */
  timeToLiveAttribute?: string;
}

export interface RunningDynamoDb {
  url: string;
  close(): Promise<void>;
}

/**
 * DynamoDB on loopback (dynalite): on disk under `dataDir` for `npm start`, in memory for tests, with the
 * tables created from the same definitions CDK deploys. Existing tables are kept.
 */
export async function startDynamoDb(options: {
  dataDir?: string;
  port?: number;
  host?: string;
  tables: readonly TableDefinition[];
}): Promise<RunningDynamoDb> {
  // LevelDB creates its files with the process's umask: the directory being 0700 is what keeps them private
  if (options.dataDir) ensurePrivateDirectory(options.dataDir);
  const server = dynalite({
    ...(options.dataDir ? { path: options.dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  guardRequestBodies(server);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${options.port} on ${host} is already in use: stop what listens there or choose another port`,
            )
          : error,
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: DEFAULT_ACCOUNT_ID, secretAccessKey: 'local' },
  });
  try {
    for (const definition of options.tables) await ensureTable(client, definition);
  } finally {
    client.destroy();
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

async function ensureTable(client: DynamoDBClient, definition: TableDefinition): Promise<void> {
  try {
    await client.send(new CreateTableCommand(definition.table));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    // kept from an earlier start: the data directory holds it already
    const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.table.TableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = (definition.table.GlobalSecondaryIndexes ?? []).some((i) => !present.has(i.IndexName));
    if (!missing) return;
    await rebuildWithIndexes(client, definition.table);
  }
  if (definition.timeToLiveAttribute)
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: definition.table.TableName,
          TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
        }),
      )
      // dynalite does not implement TTL; items simply stay, which the governor's lease expiry tolerates
      .catch(() => undefined);
}

/**
 * A table kept from an earlier version lacks an index its definition now has: dynalite cannot add one to a table
 * (DynamoDB can, and CDK does), so the table is made again and its items copied over.
 */
async function rebuildWithIndexes(client: DynamoDBClient, table: CreateTableCommandInput): Promise<void> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table.TableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await client.send(new DeleteTableCommand({ TableName: table.TableName }));
  await deleted(client, table.TableName!);
  await client.send(new CreateTableCommand(table));
  for (let i = 0; i < items.length; i += 25) {
    let unprocessed = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    // dynalite writes every item at once; the loop only guards against a partial answer
    while (unprocessed.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [table.TableName as string]: unprocessed } }),
      );
      unprocessed = (UnprocessedItems?.[table.TableName as string] ?? []) as typeof unprocessed;
    }
  }
}

/**
 * Until dynalite has finished deleting the table: it answers DeleteTable at once and deletes on a later turn of
 * the event loop (later still on a busy machine), and a CreateTable of the same name before that is refused.
 */
async function deleted(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`local DynamoDB did not finish deleting ${tableName}`);
}
