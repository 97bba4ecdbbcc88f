import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, organizationsClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { parseOrThrow } from '../../_shared/schemas';
import { ClosureConfigEnvSchema, loadClosureConfig } from '../closure-config';
import { ClosureStepInputSchema } from '../closure-step-inputs';
import { closeAccountOnce } from './close-account';

const env = parseEnv(ClosureConfigEnvSchema.extend({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
const organizations = organizationsClient();
const ports = {
  organizations,
  directory: new OrganizationDirectory(organizations),
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  config: loadClosureConfig(env),
  now: () => Date.now(),
};

/** Close Account: `{ batchId, accountId }` → requested, pending, closed or deferred; or a named refusal. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { batchId, accountId } = parseOrThrow(ClosureStepInputSchema, event);
  const result = await closeAccountOnce(ports, { batchId, accountId });
  logger.info('account closure step', { batchId, ...result });
  return result;
};
