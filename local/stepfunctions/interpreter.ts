import { DEFAULT_ACCOUNT_ID } from '../identity';
import type { StateMachineDefinition } from './definition';
import { StatesError, StatesErrorName } from './errors';
import { payloadDetails } from './history';
import { randomUuid } from './intrinsics';
import { type Json, PAYLOAD_LIMIT_BYTES, utf8Length } from './json';
import type { StepPorts } from './ports';
import type { ExecutionState, PendingTask, StepResult, TaskOutcome } from './state';
import { Transition } from './transition';

// The interpreter: an execution is an ExecutionState record, and every function here moves it by one
// transition, mutating the record in place and returning the history events that transition produced.
// Nothing here waits: a Wait or a retry interval is a deadline in the record, a running task is a
// PendingTask the driver (execution.ts) hands to the task port, and whoever holds the record may persist
// it between any two calls and resume from the copy.

export interface StartOptions {
  /** execution name; a random UUID by default */
  name?: string;
  stateMachineArn?: string;
  stateMachineName?: string;
  executionArn?: string;
  roleArn?: string;
}

const DEFAULT_REGION = 'us-east-1';

/** Begins an execution: ExecutionStarted, and the first state ready to be entered. */
export function start(
  definition: StateMachineDefinition,
  input: Json,
  options: StartOptions,
  ports: StepPorts,
): StepResult {
  const now = ports.clock.now();
  const text = JSON.stringify(input);
  if (utf8Length(text) > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      StatesErrorName.DataLimitExceeded,
      'The execution input exceeds the 256 KiB payload quota',
    );
  }
  const stateMachineName = options.stateMachineName ?? machineName(definition.source);
  const stateMachineArn =
    options.stateMachineArn ??
    `arn:aws:states:${DEFAULT_REGION}:${DEFAULT_ACCOUNT_ID}:stateMachine:${stateMachineName}`;
  const name = options.name ?? randomUuid(ports.random);
  const state: ExecutionState = {
    format: 1,
    execution: {
      arn: options.executionArn ?? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      input,
      startTime: now,
      roleArn: options.roleArn ?? `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:role/StepFunctions-${stateMachineName}`,
      stateMachineArn,
      stateMachineName,
    },
    status: 'RUNNING',
    threads: {},
    counters: { thread: 0, task: 0, event: 0 },
  };
  if (definition.timeoutSeconds !== undefined) state.timeoutAt = now + definition.timeoutSeconds * 1000;
  const run = new Transition(definition, state, ports);
  const started = run.emit(undefined, 'ExecutionStarted', {
    ...payloadDetails('input', text),
    roleArn: state.execution.roleArn,
  });
  run.newThread({ state: definition.startAt, input, lastEventId: started });
  return run.result();
}

/** Makes one transition of one thread that can move now; undefined when none can (or it has ended). */
export async function step(
  definition: StateMachineDefinition,
  state: ExecutionState,
  ports: StepPorts,
): Promise<StepResult | undefined> {
  if (state.status !== 'RUNNING') return undefined;
  const run = new Transition(definition, state, ports);
  if (state.timeoutAt !== undefined && run.now >= state.timeoutAt) {
    run.endExecution('TIMED_OUT', 'ExecutionTimedOut', {
      error: StatesErrorName.Timeout,
      cause: 'The execution ran longer than the TimeoutSeconds of its state machine',
    });
    return run.result();
  }
  const thread = run.pick();
  if (!thread) return undefined;
  await run.advance(thread);
  return run.result();
}

/** Records what the task port reported for a task; undefined when the task is no longer pending. */
export async function completeTask(
  definition: StateMachineDefinition,
  state: ExecutionState,
  taskId: string,
  outcome: TaskOutcome,
  ports: StepPorts,
): Promise<StepResult | undefined> {
  const run = new Transition(definition, state, ports);
  const found = run.findTask((task) => task.id === taskId);
  if (!found) return undefined;
  await run.taskOutcome(found.thread, found.task, outcome);
  return run.result();
}

/** A `.waitForTaskToken` request reached its target (TaskSubmitted); the task now waits for its token. */
export function taskDelivered(
  definition: StateMachineDefinition,
  state: ExecutionState,
  taskId: string,
  output: Json,
  ports: StepPorts,
): StepResult | undefined {
  const run = new Transition(definition, state, ports);
  const found = run.findTask((task) => task.id === taskId);
  if (!found || found.task.dispatched) return undefined;
  found.task.dispatched = true;
  run.taskEvent(found.thread, found.task, 'Submitted', payloadDetails('output', JSON.stringify(output)));
  return run.result();
}

export async function sendTaskSuccess(
  definition: StateMachineDefinition,
  state: ExecutionState,
  token: string,
  output: Json,
  ports: StepPorts,
): Promise<StepResult> {
  const run = new Transition(definition, state, ports);
  const { thread, task } = run.taskByToken(token);
  await run.taskOutcome(thread, task, { output });
  return run.result();
}

export async function sendTaskFailure(
  definition: StateMachineDefinition,
  state: ExecutionState,
  token: string,
  failure: { error?: string; cause?: string },
  ports: StepPorts,
): Promise<StepResult> {
  const run = new Transition(definition, state, ports);
  const { thread, task } = run.taskByToken(token);
  await run.taskOutcome(thread, task, { error: failure.error ?? '', cause: failure.cause ?? '' });
  return run.result();
}

/** Pushes a task's heartbeat deadline back; history records nothing. */
export function sendTaskHeartbeat(
  definition: StateMachineDefinition,
  state: ExecutionState,
  token: string,
  ports: StepPorts,
): StepResult {
  const run = new Transition(definition, state, ports);
  const { task } = run.taskByToken(token);
  if (task.heartbeatSeconds !== undefined) task.heartbeatAt = run.now + task.heartbeatSeconds * 1000;
  return run.result();
}

/** StopExecution: the execution ends ABORTED; pending tasks are dropped (the driver aborts them). */
export function stop(
  definition: StateMachineDefinition,
  state: ExecutionState,
  details: { error?: string; cause?: string },
  ports: StepPorts,
): StepResult {
  const run = new Transition(definition, state, ports);
  if (state.status === 'RUNNING') {
    run.endExecution('ABORTED', 'ExecutionAborted', {
      error: details.error ?? '',
      cause: details.cause ?? '',
    });
  }
  return run.result();
}

/** The earliest time at which `step` will have something to do without outside help. */
export function nextDeadline(state: ExecutionState): number | undefined {
  if (state.status !== 'RUNNING') return undefined;
  let earliest = state.timeoutAt;
  const consider = (at: number | undefined) => {
    if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
  };
  for (const thread of Object.values(state.threads)) {
    const s = thread.step;
    if (s.kind === 'backoff' || s.kind === 'wait') consider(s.until);
    else if (s.kind === 'task') {
      consider(s.task.timeoutAt);
      consider(s.task.heartbeatAt);
    }
  }
  return earliest;
}

/** Tasks scheduled and not yet finished: what the driver must have in flight. */
export function pendingTasks(state: ExecutionState): PendingTask[] {
  const out: PendingTask[] = [];
  for (const thread of Object.values(state.threads))
    if (thread.step.kind === 'task') out.push(thread.step.task);
  return out;
}

function machineName(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? source;
  const name = base.replace(/(\.asl)?\.json$/, '').replace(/[^A-Za-z0-9_-]/g, '-');
  return name === '' || name === 'definition' ? 'StateMachine' : name;
}
