import { isDeepStrictEqual } from 'node:util';
import {
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { z } from 'zod';
import {
  ConflictError,
  causeMessage,
  type FieldIssue,
  HttpError,
  NotFoundError,
  requesterFacingErrors,
  ValidationError,
} from '../_shared/errors';
import type { OrganizationDirectory } from '../_shared/organization-directory';
import { resolveOrganizationalUnit } from '../_shared/organization-lookup';
import {
  type Caller,
  fieldIssuesOf,
  IdempotencyKeySchema,
  OrganizationalUnitRefSchema,
} from '../_shared/schemas';
import {
  type AccountRecord,
  type BatchSelection,
  type BatchStorePorts,
  CLOSURE_STATES,
  type ClosureState,
  FINAL_STATES,
  readBatch,
  readBatchRecord,
} from '../account-closure/batch-store';
import { type ClosureConfig, mayClose } from '../account-closure/closure-config';
import { BatchIdSchema } from '../account-closure/closure-step-inputs';
import { closuresInWindow, recordedQuotaLimit } from '../account-closure/ledger';
import type { ClosureBatchInput } from '../account-closure/plan-closure-batch/plan-closure-batch';
import { closureBudget } from '../governor/closure-window';
import { closureBatchIdFor } from './caller';
import { describeIfExists, executionArnOf } from './executions';
import { parseObject } from './request-status';

export const MAX_BATCH_ACCOUNTS = 1000;

const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

const isObjectPayload = ({ value }: { value: unknown }) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** POST /closure-batches: the accounts by id and/or an OU (and the OUs below it), why, and whether only to plan. */
export const ClosureBatchBodySchema = z
  .strictObject(
    {
      accountIds: z
        .array(
          z
            .string({ error: 'an account id is a string of 12 digits' })
            .regex(/^\d{12}$/, 'an account id is 12 digits'),
          {
            error: 'accountIds must be a list of 12-digit account ids',
          },
        )
        .max(MAX_BATCH_ACCOUNTS, `a batch closes at most ${MAX_BATCH_ACCOUNTS} accounts by id`)
        .optional(),
      organizationalUnit: OrganizationalUnitRefSchema.refine((ref) => !ROOT_ID.test(ref), {
        message: 'the root cannot be closed as a whole: name an OU by id (ou-…) or path (Decommission)',
        params: { rule: 'not-root' },
      }).optional(),
      includeSubOrganizationalUnits: z
        .boolean({ error: 'includeSubOrganizationalUnits must be true or false' })
        .default(false),
      reason: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? 'a reason is required: say why these accounts are closed (it is tagged on each one)'
              : 'the reason must be a string',
        })
        .min(1, 'the reason must not be empty')
        .max(256, 'the reason must be at most 256 characters'),
      dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false),
    },
    { error: 'the body must be a JSON object: { accountIds?, organizationalUnit?, reason, dryRun? }' },
  )
  // checked even when a field is missing or of the wrong type, so one answer lists those problems too
  .refine(
    (body) =>
      (Array.isArray(body.accountIds) && body.accountIds.length > 0) || body.organizationalUnit !== undefined,
    {
      path: ['accountIds'],
      message: 'name the accounts to close: accountIds, organizationalUnit, or both',
      params: { rule: 'selection-required' },
      when: isObjectPayload,
    },
  )
  .refine((body) => body.includeSubOrganizationalUnits !== true || body.organizationalUnit !== undefined, {
    path: ['includeSubOrganizationalUnits'],
    message: 'includeSubOrganizationalUnits needs an organizationalUnit',
    params: { rule: 'needs-organizational-unit' },
    when: isObjectPayload,
  });
export type ClosureBatchBody = z.infer<typeof ClosureBatchBodySchema>;

export interface ClosureApiPorts extends BatchStorePorts {
  sfn: SFNClient;
  config: ClosureConfig;
  /** the closure batch state machine */
  stateMachineArn: string;
  directory: OrganizationDirectory;
  now: () => number;
}

export interface ClosureSubmission {
  caller: Caller;
  /** the `Idempotency-Key` header, if sent */
  idempotencyKey: string | undefined;
  body: unknown;
  /** the status URL of a batch id */
  statusUrl: (batchId: string) => string;
}

export interface ClosureAccepted {
  batchId: string;
  statusUrl: string;
  /** false when this answers a repeat of a batch already accepted */
  created: boolean;
}

/** Refuses callers the closure configuration does not name: closing accounts is for the ops team only. */
function assertMayClose(config: ClosureConfig, caller: Caller): void {
  if (mayClose(config, caller)) return;
  throw new HttpError(
    403,
    `${caller.arn} may not ask for or read closure batches: it is not one of the closure configuration's callers (${config.callers.length ? config.callers.join(', ') : 'none are configured'}); ask the platform team to add it to "callers" in CLOSURE_CONFIG`,
  );
}

