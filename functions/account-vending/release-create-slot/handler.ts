import type { Context } from 'aws-lambda';
import { dynamoDocumentClient, taskTokenClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { releaseSlot } from '../../governor/governor';
import { CreateAccountPoolEnvSchema, createAccountPool } from '../../governor/pools';
import { RequestStepInputSchema } from '../step-inputs';

const pool = createAccountPool(parseEnv(CreateAccountPoolEnvSchema));
const ports = { db: dynamoDocumentClient(), sfn: taskTokenClient() };

/**
 * Release Create Slot: `{ requestId }` → `{ released }`, and the freed slot handed to the next in line.
 * Releasing twice, or without a slot, is fine.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { requestId } = parseOrThrow(RequestStepInputSchema, event);
  const { released, handedOver, dropped, unsure } = await releaseSlot(ports, pool, requestId, Date.now());
  logger.info('create slot released', { requestId, released, handedOver, dropped });
  for (const failure of unsure) logger.warn('create slot sent without an answer', { ...failure });
  return { released };
};
