import { z } from 'zod';
import {
  answerWaiter,
  forgetResult,
  type RendezvousPorts,
  recordResult,
  registerWaiter,
} from '../_shared/task-rendezvous';

/**
 * The wait for a round's answers, without polling hard: Wait For Approvals parks on a task token at
 * `all-features-round#<ENABLE_ALL_FEATURES handshake id>` (functions/_shared/task-rendezvous.ts); an
 * AcceptHandshake, DeclineHandshake or CancelHandshake of the round that reaches the bus (rule
 * events/rules/wake-all-features-round.json, Complete Approval) wakes it, and the woken execution looks at the
 * round. An event is only a reason to look: the look decides, so a duplicate or stale event costs one look.
 */

export const ApprovalNewsSchema = z.object({
  eventId: z.string(),
  eventName: z.string(),
  handshakeId: z.string(),
});
export type ApprovalNews = z.infer<typeof ApprovalNewsSchema>;

const keyOf = (roundHandshakeId: string) => `all-features-round#${roundHandshakeId}`;

/** The waiter's half: its token; news that came while nobody waited is taken (the waiter looks anyway). */
export async function registerApprovalWaiter(
  ports: RendezvousPorts,
  input: { handshakeId: string; taskToken: string; migrationId: string },
): Promise<ApprovalNews | undefined> {
  const news = await registerWaiter(
    ports,
    keyOf(input.handshakeId),
    { taskToken: input.taskToken, attributes: { migrationId: input.migrationId } },
    ApprovalNewsSchema,
  );
  if (news) await forgetResult(ports, keyOf(input.handshakeId), { field: 'eventId', value: news.eventId });
  return news;
}

/** The reporter's half: the news recorded, and the waiter woken (`{ outcome: 'woken' }`) if one waits. */
export async function reportApprovalNews(
  ports: RendezvousPorts,
  roundHandshakeId: string,
  news: ApprovalNews,
): Promise<boolean> {
  const waiter = await recordResult(ports, keyOf(roundHandshakeId), news);
  if (!waiter) return false;
  const woke = await answerWaiter(ports.sfn, waiter.taskToken, { output: { outcome: 'woken', ...news } });
  if (woke) await forgetResult(ports, keyOf(roundHandshakeId), { field: 'eventId', value: news.eventId });
  return woke;
}
