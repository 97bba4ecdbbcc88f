import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditional } from './conditional-write';
import { GovernorBusyError } from './errors';

/**
 * The governor: at most `slots` holders of a pool (CreateAccount calls in progress) across every execution,
 * served first come, first served, each told when its call conforms to the pool's token bucket. Items of the
 * governor table (functions/_shared/tables.ts):
 *
 * | pk             | sk           | what                                                                       |
 * | -------------- | ------------ | -------------------------------------------------------------------------- |
 * | `<pool>`       | `counter`    | `next`: the last ticket number handed out (atomic `ADD`)                   |
 * | `<pool>`       | `pace`       | `tat`: the token bucket's theoretical arrival time (GCRA), epoch ms        |
 * | `<pool>`       | `slot#000`…  | `holder`, `ticket`, `grantId`, `leaseExpiresAt`, `callAt`: one per slot    |
 * | `<pool>`       | `ticket#<n>` | a waiter: `requestId`, `taskToken` (its newest), `tokenAt`; while a slot   |
 * |                |              | is being handed to it `grantId`, `grantSlot`, `grantedAt` (+ `sentToken`)  |
 * | `request#<id>` | `<pool>`     | the request's ticket number, so a retried acquire keeps its place          |
 *
 * A waiter does not poll: Acquire Create Slot is a `.waitForTaskToken` task, and whoever finds a free slot
 * and a waiter (the acquire itself, or a release) hands the slot over with SendTaskSuccess. Without
 * transactions a hand-over is three conditional writes: the grant is recorded on the waiter (so two
 * dispatchers never hand one waiter two slots), the slot is claimed under that grant (so no slot is ever held
 * twice), the grant is sent; a step that loses a race undoes the steps before it. A waiter whose token is dead
 * gives its slot back and leaves the line; its execution's retry comes back with the same ticket. No
 * transactions, scans or TTL deletions are needed, so the same code runs on DynamoDB and on dynalite.
 */
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

/** What a waiter is handed: the output of its Acquire Create Slot task. */
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
  /** requests handed a slot */
  handedOver: { requestId: string; slot: number; callAt: number }[];
  /** requests whose task token was dead: their slot went back and they left the line */
  dropped: string[];
  /** requests whose SendTaskSuccess failed without saying whether it arrived: they keep the slot */
  unsure: { requestId: string; error: string }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const REQUEST_RECORD_TTL_MS = 30 * DAY_MS;
/** a hand-over that sent nothing in this time was abandoned (its Lambda runs 30 s at most): another takes over */
const HAND_OVER_MS = 60_000;
/** calls are paced this much slower than the bucket refills, for clock drift and the callers' own delays */
const PACE_MARGIN = 1.05;
const MAX_ROUNDS = 10;
const MAX_PACE_ATTEMPTS = 25;
const DEAD_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

const PACE_KEY = 'pace';
const SLOT_PREFIX = 'slot#';
const TICKET_PREFIX = 'ticket#';
const slotKey = (index: number) => `${SLOT_PREFIX}${String(index).padStart(3, '0')}`;
const ticketKey = (ticket: number) => `${TICKET_PREFIX}${String(ticket).padStart(15, '0')}`;
const requestKey = (requestId: string) => `request#${requestId}`;
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

const SlotItemSchema = z.object({
  sk: z.string().startsWith(SLOT_PREFIX),
  holder: z.string().optional(),
  ticket: z.number().optional(),
  grantId: z.string().optional(),
  leaseExpiresAt: z.number().optional(),
  callAt: z.number().optional(),
});
type SlotItem = z.infer<typeof SlotItemSchema>;

const WaiterItemSchema = z.object({
  sk: z.string().startsWith(TICKET_PREFIX),
  requestId: z.string(),
  ticket: z.number(),
  taskToken: z.string(),
  tokenAt: z.number(),
  grantId: z.string().optional(),
  grantSlot: z.number().optional(),
  grantedAt: z.number().optional(),
  sentToken: z.string().optional(),
});
type WaiterItem = z.infer<typeof WaiterItemSchema>;

const PaceItemSchema = z.object({ sk: z.literal(PACE_KEY), tat: z.number() });
const RequestTicketSchema = z.object({ ticket: z.number() });

interface Line {
  /** the bucket's tat as read; updated as this dispatcher takes tokens */
  pace: { tat: number | undefined };
  slots: SlotItem[];
  waiters: WaiterItem[];
}

/** A slot to hand to a waiter; `held` when the waiter's request already holds it (a retry after a timeout). */
interface Plan {
  waiter: WaiterItem;
  slot: number;
  held?: SlotItem;
}

type HandOverOutcome =
  | { kind: 'handed-over'; callAt: number }
  | { kind: 'dropped' }
  | { kind: 'unsure'; error: string }
  /** another dispatcher is handing this waiter a slot, or the waiter left */
  | { kind: 'taken' }
  /** the slot went to someone else meanwhile: read the line again */
  | { kind: 'lost' };

