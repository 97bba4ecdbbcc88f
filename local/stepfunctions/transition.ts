import type { ChoiceRule } from './asl';
import { evaluateRule, parseTimestamp } from './choice';
import { type ContextExtras, contextObject } from './context-object';
import {
  caught,
  conclude,
  condition,
  type EvalScope,
  effectiveInput,
  mapBatches,
  mapItemInput,
  mapItems,
  numberField,
  pathScope,
  stateArguments,
  stringField,
  taskCredentials,
  type VariableView,
} from './dataflow';
import type { CompiledState, StateMachineDefinition } from './definition';
import { MAX_WAIT_SECONDS } from './definition-checks';
import { StatesError, StatesErrorName, TaskTokenError } from './errors';
import {
  detailsKey,
  type EventDetails,
  type HistoryEvent,
  type HistoryEventType,
  payloadDetails,
} from './history';
import { randomUuid } from './intrinsics';
import { type Json, type JsonObject, PAYLOAD_LIMIT_BYTES, utf8Length } from './json';
import type { StepPorts, TaskRequest } from './ports';
import { lambdaEnvelope, makeTaskToken, parseResource, parseTaskToken } from './resources';
import { findCatcher, findRetrier, maxAttempts, retryDelayMs } from './retry';
import type { BranchFrame, ExecutionState, PendingTask, StepResult, TaskOutcome, ThreadState } from './state';

// The work of one transition: entering and running a state, a task's outcome, a deadline reached, a
// Parallel/Map joining its branches, error handling by Retry and Catch. It mutates the record in place
// and collects the history events; it never waits and does no I/O.

/** an inline Map runs at most 40 iterations at a time, whatever MaxConcurrency allows */
const INLINE_MAP_CONCURRENCY = 40;
const RETRYABLE = new Set(['Task', 'Parallel', 'Map']);
/** errors the engine raises while running a state, whose cause names the state as AWS's does */
const ATTRIBUTED = new Set<string>([
  StatesErrorName.Runtime,
  StatesErrorName.QueryEvaluationError,
  StatesErrorName.IntrinsicFailure,
  StatesErrorName.ParameterPathFailure,
  StatesErrorName.ResultPathMatchFailure,
]);
const ATTRIBUTION = 'An error occurred while executing the state';
/** a Standard workflow waits at most one year (amazon-states-language-wait-state) */
const MAX_WAIT_MS = 365 * 24 * 3600 * 1000;

export function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  return new StatesError(
    StatesErrorName.Runtime,
    `Internal error of the local engine: ${(error as Error)?.message ?? error}`,
  );
}

/** One transition's work on the record: the clock read once, the events it produced. */
export class Transition {
  readonly now: number;
  private readonly events: HistoryEvent[] = [];

  constructor(
    private readonly definition: StateMachineDefinition,
    private readonly exec: ExecutionState,
    private readonly ports: StepPorts,
  ) {
    this.now = ports.clock.now();
  }

  result(): StepResult {
    return { state: this.exec, events: this.events };
  }

  // ---- history ---------------------------------------------------------------------------------

  emit(thread: ThreadState | undefined, type: HistoryEventType, details?: EventDetails): number {
    const id = ++this.exec.counters.event;
    const event: HistoryEvent = {
      id,
      previousEventId: thread ? thread.lastEventId : id - 1,
      timestamp: this.now,
      type,
    };
    if (details) event[detailsKey(type)] = details;
    if (thread) thread.lastEventId = id;
    this.events.push(event);
    return id;
  }

  taskEvent(
    thread: ThreadState,
    task: PendingTask,
    what: 'Scheduled' | 'Started' | 'Submitted' | 'Succeeded' | 'Failed' | 'TimedOut',
    details?: EventDetails,
  ): void {
    if (task.lambda) this.emit(thread, `LambdaFunction${what as Exclude<typeof what, 'Submitted'>}`, details);
    else
      this.emit(thread, `Task${what}`, {
        resourceType: task.resourceType,
        resource: task.resourceName,
        ...details,
      });
  }

  // ---- threads ---------------------------------------------------------------------------------