/**
 * POST /closure-batches. The batch id is the execution's name, derived from the caller and its Idempotency-Key:
 * asking again with the same key answers with the same batch (and starts nothing); the same key with another
 * body is a conflict. The OU must exist now; which accounts close, wait or are skipped is the plan's to say.
 */
export async function submitClosureBatch(
  ports: ClosureApiPorts,
  submission: ClosureSubmission,
): Promise<ClosureAccepted> {
  const { caller, body } = submission;
  assertMayClose(ports.config, caller);
  const issues: FieldIssue[] = [];
  const parsed = ClosureBatchBodySchema.safeParse(body);
  if (!parsed.success) issues.push(...fieldIssuesOf(parsed.error, body));
  const key = idempotencyKeyOf(submission.idempotencyKey, issues);
  if (!parsed.success || key === undefined) throw new ValidationError(issues);

  const { accountIds = [], organizationalUnit, includeSubOrganizationalUnits, reason, dryRun } = parsed.data;
  const input: Omit<ClosureBatchInput, 'batchId'> = {
    caller,
    source: 'api',
    request: {
      selection: {
        accountIds,
        ...(organizationalUnit === undefined ? {} : { organizationalUnit }),
        includeSubOrganizationalUnits,
      },
      reason,
      dryRun,
    },
  };
  const batchId = closureBatchIdFor(caller, key);
  const accepted = { batchId, statusUrl: submission.statusUrl(batchId) };
  const executionArn = executionArnOf(ports.stateMachineArn, batchId);

  const existing = await describeIfExists(ports.sfn, executionArn);
  if (existing) {
    assertSameBatch(parseObject(existing.input), input, batchId);
    return { ...accepted, created: false };
  }
  // Step Functions forgets an execution 90 days after it ends (and would then start its name again): the
  // batch's record still holds the key
  const recorded = await readBatchRecord(ports, batchId);
  if (recorded) {
    const { selection, reason, dryRun, source } = recorded;
    assertSameBatch({ source, request: { selection, reason, dryRun } }, input, batchId);
    return { ...accepted, created: false };
  }
  if (
    organizationalUnit !== undefined &&
    !(await resolveOrganizationalUnit(ports.directory, organizationalUnit))
  )
    throw new ValidationError([
      {
        path: 'organizationalUnit',
        rule: 'not-found',
        message: `there is no organizational unit ${organizationalUnit} in this organization; give an existing OU's id (ou-…) or path of names from the root`,
      },
    ]);
  try {
    await ports.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ports.stateMachineArn,
        name: batchId,
        input: JSON.stringify(input),
      }),
    );
    return { ...accepted, created: true };
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    // another call with the same key started it between our look and our start
    const raced = await describeIfExists(ports.sfn, executionArn);
    if (!raced) throw error;
    assertSameBatch(parseObject(raced.input), input, batchId);
    return { ...accepted, created: false };
  }
}

function idempotencyKeyOf(header: string | undefined, issues: FieldIssue[]): string | undefined {
  if (header === undefined) {
    issues.push({
      path: 'Idempotency-Key',
      rule: 'required',
      message: 'send an Idempotency-Key header, unique per batch you ask for (a UUID will do)',
    });
    return undefined;
  }
  const checked = IdempotencyKeySchema.safeParse(header);
  if (checked.success) return checked.data;
  issues.push({
    path: 'Idempotency-Key',
    rule: 'pattern',
    message: checked.error.issues[0]?.message ?? 'not valid',
  });
  return undefined;
}

/** Throws ConflictError unless `started` (an execution's input, or the record) is this very batch. */
function assertSameBatch(
  started: Record<string, unknown>,
  input: Omit<ClosureBatchInput, 'batchId'>,
  batchId: string,
): void {
  if (
    started.source === input.source &&
    isDeepStrictEqual(started.request, JSON.parse(JSON.stringify(input.request)))
  )
    return;
  throw new ConflictError(
    `the idempotency key was already used for a different closure batch (${batchId}); use a new key for a new batch, or repeat the original body`,
  );
}

/** A batch's state: its execution's status, PLANNING before the plan is recorded, PLANNED for a finished dry run. */
export type BatchState =
  | 'PLANNING'
  | 'PLANNED'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

/** An account of a batch as the status shows it. */
export type BatchAccount = Omit<AccountRecord, 'updatedAt'>;

