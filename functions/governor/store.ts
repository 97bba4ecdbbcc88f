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
import { conditional } from '../_shared/conditional-write';
import { GovernorBusyError } from '../_shared/errors';
import {
  DAY_MS,
  type Line,
  nextCall,
  type Plan,
  SLOT_PREFIX,
  type SlotItem,
  type SlotPool,
  staleWaiters,
  type WaiterItem,
} from './plan';

/**
 * The governor's items in its table (catalog: the governor table), each write conditional so that racing
 * dispatchers never hand out a slot twice:
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
 * No transactions, scans or TTL deletions are needed, so the same code runs on DynamoDB and on dynalite.
 */

const REQUEST_RECORD_TTL_MS = 30 * DAY_MS;
const MAX_PACE_ATTEMPTS = 25;
const PACE_KEY = 'pace';
const TICKET_PREFIX = 'ticket#';
const slotKey = (index: number) => `${SLOT_PREFIX}${String(index).padStart(3, '0')}`;
const ticketKey = (ticket: number) => `${TICKET_PREFIX}${String(ticket).padStart(15, '0')}`;
const requestKey = (requestId: string) => `request#${requestId}`;
const waiterKey = (pool: SlotPool, ticket: number) => ({ pk: pool.name, sk: ticketKey(ticket) });
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

const SlotItemSchema: z.ZodType<SlotItem> = z.object({
  sk: z.string().startsWith(SLOT_PREFIX),
  holder: z.string().optional(),
  ticket: z.number().optional(),
  grantId: z.string().optional(),
  leaseExpiresAt: z.number().optional(),
  callAt: z.number().optional(),
});

const WaiterItemSchema: z.ZodType<WaiterItem> = z.object({
  sk: z.string().startsWith(TICKET_PREFIX),
  requestId: z.string(),
  ticket: z.number(),
  taskToken: z.string(),
  tokenAt: z.number(),
  enqueuedAt: z.number().optional(),
  grantId: z.string().optional(),
  grantSlot: z.number().optional(),
  grantedAt: z.number().optional(),
  sentToken: z.string().optional(),
});

const PaceItemSchema = z.object({ sk: z.literal(PACE_KEY), tat: z.number() });
const RequestTicketSchema = z.object({ ticket: z.number() });

/** A call token taken: when to call, and the bucket's tat before and after, to give it back. */
export interface PacedCall {
  callAt: number;
  previous: number | undefined;
  tat: number;
}

/** The ticket the request was given, if it has one. */
export async function ticketHeld(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  requestId: string,
): Promise<number | undefined> {
  const record = await db.send(
    new GetCommand({
      TableName: pool.table,
      Key: { pk: requestKey(requestId), sk: pool.name },
      ConsistentRead: true,
    }),
  );
  const ticket = RequestTicketSchema.safeParse(record.Item);
  return ticket.success ? ticket.data.ticket : undefined;
}

/** Takes the request out of line (nothing when it is not in it). */
export async function leaveLine(db: DynamoDBDocumentClient, pool: SlotPool, ticket: number): Promise<void> {
  await db.send(new DeleteCommand({ TableName: pool.table, Key: waiterKey(pool, ticket) }));
}

/** Deletes the waiters {@link staleWaiters} names, unless renewed meanwhile; `line` forgets them. */
export async function tidy(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  line: Line,
  now: number,
): Promise<void> {
  const stale = staleWaiters(line, now);
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

/** The request's ticket: the one it was given before, or the next number of the pool's counter. */
export async function ticketOf(
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
export async function joinLine(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  waiter: { requestId: string; taskToken: string; ticket: number },
  now: number,
): Promise<{ enqueuedAt: number }> {
  const { Attributes } = await db.send(
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
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  // when it first got in line: a retried acquire (every few minutes while it waits) keeps it
  return { enqueuedAt: typeof Attributes?.enqueuedAt === 'number' ? Attributes.enqueuedAt : now };
}

/** Marks the waiter as being handed `plan.slot` under `grantId`; its item as it is now, or undefined if taken. */
export async function recordGrant(
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

export async function withdrawGrant(
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

export async function recordSentToken(
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
export async function deleteWaiterIf(
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

export async function readWaiter(
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
export async function claimSlot(
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
export async function restampSlot(
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

export async function recordCallAt(
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
export async function freeSlot(
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

/**
 * Takes the pool's next call token ({@link nextCall}) with a conditional write on the tat read; a writer that
 * lost reads again.
 */
export async function paceCall(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  pace: Line['pace'],
  now: number,
): Promise<PacedCall> {
  for (let attempt = 0; attempt < MAX_PACE_ATTEMPTS; attempt++) {
    const previous = pace.tat;
    const { callAt, tat } = nextCall(pool.pace, previous, now);
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
      return { callAt, previous, tat };
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
export async function refundCall(
  db: DynamoDBDocumentClient,
  pool: SlotPool,
  paced: PacedCall,
): Promise<void> {
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

/** The pace, every slot and every waiter of the pool, in one Query (pace < slot# < ticket#). */
export async function readLine(db: DynamoDBDocumentClient, pool: SlotPool): Promise<Line> {
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

/** Every item a Query finds, page after page. */
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
