import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, taskTokenClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { acquireSlot } from '../../governor/governor';
import { CreateAccountPoolEnvSchema, createAccountPool } from '../../governor/pools';
import { RequestStepInputSchema } from '../step-inputs';

const AcquireCreateSlotInputSchema = RequestStepInputSchema.extend({
  taskToken: z.string().min(1).max(2048),
});

const pool = createAccountPool(parseEnv(CreateAccountPoolEnvSchema));
const ports = { db: dynamoDocumentClient(), sfn: taskTokenClient() };

/**
 * Acquire Create Slot (`.waitForTaskToken`): `{ requestId, taskToken }` → puts the request in line and hands
 * out the slots that are free; the task ends when its grant is sent (SendTaskSuccess), by this call or a later
 * release.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { requestId, taskToken } = parseOrThrow(AcquireCreateSlotInputSchema, event);
  const { ticket, handedOver, dropped, unsure } = await acquireSlot(
    ports,
    pool,
    { requestId, taskToken },
    Date.now(),
  );
  logger.info('in line for a create slot', { requestId, ticket, handedOver, dropped });
  for (const failure of unsure) logger.warn('create slot sent without an answer', { ...failure });
  return { ticket, handedOver: handedOver.length };
};
