import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { closurePortsFromEnv } from '../closure-ports';
import { ClosureStepInputSchema } from '../closure-step-inputs';
import { ClosuresInFlightError } from '../errors';
import { closeAccountOnce } from './close-account';

const ports = closurePortsFromEnv(organizationsClient());

/** Close Account: `{ batchId, accountId }` → requested, pending or deferred. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(ClosureStepInputSchema, event);
  const result = await closeAccountOnce(await ports(), input).catch((error: unknown) => {
    // AWS's 3 closures at a time were taken (by closures outside orgflow): the step is tried again
    if (error instanceof ClosuresInFlightError)
      emitMetric(orgflowMetrics.closeAccountFailures, 1, 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED');
    throw error;
  });
  logger.info('account closure requested', { batchId: input.batchId, ...result });
  // AWS counted closures the ledger never heard of: the 30-day quota is spent and the closure waits
  if (result.outcome === 'deferred')
    emitMetric(orgflowMetrics.closeAccountFailures, 1, 'CLOSE_ACCOUNT_QUOTA_EXCEEDED');
  return result;
};
