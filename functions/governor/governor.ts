import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isHeld, keptCallAt, type Line, type Plan, planHandOvers, type SlotPool, slotIndex } from './plan';
import {
  claimSlot,
  deleteWaiterIf,
  freeSlot,
  joinLine,
  leaveLine,
  type PacedCall,
  paceCall,
  readLine,
  readWaiter,
  recordCallAt,
  recordGrant,
  recordSentToken,
  refundCall,
  restampSlot,
  ticketHeld,
  ticketOf,
  tidy,
  withdrawGrant,
} from './store';

export type { SlotPool } from './plan';

/**
 * The governor: at most `slots` holders of a pool (CreateAccount calls in progress, closures in flight) across
 * every execution, served first come, first served, each told when its call conforms to the pool's token
 * bucket. Its decisions are pure (plan.ts); its items and their conditional writes are the store's (store.ts).
 *
 * A waiter does not poll: the acquire is a `.waitForTaskToken` task, and whoever finds a free slot and a
 * waiter (the acquire itself, or a release) hands the slot over with SendTaskSuccess. Without transactions a
 * hand-over is three conditional writes: the grant is recorded on the waiter (so two dispatchers never hand
 * one waiter two slots), the slot is claimed under that grant (so no slot is ever held twice), the grant is
 * sent; a step that loses a race undoes the steps before it. A waiter whose token is dead gives its slot back
 * and leaves the line; its execution's retry comes back with the same ticket.
 */

/** What a waiter is handed: the output of its acquire task. */
export interface SlotGrant {
  slot: number;
  ticket: number;
  leaseExpiresAt: string;
  /** epoch ms: the earliest time the holder's call conforms to the pool's token bucket */
  callAt: number;
}

export interface GovernorPorts {
  db: DynamoDBDocumentClient;
  /**
   * Sends SendTaskSuccess. Give it a single attempt: a send retried after its first attempt got through
   * answers TaskTimedOut, which reads as a waiter that is gone.
   */
  sfn: SFNClient;
}

/** What one dispatch did. */
export interface DispatchReport {
  /**
   * requests handed a slot; `waitedMs`, for a slot newly handed, is how long the request was in line (a holder
   * sent its own slot again has none)
   */
  handedOver: { requestId: string; slot: number; callAt: number; waitedMs?: number }[];
  /** requests whose task token was dead: their slot went back and they left the line */
  dropped: string[];
  /** requests whose SendTaskSuccess failed without saying whether it arrived: they keep the slot */
  unsure: { requestId: string; error: string }[];
}

type HandOverOutcome =
  | { kind: 'handed-over'; callAt: number; waitedMs?: number }
  | { kind: 'dropped' }
  | { kind: 'unsure'; error: string }
  /** another dispatcher is handing this waiter a slot, or the waiter left */
  | { kind: 'taken' }
  /** the slot went to someone else meanwhile: read the line again */
  | { kind: 'lost' };

const MAX_ROUNDS = 10;
const DEAD_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Puts `requestId` in line with its task token, then dispatches. The request keeps its ticket, so its place,
 * across attempts, and each attempt's token replaces the last. A request that already holds a slot is sent
 * that slot again at once, with a new call time if its own has passed (so a holder whose call was throttled
 * comes back here to be paced again instead of retrying at random).
 */
export async function acquireSlot(
  ports: GovernorPorts,
  pool: SlotPool,
  waiter: { requestId: string; taskToken: string },
  now: number,
): Promise<{ ticket: number; waitingMs?: number } & DispatchReport> {
  const ticket = await ticketOf(ports.db, pool, waiter.requestId, now);
  const { enqueuedAt } = await joinLine(ports.db, pool, { ...waiter, ticket }, now);
  const report = await dispatch(ports, pool, now);
  const served = report.handedOver.some((grant) => grant.requestId === waiter.requestId);
  // still in line: how long so far (the acquire is retried every few minutes while it waits)
  return { ticket, ...report, ...(served ? {} : { waitingMs: now - enqueuedAt }) };
}

/**
 * Gives back the slot `requestId` holds and its place in line, then dispatches. Idempotent: releasing a slot
 * not held (never taken, already released, or lost to an expired lease and taken by another) changes nothing.
 */
export async function releaseSlot(
  ports: GovernorPorts,
  pool: SlotPool,
  requestId: string,
  now: number,
): Promise<{ released: boolean } & DispatchReport> {
  const { db } = ports;
  const ticket = await ticketHeld(db, pool, requestId);
  const line = await readLine(db, pool);
  let released = false;
  for (const slot of line.slots.filter((s) => s.holder === requestId))
    if (await freeSlot(db, pool, slotIndex(slot), now, { holder: requestId })) released ||= isHeld(slot, now);
  if (ticket !== undefined) await leaveLine(db, pool, ticket);
  return { released, ...(await dispatch(ports, pool, now)) };
}

