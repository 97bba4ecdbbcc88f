import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { closurePortsFromEnv } from '../closure-ports';
import { ClosureStepInputSchema } from '../closure-step-inputs';
import { closeAccountOnce } from './close-account';

const ports = closurePortsFromEnv(organizationsClient());

/** Close Account: `{ batchId, accountId }` → requested, pending or deferred. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(ClosureStepInputSchema, event);
  const result = await closeAccountOnce(await ports(), input);
  logger.info('account closure requested', { batchId: input.batchId, ...result });
  return result;
};