  newThread(init: {
    state: string;
    input: Json;
    lastEventId: number;
    parent?: ThreadState['parent'];
  }): ThreadState {
    const id = String(++this.exec.counters.thread);
    const thread: ThreadState = {
      id,
      state: init.state,
      input: init.input,
      enteredAt: this.now,
      retryCount: 0,
      attempts: [],
      vars: {},
      lastEventId: init.lastEventId,
      step: { kind: 'enter' },
    };
    if (init.parent) thread.parent = init.parent;
    this.exec.threads[id] = thread;
    return thread;
  }

  pick(): ThreadState | undefined {
    for (const thread of Object.values(this.exec.threads)) if (this.runnable(thread)) return thread;
    return undefined;
  }

  private runnable(thread: ThreadState): boolean {
    const s = thread.step;
    switch (s.kind) {
      case 'enter':
        return true;
      case 'backoff':
      case 'wait':
        return this.now >= s.until;
      case 'task':
        return (
          (s.task.timeoutAt !== undefined && this.now >= s.task.timeoutAt) ||
          (s.task.heartbeatAt !== undefined && this.now >= s.task.heartbeatAt)
        );
      case 'branches': {
        const f = s.frame;
        if (f.failure) return f.running === 0;
        return f.finished === f.items.length || (f.launched < f.items.length && f.running < f.limit);
      }
    }
  }

  findTask(match: (task: PendingTask) => boolean): { thread: ThreadState; task: PendingTask } | undefined {
    for (const thread of Object.values(this.exec.threads)) {
      if (thread.step.kind === 'task' && match(thread.step.task)) return { thread, task: thread.step.task };
    }
    return undefined;
  }

  taskByToken(token: string): { thread: ThreadState; task: PendingTask } {
    const parsed = parseTaskToken(token);
    if (!parsed) throw new TaskTokenError('InvalidToken', `Invalid token: ${token}`);
    const found =
      parsed.executionArn === this.exec.execution.arn ? this.findTask((t) => t.token === token) : undefined;
    if (!found) throw new TaskTokenError('TaskDoesNotExist', 'Task does not exist anymore');
    return found;
  }

  private compiled(thread: ThreadState): CompiledState {
    const state = this.definition.states.get(thread.state);
    if (!state)
      throw new Error(
        `the definition has no state '${thread.state}': was the execution resumed with another definition?`,
      );
    return state;
  }

  private variables(thread: ThreadState): VariableView {
    const chain: ThreadState[] = [];
    for (
      let t: ThreadState | undefined = thread;
      t;
      t = t.parent ? this.exec.threads[t.parent.thread] : undefined
    ) {
      chain.push(t);
    }
    return {
      get(name) {
        for (const t of chain) if (Object.hasOwn(t.vars, name)) return t.vars[name];
        return undefined;
      },
      all: () => Object.assign({}, ...chain.map((t) => t.vars).reverse()) as JsonObject,
    };
  }

  private scope(thread: ThreadState, extras: ContextExtras = {}): EvalScope {
    const retries = RETRYABLE.has(this.compiled(thread).def.Type);
    return {
      input: thread.input,
      context: contextObject(this.exec, thread, retries ? { ...extras, retries } : extras),
      variables: this.variables(thread),
      random: this.ports.random,
      now: this.now,
    };
  }

  /** JSON text of a payload, refusing what exceeds the 256 KiB quota. */
  private sized(value: Json, what: string): string {
    const text = JSON.stringify(value);
    // a UTF-16 code unit takes at most 3 bytes in UTF-8: most payloads need no byte count
    if (text.length * 3 > PAYLOAD_LIMIT_BYTES && utf8Length(text) > PAYLOAD_LIMIT_BYTES) {
      throw new StatesError(
        StatesErrorName.DataLimitExceeded,
        `${what} has a size exceeding the maximum number of bytes service limit (${PAYLOAD_LIMIT_BYTES})`,
      );
    }
    return text;
  }

  // ---- moving a thread ---------------------------------------------------------------------------

  async advance(thread: ThreadState): Promise<void> {
    try {
      const s = thread.step;
      switch (s.kind) {
        case 'enter':
          this.enter(thread);
          return await this.execute(thread);
        case 'backoff':
          return await this.execute(thread);
        case 'wait':
          return this.exit(thread, s.output, s.assigned);
        case 'task':
          return await this.timedOut(thread, s.task);
        case 'branches':
          return await this.branches(thread, s.frame);
      }
    } catch (error) {
      await this.fail(thread, this.attributed(thread, asStatesError(error)));
    }
  }

