import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { SlotUnavailableError } from './errors';

/**
 * The governor: at most `slots` holders of a pool (CreateAccount calls in progress) across every execution,
 * served first come, first served. Items of the governor table (functions/_shared/tables.ts):
 *
 * | pk                 | sk              | what                                                               |
 * | ------------------ | --------------- | ------------------------------------------------------------------ |
 * | `<pool>`           | `counter`       | `next`: the last ticket number handed out (atomic `ADD`)           |
 * | `<pool>`           | `slot#000`…     | `holder`, `ticket`, `leaseExpiresAt`: one item per slot            |
 * | `<pool>`           | `ticket#<n>`    | a waiter: `requestId`, `lastSeenAt`; deleted once it holds a slot  |
 * | `request#<id>`     | `<pool>`        | the request's ticket number, so a retried acquire keeps its place  |
 *
 * A slot is taken by a conditional update (free, or its lease expired), so two executions never hold the
 * same slot; only the waiters at the front of the line try, so the line is served in ticket order. Every
 * attempt refreshes the waiter's `lastSeenAt`: a waiter whose execution died stops counting after
 * `waiterTimeoutMs`, and a holder that never released loses its slot when the lease expires. No
 * transactions, scans or TTL deletions are needed, so the same code runs on DynamoDB and on dynalite.
 */
export interface SlotPool {
  table: string;
  /** the partition of the pool, e.g. `create-account` */
  name: string;
  slots: number;
  /** how long a slot stays held without a release; longer than the longest hold the workflow allows */
  leaseMs: number;
  /** how long a waiter that stopped asking keeps its place; longer than the longest retry interval */
  waiterTimeoutMs: number;
}

export interface SlotGrant {
  slot: number;
  ticket: number;
  leaseExpiresAt: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const REQUEST_RECORD_TTL_MS = 30 * DAY_MS;

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
  leaseExpiresAt: z.number().optional(),
});
type SlotItem = z.infer<typeof SlotItemSchema>;

const TicketItemSchema = z.object({
  sk: z.string().startsWith(TICKET_PREFIX),
  requestId: z.string(),
  ticket: z.number(),
  lastSeenAt: z.number(),
});
type TicketItem = z.infer<typeof TicketItemSchema>;

const RequestTicketSchema = z.object({ ticket: z.number() });

const slotIndex = (item: SlotItem) => Number(item.sk.slice(SLOT_PREFIX.length));
const isHeld = (item: SlotItem, now: number) =>
  item.holder !== undefined && item.leaseExpiresAt !== undefined && item.leaseExpiresAt > now;

/**
 * Takes a slot for `requestId`, or throws {@link SlotUnavailableError} with its place in line. Call it again
 * (the state machine's Retry does) until it succeeds: the request keeps its ticket, so its place, across
 * calls; calling it while holding returns the slot already held.
 */
export async function acquireSlot(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  requestId: string,
  now: number,
): Promise<SlotGrant> {
  const ticket = await ticketOf(db, pool, requestId, now);
  await keepPlace(db, pool, requestId, ticket, now);
  const { slots, waiters } = await lineUpTo(db, pool, ticket);

  const held = slots.find((slot) => slot.holder === requestId && isHeld(slot, now));
  if (held) {
    await leaveLine(db, pool, ticket);
    return grantOf(slotIndex(held), ticket, held.leaseExpiresAt as number);
  }

  // a ticket nobody refreshed for a day belongs to an execution that is gone: tidy a few away (TTL may not run)
  const abandoned = waiters.filter((w) => w.ticket < ticket && w.lastSeenAt < now - DAY_MS).slice(0, 10);
  await Promise.all(abandoned.map((w) => leaveLine(db, pool, w.ticket)));

  const holders = new Set(slots.filter((slot) => isHeld(slot, now)).map((slot) => slot.holder));
  const ahead = waiters.filter(
    (w) => w.ticket < ticket && !holders.has(w.requestId) && w.lastSeenAt > now - pool.waiterTimeoutMs,
  ).length;
  const byIndex = new Map(slots.map((slot) => [slotIndex(slot), slot]));
  const free = Array.from({ length: pool.slots }, (_, index) => index).filter((index) => {
    const slot = byIndex.get(index);
    return !slot || !isHeld(slot, now);
  });
  // holders of slots beyond `slots` (the pool was made smaller) still count until they release
  const heldBeyond = slots.filter((slot) => slotIndex(slot) >= pool.slots && isHeld(slot, now)).length;

  if (ahead < free.length - heldBeyond) {
    // the n-th waiter in line tries the n-th free slot first, so the front of the line rarely collides
    const order = [...free.slice(ahead), ...free.slice(0, ahead)];
    for (const index of order) {
      const leaseExpiresAt = now + pool.leaseMs;
      if (await claim(db, pool, index, requestId, ticket, now, leaseExpiresAt)) {
        await leaveLine(db, pool, ticket);
        return grantOf(index, ticket, leaseExpiresAt);
      }
    }
  }
  throw new SlotUnavailableError(requestId, ahead + 1, pool.slots);
}

