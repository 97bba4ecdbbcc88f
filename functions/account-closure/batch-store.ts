import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { mapLimited } from '../_shared/concurrency';
import { conditional } from '../_shared/conditional-write';
import type { PlannedClosure } from './plan';

// What a closure batch asked for and where each of its accounts stands, one partition per batch in the
// governor table, so a status is one Query (not a DescribeExecution per account):
//
// | pk                    | sk             | what                                                          |
// | --------------------- | -------------- | ------------------------------------------------------------- |
// | `closure-batch#<id>`  | `batch`        | who asked, why, what they selected, the plan, the quota then   |
// | `closure-batch#<id>`  | `account#<id>` | the account's state, `until` when deferred, the reason of a skip or failure |
//
// The batch item is written once: a plan step retried (or resumed after a crash) reads the plan back instead of
// planning again, so a decision never changes under an account already on its way.

/** Where an account of a batch stands, in the order a status lists them. */
export const CLOSURE_STATES = [
  'planned',
  'waiting-for-slot',
  'closing',
  'closed',
  'deferred',
  'skipped',
  'failed',
  'departed',
] as const;
export type ClosureState = (typeof CLOSURE_STATES)[number];

export const BatchSelectionSchema = z.object({
  accountIds: z.array(z.string().regex(/^\d{12}$/, 'an account id is 12 digits')).max(1000),
  organizationalUnit: z.string().min(1).optional(),
  includeSubOrganizationalUnits: z.boolean().default(false),
});
export type BatchSelection = z.infer<typeof BatchSelectionSchema>;

const QuotaSchema = z.object({ used: z.number(), limit: z.number(), nextFitsAt: z.string() });
export type QuotaPicture = z.infer<typeof QuotaSchema>;

const PlannedClosureSchema = z.object({
  accountId: z.string(),
  decision: z.enum(['close-now', 'deferred', 'skipped']),
  until: z.string().optional(),
  reason: z.string().optional(),
  detail: z.string().optional(),
});

export const BatchRecordSchema = z.object({
  batchId: z.string(),
  reason: z.string(),
  requestedBy: z.string(),
  source: z.enum(['api', 'decommission']),
  dryRun: z.boolean(),
  createdAt: z.string(),
  selection: BatchSelectionSchema,
  plan: z.array(PlannedClosureSchema),
  quota: QuotaSchema,
});
export type BatchRecord = z.infer<typeof BatchRecordSchema>;

export const AccountRecordSchema = z.object({
  accountId: z.string(),
  state: z.enum(CLOSURE_STATES),
  until: z.string().optional(),
  reason: z.string().optional(),
  detail: z.string().optional(),
  closedAt: z.string().optional(),
  updatedAt: z.string(),
});
export type AccountRecord = z.infer<typeof AccountRecordSchema>;

export interface BatchStorePorts {
  db: DynamoDBDocumentClient;
  table: string;
}

const partition = (batchId: string) => `closure-batch#${batchId}`;
/** Batches are kept a year: the longest a deferred closure may wait is 30 days, a status is read long after. */
const KEEP_MS = 365 * 24 * 60 * 60 * 1000;
const expiresAt = (now: number) => Math.floor((now + KEEP_MS) / 1000);

/** The account's first state, from its decision. */
export function initialRecord(planned: PlannedClosure, now: number): AccountRecord {
  const updatedAt = new Date(now).toISOString();
  if (planned.decision === 'skipped')
    return {
      accountId: planned.accountId,
      state: 'skipped',
      reason: planned.reason,
      detail: planned.detail,
      updatedAt,
    };
  if (planned.decision === 'deferred')
    return { accountId: planned.accountId, state: 'deferred', until: planned.until, updatedAt };
  return { accountId: planned.accountId, state: 'planned', updatedAt };
}

/**
 * Records a batch and its accounts' first states. Returns the batch as recorded: this one, or the one an earlier
 * attempt recorded (whose plan then stands). Accounts already recorded keep their state.
 */
