import {
  isDomainFailure,
  type RequestState,
  type RequestStorePorts,
  recordProgress,
  requesterReasonOf,
} from '../request-record';
import type { RecordRequestInput } from '../step-inputs';

export interface RecordRequestPorts extends RequestStorePorts {
  now: () => number;
  /** counts a request that could not be served (a domain failure), by its error */
  countRefusal: (error: string) => void;
}

export interface RecordRequestResult {
  state: RequestState;
  /** a FAILED request that could not be served as asked: the workflow ends it without failing the execution */
  refused: boolean;
  /** false when the request had already ended (a retried step): nothing changed, nothing counted */
  recorded: boolean;
}

/**
 * Records where the request stands. A FAILED one gets its reason in the requester's words, and is told apart: a
 * domain failure (a requester-facing error: the email is taken, the OU is gone…) is counted as a refusal, once;
 * any other error is a system failure, which the workflow reports by failing the execution.
 */
export async function recordRequest(
  ports: RecordRequestPorts,
  input: RecordRequestInput,
): Promise<RecordRequestResult> {
  const error = input.state === 'FAILED' ? (input.error ?? 'States.Runtime') : undefined;
  const refused = error !== undefined && isDomainFailure(error);
  const recorded = await recordProgress(ports, {
    requestId: input.requestId,
    caller: input.caller,
    request: input.request,
    state: input.state,
    accountId: input.accountId ?? undefined,
    error,
    reason:
      error === undefined ? undefined : requesterReasonOf(error, input.cause ?? undefined, input.requestId),
    now: ports.now(),
  });
  if (recorded && refused) ports.countRefusal(error);
  return { state: input.state, refused, recorded };
}
