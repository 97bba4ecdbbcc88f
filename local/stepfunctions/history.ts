import type { Json } from './json';

// Execution history in the shape of GetExecutionHistory: AWS's event types, ids from 1, previousEventId
// linking each event to the one before it in the same branch of control, and a `…EventDetails` member
// named as AWS names it. Timestamps are epoch ms on the engine's clock.

export type HistoryEventType =
  | 'ExecutionStarted'
  | 'ExecutionSucceeded'
  | 'ExecutionFailed'
  | 'ExecutionAborted'
  | 'ExecutionTimedOut'
  | `${'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Parallel' | 'Map'}State${'Entered' | 'Exited'}`
  /** only states that can be in progress when their branch is stopped */
  | `${'Task' | 'Wait' | 'Parallel' | 'Map'}StateAborted`
  | 'FailStateEntered'
  | 'TaskScheduled'
  | 'TaskStarted'
  | 'TaskSubmitted'
  | 'TaskSucceeded'
  | 'TaskFailed'
  | 'TaskTimedOut'
  | 'LambdaFunctionScheduled'
  | 'LambdaFunctionStarted'
  | 'LambdaFunctionSucceeded'
  | 'LambdaFunctionFailed'
  | 'LambdaFunctionTimedOut'
  | 'MapStateStarted'
  | 'MapStateSucceeded'
  | 'MapStateFailed'
  | 'MapIterationStarted'
  | 'MapIterationSucceeded'
  | 'MapIterationFailed'
  | 'MapIterationAborted'
  | 'ParallelStateStarted'
  | 'ParallelStateSucceeded'
  | 'ParallelStateFailed';

export type EventDetails = Record<string, Json | undefined>;

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: HistoryEventType;
  [details: `${string}EventDetails`]: EventDetails | undefined;
}

/** `{ input, inputDetails }` / `{ output, outputDetails }` members: the payload as a JSON string. */
export function payloadDetails(kind: 'input' | 'output', text: string): EventDetails {
  return { [kind]: text, [`${kind}Details`]: { truncated: false } };
}

/** The details member name for an event type, e.g. `TaskScheduled` → `taskScheduledEventDetails`. */
export function detailsKey(type: HistoryEventType): `${string}EventDetails` {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
}
