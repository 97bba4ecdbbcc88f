import { z } from 'zod';
import { CallerSchema, RequestIdSchema } from '../../_shared/schemas';
import {
  FINAL_REQUEST_STATES,
  type RequestRecord,
  type RequestStorePorts,
  readRequestRecord,
  recordProgress,
  requesterReasonOf,
} from '../request-record';

// A vending execution that ends without its Record steps running (it timed out, it was stopped, or Record
// Failure or Record Success itself failed) would leave its request in a running state for good. Step Functions'
// own "Step Functions Execution Status Change" event
// (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html) tells of the end: the request is recorded
// with the outcome the execution gives (vended or refused) or FAILED with a named error, unless it already ended.

const ENDED_STATUSES = ['TIMED_OUT', 'ABORTED', 'FAILED'] as const;

/** The output of a vending execution that SUCCEEDED: Request Refused's, or Account Vended's. */
const RefusedOutputSchema = z.object({
  state: z.literal('FAILED'),
  error: z.string().min(1),
  cause: z.string().nullish(),
});
const VendedOutputSchema = z.looseObject({ accountId: z.string().regex(/^\d{12}$/) });
type SucceededOutput =
  | { refused: true; error: string; cause: string | undefined }
  | { refused: false; accountId: string };

/** The event as Step Functions sends it to the default bus; its `detail` is DescribeExecution's. */
export const ExecutionStatusChangeEventSchema = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string(),
    stateMachineArn: z.string(),
    name: z.string(),
    status: z.string(),
    stopDate: z.number().nullish(),
    /** absent when the input and output together exceed EventBridge's quota (`inputDetails.included` false) */
    input: z.string().nullish(),
    output: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});
export type ExecutionStatusChangeEvent = z.infer<typeof ExecutionStatusChangeEventSchema>;

/** The named error of a request whose execution ended `status` without recording it. */
export const EXECUTION_END_ERRORS = {
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
  FAILED: 'ExecutionFailed',
} as const satisfies Record<(typeof ENDED_STATUSES)[number], string>;

export interface RecordEndedExecutionPorts extends RequestStorePorts {
  /** the account vending state machine: the rule matches every state machine's ends, this function only its */
  vendingStateMachineArn: string;
  now: () => number;
}

export type EndedExecutionOutcome =
  | { outcome: 'recorded'; requestId: string; error: string }
  | { outcome: 'already-ended'; requestId: string; state: RequestRecord['state'] }
  | { outcome: 'not-a-request'; reason: string };

const StartedInputSchema = z.object({ caller: CallerSchema, request: z.record(z.string(), z.unknown()) });

/**
 * Records the request of an ended vending execution as FAILED: `ExecutionTimedOut`, `ExecutionAborted`, or for a
 * failure the execution's own error (`ExecutionFailed` when the event does not carry it), with a reason for the
 * requester. A request already SUCCEEDED or FAILED stays as it is, so a duplicate event, or the end of an
 * execution whose Record step ran, changes nothing.
 */
export async function recordEndedExecution(
  ports: RecordEndedExecutionPorts,
  event: ExecutionStatusChangeEvent,
): Promise<EndedExecutionOutcome> {
  const { detail } = event;
  if (detail.stateMachineArn !== ports.vendingStateMachineArn)
    return { outcome: 'not-a-request', reason: `an execution of ${detail.stateMachineArn}` };
  const status =
    detail.status === 'SUCCEEDED' ? 'SUCCEEDED' : ENDED_STATUSES.find((s) => s === detail.status);
  if (status === undefined) return { outcome: 'not-a-request', reason: `an execution now ${detail.status}` };
  const requestId = RequestIdSchema.safeParse(detail.name);
  if (!requestId.success) return { outcome: 'not-a-request', reason: `no request is named ${detail.name}` };

  const record = await readRequestRecord(ports, requestId.data);
  if (record && FINAL_REQUEST_STATES.includes(record.state))
    return { outcome: 'already-ended', requestId: requestId.data, state: record.state };
  // a request started without the API has no record before its first Record step: the execution's input says
  const started = record ?? startedInput(detail.input);
  if (!started)
    return {
      outcome: 'not-a-request',
      reason: `execution ${detail.executionArn} has no record and no input`,
    };

  if (status === 'SUCCEEDED') {
    // its Record Success (or Record Failure on the way to Request Refused) did not get through: the output says
    const output = succeededOutput(detail.output);
    if (output === undefined)
      return {
        outcome: 'not-a-request',
        reason: `execution ${detail.executionArn} has no outcome in its output`,
      };
    const recorded = await recordProgress(ports, {
      requestId: requestId.data,
      caller: started.caller,
      request: started.request,
      now: detail.stopDate ?? ports.now(),
      ...(output.refused
        ? {
            state: 'FAILED' as const,
            error: output.error,
            reason: requesterReasonOf(output.error, output.cause, requestId.data),
          }
        : { state: 'SUCCEEDED' as const, accountId: output.accountId }),
    });
    return recorded
      ? { outcome: 'recorded', requestId: requestId.data, error: output.refused ? output.error : 'none' }
      : { outcome: 'already-ended', requestId: requestId.data, state: record?.state ?? 'SUCCEEDED' };
  }
  const error =
    status === 'FAILED' ? (detail.error ?? EXECUTION_END_ERRORS.FAILED) : EXECUTION_END_ERRORS[status];
  const recorded = await recordProgress(ports, {
    requestId: requestId.data,
    caller: started.caller,
    request: started.request,
    state: 'FAILED',
    error,
    reason:
      status === 'FAILED'
        ? requesterReasonOf(error, detail.cause ?? undefined, requestId.data)
        : endReason(status, requestId.data, record?.accountId),
    now: detail.stopDate ?? ports.now(),
  });
  if (!recorded) {
    const now = await readRequestRecord(ports, requestId.data);
    return { outcome: 'already-ended', requestId: requestId.data, state: now?.state ?? 'FAILED' };
  }
  return { outcome: 'recorded', requestId: requestId.data, error };
}

function succeededOutput(output: string | null | undefined): SucceededOutput | undefined {
  if (!output) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    return undefined;
  }
  const refused = RefusedOutputSchema.safeParse(json);
  if (refused.success)
    return { refused: true, error: refused.data.error, cause: refused.data.cause ?? undefined };
  const vended = VendedOutputSchema.safeParse(json);
  return vended.success ? { refused: false, accountId: vended.data.accountId } : undefined;
}

function startedInput(input: string | null | undefined) {
  if (!input) return undefined;
  try {
    const parsed = StartedInputSchema.safeParse(JSON.parse(input));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Why a timed-out or stopped request ended, for the requester. */
function endReason(
  status: 'TIMED_OUT' | 'ABORTED',
  requestId: string,
  accountId: string | undefined,
): string {
  const what =
    status === 'TIMED_OUT'
      ? 'the request did not finish within the time its workflow allows and was ended'
      : 'the request was stopped before it finished';
  const account = accountId
    ? `; its account ${accountId} was created but may not be configured as asked`
    : '';
  return `${what}${account}; give the platform team the request id ${requestId}`;
}
