import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { watchPortsFromEnv } from '../creation-watch';
import { WatchAccountCreationInputSchema } from '../step-inputs';
import { watchAccountCreation } from './watch-account-creation';

const ports = { ...watchPortsFromEnv(), organizations: organizationsClient() };

/**
 * Wait For Account (`.waitForTaskToken`): `{ createAccountRequestId, email, taskToken, look }` → the token is
 * answered now if the result is known, else by Complete Account Creation when AWS reports it.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { taskToken, ...input } = parseOrThrow(WatchAccountCreationInputSchema, event);
  const outcome = await watchAccountCreation(ports, { ...input, taskToken });
  logger.info(outcome.answered ? 'account creation already finished' : 'waiting for the account creation', {
    ...input,
    ...outcome,
  });
  // counted as its execution is told, once: Complete Account Creation counts the ones it tells
  if (outcome.woke && outcome.result?.state === 'FAILED')
    emitMetric(orgflowMetrics.createAccountFailures, 1, outcome.result.failureReason);
  return outcome;
};
