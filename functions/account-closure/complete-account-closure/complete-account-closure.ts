import { z } from 'zod';
import type { RendezvousPorts } from '../../_shared/task-rendezvous';
import { answerClosure, type ClosureResult, recordClosureResult } from '../closure-watch';

/** The part of AWS's `CloseAccountResult` CloudTrail service event this reads (events/samples/). */
export const CloseAccountResultEventSchema = z.object({
  detail: z.object({
    eventName: z.literal('CloseAccountResult'),
    serviceEventDetails: z.object({
      closeAccountStatus: z.object({
        accountId: z.string().regex(/^\d{12}$/),
        state: z.string(),
        failureReason: z.string().optional(),
      }),
    }),
  }),
});
export type CloseAccountResultEvent = z.infer<typeof CloseAccountResultEventSchema>;

/**
 * Complete Account Closure: records what AWS reported and wakes the closure execution waiting for it, if one is
 * (else it finds the result when it starts waiting). A closure made outside orgflow is recorded and never read.
 */
export async function completeAccountClosure(
  ports: RendezvousPorts,
  event: CloseAccountResultEvent,
): Promise<{ accountId: string; state: string; woke: boolean; failureReason?: string }> {
  const status = event.detail.serviceEventDetails.closeAccountStatus;
  const base = { accountId: status.accountId, state: status.state };
  if (status.state !== 'SUCCEEDED' && status.state !== 'FAILED') return { ...base, woke: false };
  const result: ClosureResult =
    status.state === 'SUCCEEDED'
      ? { state: 'SUCCEEDED' }
      : { state: 'FAILED', failureReason: status.failureReason ?? 'UNKNOWN' };
  const taskToken = await recordClosureResult(ports, status.accountId, result);
  const woke = taskToken ? await answerClosure(ports, taskToken, status.accountId, result) : false;
  return {
    ...base,
    woke,
    ...(result.failureReason === undefined ? {} : { failureReason: result.failureReason }),
  };
}