export async function recordBatch(
  ports: BatchStorePorts,
  batch: BatchRecord,
  now: number,
): Promise<BatchRecord> {
  const created = await conditional(
    ports.db.send(
      new PutCommand({
        TableName: ports.table,
        Item: { pk: partition(batch.batchId), sk: 'batch', ...batch, expiresAt: expiresAt(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  const recorded = created ? batch : ((await readBatch(ports, batch.batchId))?.batch ?? batch);
  await mapLimited(recorded.plan, 10, (planned) =>
    conditional(
      ports.db.send(
        new PutCommand({
          TableName: ports.table,
          Item: {
            pk: partition(batch.batchId),
            sk: `account#${planned.accountId}`,
            ...initialRecord(planned as PlannedClosure, now),
            expiresAt: expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ),
  );
  return recorded;
}

/**
 * The states an account's closure ends in: no later write of a step still under way changes them. `departed`:
 * the account left the organization before orgflow closed it (not a failure).
 */
export const FINAL_STATES: readonly ClosureState[] = ['closed', 'skipped', 'failed', 'departed'];

/**
 * Sets where one account of a batch stands. A final state stays: an attempt of an earlier step that answers
 * late (its task timed out and was retried meanwhile) does not write over how the closure ended.
 */
export async function setAccountState(
  ports: BatchStorePorts,
  batchId: string,
  accountId: string,
  state: ClosureState,
  now: number,
  extra: { until?: string; reason?: string; detail?: string; closedAt?: string } = {},
  /** a final state too is written only over a state that is not final (an outcome recorded twice keeps the first) */
  options: { keepFinal?: boolean } = {},
): Promise<void> {
  const fields: Record<string, unknown> = {
    accountId,
    state,
    updatedAt: new Date(now).toISOString(),
    expiresAt: expiresAt(now),
    ...extra,
  };
  const names = Object.keys(fields);
  // a state says all there is: what an earlier state said (a deferral's date, a reason) goes
  const stale = ['until', 'reason', 'detail'].filter((name) => !(name in extra));
  const final = FINAL_STATES.includes(state) && !options.keepFinal;
  await conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: { pk: partition(batchId), sk: `account#${accountId}` },
        ...(final
          ? {}
          : {
              ConditionExpression:
                'attribute_not_exists(#state) OR NOT #state IN (:closed, :skipped, :failed, :departed)',
            }),
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}${stale.length ? ` REMOVE ${stale.map((_, i) => `#r${i}`).join(', ')}` : ''}`,
        ExpressionAttributeNames: {
          ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
          ...Object.fromEntries(stale.map((name, i) => [`#r${i}`, name])),
          ...(final ? {} : { '#state': 'state' }),
        },
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]])),
          ...(final
            ? {}
            : { ':closed': 'closed', ':skipped': 'skipped', ':failed': 'failed', ':departed': 'departed' }),
        },
      }),
    ),
  );
}

/** A batch as recorded (who asked, what, its plan), without its accounts' states; undefined when none. */
export async function readBatchRecord(
  ports: BatchStorePorts,
  batchId: string,
): Promise<BatchRecord | undefined> {
  const { Item } = await ports.db.send(
    new GetCommand({
      TableName: ports.table,
      Key: { pk: partition(batchId), sk: 'batch' },
      ConsistentRead: true,
    }),
  );
  return Item ? BatchRecordSchema.parse(Item) : undefined;
}

/** A batch and its accounts, or undefined when there is no such batch. */
export async function readBatch(
  ports: BatchStorePorts,
  batchId: string,
): Promise<{ batch: BatchRecord; accounts: AccountRecord[] } | undefined> {
  let batch: BatchRecord | undefined;
  const accounts: AccountRecord[] = [];
  let startKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page: QueryCommandOutput = await ports.db.send(
      new QueryCommand({
        TableName: ports.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition(batchId) },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === 'batch') batch = BatchRecordSchema.parse(item);
      else {
        const account = AccountRecordSchema.safeParse(item);
        if (account.success) accounts.push(account.data);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return batch ? { batch, accounts } : undefined;
}
