import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, organizationsClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { CreateAccountStepInputSchema } from '../step-inputs';
import { createAccountOnce } from './create-account';

const env = parseEnv(z.object({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
const ports = {
  organizations: organizationsClient(),
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  now: () => Date.now(),
};

/** Create Account: the request → `{ createAccountRequestId, source }`, recorded before it returns. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(CreateAccountStepInputSchema, event);
  const result = await createAccountOnce(ports, input);
  logger.info('account creation started', { requestId: input.requestId, ...result });
  return result;
};
