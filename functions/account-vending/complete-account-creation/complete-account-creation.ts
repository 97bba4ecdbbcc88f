import { z } from 'zod';
import { answer, type CreationResult, recordResult, type WatchPorts } from '../creation-watch';

/** The part of AWS's `CreateAccountResult` CloudTrail service event this reads (events/samples/). */
export const CreateAccountResultEventSchema = z.object({
  detail: z.object({
    eventName: z.literal('CreateAccountResult'),
    serviceEventDetails: z.object({
      createAccountStatus: z.object({
        id: z.string().min(1),
        state: z.string(),
        accountId: z.string().optional(),
        failureReason: z.string().optional(),
      }),
    }),
  }),
});
export type CreateAccountResultEvent = z.infer<typeof CreateAccountResultEventSchema>;

/**
 * Complete Account Creation: records what AWS reported and wakes the execution waiting for it, if one is
 * (else the execution finds the result when it starts waiting). A creation orgflow did not start is recorded
 * too and simply never read: telling them apart would cost a lookup per event.
 */
export async function completeAccountCreation(
  ports: WatchPorts,
  event: CreateAccountResultEvent,
): Promise<{ createAccountRequestId: string; state: string; woke: boolean; failureReason?: string }> {
  const status = event.detail.serviceEventDetails.createAccountStatus;
  const base = { createAccountRequestId: status.id, state: status.state };
  if (status.state !== 'SUCCEEDED' && status.state !== 'FAILED') return { ...base, woke: false };
  const result: CreationResult =
    status.state === 'SUCCEEDED'
      ? { state: 'SUCCEEDED', ...(status.accountId ? { accountId: status.accountId } : {}) }
      : { state: 'FAILED', failureReason: status.failureReason ?? 'UNKNOWN' };
  const waiter = await recordResult(ports, status.id, result);
  const woke = waiter ? await answer(ports.sfn, waiter, result) : false;
  return {
    ...base,
    woke,
    ...(result.failureReason === undefined ? {} : { failureReason: result.failureReason }),
  };
}