  /**
   * An error the engine raised while running a state carries AWS's wording: the state and the event
   * that entered it come first. Task failures, Fail states and a branch's failure keep their own cause.
   */
  private attributed(thread: ThreadState, error: StatesError): StatesError {
    if (!ATTRIBUTED.has(error.error) || error.cause.startsWith(ATTRIBUTION)) return error;
    if (thread.step.kind === 'branches' && thread.step.frame.failure) return error;
    const entered = thread.enteredEventId ?? thread.lastEventId;
    return new StatesError(
      error.error,
      `${ATTRIBUTION} '${thread.state}' (entered at the event id #${entered}). ${error.cause}`,
    );
  }

  private enter(thread: ThreadState): void {
    const { def } = this.compiled(thread);
    thread.enteredAt = this.now;
    thread.retryCount = 0;
    thread.attempts = (def.Retry ?? []).map(() => 0);
    thread.enteredEventId = this.emit(
      thread,
      def.Type === 'Fail' ? 'FailStateEntered' : `${def.Type}StateEntered`,
      { name: thread.state, ...payloadDetails('input', JSON.stringify(thread.input)) },
    );
  }

  private async execute(thread: ThreadState): Promise<void> {
    const state = this.compiled(thread);
    switch (state.def.Type) {
      case 'Pass':
        return this.pass(thread, state);
      case 'Task':
        return this.task(thread, state);
      case 'Choice':
        return this.choice(thread, state);
      case 'Wait':
        return this.wait(thread, state);
      case 'Succeed': {
        const scope = this.scope(thread);
        const { output } = await conclude(state, scope, { effective: effectiveInput(state, scope) });
        return this.exit(thread, output);
      }
      case 'Fail':
        return this.failState(thread, state);
      case 'Parallel':
        return this.parallel(thread, state);
      case 'Map':
        return this.map(thread, state);
    }
  }

  /** The state is done: StateExited, assignments take effect, then the next state or the end. */
  private exit(thread: ThreadState, output: Json, assigned?: JsonObject, next?: string): void {
    const { def } = this.compiled(thread);
    const text = this.sized(output, `The output of state '${thread.state}'`);
    const details: EventDetails = { name: thread.state, ...payloadDetails('output', text) };
    if (assigned) {
      this.sized(assigned, `The variables assigned by state '${thread.state}'`);
      details.assignedVariables = Object.fromEntries(
        Object.entries(assigned).map(([k, v]) => [k, JSON.stringify(v)]),
      );
      details.assignedVariablesDetails = { truncated: false };
    }
    this.emit(thread, `${def.Type as Exclude<typeof def.Type, 'Fail'>}StateExited`, details);
    if (assigned) Object.assign(thread.vars, assigned);
    const target = next ?? def.Next;
    if (target === undefined || def.Type === 'Succeed') {
      this.finishThread(thread, output);
      return;
    }
    thread.state = target;
    thread.input = output;
    thread.step = { kind: 'enter' };
  }

  private finishThread(thread: ThreadState, output: Json): void {
    if (!thread.parent) {
      this.exec.status = 'SUCCEEDED';
      this.exec.output = output;
      this.exec.stopTime = this.now;
      this.emit(thread, 'ExecutionSucceeded', payloadDetails('output', JSON.stringify(output)));
      this.exec.threads = {};
      return;
    }
    const { parent, frame } = this.parentOf(thread);
    const index = thread.parent.index;
    frame.results[index] = output;
    frame.running--;
    frame.finished++;
    if (frame.kind === 'Map') this.emit(thread, 'MapIterationSucceeded', { name: parent.state, index });
    parent.lastEventId = thread.lastEventId;
    delete this.exec.threads[thread.id];
  }

