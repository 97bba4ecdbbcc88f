// the engine runs on the local stack's one clock, shared with the Organizations emulator
import type { Clock } from '../clock';
import type { RandomSource } from '../random';
import type { Json } from './json';

export { type Clock, ManualClock, systemClock } from '../clock';

export { mathRandom, type RandomSource, seededRandom } from '../random';

/** How the state's Resource asks to be run; the suffix of a service integration ARN. */
export type IntegrationPattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** Everything a task port needs to run one attempt of a Task state. Plain JSON: it is persisted. */
export interface TaskRequest {
  /** Stable id of this attempt, kept across restarts: a port may use it as an idempotency key. */
  taskId: string;
  /**
   * What to run: the Resource as written, except for `arn:aws:states:::lambda:invoke[...]`, where it
   * is the `FunctionName` argument (a name or ARN) so one Lambda runner serves both forms.
   */
  resource: string;
  /** The state's Resource field, substitutions applied. */
  stateResource: string;
  pattern: IntegrationPattern;
  /** The effective arguments; for `lambda:invoke` the `Payload` argument. */
  input: Json;
  /** For `lambda:invoke`: all of its arguments (FunctionName, Payload, Qualifier, InvocationType…). */
  arguments?: Json;
  /** Given with `.waitForTaskToken`: the task completes when SendTaskSuccess/Failure names it. */
  taskToken?: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  credentials?: Json;
  execution: { arn: string; name: string };
  stateName: string;
  retryCount: number;
}

/**
 * Runs Task resources. Resolves with the task's result; rejects with `{ error, cause }` (or an Error,
 * reported by its name). For `.waitForTaskToken` resolving means the request was delivered: the task
 * then waits for SendTaskSuccess/Failure. `signal` aborts when the task times out or the execution stops.
 */
export interface TaskPort {
  invoke(request: TaskRequest, signal: AbortSignal): Promise<Json>;
}

export interface Ports {
  clock: Clock;
  tasks: TaskPort;
  random: RandomSource;
}

/** The ports a single transition needs: it reads the time and may draw random numbers, nothing else. */
export type StepPorts = Pick<Ports, 'clock' | 'random'>;
