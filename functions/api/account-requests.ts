import { isDeepStrictEqual } from 'node:util';
import {
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  ListExecutionsCommand,
  type ListExecutionsCommandInput,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
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
import { validateAccountRequest } from '../account-vending/request-validation/validate-request';
import { readsEveryRequest, type VendingConfig } from '../account-vending/vending-config';
import { requestIdFor } from './caller';
import { describeIfExists, executionArnOf } from './executions';
import {
  lastEnteredState,
  parseObject,
  phaseOf,
  type RequestState,
  type RequestStatus,
  statusOf,
} from './request-status';

export interface ApiPorts {
  sfn: SFNClient;
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
 * POST /account-requests. The request id is the execution name, so asking again with the same key answers
 * with the same request (and starts nothing) while the same key with another body is a conflict. A new
 * request is validated against the organization before anything starts; a bad one is refused with every
 * problem listed.
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

  const existing = await describeIfExists(ports.sfn, executionArn);
  if (existing) {
    assertSameRequest(existing, input, requestId);
    return { ...accepted, created: false };
  }

  const normalized = await validateAccountRequest(ports.directory, ports.config, input);
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
    assertSameRequest(raced, input, requestId);
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

/** Throws ConflictError unless the execution carries this very request (the caller's session may differ). */
function assertSameRequest(execution: DescribeExecutionOutput, input: VendingInput, requestId: string): void {
  if (isDeepStrictEqual(parseObject(execution.input).request, JSON.parse(JSON.stringify(input.request))))
    return;
  throw new ConflictError(
    `the idempotency key was already used for a different request (${requestId}); use a new key for a new account, or repeat the original body`,
  );
}

// a request that waited hours for a slot has a long history; past this many events the steps shown stop early
const MAX_HISTORY_PAGES = 10;

/** Whether `reader` may see the request `execution` carries: its own (same owner), or every one. */
function mayRead(config: VendingConfig, reader: Caller, execution: DescribeExecutionOutput): boolean {
  if (readsEveryRequest(config, reader)) return true;
  const asker = CallerSchema.safeParse(parseObject(execution.input).caller);
  return asker.success && ownerOf(asker.data) === ownerOf(reader);
}

/**
 * GET /account-requests/{id}: the request's state, account, timestamps and the steps done. Another caller's
 * request is not found, so ids reveal nothing (unless the reader may read every request).
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
  const execution = await describeIfExists(ports.sfn, executionArn);
  if (!execution || !mayRead(ports.config, reader, execution)) throw notFound;
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
  return statusOf(execution, history);
}

export const ListQuerySchema = z.object({
  state: z.enum(['PENDING', 'CREATING', 'CONFIGURING', 'SUCCEEDED', 'FAILED']).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  // Step Functions' limit on ListExecutions' nextToken
  nextToken: z.string().min(1).max(3096).optional(),
});

export interface RequestSummary {
  requestId: string;
  state: RequestState;
  createdAt: string;
  completedAt?: string;
  statusUrl: string;
}

const executionStatusOf: Readonly<Record<RequestState, ExecutionStatus>> = {
  PENDING: 'RUNNING',
  CREATING: 'RUNNING',
  CONFIGURING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
};

/**
 * GET /account-requests?state=&limit=&nextToken=: newest first, one page of executions. The running ones are
 * placed in PENDING / CREATING / CONFIGURING by their latest state, and a caller sees only its own requests
 * unless it reads every one (Step Functions cannot filter by input, so each is described), so a page may
 * hold fewer than `limit`; follow `nextToken` for more.
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
  const page = await listExecutions(ports.sfn, {
    stateMachineArn: ports.stateMachineArn,
    maxResults: limit,
    ...(state ? { statusFilter: executionStatusOf[state] } : {}),
    ...(nextToken ? { nextToken } : {}),
  });
  const everyone = readsEveryRequest(ports.config, reader);
  const requests: RequestSummary[] = [];
  for (const execution of page.executions ?? []) {
    if (!execution.name || !execution.executionArn) continue;
    if (!everyone) {
      const described = await describeIfExists(ports.sfn, execution.executionArn);
      if (!described || !mayRead(ports.config, reader, described)) continue;
    }
    const latest =
      execution.status === 'RUNNING' ? await latestState(ports.sfn, execution.executionArn) : undefined;
    const phase = phaseOf(execution.status, latest);
    if (state && phase !== state) continue;
    requests.push({
      requestId: execution.name,
      state: phase,
      createdAt: (execution.startDate ?? new Date(0)).toISOString(),
      ...(execution.stopDate ? { completedAt: execution.stopDate.toISOString() } : {}),
      statusUrl: statusUrl(execution.name),
    });
  }
  return { requests, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

/** ListExecutions; a token Step Functions does not recognise is the caller's mistake (400), not ours. */
async function listExecutions(sfn: SFNClient, input: ListExecutionsCommandInput) {
  try {
    return await sfn.send(new ListExecutionsCommand(input));
  } catch (error) {
    if (!(error instanceof InvalidToken)) throw error;
    throw new ValidationError(
      [
        {
          path: 'nextToken',
          rule: 'invalid-token',
          message:
            'nextToken is not one this API gave out: pass the nextToken of the previous page as it came, or leave it out for the first page',
        },
      ],
      { cause: error },
    );
  }
}

/** The latest state entered, reading the history backwards until one shows up. */
async function latestState(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const result = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 100,
        includeExecutionData: false,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    const name = lastEnteredState(result.events ?? []);
    if (name) return name;
    nextToken = result.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}
