import type { TaskFailure } from './errors';
import type { HistoryEvent } from './history';
import type { Json, JsonObject } from './json';
import type { TaskRequest } from './ports';

// The execution record. Plain JSON by design: a durable store writes it after every transition and a
// restarted engine resumes from it. Nothing here refers to promises, timers or the definition object.

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionInfo {
  /** execution ARN: `$$.Execution.Id` */
  arn: string;
  name: string;
  input: Json;
  /** epoch ms */
  startTime: number;
  roleArn: string;
  stateMachineArn: string;
  stateMachineName: string;
}

export interface ExecutionState {
  format: 1;
  execution: ExecutionInfo;
  status: ExecutionStatus;
  output?: Json;
  error?: string;
  cause?: string;
  /** epoch ms the execution ended */
  stopTime?: number;
  /** the state machine's TimeoutSeconds as a deadline */
  timeoutAt?: number;
  /** threads of control: the top-level one ('0') plus one per running Parallel branch / Map iteration */
  threads: Record<string, ThreadState>;
  /** counters for ids: threads, tasks, history events (the last event id issued) */
  counters: { thread: number; task: number; event: number };
}

export interface ThreadState {
  id: string;
  /** the Parallel/Map thread waiting for this one, and this branch's or iteration's index */
  parent?: { thread: string; index: number };
  /** current state name (unique across the machine, nested states included) */
  state: string;
  /** the current state's raw input */
  input: Json;
  /** epoch ms the current state was entered: `$$.State.EnteredTime` */
  enteredAt: number;
  /** id of the current state's StateEntered event, which failure causes name */
  enteredEventId?: number;
  /** retries of the current state so far: `$$.State.RetryCount` */
  retryCount: number;
  /** attempts used per retrier of the current state */
  attempts: number[];
  /** workflow variables of this scope; reads fall through to the parent thread's scope */
  vars: JsonObject;
  /** id of the last history event of this thread, for previousEventId */
  lastEventId: number;
  step: Step;
}

export type Step =
  /** the state is next: it will be entered and run */
  | { kind: 'enter' }
  /** a retry is due at `until`: the state runs again then */
  | { kind: 'backoff'; until: number }
  /** a Wait state ends at `until` with this output and these assignments */
  | { kind: 'wait'; until: number; output: Json; assigned?: JsonObject }
  | { kind: 'task'; task: PendingTask }
  | { kind: 'branches'; frame: BranchFrame };

export interface PendingTask {
  id: string;
  request: TaskRequest;
  /** plain Lambda ARN: history uses LambdaFunction* events */
  lambda: boolean;
  /** `arn:aws:states:::lambda:invoke` (request-response): the result is wrapped in Lambda's envelope */
  envelope: boolean;
  resourceType: string;
  resourceName: string;
  token?: string;
  /** for `.waitForTaskToken`: the port delivered the request; only SendTask* completes it now */
  dispatched: boolean;
  startedAt: number;
  timeoutAt?: number;
  heartbeatSeconds?: number;
  heartbeatAt?: number;
}

export interface BranchFrame {
  kind: 'Parallel' | 'Map';
  /** id of ParallelStateStarted / MapStateStarted */
  startedEventId: number;
  /** Parallel: one input per branch; Map: the items */
  items: Json[];
  /** Map: the state's effective input, `$` of ItemSelector */
  selectorInput?: Json;
  /** Map with an ItemBatcher: `items` are the batches, each already an iteration's input */
  batched?: boolean;
  launched: number;
  running: number;
  finished: number;
  failed: number;
  /** index-aligned outputs; a tolerated failure leaves its error output */
  results: Json[];
  /** concurrent branches/iterations allowed */
  limit: number;
  toleratedCount?: number;
  toleratedPercentage?: number;
  /** the failure that ends the state; set once, remaining children are aborted */
  failure?: { error: string; cause: string };
}

/** What a transition leaves: the record, moved, and the history events it produced. */
export interface StepResult {
  state: ExecutionState;
  events: HistoryEvent[];
}

/** How a task ended: its result, or its error and cause. */
export type TaskOutcome = { output: Json } | TaskFailure;