const slotIndex = (item: SlotItem) => Number(item.sk.slice(SLOT_PREFIX.length));
const isHeld = (item: SlotItem, now: number) =>
  item.holder !== undefined && item.leaseExpiresAt !== undefined && item.leaseExpiresAt > now;

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
): Promise<{ ticket: number } & DispatchReport> {
  const ticket = await ticketOf(ports.db, pool, waiter.requestId, now);
  await joinLine(ports.db, pool, { ...waiter, ticket }, now);
  return { ticket, ...(await dispatch(ports, pool, now)) };
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
  const record = await db.send(
    new GetCommand({
      TableName: pool.table,
      Key: { pk: requestKey(requestId), sk: pool.name },
      ConsistentRead: true,
    }),
  );
  const line = await readLine(db, pool);
  let released = false;
  for (const slot of line.slots.filter((s) => s.holder === requestId))
    if (await freeSlot(db, pool, slotIndex(slot), now, { holder: requestId })) released ||= isHeld(slot, now);
  const ticket = RequestTicketSchema.safeParse(record.Item);
  if (ticket.success)
    await db.send(new DeleteCommand({ TableName: pool.table, Key: waiterKey(pool, ticket.data.ticket) }));
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
      if (outcome.kind === 'handed-over')
        report.handedOver.push({ requestId, slot: plan.slot, callAt: outcome.callAt });
      if (outcome.kind === 'dropped') report.dropped.push(requestId);
      if (outcome.kind === 'unsure') report.unsure.push({ requestId, error: outcome.error });
      // a slot came back, or went to another waiter than planned: the line is worth another look
      again ||= outcome.kind === 'dropped' || outcome.kind === 'lost';
    }
    if (!again) break;
  }
  return report;
}

/**
 * Who gets which slot: first the waiters whose request already holds a slot (its own again), then free slots
 * to the rest in ticket order. Waiters being handed a slot by another dispatcher are left alone, and the slots
 * they were promised are not offered to anyone else.
 */
function planHandOvers(line: Line, pool: SlotPool, now: number): Plan[] {
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
function abandoned(waiter: WaiterItem, pool: SlotPool, now: number): boolean {
  const grantedAt = waiter.grantedAt ?? 0;
  if (waiter.sentToken === undefined) return grantedAt < now - HAND_OVER_MS;
  return waiter.sentToken !== waiter.taskToken || grantedAt < now - pool.leaseMs;
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
  // a holder asking again keeps a call time still to come; one whose time has passed (its call was throttled,
  // or the hand-over was lost) gets the next token
  const heldCallAt = plan.held?.callAt;
  let callAt = heldCallAt !== undefined && heldCallAt > now ? heldCallAt : undefined;
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
      return { kind: 'handed-over', callAt };
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

/** The request's ticket: the one it was given before, or the next number of the pool's counter. */
async function ticketOf(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  requestId: string,
  now: number,
): Promise<number> {
  const key = { pk: requestKey(requestId), sk: pool.name };
  const existing = await db.send(new GetCommand({ TableName: pool.table, Key: key, ConsistentRead: true }));
  const known = RequestTicketSchema.safeParse(existing.Item);
  if (known.success) return known.data.ticket;
  const counter = await db.send(
    new UpdateCommand({
      TableName: pool.table,
      Key: { pk: pool.name, sk: 'counter' },
      UpdateExpression: 'ADD #next :one',
      ExpressionAttributeNames: { '#next': 'next' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const issued = z.object({ next: z.number() }).parse(counter.Attributes).next;
  // two attempts racing for the same request keep the first number; the other number is never used
  const record = await db.send(
    new UpdateCommand({
      TableName: pool.table,
      Key: key,
      UpdateExpression: 'SET ticket = if_not_exists(ticket, :ticket), expiresAt = :expires',
      ExpressionAttributeValues: { ':ticket': issued, ':expires': epochSeconds(now + REQUEST_RECORD_TTL_MS) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return RequestTicketSchema.parse(record.Attributes).ticket;
}

/** Puts the request in line, or gives its place the newest task token (a hand-over under way keeps going). */
async function joinLine(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  waiter: { requestId: string; taskToken: string; ticket: number },
  now: number,
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: pool.table,
      Key: waiterKey(pool, waiter.ticket),
      UpdateExpression:
        'SET requestId = :me, ticket = :ticket, taskToken = :token, tokenAt = :now, enqueuedAt = if_not_exists(enqueuedAt, :now), expiresAt = :expires',
      ExpressionAttributeValues: {
        ':me': waiter.requestId,
        ':ticket': waiter.ticket,
        ':token': waiter.taskToken,
        ':now': now,
        ':expires': epochSeconds(now + 2 * DAY_MS),
      },
    }),
  );
}

/** Tidies away a few waiters nobody renewed for a day: their executions are gone (TTL may not run). */
async function tidy(db: DynamoDBDocumentClient, pool: SlotPool, line: Line, now: number): Promise<void> {
  const stale = line.waiters.filter((w) => w.tokenAt < now - DAY_MS).slice(0, 10);
  await Promise.all(
    stale.map((w) =>
      conditional(
        db.send(
          new DeleteCommand({
            TableName: pool.table,
            Key: waiterKey(pool, w.ticket),
            ConditionExpression: 'tokenAt < :cutoff',
            ExpressionAttributeValues: { ':cutoff': now - DAY_MS },
          }),
        ),
      ),
    ),
  );
  line.waiters = line.waiters.filter((w) => !stale.includes(w));
}

/** Marks the waiter as being handed `plan.slot` under `grantId`; its item as it is now, or undefined if taken. */
async function recordGrant(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  plan: Plan,
  grantId: string,
  now: number,
): Promise<WaiterItem | undefined> {
  const previous = plan.waiter.grantId;
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: waiterKey(pool, plan.waiter.ticket),
        UpdateExpression: 'SET grantId = :grant, grantSlot = :slot, grantedAt = :now REMOVE sentToken',
        // an abandoned hand-over is taken over by its id; a fresh one needs a waiter without one
        ConditionExpression:
          previous === undefined
            ? 'attribute_exists(requestId) AND attribute_not_exists(grantId)'
            : 'grantId = :previous',
        ExpressionAttributeValues: {
          ':grant': grantId,
          ':slot': plan.slot,
          ':now': now,
          ...(previous === undefined ? {} : { ':previous': previous }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return WaiterItemSchema.parse(Attributes);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

async function withdrawGrant(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  ticket: number,
  grantId: string,
): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: waiterKey(pool, ticket),
        UpdateExpression: 'REMOVE grantId, grantSlot, grantedAt, sentToken',
        ConditionExpression: 'grantId = :grant',
        ExpressionAttributeValues: { ':grant': grantId },
      }),
    ),
  );
}

async function recordSentToken(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  ticket: number,
  grantId: string,
  token: string,
): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: waiterKey(pool, ticket),
        UpdateExpression: 'SET sentToken = :token',
        ConditionExpression: 'grantId = :grant',
        ExpressionAttributeValues: { ':grant': grantId, ':token': token },
      }),
    ),
  );
}