/**
 * Gives back the slot `requestId` holds and its place in line. Idempotent: releasing a slot not held (never
 * taken, already released, or lost to an expired lease and taken by another) changes nothing.
 */
export async function releaseSlot(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  requestId: string,
  now: number,
): Promise<{ released: boolean }> {
  const record = await db.send(
    new GetCommand({
      TableName: pool.table,
      Key: { pk: requestKey(requestId), sk: pool.name },
      ConsistentRead: true,
    }),
  );
  const slots = await querySlots(db, pool);
  let released = false;
  for (const slot of slots.filter((s) => s.holder === requestId)) {
    try {
      await db.send(
        new UpdateCommand({
          TableName: pool.table,
          Key: { pk: pool.name, sk: slot.sk },
          UpdateExpression: 'REMOVE holder, ticket, leaseExpiresAt SET releasedAt = :now',
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': requestId, ':now': now },
        }),
      );
      released ||= isHeld(slot, now);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  const ticket = RequestTicketSchema.safeParse(record.Item);
  if (ticket.success) await leaveLine(db, pool, ticket.data.ticket);
  return { released };
}

function grantOf(slot: number, ticket: number, leaseExpiresAt: number): SlotGrant {
  return { slot, ticket, leaseExpiresAt: new Date(leaseExpiresAt).toISOString() };
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

/** Puts the request in line, or tells the line it is still waiting. */
async function keepPlace(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  requestId: string,
  ticket: number,
  now: number,
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: pool.table,
      Key: { pk: pool.name, sk: ticketKey(ticket) },
      UpdateExpression:
        'SET requestId = :me, ticket = :ticket, lastSeenAt = :now, enqueuedAt = if_not_exists(enqueuedAt, :now), expiresAt = :expires',
      ExpressionAttributeValues: {
        ':me': requestId,
        ':ticket': ticket,
        ':now': now,
        ':expires': epochSeconds(now + pool.waiterTimeoutMs + DAY_MS),
      },
    }),
  );
}

async function leaveLine(db: DynamoDBDocumentClient, pool: SlotPool, ticket: number): Promise<void> {
  await db.send(new DeleteCommand({ TableName: pool.table, Key: { pk: pool.name, sk: ticketKey(ticket) } }));
}

/** Takes slot `index` if it is free, its lease expired, or the request already holds it. */
async function claim(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  index: number,
  requestId: string,
  ticket: number,
  now: number,
  leaseExpiresAt: number,
): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: pool.table,
        Key: { pk: pool.name, sk: slotKey(index) },
        UpdateExpression: 'SET holder = :me, ticket = :ticket, acquiredAt = :now, leaseExpiresAt = :lease',
        ConditionExpression: 'attribute_not_exists(holder) OR leaseExpiresAt < :now OR holder = :me',
        ExpressionAttributeValues: {
          ':me': requestId,
          ':ticket': ticket,
          ':now': now,
          ':lease': leaseExpiresAt,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Every slot of the pool, and the waiters up to and including `ticket` (slot# sorts before ticket#). */
async function lineUpTo(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  ticket: number,
): Promise<{ slots: SlotItem[]; waiters: TicketItem[] }> {
  const items = await queryAll(db, {
    TableName: pool.table,
    KeyConditionExpression: 'pk = :pool AND sk BETWEEN :first AND :last',
    ExpressionAttributeValues: { ':pool': pool.name, ':first': SLOT_PREFIX, ':last': ticketKey(ticket) },
    ConsistentRead: true,
  });
  const slots: SlotItem[] = [];
  const waiters: TicketItem[] = [];
  for (const item of items) {
    const slot = SlotItemSchema.safeParse(item);
    if (slot.success) slots.push(slot.data);
    const waiter = TicketItemSchema.safeParse(item);
    if (waiter.success) waiters.push(waiter.data);
  }
  return { slots, waiters };
}

async function querySlots(db: DynamoDBDocumentClient, pool: SlotPool): Promise<SlotItem[]> {
  const items = await queryAll(db, {
    TableName: pool.table,
    KeyConditionExpression: 'pk = :pool AND begins_with(sk, :slot)',
    ExpressionAttributeValues: { ':pool': pool.name, ':slot': SLOT_PREFIX },
    ConsistentRead: true,
  });
  return items.map((item) => SlotItemSchema.parse(item));
}

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
