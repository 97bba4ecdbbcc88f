import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { closurePortsFromEnv } from '../closure-ports';
import { ClosureStepInputSchema } from '../closure-step-inputs';
import { checkAccount } from './check-account';

// the OU tree read afresh: a move into a protected OU a moment ago must be seen
const ports = closurePortsFromEnv(organizationsClient(), { directoryTtlMs: 0 });

/** Check Account: `{ batchId, accountId }` → ready, pending, closed or deferred; or a named refusal. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(ClosureStepInputSchema, event);
  const result = await checkAccount(await ports(), input);
  logger.info('account checked for closure', { batchId: input.batchId, ...result });
  return result;
};
