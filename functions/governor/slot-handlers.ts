import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient, taskTokenClient } from '../_shared/clients';
import { logger } from '../_shared/logger';
import { parseOrThrow, RequestIdSchema } from '../_shared/schemas';
import { emitMetric, orgflowMetrics } from '../_shared/telemetry';
import { acquireSlot, type DispatchReport, releaseSlot, type SlotPool } from './governor';

// The two steps every governor pool has, built once for any pool: its acquire (a `.waitForTaskToken` task)
// and its release. A workflow's handler module is one line naming its pool (e.g. account-vending's
// acquire-create-slot, account-closure's acquire-close-slot).

const AcquireInputSchema = z.object({
  requestId: RequestIdSchema,
  taskToken: z.string().min(1).max(2048),
});
const ReleaseInputSchema = z.object({ requestId: RequestIdSchema });

type Handler<Result> = (event: unknown, context: Context) => Promise<Result>;

/** What every dispatch tells: the time each request handed a slot waited for it, and the sends left unsure. */
function reportDispatch(pool: SlotPool, report: DispatchReport): void {
  for (const { waitedMs } of report.handedOver)
    if (waitedMs !== undefined) emitMetric(orgflowMetrics.queueWait, waitedMs / 1000, pool.name);
  for (const failure of report.unsure)
    logger.warn(`${pool.name} slot sent without an answer`, { ...failure });
}

/**
 * The acquire step of `pool`: `{ requestId, taskToken }` → puts the request in line and hands out the slots that
 * are free; the task ends when its grant is sent (SendTaskSuccess), by this call or a later release.
 * `onAcquire` runs first (e.g. a workflow's status record); it must be idempotent.
 */
export function acquireSlotHandler(
  pool: SlotPool,
  onAcquire?: (event: unknown) => Promise<void>,
): Handler<{ ticket: number; handedOver: number }> {
  const ports = { db: dynamoDocumentClient(), sfn: taskTokenClient() };
  return async (event, context) => {
    logger.addContext(context);
    const { requestId, taskToken } = parseOrThrow(AcquireInputSchema, event);
    await onAcquire?.(event);
    const report = await acquireSlot(ports, pool, { requestId, taskToken }, Date.now());
    logger.info(`in line for a ${pool.name} slot`, {
      requestId,
      ticket: report.ticket,
      handedOver: report.handedOver,
      dropped: report.dropped,
    });
    reportDispatch(pool, report);
    // a request still in line reports its wait so far, so a line that never moves is seen (the alarm on the
    // longest QueueWait) without waiting for the hand-over that would report it
    if (report.waitingMs !== undefined && report.waitingMs > 0)
      emitMetric(orgflowMetrics.queueWait, report.waitingMs / 1000, pool.name);
    return { ticket: report.ticket, handedOver: report.handedOver.length };
  };
}

/**
 * The release step of `pool`: `{ requestId }` → `{ released }`, and the freed slot handed to the next in line.
 * Releasing twice, or without a slot, is fine.
 */
export function releaseSlotHandler(pool: SlotPool): Handler<{ released: boolean }> {
  const ports = { db: dynamoDocumentClient(), sfn: taskTokenClient() };
  return async (event, context) => {
    logger.addContext(context);
    const { requestId } = parseOrThrow(ReleaseInputSchema, event);
    const report = await releaseSlot(ports, pool, requestId, Date.now());
    logger.info(`${pool.name} slot released`, {
      requestId,
      released: report.released,
      handedOver: report.handedOver,
      dropped: report.dropped,
    });
    reportDispatch(pool, report);
    return { released: report.released };
  };
}