  /** An error no retrier or catcher of this state handles ends the thread: the execution, or a branch. */
  private failThread(thread: ThreadState, error: StatesError): void {
    if (!thread.parent) {
      this.endExecution('FAILED', 'ExecutionFailed', error, thread);
      return;
    }
    const { parent, frame } = this.parentOf(thread);
    const index = thread.parent.index;
    frame.running--;
    frame.finished++;
    frame.failed++;
    if (frame.kind === 'Map') this.emit(thread, 'MapIterationFailed', { name: parent.state, index });
    parent.lastEventId = thread.lastEventId;
    delete this.exec.threads[thread.id];
    if (frame.failure) return;
    const tolerant = frame.toleratedCount !== undefined || frame.toleratedPercentage !== undefined;
    const exceeded =
      (frame.toleratedCount !== undefined && frame.failed > frame.toleratedCount) ||
      (frame.toleratedPercentage !== undefined &&
        (frame.failed * 100) / frame.items.length > frame.toleratedPercentage);
    if (tolerant && !exceeded) {
      frame.results[index] = { Error: error.error, Cause: error.cause };
      return;
    }
    frame.failure = tolerant
      ? {
          error: StatesErrorName.ExceedToleratedFailureThreshold,
          cause: `The specified tolerated failure threshold was exceeded: ${frame.failed} of ${frame.items.length} iterations failed`,
        }
      : { error: error.error, cause: error.cause };
    this.abortChildren(parent);
  }

  endExecution(
    status: 'FAILED' | 'TIMED_OUT' | 'ABORTED',
    type: 'ExecutionFailed' | 'ExecutionTimedOut' | 'ExecutionAborted',
    failure: { error: string; cause: string },
    thread?: ThreadState,
  ): void {
    this.exec.status = status;
    this.exec.stopTime = this.now;
    const details: EventDetails = {};
    if (failure.error !== '') details.error = this.exec.error = failure.error;
    if (failure.cause !== '') details.cause = this.exec.cause = failure.cause;
    this.emit(thread, type, details);
    this.exec.threads = {};
  }

  private parentOf(thread: ThreadState): { parent: ThreadState; frame: BranchFrame } {
    const parent = thread.parent ? this.exec.threads[thread.parent.thread] : undefined;
    if (parent?.step.kind !== 'branches') throw new Error(`thread ${thread.id} lost its parent`);
    return { parent, frame: parent.step.frame };
  }

  /** Stops every branch or iteration of a Parallel/Map thread (and theirs, recursively). */
  private abortChildren(parent: ThreadState): void {
    if (parent.step.kind !== 'branches') return;
    const frame = parent.step.frame;
    for (const child of Object.values(this.exec.threads)) {
      if (child.parent?.thread !== parent.id) continue;
      if (child.step.kind === 'branches') this.abortChildren(child);
      const { def } = this.compiled(child);
      // a Pass, Choice, Succeed or Fail state completes in the transition that enters it: never in progress
      if (child.step.kind !== 'enter')
        this.emit(child, `${def.Type as 'Task' | 'Wait' | 'Parallel' | 'Map'}StateAborted`);
      if (frame.kind === 'Map')
        this.emit(child, 'MapIterationAborted', { name: parent.state, index: child.parent.index });
      frame.running--;
      delete this.exec.threads[child.id];
    }
  }

  /** Error handling of a state: its retriers, then its catchers, then the thread fails. */
  private async fail(thread: ThreadState, error: StatesError): Promise<void> {
    if (thread.step.kind === 'branches') this.abortChildren(thread);
    const state = this.compiled(thread);
    const { def } = state;
    if (RETRYABLE.has(def.Type)) {
      const index = findRetrier(def.Retry, error.error);
      const retrier = index === undefined ? undefined : def.Retry?.[index];
      if (index !== undefined && retrier) {
        const used = thread.attempts[index] ?? 0;
        if (used < maxAttempts(retrier)) {
          thread.attempts[index] = used + 1;
          thread.retryCount++;
          thread.step = { kind: 'backoff', until: this.now + retryDelayMs(retrier, used, this.ports.random) };
          return;
        }
      }
      const catcher = findCatcher(def.Catch, error.error);
      if (catcher) {
        try {
          const { output, assigned } = await caught(state, catcher, this.scope(thread), error);
          return this.exit(thread, output, assigned, catcher.Next);
        } catch (inner) {
          return this.failThread(thread, this.attributed(thread, asStatesError(inner)));
        }
      }
    }
    this.failThread(thread, error);
  }

