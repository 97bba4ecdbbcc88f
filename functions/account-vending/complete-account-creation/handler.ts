import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { watchPortsFromEnv } from '../creation-watch';
import { CreateAccountResultEventSchema, completeAccountCreation } from './complete-account-creation';

const ports = watchPortsFromEnv();

/**
 * Complete Account Creation, the target of events/rules/complete-account-creation.json: AWS's
 * `CreateAccountResult` event → the result recorded and the waiting vending execution woken. A failure is
 * thrown to be tried again (by the local bus per the rule's retry policy; on AWS by Lambda's asynchronous
 * retries, twice); an event lost for good only delays the execution until its wait times out and looks.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const outcome = await completeAccountCreation(ports, parseOrThrow(CreateAccountResultEventSchema, event));
  logger.info('account creation reported', { ...outcome });
  // counted as its execution is told, once: Wait For Account counts the ones it tells
  if (outcome.woke && outcome.failureReason !== undefined)
    emitMetric(orgflowMetrics.createAccountFailures, 1, outcome.failureReason);
  return outcome;
};
