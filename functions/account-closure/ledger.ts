import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditional } from '../_shared/conditional-write';
import { CLOSURE_WINDOW_MS } from '../governor/closure-window';

// The closure ledger: every closure of the organization in the rolling 30-day window, orgflow's and anyone
// else's (learned from CloseAccount CloudTrail events), one item per account in the governor table:
//
// | pk               | sk                  | what                                                       |
// | ---------------- | ------------------- | ---------------------------------------------------------- |
// | `closure-ledger` | `account#<id>`      | `requestedAt` (epoch ms), `source`; `expiresAt` after the window |
// | `closure-ledger` | `correction#<at>`   | a closure AWS counts that the ledger had missed (see correct) |
// | `closure-ledger` | `quota`             | `limit`, `memberAccounts`, `countedAt`: the quota last computed  |
//
// An account is closed once, so recording the same closure twice (a duplicate event, a retried step) keeps the
// first record.

const LEDGER = 'closure-ledger';
const DAY_MS = 24 * 60 * 60 * 1000;

export type ClosureSource = 'orgflow' | 'outside' | 'correction';

const EntrySchema = z.object({
  sk: z.string().startsWith('account#').or(z.string().startsWith('correction#')),
  requestedAt: z.number(),
});
const QuotaSchema = z.object({
  limit: z.number().int().min(1),
  memberAccounts: z.number().int(),
  countedAt: z.number(),
});

export interface LedgerPorts {
  db: DynamoDBDocumentClient;
  table: string;
}

/** Records a closure requested at `requestedAt`; false when the account's closure was already recorded. */
export function recordClosure(
  ports: LedgerPorts,
  closure: {
    accountId: string;
    requestedAt: number;
    source: Exclude<ClosureSource, 'correction'>;
    /** orgflow's: the batch that called, so that another batch finding the account closing knows it is not its */
    batchId?: string;
  },
): Promise<boolean> {
  return put(ports, `account#${closure.accountId}`, closure.requestedAt, closure.source, closure.batchId);
}

/**
 * AWS refused a closure with CLOSE_ACCOUNT_QUOTA_EXCEEDED while the ledger saw room: closures it never heard
 * of fill the window. Records as many as make the window full at `now`, so the forecast defers from here on;
 * they leave the window in 30 days like any other (a conservative guess: the real ones may leave earlier).
 */
export async function correct(ports: LedgerPorts, limit: number, now: number): Promise<number> {
  const missing = Math.max(0, limit - (await closuresInWindow(ports, now)).length);
  for (let i = 0; i < missing; i++) await put(ports, `correction#${now}#${i}`, now, 'correction');
  return missing;
}

/** The request times of the closures in the window at `now`, oldest first. */
export async function closuresInWindow(ports: LedgerPorts, now: number): Promise<number[]> {
  const times: number[] = [];
  let startKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page: QueryCommandOutput = await ports.db.send(
      new QueryCommand({
        TableName: ports.table,
        KeyConditionExpression: 'pk = :ledger',
        FilterExpression: 'requestedAt > :since',
        ExpressionAttributeValues: { ':ledger': LEDGER, ':since': now - CLOSURE_WINDOW_MS },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const entry = EntrySchema.safeParse(item);
      if (entry.success) times.push(entry.data.requestedAt);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return times.sort((a, b) => a - b);
}

function put(
  ports: LedgerPorts,
  sk: string,
  requestedAt: number,
  source: ClosureSource,
  batchId?: string,
): Promise<boolean> {
  return conditional(
    ports.db.send(
      new PutCommand({
        TableName: ports.table,
        Item: {
          pk: LEDGER,
          sk,
          requestedAt,
          source,
          ...(batchId === undefined ? {} : { batchId }),
          // gone a day after it leaves the window (TTL deletes late; the query filters by time anyway)
          expiresAt: Math.floor((requestedAt + CLOSURE_WINDOW_MS + DAY_MS) / 1000),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/**
 * Keeps the quota the organization's size allows, as a batch's plan computed it from every account it read, so
 * each closure checks against it without counting the organization again (and never against a number an
 * execution's input could carry).
 */
export async function recordQuotaLimit(
  ports: LedgerPorts,
  quota: { limit: number; memberAccounts: number; countedAt: number },
): Promise<void> {
  await ports.db.send(
    new PutCommand({ TableName: ports.table, Item: { pk: LEDGER, sk: 'quota', ...quota } }),
  );
}

/** The quota last recorded, or undefined when no plan has counted the organization yet. */
export async function recordedQuotaLimit(ports: LedgerPorts): Promise<number | undefined> {
  const { Item } = await ports.db.send(
    new GetCommand({ TableName: ports.table, Key: { pk: LEDGER, sk: 'quota' }, ConsistentRead: true }),
  );
  const quota = QuotaSchema.safeParse(Item);
  return quota.success ? quota.data.limit : undefined;
}

/** Forgets a closure AWS refused (nothing was closed), so it does not count against the quota. */
export async function forgetClosure(ports: LedgerPorts, accountId: string): Promise<void> {
  await ports.db.send(
    new DeleteCommand({ TableName: ports.table, Key: { pk: LEDGER, sk: `account#${accountId}` } }),
  );
}

/** The account's closure in the ledger: who made it (orgflow recorded it before calling), and when. */
export async function closureRecordOf(
  ports: LedgerPorts,
  accountId: string,
): Promise<{ source: ClosureSource; requestedAt: number; batchId?: string | undefined } | undefined> {
  const { Item } = await ports.db.send(
    new GetCommand({
      TableName: ports.table,
      Key: { pk: LEDGER, sk: `account#${accountId}` },
      ConsistentRead: true,
    }),
  );
  const record = z
    .object({
      source: z.enum(['orgflow', 'outside', 'correction']),
      requestedAt: z.number(),
      batchId: z.string().optional(),
    })
    .safeParse(Item);
  return record.success ? record.data : undefined;
}

/** Whether the account's closure is in the ledger (an earlier attempt recorded it before calling). */
export async function closureRecorded(ports: LedgerPorts, accountId: string): Promise<boolean> {
  return (await closureRecordOf(ports, accountId)) !== undefined;
}

/**
 * The call that went through was made at `at`: an attempt before it (throttled, or lost to a restart) recorded an
 * earlier time, and the window must count the closure from when AWS did.
 */
export async function markCalled(ports: LedgerPorts, accountId: string, at: number): Promise<void> {
  await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: { pk: LEDGER, sk: `account#${accountId}` },
      UpdateExpression: 'SET requestedAt = :at, expiresAt = :expires',
      ExpressionAttributeValues: {
        ':at': at,
        ':expires': Math.floor((at + CLOSURE_WINDOW_MS + DAY_MS) / 1000),
      },
    }),
  );
}