  // ---- the states --------------------------------------------------------------------------------

  private async pass(thread: ThreadState, state: CompiledState): Promise<void> {
    const scope = this.scope(thread);
    const effective = effectiveInput(state, scope);
    let result: Json | undefined = state.def.Result;
    if (result === undefined && state.queryLanguage === 'JSONPath')
      result = await stateArguments(state, scope, effective);
    const { output, assigned } = await conclude(
      state,
      scope,
      result === undefined ? { effective } : { effective, result },
    );
    this.exit(thread, output, assigned);
  }

  private async choice(thread: ThreadState, state: CompiledState): Promise<void> {
    const scope = this.scope(thread);
    const effective = effectiveInput(state, scope);
    let matched: ChoiceRule | undefined;
    for (const [i, rule] of (state.def.Choices ?? []).entries()) {
      const yes =
        state.queryLanguage === 'JSONata'
          ? await condition(rule, scope, i)
          : evaluateRule(rule, pathScope(scope, effective));
      if (yes) {
        matched = rule;
        break;
      }
    }
    const next = matched ? (matched.Next as string) : state.def.Default;
    if (next === undefined) {
      throw new StatesError(
        StatesErrorName.NoChoiceMatched,
        `No Choice Rule matched and no Default is set, for the input ${JSON.stringify(effective)}`,
      );
    }
    const { output, assigned } = await conclude(
      state,
      scope,
      matched ? { effective, rule: matched } : { effective },
    );
    this.exit(thread, output, assigned, next);
  }

  private async wait(thread: ThreadState, state: CompiledState): Promise<void> {
    const scope = this.scope(thread);
    const effective = effectiveInput(state, scope);
    let until: number;
    const seconds = await numberField(state, scope, effective, 'Seconds', {
      min: 0,
      max: MAX_WAIT_SECONDS,
      integer: true,
    });
    if (seconds !== undefined) until = this.now + seconds * 1000;
    else {
      const text = await stringField(state, scope, 'Timestamp', effective);
      const at = parseTimestamp(text);
      if (at === undefined) {
        throw new StatesError(
          state.queryLanguage === 'JSONata' ? StatesErrorName.QueryEvaluationError : StatesErrorName.Runtime,
          `The Wait state's timestamp ${JSON.stringify(text)} is not an RFC 3339 timestamp such as 2026-01-01T00:00:00Z`,
        );
      }
      until = at;
    }
    if (until - this.now > MAX_WAIT_MS) {
      throw new StatesError(
        StatesErrorName.Runtime,
        `The Wait state would wait until ${new Date(until).toISOString()}, beyond the maximum wait of one year for a Standard workflow`,
      );
    }
    const { output, assigned } = await conclude(state, scope, { effective });
    if (until <= this.now) return this.exit(thread, output, assigned);
    thread.step = assigned ? { kind: 'wait', until, output, assigned } : { kind: 'wait', until, output };
  }

  private async failState(thread: ThreadState, state: CompiledState): Promise<void> {
    const scope = this.scope(thread);
    const error = await stringField(state, scope, 'Error', thread.input);
    const cause = await stringField(state, scope, 'Cause', thread.input);
    this.failThread(thread, new StatesError(error ?? '', cause ?? ''));
  }

