import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, eventBridgeClient, organizationsClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { parseOrThrow } from '../../_shared/schemas';
import { ClosureConfigEnvSchema, loadClosureConfig } from '../closure-config';
import { FinishClosureInputSchema } from '../closure-step-inputs';
import { finishClosure } from './finish-closure';

const env = parseEnv(
  ClosureConfigEnvSchema.extend({
    GOVERNOR_TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1).default('default'),
  }),
);
const organizations = organizationsClient();
const ports = {
  organizations,
  directory: new OrganizationDirectory(organizations),
  events: eventBridgeClient(),
  eventBusName: env.EVENT_BUS_NAME,
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  config: loadClosureConfig(env),
  now: () => Date.now(),
};

/** Finish Closure: `{ batchId, accountId, reason, outcome, failure }` → the outcome recorded (and announced). */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const result = await finishClosure(ports, parseOrThrow(FinishClosureInputSchema, event));
  logger.info('account closure finished', { ...result });
  return result;
};
