import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, organizationsReadClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { ClosureConfigEnvSchema, loadClosureConfig } from '../closure-config';
import { ClosureBatchInputSchema, planClosureBatch } from './plan-closure-batch';

const env = parseEnv(ClosureConfigEnvSchema.extend({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
const ports = {
  organizations: organizationsReadClient(),
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  config: loadClosureConfig(env),
  now: () => Date.now(),
};

/** Plan Closure Batch: the batch's input → its plan, recorded, and the accounts the Map closes. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const planned = await planClosureBatch(ports, parseOrThrow(ClosureBatchInputSchema, event));
  logger.info('closure batch planned', {
    batchId: planned.batchId,
    ...planned.counts,
    dryRun: planned.dryRun,
  });
  return planned;
};
