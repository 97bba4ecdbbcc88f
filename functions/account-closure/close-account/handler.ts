import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, organizationsClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { parseOrThrow } from '../../_shared/schemas';
import { ClosureConfigEnvSchema, loadClosureConfig } from '../closure-config';
import { closeAccountOnce } from './close-account';

const env = parseEnv(ClosureConfigEnvSchema.extend({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
const config = loadClosureConfig(env);
const organizations = organizationsClient();
const ports = {
  organizations,
  directory: new OrganizationDirectory(organizations),
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  now: () => Date.now(),
};

const InputSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/, 'an account id is 12 digits'),
  quotaLimit: z.number().int().min(10).max(1000),
});

/** Close Account: `{ accountId, quotaLimit }` → `{ accountId, closed }`, or a named refusal. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(InputSchema, event);
  const result = await closeAccountOnce(ports, {
    ...input,
    protectedOus: config.protectedOrganizationalUnits,
  });
  logger.info('account closure requested', result);
  return result;
};
