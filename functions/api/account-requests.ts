import { isDeepStrictEqual } from 'node:util';
import {
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConflictError, type FieldIssue, NotFoundError, ValidationError } from '../_shared/errors';
import type { OrganizationDirectory } from '../_shared/organization-directory';
import { ownerOf } from '../_shared/principals';
import {
  AccountRequestBodySchema,
  type Caller,
  CallerSchema,
  fieldIssuesOf,
  IdempotencyKeySchema,
  RequestIdSchema,
  type VendingInput,
} from '../_shared/schemas';
import {
  isPositionOf,
  type ListPosition,
  ListPositionSchema,
  listRequestRecords,
  REQUEST_STATES,
  type RequestRecord,
  readRequestRecord,
  recordSubmission,
} from '../account-vending/request-record';
import { validateAccountRequest } from '../account-vending/request-validation/validate-request';
import { readsEveryRequest, type VendingConfig } from '../account-vending/vending-config';
import { requestIdFor } from './caller';
import { describeIfExists, executionArnOf } from './executions';
import {
  parseObject,
  type RequestState,
  type RequestStatus,
  statusOf,
  statusOfRecord,
  withRecord,
} from './request-status';

export interface ApiPorts {
  sfn: SFNClient;
  /** the governor table, which keeps the account requests (functions/account-vending/request-record.ts) */
  db: DynamoDBDocumentClient;
  table: string;
  now: () => number;
  config: VendingConfig;
  stateMachineArn: string;
  /** the organization as this instance sees it, its listings shared across requests */
  directory: OrganizationDirectory;
}

export interface Submission {
  caller: Caller;
  /** the `Idempotency-Key` header, if sent */
  idempotencyKey: string | undefined;
  body: unknown;
  /** the status URL of a request id */
  statusUrl: (requestId: string) => string;
}

export interface Accepted {
  requestId: string;
  statusUrl: string;
  /** false when this answers a repeat of a request already accepted */
  created: boolean;
}

/**
 * POST /account-requests. The request id is derived from the caller and its key, and names both the request's
 * record and its execution, so asking again with the same key answers with the same request (and starts
 * nothing) while the same key with another body is a conflict — for as long as the record is kept, long after
 * Step Functions forgets the execution. A new request is validated against the organization, then recorded,
 * then started; a bad one is refused with every problem listed, and nothing is recorded.
 */
export async function submitAccountRequest(ports: ApiPorts, submission: Submission): Promise<Accepted> {
  const { caller, body } = submission;
  const issues: FieldIssue[] = [];
  const parsed = AccountRequestBodySchema.safeParse(body);
  if (!parsed.success) issues.push(...fieldIssuesOf(parsed.error, body));
  const key = idempotencyKeyOf(
    submission.idempotencyKey,
    parsed.success ? parsed.data.clientRequestId : undefined,
    issues,
  );
  if (!parsed.success || key === undefined) throw new ValidationError(issues);

  const { clientRequestId: _, ...request } = parsed.data;
  const input: VendingInput = { caller, request };
  const requestId = requestIdFor(caller, key);
  const accepted = { requestId, statusUrl: submission.statusUrl(requestId) };
  const executionArn = executionArnOf(ports.stateMachineArn, requestId);

  const recorded = await readRequestRecord(ports, requestId);
  if (recorded) {
    assertSameRequest(recorded.request, input, requestId);
    // recorded by a call that stopped before it started the execution (PENDING, nothing done): this one starts
    // it; a request that went further had an execution, which AWS may have dropped since, and is never redone
    if (recorded.state !== 'PENDING' || (await describeIfExists(ports.sfn, executionArn)))
      return { ...accepted, created: false };
  } else {
    // asked for before requests were recorded: its execution is all there is
    const existing = await describeIfExists(ports.sfn, executionArn);
    if (existing) {
      assertSameRequest(parseObject(existing.input).request, input, requestId);
      return { ...accepted, created: false };
    }
  }

  const normalized = await validateAccountRequest(ports.directory, ports.config, input);
  if (!recorded) {
    const submitted = { requestId, idempotencyKey: key, caller, request, now: ports.now() };
    if (!(await recordSubmission(ports, submitted))) {
      // another call with the same key recorded it between our look and our write
      const raced = await readRequestRecord(ports, requestId);
      if (raced) assertSameRequest(raced.request, input, requestId);
    }
  }
  // what was resolved goes along, so Validate Request verifies the ids instead of resolving them again
  const resolved = { organizationalUnit: normalized.organizationalUnit, policies: normalized.policies };
  try {
    await ports.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ports.stateMachineArn,
        name: requestId,
        input: JSON.stringify({ ...input, resolved } satisfies VendingInput),
      }),
    );
    return { ...accepted, created: true };
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    // another call with the same key started it between our look and our start
    const raced = await describeIfExists(ports.sfn, executionArn);
    if (!raced) throw error;
    assertSameRequest(parseObject(raced.input).request, input, requestId);
    return { ...accepted, created: false };
  }
}

