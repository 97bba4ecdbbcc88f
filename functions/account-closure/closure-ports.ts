import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamoDocumentClient } from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { OrganizationDirectory } from '../_shared/organization-directory';
import { type ClosureConfig, ClosureConfigEnvSchema, closureConfigReader } from './closure-config';

/** What the steps of batch closure share: Organizations, the governor table, the closure configuration, the time. */
export interface ClosurePorts {
  organizations: OrganizationsClient;
  directory: OrganizationDirectory;
  db: DynamoDBDocumentClient;
  table: string;
  config: ClosureConfig;
  now: () => number;
}

/**
 * A step's ports: the clients built once per environment (GOVERNOR_TABLE_NAME and the closure configuration's
 * variables), the configuration as it is at each call of the result (once per invocation: a changed parameter
 * applies without a deploy). `directoryTtlMs` 0 reads the OU tree afresh each time (a guard must not trust a
 * listing a move made stale).
 */
export function closurePortsFromEnv(
  organizations: OrganizationsClient,
  options: { directoryTtlMs?: number } = {},
): () => Promise<ClosurePorts> {
  const env = parseEnv(ClosureConfigEnvSchema.extend({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
  const config = closureConfigReader(env);
  const ports = {
    organizations,
    directory: new OrganizationDirectory(
      organizations,
      options.directoryTtlMs === undefined ? {} : { ttlMs: options.directoryTtlMs },
    ),
    db: dynamoDocumentClient(),
    table: env.GOVERNOR_TABLE_NAME,
    now: () => Date.now(),
  };
  return async () => ({ ...ports, config: await config() });
}