/** Deletes the waiter if it is still this hand-over's (and still has `token`, when given). */
async function deleteWaiterIf(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  ticket: number,
  grantId: string,
  token?: string,
): Promise<boolean> {
  return conditional(
    db.send(
      new DeleteCommand({
        TableName: pool.table,
        Key: waiterKey(pool, ticket),
        ConditionExpression:
          token === undefined ? 'grantId = :grant' : 'grantId = :grant AND taskToken = :token',
        ExpressionAttributeValues: { ':grant': grantId, ...(token === undefined ? {} : { ':token': token }) },
      }),
    ),
  );
}

async function readWaiter(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  ticket: number,
): Promise<WaiterItem | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: pool.table, Key: waiterKey(pool, ticket), ConsistentRead: true }),
  );
  const parsed = WaiterItemSchema.safeParse(Item);
  return parsed.success ? parsed.data : undefined;
}

/** Takes slot `index` if it is free or its lease expired. */
async function claimSlot(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  index: number,
  waiter: WaiterItem,
  grantId: string,
  now: number,
  leaseExpiresAt: number,
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: { pk: pool.name, sk: slotKey(index) },
        UpdateExpression:
          'SET holder = :me, ticket = :ticket, grantId = :grant, acquiredAt = :now, leaseExpiresAt = :lease REMOVE callAt',
        ConditionExpression: 'attribute_not_exists(holder) OR leaseExpiresAt < :now',
        ExpressionAttributeValues: {
          ':me': waiter.requestId,
          ':ticket': waiter.ticket,
          ':grant': grantId,
          ':now': now,
          ':lease': leaseExpiresAt,
        },
      }),
    ),
  );
}

/** Puts a slot the request already holds under this hand-over, if it still holds it as read. */
async function restampSlot(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  slot: SlotItem,
  grantId: string,
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: { pk: pool.name, sk: slot.sk },
        UpdateExpression: 'SET grantId = :grant',
        ConditionExpression: 'holder = :me AND leaseExpiresAt = :lease',
        ExpressionAttributeValues: {
          ':grant': grantId,
          ':me': slot.holder as string,
          ':lease': slot.leaseExpiresAt as number,
        },
      }),
    ),
  );
}

