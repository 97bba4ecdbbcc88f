import { z } from 'zod';
import type { RendezvousPorts } from '../../_shared/task-rendezvous';
import { reportApprovalNews } from '../approval-watch';

const ResourceSchema = z.object({ type: z.string(), value: z.string() }).passthrough();

/**
 * The part of an `AcceptHandshake`, `DeclineHandshake` or `CancelHandshake` CloudTrail event this reads: the
 * handshake of the response (CloudTrail's camelCase elements, its action in whatever case AWS writes it).
 */
export const HandshakeCallEventSchema = z.object({
  id: z.string(),
  detail: z.object({
    eventName: z.enum(['AcceptHandshake', 'DeclineHandshake', 'CancelHandshake']),
    responseElements: z.object({
      handshake: z.object({
        id: z.string(),
        action: z.string(),
        resources: z.array(ResourceSchema).optional(),
      }),
    }),
  }),
});
export type HandshakeCallEvent = z.infer<typeof HandshakeCallEventSchema>;

/** The round (its ENABLE_ALL_FEATURES handshake) an event's handshake belongs to, if it belongs to one. */
export function roundOf(event: HandshakeCallEvent): string | undefined {
  const { handshake } = event.detail.responseElements;
  const action = handshake.action.toUpperCase();
  if (action === 'ENABLE_ALL_FEATURES') return handshake.id;
  if (action !== 'APPROVE_ALL_FEATURES') return undefined;
  return handshake.resources?.find((r) => r.type.toUpperCase() === 'PARENT_HANDSHAKE')?.value;
}

/**
 * Complete Approval: a member accepted or declined its request, or a round was cancelled → the execution waiting
 * on that round is woken to look at it. An event of a round nobody waits for is recorded and never read.
 */
export async function completeApproval(
  ports: RendezvousPorts,
  event: HandshakeCallEvent,
): Promise<{ round?: string; woke: boolean }> {
  const round = roundOf(event);
  if (!round) return { woke: false };
  const woke = await reportApprovalNews(ports, round, {
    eventId: event.id,
    eventName: event.detail.eventName,
    handshakeId: event.detail.responseElements.handshake.id,
  });
  return { round, woke };
}
