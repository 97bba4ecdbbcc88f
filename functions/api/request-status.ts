import type { DescribeExecutionOutput, ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import {
  FINAL_REQUEST_STATES,
  type RequestRecord,
  type RequestState,
  requesterReasonOf,
} from '../account-vending/request-record';

export type { RequestState } from '../account-vending/request-record';

/** What a request is doing while the execution is in each state of statemachines/account-vending.asl.json. */
export const phaseOfState: Readonly<Record<string, RequestState>> = {
  'Validate Request': 'PENDING',
  'Acquire Create Slot': 'PENDING',
  'Give Up Queueing': 'PENDING',
  'Wait For Create Token': 'PENDING',
  'Create Account': 'CREATING',
  'Record Creating': 'CREATING',
  'Wait For Account': 'CREATING',
  'Give Up Waiting': 'CREATING',
  'Release Create Slot': 'CREATING',
  'Release Create Slot After Failure': 'CREATING',
  'Email Already Used?': 'CREATING',
  'Adopt Existing Account': 'CREATING',
  'Record Account': 'CONFIGURING',
  'Move Account': 'CONFIGURING',
  'Tag Account': 'CONFIGURING',
  'Attach Policies': 'CONFIGURING',
  'Publish Account Vended': 'CONFIGURING',
  'Record Success': 'CONFIGURING',
  'Account Vended': 'SUCCEEDED',
  'Record Failure': 'FAILED',
  'Domain Failure?': 'FAILED',
  'Request Refused': 'FAILED',
  'Vending Failed': 'FAILED',
};

/** The states on the way out of a failed request: until it has ended, it is in the phase it was in. */
const endingStates: ReadonlySet<string> = new Set(['Record Failure', 'Domain Failure?']);

export interface RequestStatus {
  requestId: string;
  state: RequestState;
  /** why a FAILED request failed, for the person who asked */
  reason?: string;
  /** the named error a FAILED request ended with */
  error?: string;
  accountId: string | null;
  request: { accountName?: string; email?: string; organizationalUnit?: string };
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** the steps finished so far, in the order they first finished, each with its last finish (none once the
   * execution's history is gone: AWS drops it 90 days after the execution ends) */
  steps: { name: string; completedAt: string }[];
}

export function phaseOf(
  status: ExecutionStatus | undefined,
  lastEnteredState: string | undefined,
): RequestState {
  if (status === 'SUCCEEDED') return 'SUCCEEDED';
  if (status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED') return 'FAILED';
  return (lastEnteredState && phaseOfState[lastEnteredState]) || 'PENDING';
}

/**
 * The name of the last state entered in `history` (in any order), if it has one. Succeed and Fail states, and
 * those that record a failure, are skipped: one is entered a moment before the execution ends, and until the
 * request has ended (and its record or execution carries its error) it is still in the phase it was in.
 */
export function lastEnteredState(history: readonly HistoryEvent[]): string | undefined {
  let latest: HistoryEvent | undefined;
  for (const event of history)
    if (
      event.type?.endsWith('StateEntered') &&
      event.type !== 'SucceedStateEntered' &&
      event.type !== 'FailStateEntered' &&
      !endingStates.has(event.stateEnteredEventDetails?.name ?? '') &&
      (latest === undefined || (event.id ?? 0) > (latest.id ?? 0))
    )
      latest = event;
  return latest?.stateEnteredEventDetails?.name;
}

/** Why the execution failed, in words for the requester; internals are named, never described. */
export function reasonOf(
  execution: Pick<DescribeExecutionOutput, 'status' | 'error' | 'cause' | 'name'>,
): string {
  const reference = `give the platform team the request id ${execution.name}`;
  if (execution.status === 'TIMED_OUT')
    return `the request ran longer than the workflow allows and was stopped; ${reference}`;
  if (execution.status === 'ABORTED') return `an operator stopped the request; ${reference}`;
  return requesterReasonOf(execution.error ?? 'unknown', execution.cause, execution.name ?? '');
}

/** A JSON object's text as an object; empty when it is missing or not an object. */
export function parseObject(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

const iso = (date: Date | undefined) => (date ?? new Date(0)).toISOString();

export function statusOf(
  execution: DescribeExecutionOutput,
  history: readonly HistoryEvent[],
): RequestStatus {
  const requestId = execution.name ?? '';
  const output = parseObject(execution.output);
  // a request that could not be served ends its execution without failing it (Request Refused)
  const refused = execution.status === 'SUCCEEDED' && output.state === 'FAILED';
  const state = refused ? 'FAILED' : phaseOf(execution.status, lastEnteredState(history));
  let accountId: string | null = null;
  const steps = new Map<string, string>();
  let updatedAt = execution.startDate;
  for (const event of history) {
    if (event.timestamp && (!updatedAt || event.timestamp > updatedAt)) updatedAt = event.timestamp;
    if (event.type !== 'TaskStateExited' || !event.stateExitedEventDetails?.name) continue;
    steps.set(event.stateExitedEventDetails.name, iso(event.timestamp));
    const output = parseObject(event.stateExitedEventDetails.output);
    if (typeof output.accountId === 'string') accountId = output.accountId;
  }
  if (typeof output.accountId === 'string') accountId = output.accountId;
  const failure = refused
    ? {
        error: String(output.error),
        reason: requesterReasonOf(
          String(output.error),
          typeof output.cause === 'string' ? output.cause : undefined,
          requestId,
        ),
      }
    : { error: execution.error ?? execution.status ?? 'FAILED', reason: reasonOf(execution) };
  return {
    requestId,
    state,
    ...(state === 'FAILED' ? { reason: failure.reason, error: failure.error } : {}),
    accountId,
    request: requestShown(parseObject(execution.input).request),
    createdAt: iso(execution.startDate),
    updatedAt: iso(updatedAt),
    ...(execution.stopDate ? { completedAt: iso(execution.stopDate) } : {}),
    steps: [...steps].map(([name, completedAt]) => ({ name, completedAt })),
  };
}

/** What a status shows of the request asked for. */
function requestShown(asked: unknown): RequestStatus['request'] {
  const request = (typeof asked === 'object' && asked !== null ? asked : {}) as Record<string, unknown>;
  return {
    ...(typeof request.accountName === 'string' ? { accountName: request.accountName } : {}),
    ...(typeof request.email === 'string' ? { email: request.email } : {}),
    ...(typeof request.organizationalUnit === 'string'
      ? { organizationalUnit: request.organizationalUnit }
      : {}),
  };
}

/** A request's status from its record alone: its execution's history is gone (or was never read). */
export function statusOfRecord(record: RequestRecord): RequestStatus {
  return {
    requestId: record.requestId,
    state: record.state,
    ...(record.state === 'FAILED'
      ? { reason: record.reason ?? record.error ?? 'FAILED', error: record.error ?? 'FAILED' }
      : {}),
    accountId: record.accountId ?? null,
    request: requestShown(record.request),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.completedAt ? { completedAt: record.completedAt } : {}),
    steps: [],
  };
}

/**
 * The execution's view of a request, with what its record knows: how it ended once recorded (the record is
 * written before the execution ends), and its account.
 */
export function withRecord(status: RequestStatus, record: RequestRecord): RequestStatus {
  // the record's times, so that a status reads the same before and after the execution is forgotten
  const accountId = status.accountId ?? record.accountId ?? null;
  if (!FINAL_REQUEST_STATES.includes(record.state))
    return { ...status, accountId, createdAt: record.createdAt };
  const { reason: _, error: __, ...rest } = status;
  const recorded = statusOfRecord(record);
  return {
    ...rest,
    state: record.state,
    ...(record.state === 'FAILED' ? { reason: recorded.reason, error: recorded.error } : {}),
    accountId,
    createdAt: record.createdAt,
    completedAt: recorded.completedAt ?? record.updatedAt,
  };
}
