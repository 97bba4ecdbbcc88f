import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../_shared/clients';
import { CreateAccountPoolEnvSchema, createAccountPool } from '../_shared/create-account-pool';
import { parseEnv } from '../_shared/env';
import { releaseSlot } from '../_shared/governor';
import { logger } from '../_shared/logger';
import { parseOrThrow } from '../_shared/schemas';
import { RequestStepInputSchema } from '../_shared/step-inputs';

const pool = createAccountPool(parseEnv(CreateAccountPoolEnvSchema));
// one attempt: a retried SendTaskSuccess whose first attempt got through answers TaskTimedOut
const ports = { db: dynamoDocumentClient(), sfn: new SFNClient({ maxAttempts: 1 }) };

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
