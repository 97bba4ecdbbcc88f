import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
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
    await client.send(new DescribeTableCommand({ TableName: definition.table.TableName }));
    return;
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