async function recordCallAt(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  index: number,
  grantId: string,
  callAt: number,
): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: { pk: pool.name, sk: slotKey(index) },
        UpdateExpression: 'SET callAt = :callAt',
        ConditionExpression: 'grantId = :grant',
        ExpressionAttributeValues: { ':grant': grantId, ':callAt': callAt },
      }),
    ),
  );
}

/** Frees slot `index` if it is still held as `by` says (by this holder, or under this grant). */
async function freeSlot(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  index: number,
  now: number,
  by: { holder: string } | { grantId: string },
): Promise<boolean> {
  const [condition, value] = 'holder' in by ? ['holder = :by', by.holder] : ['grantId = :by', by.grantId];
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: { pk: pool.name, sk: slotKey(index) },
        UpdateExpression: 'REMOVE holder, ticket, grantId, leaseExpiresAt, callAt SET releasedAt = :now',
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':by': value, ':now': now },
      }),
    ),
  );
}

interface PacedCall {
  callAt: number;
  /** the bucket's tat before and after this call */
  previous: number | undefined;
  tat: number;
}

/**
 * Takes the pool's next call token (GCRA): the earliest time a call conforms to a bucket of `burst` refilled
 * at the pool's rate (paced a little slower), now when the bucket has a token. A conditional write on the
 * value read; a writer that lost reads again.
 */
async function paceCall(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  pace: Line['pace'],
  now: number,
): Promise<PacedCall> {
  const interval = (1000 / pool.pace.perSecond) * PACE_MARGIN;
  const tolerance = (pool.pace.burst - 1) * interval;
  for (let attempt = 0; attempt < MAX_PACE_ATTEMPTS; attempt++) {
    const previous = pace.tat;
    const earliest = Math.max(now, (previous ?? 0) - tolerance);
    const tat = Math.max(previous ?? 0, earliest) + interval;
    const written = await conditional(
      db.send(
        new UpdateCommand({
          TableName: pool.table,
          Key: { pk: pool.name, sk: PACE_KEY },
          UpdateExpression: 'SET tat = :tat',
          ConditionExpression: previous === undefined ? 'attribute_not_exists(tat)' : 'tat = :previous',
          ExpressionAttributeValues: {
            ':tat': tat,
            ...(previous === undefined ? {} : { ':previous': previous }),
          },
        }),
      ),
    );
    if (written) {
      pace.tat = tat;
      // a Wait state reads whole seconds of its timestamp: a call that has to wait waits to the next second
      return { callAt: earliest > now ? Math.ceil(earliest / 1000) * 1000 : now, previous, tat };
    }
    const { Item } = await db.send(
      new GetCommand({ TableName: pool.table, Key: { pk: pool.name, sk: PACE_KEY }, ConsistentRead: true }),
    );
    const read = PaceItemSchema.safeParse(Item);
    pace.tat = read.success ? read.data.tat : undefined;
  }
  throw new GovernorBusyError(
    `pool ${pool.name}: the call pace changed under ${MAX_PACE_ATTEMPTS} attempts in a row; try again`,
  );
}

/** Gives a call token back, if nobody took one after it. */
async function refundCall(db: DynamoDBDocumentClient, pool: SlotPool, paced: PacedCall): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: { pk: pool.name, sk: PACE_KEY },
        UpdateExpression: paced.previous === undefined ? 'REMOVE tat' : 'SET tat = :previous',
        ConditionExpression: 'tat = :tat',
        ExpressionAttributeValues: {
          ':tat': paced.tat,
          ...(paced.previous === undefined ? {} : { ':previous': paced.previous }),
        },
      }),
    ),
  );
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

/** The pace, every slot and every waiter of the pool, in one Query (pace < slot# < ticket#). */
async function readLine(db: DynamoDBDocumentClient, pool: SlotPool): Promise<Line> {
  const items = await queryAll(db, {
    TableName: pool.table,
    KeyConditionExpression: 'pk = :pool AND sk BETWEEN :first AND :last',
    ExpressionAttributeValues: { ':pool': pool.name, ':first': PACE_KEY, ':last': `${TICKET_PREFIX}~` },
    ConsistentRead: true,
  });
  const line: Line = { pace: { tat: undefined }, slots: [], waiters: [] };
  for (const item of items) {
    const pace = PaceItemSchema.safeParse(item);
    if (pace.success) line.pace.tat = pace.data.tat;
    const slot = SlotItemSchema.safeParse(item);
    if (slot.success) line.slots.push(slot.data);
    const waiter = WaiterItemSchema.safeParse(item);
    if (waiter.success) line.waiters.push(waiter.data);
  }
  return line;
}

const waiterKey = (pool: SlotPool, ticket: number) => ({ pk: pool.name, sk: ticketKey(ticket) });

/** Resolves true when the conditional write happened, false when its condition failed. */
async function queryAll(
  db: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page: QueryCommandOutput = await db.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