/**
 * Hands free slots (free, or their lease expired) to the waiters in ticket order, each with the time its
 * call may be made, until no free slot or no waiter is left. Safe to run concurrently with itself.
 */
export async function dispatch(ports: GovernorPorts, pool: SlotPool, now: number): Promise<DispatchReport> {
  const report: DispatchReport = { handedOver: [], dropped: [], unsure: [] };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const line = await readLine(ports.db, pool);
    await tidy(ports.db, pool, line, now);
    let again = false;
    for (const plan of planHandOvers(line, pool, now)) {
      const outcome = await handOver(ports, pool, line, plan, now);
      const { requestId } = plan.waiter;
      if (outcome.kind === 'handed-over') {
        const { callAt, waitedMs } = outcome;
        report.handedOver.push({
          requestId,
          slot: plan.slot,
          callAt,
          ...(waitedMs === undefined ? {} : { waitedMs }),
        });
      }
      if (outcome.kind === 'dropped') report.dropped.push(requestId);
      if (outcome.kind === 'unsure') report.unsure.push({ requestId, error: outcome.error });
      // a slot came back, or went to another waiter than planned: the line is worth another look
      again ||= outcome.kind === 'dropped' || outcome.kind === 'lost';
    }
    if (!again) break;
  }
  return report;
}

/** One hand-over: record the grant on the waiter, claim the slot under it, pace the call, send it. */
async function handOver(
  ports: GovernorPorts,
  pool: SlotPool,
  line: Line,
  plan: Plan,
  now: number,
): Promise<HandOverOutcome> {
  const { db } = ports;
  const grantId = randomUUID();
  const waiter = await recordGrant(db, pool, plan, grantId, now);
  if (!waiter) return { kind: 'taken' };

  let leaseExpiresAt: number;
  // a holder whose call time has passed (its call was throttled, or the hand-over was lost) gets the next token
  let callAt = keptCallAt(plan, now);
  let paced: PacedCall | undefined;
  if (plan.held) {
    leaseExpiresAt = plan.held.leaseExpiresAt as number;
    if (!(await restampSlot(db, pool, plan.held, grantId))) {
      await withdrawGrant(db, pool, waiter.ticket, grantId);
      return { kind: 'lost' };
    }
  } else {
    leaseExpiresAt = now + pool.leaseMs;
    if (!(await claimSlot(db, pool, plan.slot, waiter, grantId, now, leaseExpiresAt))) {
      await withdrawGrant(db, pool, waiter.ticket, grantId);
      return { kind: 'lost' };
    }
  }
  if (callAt === undefined) {
    paced = await paceCall(db, pool, line.pace, now);
    callAt = paced.callAt;
    await recordCallAt(db, pool, plan.slot, grantId, callAt);
  }

  const grant: SlotGrant = {
    slot: plan.slot,
    ticket: waiter.ticket,
    leaseExpiresAt: new Date(leaseExpiresAt).toISOString(),
    callAt,
  };
  let token = waiter.taskToken;
  for (let attempt = 0; attempt < 3; attempt++) {
    const sent = await sendGrant(ports.sfn, token, grant);
    if (sent === 'sent') {
      await deleteWaiterIf(db, pool, waiter.ticket, grantId);
      if (plan.held) return { kind: 'handed-over', callAt };
      return {
        kind: 'handed-over',
        callAt,
        waitedMs: Math.max(0, now - (waiter.enqueuedAt ?? waiter.tokenAt)),
      };
    }
    if (sent !== 'dead') {
      await recordSentToken(db, pool, waiter.ticket, grantId, token);
      return { kind: 'unsure', error: sent.error };
    }
    const renewed = await renewedToken(db, pool, waiter.ticket, grantId, token);
    if (renewed === undefined) break;
    token = renewed;
  }
  await withdrawGrant(db, pool, waiter.ticket, grantId);
  // the slot goes back unless a retry of the same request has meanwhile been handed it again
  if ((await freeSlot(db, pool, plan.slot, now, { grantId })) && paced) await refundCall(db, pool, paced);
  return { kind: 'dropped' };
}

/**
 * After `dead` was refused: the waiter's newer token, when a retry of its execution brought one meanwhile;
 * otherwise the waiter leaves the line (undefined).
 */
async function renewedToken(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  ticket: number,
  grantId: string,
  dead: string,
): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await readWaiter(db, pool, ticket);
    if (current?.grantId !== grantId) return undefined;
    if (current.taskToken !== dead) return current.taskToken;
    if (await deleteWaiterIf(db, pool, ticket, grantId, dead)) return undefined;
  }
  return undefined;
}

async function sendGrant(
  sfn: SFNClient,
  taskToken: string,
  grant: SlotGrant,
): Promise<'sent' | 'dead' | { error: string }> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(grant) }));
    return 'sent';
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && DEAD_TOKEN_ERRORS.has(name)) return 'dead';
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
