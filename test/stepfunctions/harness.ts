import {
  DefinitionError,
  Execution,
  type ExecutionState,
  type HistoryEvent,
  type Json,
  ManualClock,
  parseDefinition,
  type RandomSource,
  type StateMachineDefinition,
  seededRandom,
  type TaskPort,
  type TaskRequest,
} from '../../local/stepfunctions/index';

export const START = Date.UTC(2026, 0, 1);
export const FN = 'arn:aws:lambda:us-east-1:123456789012:function';

/** Loads an inline definition through the real loader (our checks + asl-validator). */
export function machine(definition: object): StateMachineDefinition {
  return parseDefinition(JSON.stringify(definition), { source: 'test.asl.json' });
}

/** The DefinitionError an inline definition is refused with; fails the test if it is accepted. */
export function refusal(definition: object, source = 'test.asl.json'): DefinitionError {
  try {
    parseDefinition(JSON.stringify(definition), { source });
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('the definition was accepted');
}

/** One-state machines are most tests: `single({ Type: 'Pass', … })` names the state 'Only' and ends there. */
export function single(
  state: { Type: string; [field: string]: unknown },
  top: object = {},
): StateMachineDefinition {
  const terminal = state.Type === 'Fail' || state.Type === 'Succeed';
  return machine({ ...top, StartAt: 'Only', States: { Only: terminal ? state : { End: true, ...state } } });
}

export type Handler = (input: Json, request: TaskRequest) => Json | Promise<Json>;

interface Held {
  request: TaskRequest;
  signal: AbortSignal;
  resolve(output: Json): void;
  reject(reason: unknown): void;
}

/**
 * A task port for tests: handlers by resource (function name/ARN or integration ARN); a resource
 * registered as 'hold' parks each invocation in `held` until the test settles it. Counts what is in
 * flight so concurrency limits can be observed.
 */
export class FakeTasks implements TaskPort {
  readonly calls: TaskRequest[] = [];
  readonly held: Held[] = [];
  readonly aborted: TaskRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly handlers: Record<string, Handler | 'hold'> = {}) {}

  invoke(request: TaskRequest, signal: AbortSignal): Promise<Json> {
    this.calls.push(request);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    signal.addEventListener('abort', () => this.aborted.push(request), { once: true });
    const handler = this.handlers[request.resource];
    let result: Promise<Json>;
    if (handler === 'hold') {
      result = new Promise<Json>((resolve, reject) => this.held.push({ request, signal, resolve, reject }));
    } else if (!handler) {
      result = Promise.reject({
        error: 'Lambda.ResourceNotFoundException',
        cause: `no handler for ${request.resource}`,
      });
    } else {
      result = (async () => handler(request.input, request))();
    }
    return result.finally(() => {
      this.inFlight--;
    });
  }
}

export interface Harness {
  clock: ManualClock;
  tasks: FakeTasks;
  random: RandomSource;
}

export function harness(handlers: Record<string, Handler | 'hold'> = {}, seed = 42): Harness {
  return { clock: new ManualClock(START), tasks: new FakeTasks(handlers), random: seededRandom(seed) };
}

/** Starts an execution and runs it until it needs time to pass or a task/token to answer. */
export async function begin(
  definition: StateMachineDefinition,
  input: Json = {},
  h: Harness = harness(),
): Promise<Execution> {
  const execution = await Execution.start(definition, input, h, { name: 'test-execution' });
  await execution.runUntilIdle();
  return execution;
}

/** Runs an execution that needs no clock: every task answers by itself. */
export async function run(
  definition: StateMachineDefinition,
  input: Json = {},
  handlers: Record<string, Handler | 'hold'> = {},
): Promise<ExecutionState & { history: HistoryEvent[] }> {
  const execution = await begin(definition, input, harness(handlers));
  return { ...execution.state, history: execution.history };
}

/** Advances the manual clock to each deadline in turn until the execution ends (or `limit` steps). */
export async function runToEnd(
  execution: Execution,
  clock: ManualClock,
  limit = 1000,
): Promise<ExecutionState> {
  for (let i = 0; i < limit && execution.status === 'RUNNING'; i++) {
    await execution.runUntilIdle();
    const deadline = execution.nextDeadline();
    if (execution.status !== 'RUNNING' || deadline === undefined) break;
    clock.advance(Math.max(0, deadline - clock.now()));
  }
  return execution.state;
}

export function types(history: HistoryEvent[]): string[] {
  return history.map((event) => event.type);
}
