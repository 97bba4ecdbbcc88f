// The governor's decisions, with no I/O: who gets which slot, when a hand-over is abandoned, when a call may be
// made. The store (store.ts) reads and writes the items these take; the governor (governor.ts) runs them.

/** A pool of slots (e.g. CreateAccount calls in progress), and the token bucket its call is throttled with. */
export interface SlotPool {
  table: string;
  /** the partition of the pool, e.g. `create-account` */
  name: string;
  slots: number;
  /** how long a slot stays held without a release; longer than the longest hold the workflow allows */
  leaseMs: number;
  /** the token bucket AWS throttles the pooled call with (CreateAccount: 0.1 per second, burst 3) */
  pace: { perSecond: number; burst: number };
}

/** One slot item of the pool: free when it has no `holder` or its lease has expired. */
export interface SlotItem {
  sk: string;
  holder?: string | undefined;
  ticket?: number | undefined;
  grantId?: string | undefined;
  leaseExpiresAt?: number | undefined;
  callAt?: number | undefined;
}

/** One waiter in line; `grantId`… while a slot is being handed to it. */
export interface WaiterItem {
  sk: string;
  requestId: string;
  ticket: number;
  taskToken: string;
  tokenAt: number;
  /** when the request first joined the line (items written before it was read lack it) */
  enqueuedAt?: number | undefined;
  grantId?: string | undefined;
  grantSlot?: number | undefined;
  grantedAt?: number | undefined;
  sentToken?: string | undefined;
}

/** The pool as one read saw it. */
export interface Line {
  /** the bucket's tat as read; updated as this dispatcher takes tokens */
  pace: { tat: number | undefined };
  slots: SlotItem[];
  waiters: WaiterItem[];
}

/** A slot to hand to a waiter; `held` when the waiter's request already holds it (a retry after a timeout). */
export interface Plan {
  waiter: WaiterItem;
  slot: number;
  held?: SlotItem;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** a hand-over that sent nothing in this time was abandoned (its Lambda runs 30 s at most): another takes over */
export const HAND_OVER_MS = 60_000;
/** calls are paced this much slower than the bucket refills, for clock drift and the callers' own delays */
export const PACE_MARGIN = 1.05;
export const SLOT_PREFIX = 'slot#';

export const slotIndex = (item: SlotItem) => Number(item.sk.slice(SLOT_PREFIX.length));

export const isHeld = (item: SlotItem, now: number) =>
  item.holder !== undefined && item.leaseExpiresAt !== undefined && item.leaseExpiresAt > now;

/**
 * Who gets which slot: first the waiters whose request already holds a slot (its own again), then free slots
 * to the rest in ticket order. Waiters being handed a slot by another dispatcher are left alone, and the slots
 * they were promised are not offered to anyone else.
 */
export function planHandOvers(line: Line, pool: SlotPool, now: number): Plan[] {
  const held = line.slots.filter((slot) => isHeld(slot, now));
  const heldBy = new Map(held.map((slot) => [slot.holder as string, slot]));
  const inHand = (w: WaiterItem) => w.grantId !== undefined && !abandoned(w, pool, now);
  const promised = line.waiters.filter((w) => inHand(w) && !heldBy.has(w.requestId));
  const open = line.waiters.filter((w) => !inHand(w)).sort((a, b) => a.ticket - b.ticket);

  const plans: Plan[] = [];
  for (const waiter of open) {
    const slot = heldBy.get(waiter.requestId);
    if (slot) plans.push({ waiter, slot: slotIndex(slot), held: slot });
  }
  const taken = new Set([...held.map(slotIndex), ...promised.map((w) => w.grantSlot)]);
  const free = Array.from({ length: pool.slots }, (_, index) => index).filter((index) => !taken.has(index));
  // holders of slots beyond `slots` (the pool was made smaller) still count until they release
  const capacity = pool.slots - held.length - promised.length;
  const queue = open.filter((w) => !heldBy.has(w.requestId));
  for (let i = 0; i < Math.min(capacity, free.length, queue.length); i++)
    plans.push({ waiter: queue[i] as WaiterItem, slot: free[i] as number });
  return plans;
}

/**
 * A hand-over nobody will finish: its dispatcher sent nothing in time (it crashed), or it could not tell
 * whether its send arrived and the waiter has since come back with a new token (so it did not), or the
 * slot's lease has run out since.
 */
export function abandoned(waiter: WaiterItem, pool: SlotPool, now: number): boolean {
  const grantedAt = waiter.grantedAt ?? 0;
  if (waiter.sentToken === undefined) return grantedAt < now - HAND_OVER_MS;
  return waiter.sentToken !== waiter.taskToken || grantedAt < now - pool.leaseMs;
}

/** A few waiters nobody renewed for a day: their executions are gone (TTL may not run). */
export const staleWaiters = (line: Line, now: number): WaiterItem[] =>
  line.waiters.filter((w) => w.tokenAt < now - DAY_MS).slice(0, 10);

/** A holder asking again keeps a call time still to come; one whose time has passed needs the next token. */
export const keptCallAt = (plan: Plan, now: number): number | undefined => {
  const callAt = plan.held?.callAt;
  return callAt !== undefined && callAt > now ? callAt : undefined;
};

/**
 * The pool's next call token (GCRA): given the bucket's theoretical arrival time `tat` (undefined for a
 * bucket never used), the earliest time a call conforms to a bucket of `burst` refilled at the pool's rate
 * (paced a little slower), and the bucket's tat after that call. A Wait state reads whole seconds of its
 * timestamp, so a call that has to wait is told the next whole second.
 */
export function nextCall(
  pace: SlotPool['pace'],
  tat: number | undefined,
  now: number,
): { callAt: number; tat: number } {
  const interval = (1000 / pace.perSecond) * PACE_MARGIN;
  const tolerance = (pace.burst - 1) * interval;
  const earliest = Math.max(now, (tat ?? 0) - tolerance);
  return {
    callAt: earliest > now ? Math.ceil(earliest / 1000) * 1000 : now,
    tat: Math.max(tat ?? 0, earliest) + interval,
  };
}
