import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../_shared/clients';
import { CreateAccountPoolEnvSchema, createAccountPool } from '../_shared/create-account-pool';
import { parseEnv } from '../_shared/env';
import { releaseSlot } from '../_shared/governor';
import { logger } from '../_shared/logger';
import { parseOrThrow } from '../_shared/schemas';
import { RequestStepInputSchema } from '../_shared/step-inputs';

const pool = createAccountPool(parseEnv(CreateAccountPoolEnvSchema));
const db = dynamoDocumentClient();

/** Release Create Slot: `{ requestId }` → `{ released }`; releasing twice, or without a slot, is fine. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { requestId } = parseOrThrow(RequestStepInputSchema, event);
  const result = await releaseSlot(db, pool, requestId, Date.now());
  logger.info('create slot released', { requestId, ...result });
  return result;
};
