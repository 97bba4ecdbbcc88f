import { z } from 'zod';
import { type LedgerPorts, recordClosure } from '../ledger';

/** A successful CloseAccount as CloudTrail reports it (events/samples/organizations-close-account.json). */
export const CloseAccountEventSchema = z.object({
  source: z.literal('aws.organizations'),
  detail: z
    .looseObject({
      eventName: z.literal('CloseAccount'),
      eventTime: z.iso.datetime(),
      requestParameters: z.object({ accountId: z.string().regex(/^\d{12}$/) }),
    })
    .refine((detail) => detail.errorCode === undefined, { message: 'a refused CloseAccount closes nothing' }),
});
export type CloseAccountEvent = z.infer<typeof CloseAccountEventSchema>;

/**
 * Record Closure: a closure anyone made (the console, another tool, orgflow itself) enters the closure ledger
 * at the time it was requested, so the quota forecast counts it. The same event delivered twice, or a closure
 * orgflow recorded before calling, is recorded once.
 */
export async function recordClosureOf(
  ports: LedgerPorts,
  event: CloseAccountEvent,
): Promise<{ accountId: string; recorded: boolean }> {
  const accountId = event.detail.requestParameters.accountId;
  const recorded = await recordClosure(ports, {
    accountId,
    requestedAt: Date.parse(event.detail.eventTime),
    source: 'outside',
  });
  return { accountId, recorded };
}