  private async task(thread: ThreadState, state: CompiledState): Promise<void> {
    const { def } = state;
    const resource = def.Resource as string;
    const info = parseResource(resource);
    const id = String(++this.exec.counters.task);
    const token =
      info.pattern === 'waitForTaskToken'
        ? makeTaskToken(this.exec.execution.arn, id, randomUuid(this.ports.random))
        : undefined;
    const scope = this.scope(thread, token === undefined ? {} : { token });
    const effective = effectiveInput(state, scope);
    const args = await stateArguments(state, scope, effective);
    const timeoutSeconds = await numberField(state, scope, effective, 'TimeoutSeconds', {
      min: 1,
      integer: true,
    });
    const heartbeatSeconds = await numberField(state, scope, effective, 'HeartbeatSeconds', {
      min: 1,
      integer: true,
    });
    const credentials = await taskCredentials(state, scope, effective);
    const argsText = this.sized(args, `The input of task '${thread.state}'`);

    const request: TaskRequest = {
      taskId: id,
      resource,
      stateResource: resource,
      pattern: info.pattern,
      input: args,
      execution: { arn: this.exec.execution.arn, name: this.exec.execution.name },
      stateName: thread.state,
      retryCount: thread.retryCount,
    };
    if (info.lambdaInvoke) {
      const fields = typeof args === 'object' && args !== null && !Array.isArray(args) ? args : {};
      if (typeof fields.FunctionName !== 'string') {
        throw new StatesError(
          StatesErrorName.Runtime,
          `The arguments of ${resource} must include a FunctionName string, not ${argsText}`,
        );
      }
      request.resource = fields.FunctionName;
      request.input = fields.Payload ?? {};
      request.arguments = args;
    }
    if (token !== undefined) request.taskToken = token;
    if (timeoutSeconds !== undefined) request.timeoutSeconds = timeoutSeconds;
    if (heartbeatSeconds !== undefined) request.heartbeatSeconds = heartbeatSeconds;
    if (credentials !== undefined) request.credentials = credentials;

    const task: PendingTask = {
      id,
      request,
      lambda: info.lambda,
      envelope: info.lambdaInvoke && info.pattern === 'request-response',
      resourceType: info.resourceType,
      resourceName: info.resourceName,
      dispatched: false,
      startedAt: this.now,
    };
    if (token !== undefined) task.token = token;
    if (timeoutSeconds !== undefined) task.timeoutAt = this.now + timeoutSeconds * 1000;
    // only a callback task can send heartbeats (SendTaskHeartbeat names its token)
    if (heartbeatSeconds !== undefined && token !== undefined) {
      task.heartbeatSeconds = heartbeatSeconds;
      task.heartbeatAt = this.now + heartbeatSeconds * 1000;
    }

    if (info.lambda) {
      const details: EventDetails = { resource, ...payloadDetails('input', argsText) };
      if (timeoutSeconds !== undefined) details.timeoutInSeconds = timeoutSeconds;
      this.taskEvent(thread, task, 'Scheduled', details);
    } else {
      const details: EventDetails = { region: info.region, parameters: argsText };
      if (timeoutSeconds !== undefined) details.timeoutInSeconds = timeoutSeconds;
      if (heartbeatSeconds !== undefined) details.heartbeatInSeconds = heartbeatSeconds;
      this.taskEvent(thread, task, 'Scheduled', details);
    }
    this.taskEvent(thread, task, 'Started');
    thread.step = { kind: 'task', task };
  }

  async taskOutcome(thread: ThreadState, task: PendingTask, outcome: TaskOutcome): Promise<void> {
    if (!('output' in outcome)) {
      this.taskEvent(thread, task, 'Failed', { error: outcome.error, cause: outcome.cause });
      return this.fail(thread, new StatesError(outcome.error, outcome.cause));
    }
    try {
      const result = task.envelope
        ? lambdaEnvelope(outcome.output, randomUuid(this.ports.random), this.now)
        : outcome.output;
      const text = this.sized(result, `The result of task '${thread.state}'`);
      this.taskEvent(thread, task, 'Succeeded', payloadDetails('output', text));
      const state = this.compiled(thread);
      const scope = this.scope(thread, task.token === undefined ? {} : { token: task.token });
      const { output, assigned } = await conclude(state, scope, { effective: scope.input, result });
      this.exit(thread, output, assigned);
    } catch (error) {
      await this.fail(thread, this.attributed(thread, asStatesError(error)));
    }
  }

  private async timedOut(thread: ThreadState, task: PendingTask): Promise<void> {
    const timeout = task.timeoutAt !== undefined && this.now >= task.timeoutAt;
    const error = timeout
      ? new StatesError(
          StatesErrorName.Timeout,
          `The task did not finish within ${task.request.timeoutSeconds} seconds`,
        )
      : new StatesError(
          StatesErrorName.HeartbeatTimeout,
          `The task sent no heartbeat for ${task.heartbeatSeconds} seconds`,
        );
    this.taskEvent(thread, task, 'TimedOut', { error: error.error, cause: error.cause });
    await this.fail(thread, error);
  }

