import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamoDocumentClient } from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { OrganizationDirectory } from '../_shared/organization-directory';
import { type ClosureConfig, ClosureConfigEnvSchema, loadClosureConfig } from './closure-config';

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
 * A step's ports, built once per environment: GOVERNOR_TABLE_NAME and the closure configuration's variables.
 * `directoryTtlMs` 0 reads the OU tree afresh each time (a guard must not trust a listing a move made stale).
 */
export function closurePortsFromEnv(
  organizations: OrganizationsClient,
  options: { directoryTtlMs?: number } = {},
): ClosurePorts {
  const env = parseEnv(ClosureConfigEnvSchema.extend({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
  return {
    organizations,
    directory: new OrganizationDirectory(
      organizations,
      options.directoryTtlMs === undefined ? {} : { ttlMs: options.directoryTtlMs },
    ),
    db: dynamoDocumentClient(),
    table: env.GOVERNOR_TABLE_NAME,
    config: loadClosureConfig(env),
    now: () => Date.now(),
  };
}
