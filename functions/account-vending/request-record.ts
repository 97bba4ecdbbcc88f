import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditional } from '../_shared/conditional-write';
import { causeMessage, requesterFacingErrors } from '../_shared/errors';
import { ownerOf } from '../_shared/principals';
import { type Caller, CallerSchema } from '../_shared/schemas';

// An account request as orgflow keeps it, beside the request's other items in the governor table, with no
// expiry: its status and its idempotency key outlive the execution (which AWS drops 90 days after it ends).
//
// | pk             | sk                | what                                                                   |
// | -------------- | ----------------- | ---------------------------------------------------------------------- |
// | `request#<id>` | `account-request` | who asked, with which key, what for; its state, account, how it ended  |
//
// Written by the API at submission (PENDING, before the execution starts) and by the workflow's Record steps
// (the account once it exists, the outcome with its reason). A request started without the API gets its record
// from the workflow. `ownerKey`, `kind` and `listKey` put it in the table's `by-owner` and `by-kind` indexes.

export const REQUEST_STATES = ['PENDING', 'CREATING', 'CONFIGURING', 'SUCCEEDED', 'FAILED'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
export const FINAL_REQUEST_STATES: readonly RequestState[] = ['SUCCEEDED', 'FAILED'];

export const RequestRecordSchema = z.object({
  requestId: z.string(),
  /** absent for a request started without the API */
  idempotencyKey: z.string().optional(),
  owner: z.string(),
  caller: CallerSchema,
  /** the request as it was asked (the execution's input `request`) */
  request: z.record(z.string(), z.unknown()),
  state: z.enum(REQUEST_STATES),
  accountId: z.string().optional(),
  /** the named error a FAILED request ended with, and why in the requester's words */
  error: z.string().optional(),
  reason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

export interface RequestStorePorts {
  db: DynamoDBDocumentClient;
  table: string;
}

const SK = 'account-request';
const KIND = 'account-request';
const keyOf = (requestId: string) => ({ pk: `request#${requestId}`, sk: SK });
const ownerKeyOf = (owner: string) => `${KIND}#${owner}`;
const listKeyOf = (createdAt: string, requestId: string) => `${createdAt}#${requestId}`;

/** The index attributes of a request record. */
function indexed(owner: string, createdAt: string, requestId: string) {
  return { kind: KIND, ownerKey: ownerKeyOf(owner), listKey: listKeyOf(createdAt, requestId) };
}

/** Records a request at submission; false when one with its id is already recorded (which stands). */
export function recordSubmission(
  ports: RequestStorePorts,
  submission: { requestId: string; idempotencyKey: string; caller: Caller; request: object; now: number },
): Promise<boolean> {
  const createdAt = new Date(submission.now).toISOString();
  const owner = ownerOf(submission.caller);
  const record: RequestRecord = {
    requestId: submission.requestId,
    idempotencyKey: submission.idempotencyKey,
    owner,
    caller: submission.caller,
    request: JSON.parse(JSON.stringify(submission.request)),
    state: 'PENDING',
    createdAt,
    updatedAt: createdAt,
  };
  return conditional(
    ports.db.send(
      new PutCommand({
        TableName: ports.table,
        Item: { ...keyOf(submission.requestId), ...record, ...indexed(owner, createdAt, record.requestId) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** The request's record, or undefined when it has none (unknown, or asked for before records were kept). */
export async function readRequestRecord(
  ports: RequestStorePorts,
  requestId: string,
): Promise<RequestRecord | undefined> {
  const { Item } = await ports.db.send(
    new GetCommand({ TableName: ports.table, Key: keyOf(requestId), ConsistentRead: true }),
  );
  return Item ? RequestRecordSchema.parse(Item) : undefined;
}

export interface RequestProgress {
  requestId: string;
  caller: Caller;
  request: object;
  state: Exclude<RequestState, 'PENDING'>;
  accountId?: string | undefined;
  error?: string | undefined;
  reason?: string | undefined;
  now: number;
}

/**
 * Moves the request to `progress.state` (with its account, or its error and reason), creating the record if the
 * request was started without the API. A final state stays: false when the request had already ended, so a step
 * retried after its write does not record (or count) the outcome twice.
 */
export function recordProgress(ports: RequestStorePorts, progress: RequestProgress): Promise<boolean> {
  const now = new Date(progress.now).toISOString();
  const owner = ownerOf(progress.caller);
  const final = FINAL_REQUEST_STATES.includes(progress.state);
  const set: Record<string, unknown> = {
    state: progress.state,
    updatedAt: now,
    ...(progress.accountId ? { accountId: progress.accountId } : {}),
    ...(progress.error ? { error: progress.error } : {}),
    ...(progress.reason ? { reason: progress.reason } : {}),
    ...(final ? { completedAt: now } : {}),
  };
  const ifNew: Record<string, unknown> = {
    requestId: progress.requestId,
    owner,
    caller: progress.caller,
    request: JSON.parse(JSON.stringify(progress.request)),
    createdAt: now,
    ...indexed(owner, now, progress.requestId),
  };
  const names = [...Object.keys(set), ...Object.keys(ifNew)];
  const name = (field: string) => `#f${names.indexOf(field)}`;
  const value = (field: string) => `:f${names.indexOf(field)}`;
  return conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: keyOf(progress.requestId),
        UpdateExpression: `SET ${[
          ...Object.keys(set).map((f) => `${name(f)} = ${value(f)}`),
          ...Object.keys(ifNew).map((f) => `${name(f)} = if_not_exists(${name(f)}, ${value(f)})`),
        ].join(', ')}`,
        ConditionExpression: `attribute_not_exists(${name('state')}) OR NOT ${name('state')} IN (:succeeded, :failed)`,
        ExpressionAttributeNames: Object.fromEntries(names.map((f) => [name(f), f])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((f) => [value(f), set[f] ?? ifNew[f]])),
          ':succeeded': 'SUCCEEDED',
          ':failed': 'FAILED',
        },
      }),
    ),
  );
}

/** The key a listing page ends at (DynamoDB's LastEvaluatedKey of an index): where the next page starts. */
export const ListPositionSchema = z.strictObject({
  pk: z.string(),
  sk: z.literal(SK),
  listKey: z.string(),
  ownerKey: z.string().optional(),
  kind: z.literal(KIND).optional(),
});
export type ListPosition = z.infer<typeof ListPositionSchema>;

export interface ListedRequests {
  records: RequestRecord[];
  /** where the next page starts; absent on the last page */
  next?: ListPosition;
}

/**
 * One page of account requests, newest first, in one Query of an index: one owner's (`by-owner`), or every one
 * (`by-kind`, `owner` undefined). With `state`, the page holds those of the `limit` read that are in it.
 */
export async function listRequestRecords(
  ports: RequestStorePorts,
  query: { owner: string | undefined; limit: number; state?: RequestState | undefined; after?: ListPosition },
): Promise<ListedRequests> {
  const byOwner = query.owner !== undefined;
  const { Items, LastEvaluatedKey } = await ports.db.send(
    new QueryCommand({
      TableName: ports.table,
      IndexName: byOwner ? 'by-owner' : 'by-kind',
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: {
        '#partition': byOwner ? 'ownerKey' : 'kind',
        ...(query.state ? { '#state': 'state' } : {}),
      },
      ExpressionAttributeValues: {
        ':partition': byOwner ? ownerKeyOf(query.owner as string) : KIND,
        ...(query.state ? { ':state': query.state } : {}),
      },
      ...(query.state ? { FilterExpression: '#state = :state' } : {}),
      ScanIndexForward: false,
      Limit: query.limit,
      ...(query.after ? { ExclusiveStartKey: query.after } : {}),
    }),
  );
  const next = LastEvaluatedKey ? ListPositionSchema.safeParse(LastEvaluatedKey) : undefined;
  return {
    records: (Items ?? []).flatMap((item) => {
      const record = RequestRecordSchema.safeParse(item);
      return record.success ? [record.data] : [];
    }),
    ...(next?.success ? { next: next.data } : {}),
  };
}

/** Whether `position` is one a listing of this partition (`owner`, or every request) could have given out. */
export function isPositionOf(position: ListPosition, owner: string | undefined): boolean {
  return owner === undefined ? position.kind === KIND : position.ownerKey === ownerKeyOf(owner);
}

/**
 * Why a request ended with `error`, in words for the requester: a requester-facing error's own message; any
 * other (an AWS fault, a bug) is named, never described.
 */
export function requesterReasonOf(error: string, cause: string | undefined, requestId: string): string {
  if (!requesterFacingErrors.has(error))
    return `the request failed because of an internal error (${error}); give the platform team the request id ${requestId}`;
  return causeMessage(cause) ?? error;
}

/**
 * The domain failures: the request cannot be served as asked, and asking differently serves it (another email or
 * address, an OU or policy that exists). The workflow ends them without failing the execution, so that they
 * count as AccountRequestsRefused and not as ExecutionsFailed. Every other failure, requester-facing or not, is
 * the platform's to look at and fails the execution: the organization's account quota, the payment instrument,
 * AWS's own failures and timeouts, an account removed while it was being set up, a step that broke.
 */
const DOMAIN_FAILURES: ReadonlySet<string> = new Set([
  'ValidationError',
  'EmailAlreadyExistsError',
  'InvalidEmailError',
  'InvalidAddressError',
  'OrganizationalUnitNotFoundError',
  'PolicyNotFoundError',
]);

export const isDomainFailure = (error: string): boolean => DOMAIN_FAILURES.has(error);