function idempotencyKeyOf(header: string | undefined, inBody: string | undefined, issues: FieldIssue[]) {
  if (header === undefined && inBody === undefined) {
    issues.push({
      path: 'Idempotency-Key',
      rule: 'required',
      message:
        'send an Idempotency-Key header (or clientRequestId in the body), unique per account you ask for',
    });
    return undefined;
  }
  if (header !== undefined && inBody !== undefined && header !== inBody) {
    issues.push({
      path: 'clientRequestId',
      rule: 'idempotency-key-mismatch',
      message: 'clientRequestId differs from the Idempotency-Key header; send one of them, or the same value',
    });
    return undefined;
  }
  if (header === undefined) return inBody;
  const checked = IdempotencyKeySchema.safeParse(header);
  if (checked.success) return checked.data;
  issues.push({
    path: 'Idempotency-Key',
    rule: 'pattern',
    message: checked.error.issues[0]?.message ?? 'not valid',
  });
  return undefined;
}

/** Throws ConflictError unless `asked` (recorded, or in the execution) is this very request. */
function assertSameRequest(asked: unknown, input: VendingInput, requestId: string): void {
  if (isDeepStrictEqual(asked, JSON.parse(JSON.stringify(input.request)))) return;
  throw new ConflictError(
    `the idempotency key was already used for a different request (${requestId}); use a new key for a new account, or repeat the original body`,
  );
}

// a request that waited hours for a slot has a long history; past this many events the steps shown stop early
const MAX_HISTORY_PAGES = 10;

/** Whether `reader` may see a request asked for by `asker`: its own (same owner), or every one. */
function mayRead(config: VendingConfig, reader: Caller, asker: unknown): boolean {
  if (readsEveryRequest(config, reader)) return true;
  const parsed = CallerSchema.safeParse(asker);
  return parsed.success && ownerOf(parsed.data) === ownerOf(reader);
}

/**
 * GET /account-requests/{id}: the request's state, account, timestamps and the steps done. The record says how
 * it ended and stays after Step Functions forgets the execution (the steps then go with the history); a request
 * asked for before records were kept is read from its execution alone. Another caller's request is not found,
 * so ids reveal nothing (unless the reader may read every request).
 */
export async function describeAccountRequest(
  ports: ApiPorts,
  requestId: string | undefined,
  reader: Caller,
): Promise<RequestStatus> {
  const id = RequestIdSchema.safeParse(requestId);
  const notFound = new NotFoundError(`there is no account request ${requestId ?? ''}`.trim());
  if (!id.success) throw notFound;
  const executionArn = executionArnOf(ports.stateMachineArn, id.data);
  const [record, execution] = await Promise.all([
    readRequestRecord(ports, id.data),
    describeIfExists(ports.sfn, executionArn),
  ]);
  const asker = record ? record.caller : parseObject(execution?.input).caller;
  if ((!record && !execution) || !mayRead(ports.config, reader, asker)) throw notFound;
  if (!execution) return statusOfRecord(record as RequestRecord);
  const history: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const result = await ports.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
    );
    history.push(...(result.events ?? []));
    nextToken = result.nextToken;
    if (!nextToken) break;
  }
  const status = statusOf(execution, history);
  return record ? withRecord(status, record) : status;
}

export const MAX_LIST_LIMIT = 500;

export const ListQuerySchema = z.object({
  state: z.enum(REQUEST_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(20),
  nextToken: z.string().min(1).max(3096).optional(),
});

export interface RequestSummary {
  requestId: string;
  state: RequestState;
  accountName?: string;
  accountId: string | null;
  createdAt: string;
  completedAt?: string;
  statusUrl: string;
}

/**
 * GET /account-requests?state=&limit=&nextToken=: newest first, one Query of the governor table's index per
 * page — the caller's own requests, or every request for a reader of every one — whatever the number of
 * requests, and without reading an execution. With `state`, a page holds those of the `limit` read that are in
 * it, so it may hold fewer; follow `nextToken` for more. Requests asked for before records were kept are not
 * listed (GET by id still finds them while their execution is kept).
 */
export async function listAccountRequests(
  ports: ApiPorts,
  query: unknown,
  statusUrl: (requestId: string) => string,
  reader: Caller,
): Promise<{ requests: RequestSummary[]; nextToken?: string }> {
  const parsed = ListQuerySchema.safeParse(query ?? {});
  if (!parsed.success) throw new ValidationError(fieldIssuesOf(parsed.error, query));
  const { state, limit, nextToken } = parsed.data;
  const owner = readsEveryRequest(ports.config, reader) ? undefined : ownerOf(reader);
  const after = nextToken === undefined ? undefined : positionOf(nextToken, owner);
  const page = await listRequestRecords(ports, { owner, limit, state, ...(after ? { after } : {}) });
  return {
    requests: page.records.map((record) => ({
      requestId: record.requestId,
      state: record.state,
      ...(typeof record.request.accountName === 'string' ? { accountName: record.request.accountName } : {}),
      accountId: record.accountId ?? null,
      createdAt: record.createdAt,
      ...(record.completedAt ? { completedAt: record.completedAt } : {}),
      statusUrl: statusUrl(record.requestId),
    })),
    ...(page.next ? { nextToken: Buffer.from(JSON.stringify(page.next)).toString('base64url') } : {}),
  };
}

/** The position a nextToken carries; one this API did not give this reader is the caller's mistake (400). */
function positionOf(nextToken: string, owner: string | undefined): ListPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const position = ListPositionSchema.safeParse(decoded);
  if (position.success && isPositionOf(position.data, owner)) return position.data;
  throw new ValidationError([
    {
      path: 'nextToken',
      rule: 'invalid-token',
      message:
        'nextToken is not one this API gave out: pass the nextToken of the previous page as it came, or leave it out for the first page',
    },
  ]);
}