  private async parallel(thread: ThreadState, state: CompiledState): Promise<void> {
    const scope = this.scope(thread);
    const input = await stateArguments(state, scope, effectiveInput(state, scope));
    const branches = state.def.Branches ?? [];
    const frame: BranchFrame = {
      kind: 'Parallel',
      startedEventId: 0,
      items: branches.map(() => input),
      launched: 0,
      running: 0,
      finished: 0,
      failed: 0,
      results: branches.map(() => null),
      limit: branches.length,
    };
    frame.startedEventId = this.emit(thread, 'ParallelStateStarted');
    thread.step = { kind: 'branches', frame };
    await this.branches(thread, frame);
  }

  private async map(thread: ThreadState, state: CompiledState): Promise<void> {
    const scope = this.scope(thread);
    const effective = effectiveInput(state, scope);
    const items = await mapItems(state, scope, effective);
    const max = await numberField(state, scope, effective, 'MaxConcurrency', { min: 0, integer: true });
    const count = await numberField(state, scope, effective, 'ToleratedFailureCount', {
      min: 0,
      integer: true,
    });
    const percentage = await numberField(state, scope, effective, 'ToleratedFailurePercentage', {
      min: 0,
      max: 100,
      integer: false,
    });
    let inputs = items;
    if (state.def.ItemBatcher !== undefined) {
      const selected: Json[] = [];
      for (const [index, value] of items.entries()) {
        const itemScope = this.scope(thread, { mapItem: { index, value } });
        selected.push(await mapItemInput(state, itemScope, effective, value));
      }
      inputs = await mapBatches(state, scope, effective, selected);
    }
    const frame: BranchFrame = {
      kind: 'Map',
      startedEventId: 0,
      items: inputs,
      selectorInput: effective,
      launched: 0,
      running: 0,
      finished: 0,
      failed: 0,
      results: inputs.map(() => null),
      limit: max ? Math.min(max, INLINE_MAP_CONCURRENCY) : INLINE_MAP_CONCURRENCY,
    };
    if (inputs !== items) frame.batched = true;
    if (count !== undefined) frame.toleratedCount = count;
    if (percentage !== undefined) frame.toleratedPercentage = percentage;
    frame.startedEventId = this.emit(thread, 'MapStateStarted', { length: inputs.length });
    thread.step = { kind: 'branches', frame };
    await this.branches(thread, frame);
  }

  /** A Parallel/Map thread: start what may start, and once every child is done, finish the state. */
  private async branches(thread: ThreadState, frame: BranchFrame): Promise<void> {
    const state = this.compiled(thread);
    if (frame.failure) {
      this.emit(thread, `${frame.kind}StateFailed`);
      throw new StatesError(frame.failure.error, frame.failure.cause);
    }
    while (frame.launched < frame.items.length && frame.running < frame.limit)
      await this.launch(thread, state, frame);
    if (frame.finished < frame.items.length) return;
    this.emit(thread, `${frame.kind}StateSucceeded`);
    const scope = this.scope(thread);
    const { output, assigned } = await conclude(state, scope, {
      effective: scope.input,
      result: frame.results,
    });
    this.exit(thread, output, assigned);
  }

  private async launch(thread: ThreadState, state: CompiledState, frame: BranchFrame): Promise<void> {
    const index = frame.launched;
    const item = frame.items[index] as Json;
    let input = item;
    let startAt: string;
    if (frame.kind === 'Map') {
      if (!frame.batched) {
        const scope = this.scope(thread, { mapItem: { index, value: item } });
        input = await mapItemInput(state, scope, frame.selectorInput ?? null, item);
      }
      startAt = (state.def.ItemProcessor ?? state.def.Iterator)?.StartAt as string;
    } else {
      startAt = state.def.Branches?.[index]?.StartAt as string;
    }
    frame.launched++;
    frame.running++;
    const child = this.newThread({
      state: startAt,
      input,
      lastEventId: frame.startedEventId,
      parent: { thread: thread.id, index },
    });
    if (frame.kind === 'Map') this.emit(child, 'MapIterationStarted', { name: thread.state, index });
  }
}