export interface ClosureBatchStatus {
  batchId: string;
  state: BatchState;
  dryRun?: boolean;
  reason?: string;
  requestedBy?: string;
  source?: 'api' | 'decommission';
  createdAt?: string;
  completedAt?: string;
  selection?: BatchSelection;
  counts?: Record<ClosureState, number>;
  quota?: { used: number; limit: number; nextFitsAt: string };
  accounts?: BatchAccount[];
  /** why the batch failed, when it did */
  failure?: { error: string; message: string };
}

/**
 * GET /closure-batches/{id}: where the batch and each of its accounts stand (from the batch's records, so it
 * reads the same after Step Functions forgets the execution), and the closure quota as it is now.
 */
export async function describeClosureBatch(
  ports: ClosureApiPorts,
  batchId: string | undefined,
  reader: Caller,
): Promise<ClosureBatchStatus> {
  assertMayClose(ports.config, reader);
  const id = BatchIdSchema.safeParse(batchId);
  const notFound = new NotFoundError(`there is no closure batch ${batchId ?? ''}`.trim());
  if (!id.success) throw notFound;
  const [recorded, execution] = await Promise.all([
    readBatch(ports, id.data),
    describeIfExists(ports.sfn, executionArnOf(ports.stateMachineArn, id.data)),
  ]);
  if (!recorded && !execution) throw notFound;
  const ended = {
    ...(execution?.stopDate ? { completedAt: execution.stopDate.toISOString() } : {}),
    ...(failureOf(execution) ?? {}),
  };
  if (!recorded) {
    // the execution has not planned yet, or failed before it could
    const status = execution?.status ?? 'RUNNING';
    return {
      batchId: id.data,
      state: status === 'RUNNING' ? 'PLANNING' : status,
      ...(execution?.startDate ? { createdAt: execution.startDate.toISOString() } : {}),
      ...ended,
    };
  }
  const { batch } = recorded;
  const accounts = inPlanOrder(
    recorded.accounts,
    batch.plan.map((p) => p.accountId),
  );
  return {
    batchId: batch.batchId,
    state: stateOf(execution, batch.dryRun, accounts),
    dryRun: batch.dryRun,
    reason: batch.reason,
    requestedBy: batch.requestedBy,
    source: batch.source,
    createdAt: batch.createdAt,
    ...ended,
    selection: batch.selection,
    counts: countsOf(accounts),
    quota: await quotaNow(ports, batch.quota.limit),
    accounts,
  };
}

function stateOf(
  execution: DescribeExecutionOutput | undefined,
  dryRun: boolean,
  accounts: readonly BatchAccount[],
): BatchState {
  // Step Functions forgets an execution 90 days after it ends: the records then tell how it ended
  const status =
    execution?.status ??
    (accounts.every((a) => FINAL_STATES.includes(a.state)) || dryRun ? 'SUCCEEDED' : 'RUNNING');
  return dryRun && status === 'SUCCEEDED' ? 'PLANNED' : status;
}

function failureOf(execution: DescribeExecutionOutput | undefined) {
  if (!execution || !['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution.status ?? '')) return undefined;
  const error = execution.error ?? execution.status ?? 'FAILED';
  // only the errors written for the requester are shown as they are; the rest stays in the logs
  const message = requesterFacingErrors.has(error)
    ? (execution.cause ?? error)
    : `the batch ended ${execution.status} (${error}); the platform team can see why in the execution's history`;
  return { failure: { error, message: causeMessage(message) ?? message } };
}

function inPlanOrder(records: readonly AccountRecord[], order: readonly string[]): BatchAccount[] {
  const position = new Map(order.map((accountId, index) => [accountId, index]));
  return [...records]
    .sort((a, b) => (position.get(a.accountId) ?? order.length) - (position.get(b.accountId) ?? order.length))
    .map(({ updatedAt: _, ...account }) => account);
}

function countsOf(accounts: readonly BatchAccount[]): Record<ClosureState, number> {
  const counts = Object.fromEntries(CLOSURE_STATES.map((state) => [state, 0])) as Record<
    ClosureState,
    number
  >;
  for (const account of accounts) counts[account.state] += 1;
  return counts;
}

/** The 30-day window now: closures in it, the quota last recorded (the batch's when none is), when the next fits. */
async function quotaNow(ports: ClosureApiPorts, plannedLimit: number) {
  const now = ports.now();
  const [ledger, limit] = await Promise.all([closuresInWindow(ports, now), recordedQuotaLimit(ports)]);
  const budget = closureBudget(ledger, limit ?? plannedLimit, now);
  return { used: budget.used, limit: budget.limit, nextFitsAt: new Date(budget.nextFitsAt).toISOString() };
}
