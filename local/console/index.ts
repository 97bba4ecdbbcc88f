import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadClosureConfig } from '../../functions/account-closure/closure-config';
import { loadReactionsConfig } from '../../functions/reactions/reactions-config';
import type { RunningServer } from '../http-server';
import { startConsoleServer } from './server';

export { aslGraph } from './asl-graph';
export { mermaid } from './mermaid';

export interface LocalConsoleOptions {
  endpoints: { organizations: string; stepfunctions: string; dynamodb: string };
  credentials: { accessKeyId: string; secretAccessKey: string };
  table: string;
  now: () => number;
  /** the configurations the functions are given (JSON): protected OUs, guardrails */
  closureConfig: string;
  reactionsConfig: string;
  port?: number;
  host?: string;
  onInternalError?: (error: unknown) => void;
}

/** The console of the local stack: the same server as against AWS, its clients on the stack's endpoints. */
export async function startLocalConsole(options: LocalConsoleOptions): Promise<RunningServer> {
  const config = (endpoint: string) => ({
    endpoint,
    region: 'us-east-1',
    credentials: options.credentials,
    maxAttempts: 5,
  });
  const organizations = new OrganizationsClient(config(options.endpoints.organizations));
  const sfn = new SFNClient(config(options.endpoints.stepfunctions));
  const dynamodb = new DynamoDBClient(config(options.endpoints.dynamodb));
  const server = await startConsoleServer({
    organizations,
    sfn,
    db: DynamoDBDocumentClient.from(dynamodb),
    table: options.table,
    now: options.now,
    closureConfig: loadClosureConfig({ CLOSURE_CONFIG: options.closureConfig }),
    reactionsConfig: loadReactionsConfig({ REACTIONS_CONFIG: options.reactionsConfig }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
  }).catch((error) => {
    for (const client of [organizations, sfn, dynamodb]) client.destroy();
    throw error;
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      for (const client of [organizations, sfn, dynamodb]) client.destroy();
    },
  };
}
