import type { Context } from 'aws-lambda';
import { organizationsReadClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { closurePortsFromEnv } from '../closure-ports';
import { ClosureBatchInputSchema, planClosureBatch } from './plan-closure-batch';

const ports = closurePortsFromEnv(organizationsReadClient());

/** Plan Closure Batch: the batch's input → its plan, recorded, and the accounts the Map closes. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const planned = await planClosureBatch(await ports(), parseOrThrow(ClosureBatchInputSchema, event));
  logger.info('closure batch planned', {
    batchId: planned.batchId,
    ...planned.counts,
    dryRun: planned.dryRun,
  });
  if (!planned.dryRun) emitMetric(orgflowMetrics.closuresDeferred, planned.counts.deferred);
  emitMetric(orgflowMetrics.closureQuotaUsed, planned.quota.used);
  emitMetric(orgflowMetrics.closureQuotaLimit, planned.quota.limit);
  return planned;
};
