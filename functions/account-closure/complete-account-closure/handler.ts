import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { rendezvousPortsFromEnv } from '../../_shared/task-rendezvous';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { CloseAccountResultEventSchema, completeAccountClosure } from './complete-account-closure';

const ports = rendezvousPortsFromEnv();

/**
 * Complete Account Closure, the target of events/rules/complete-account-closure.json: AWS's `CloseAccountResult`
 * event → the result recorded and the waiting closure execution woken. A failure is thrown to be tried again.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const outcome = await completeAccountClosure(ports, parseOrThrow(CloseAccountResultEventSchema, event));
  logger.info('account closure reported', { ...outcome });
  // counted as its execution is told, once: Wait For Closure counts the ones it tells
  if (outcome.woke && outcome.failureReason !== undefined)
    emitMetric(orgflowMetrics.closeAccountFailures, 1, outcome.failureReason);
  return outcome;
};
