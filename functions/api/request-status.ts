import type { DescribeExecutionOutput, ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import { causeMessage, requesterFacingErrors } from '../_shared/errors';

export type RequestState = 'PENDING' | 'CREATING' | 'CONFIGURING' | 'SUCCEEDED' | 'FAILED';

/** What a request is doing while the execution is in each state of statemachines/account-vending.asl.json. */
export const phaseOfState: Readonly<Record<string, RequestState>> = {
  'Validate Request': 'PENDING',
  'Acquire Create Slot': 'PENDING',
  'Give Up Queueing': 'PENDING',
  'Wait For Create Token': 'PENDING',
  'Create Account': 'CREATING',
  'Wait For Account': 'CREATING',
  'Give Up Waiting': 'CREATING',
  'Release Create Slot': 'CREATING',
  'Release Create Slot After Failure': 'CREATING',
  'Email Already Used?': 'CREATING',
  'Adopt Existing Account': 'CREATING',
  'Move Account': 'CONFIGURING',
  'Tag Account': 'CONFIGURING',
  'Attach Policies': 'CONFIGURING',
  'Publish Account Vended': 'CONFIGURING',
  'Account Vended': 'SUCCEEDED',
  'Vending Failed': 'FAILED',
};

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
  /** the steps finished so far, in the order they first finished, each with its last finish */
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
 * The name of the last state entered in `history` (in any order), if it has one. Succeed and Fail states are
 * skipped: one is entered a moment before the execution ends, and until the execution has ended (and carries
 * its error) the request is still in the phase it was in.
 */
export function lastEnteredState(history: readonly HistoryEvent[]): string | undefined {
  let latest: HistoryEvent | undefined;
  for (const event of history)
    if (
      event.type?.endsWith('StateEntered') &&
      event.type !== 'SucceedStateEntered' &&
      event.type !== 'FailStateEntered' &&
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
  const error = execution.error ?? 'unknown';
  if (!requesterFacingErrors.has(error))
    return `the request failed because of an internal error (${error}); ${reference}`;
  return causeMessage(execution.cause) ?? error;
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
  const state = phaseOf(execution.status, lastEnteredState(history));
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
  const output = parseObject(execution.output);
  if (typeof output.accountId === 'string') accountId = output.accountId;
  const request = parseObject(execution.input).request as RequestStatus['request'] | undefined;
  return {
    requestId,
    state,
    ...(state === 'FAILED'
      ? { reason: reasonOf(execution), error: execution.error ?? execution.status ?? 'FAILED' }
      : {}),
    accountId,
    request: {
      ...(typeof request?.accountName === 'string' ? { accountName: request.accountName } : {}),
      ...(typeof request?.email === 'string' ? { email: request.email } : {}),
      ...(typeof request?.organizationalUnit === 'string'
        ? { organizationalUnit: request.organizationalUnit }
        : {}),
    },
    createdAt: iso(execution.startDate),
    updatedAt: iso(updatedAt),
    ...(execution.stopDate ? { completedAt: iso(execution.stopDate) } : {}),
    steps: [...steps].map(([name, completedAt]) => ({ name, completedAt })),
  };
}
