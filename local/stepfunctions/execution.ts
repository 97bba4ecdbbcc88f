import type { StateMachineDefinition } from './definition';
import { toTaskFailure } from './errors';
import type { HistoryEvent } from './history';
import {
  completeTask,
  nextDeadline,
  pendingTasks,
  type StartOptions,
  sendTaskFailure,
  sendTaskHeartbeat,
  sendTaskSuccess,
  start,
  step,
  stop,
  taskDelivered,
} from './interpreter';
import type { Json } from './json';
import type { Ports } from './ports';
import type { ExecutionState, StepResult, TaskOutcome } from './state';

// Drives one execution: makes transitions while any can be made, hands scheduled tasks to the task
// port, feeds their outcomes back, and sleeps until the next deadline on the clock. The record stays
// JSON and every transition is offered to `onTransition` before its side effects (task invocations)
// happen, so a store can persist it first.

export interface ExecutionOptions {
  /** called after every transition, before any task it scheduled is invoked; awaited */
  onTransition?: (result: StepResult) => void | Promise<void>;
}

type Settled = { taskId: string; outcome: TaskOutcome } | { taskId: string; delivered: Json };

interface InFlight {
  controller: AbortController;
  settled: boolean;
}

export class Execution {
  /** the events of this instance's transitions (from ExecutionStarted, or from the resume point) */
  readonly history: HistoryEvent[] = [];
  private readonly inflight = new Map<string, InFlight>();
  private readonly settled: Settled[] = [];
  private wake: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly definition: StateMachineDefinition,
    private record: ExecutionState,
    private readonly ports: Ports,
    private readonly options: ExecutionOptions,
  ) {}

  static async start(
    definition: StateMachineDefinition,
    input: Json,
    ports: Ports,
    options: StartOptions & ExecutionOptions = {},
  ): Promise<Execution> {
    const result = start(definition, input, options, ports);
    const execution = new Execution(definition, result.state, ports, options);
    await execution.commit(result);
    return execution;
  }

  /**
   * Continues from a persisted record (parsed JSON). Tasks that were in flight are invoked again (at
   * least once); a `.waitForTaskToken` request already delivered is not sent again and keeps waiting.
   */
  static resume(
    definition: StateMachineDefinition,
    record: ExecutionState,
    ports: Ports,
    options: ExecutionOptions = {},
  ): Execution {
    return new Execution(definition, record, ports, options);
  }

  /** The live record. Serialise it (JSON.stringify) to keep a copy; do not change it. */
  get state(): ExecutionState {
    return this.record;
  }

  get status(): ExecutionState['status'] {
    return this.record.status;
  }

  toJSON(): ExecutionState {
    return this.record;
  }

  nextDeadline(): number | undefined {
    return nextDeadline(this.record);
  }

  /**
   * Makes every transition possible now, including outcomes of tasks that settle meanwhile, and returns
   * once nothing more can happen without time passing or a task or token answering.
   */
  runUntilIdle(): Promise<ExecutionState> {
    return this.exclusive(async () => {
      for (;;) {
        const progressed = await this.drain();
        if (this.record.status !== 'RUNNING') break;
        await new Promise((resolve) => setImmediate(resolve));
        if (!progressed && this.settled.length === 0) break;
      }
      return this.record;
    });
  }

  /** Runs to the end, waiting for tasks, tokens and deadlines on the clock. */
  async run(): Promise<ExecutionState> {
    for (;;) {
      await this.runUntilIdle();
      if (this.record.status !== 'RUNNING') return this.record;
      const woken = new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      if (this.settled.length > 0) continue;
      const deadline = this.nextDeadline();
      const timer = new AbortController();
      await Promise.race([
        woken,
        deadline === undefined ? woken : this.ports.clock.waitUntil(deadline, timer.signal),
      ]);
      timer.abort();
      this.wake = undefined;
    }
  }

  sendTaskSuccess(token: string, output: Json): Promise<void> {
    return this.external(() => sendTaskSuccess(this.definition, this.record, token, output, this.ports));
  }

  sendTaskFailure(token: string, error?: string, cause?: string): Promise<void> {
    const failure: { error?: string; cause?: string } = {};
    if (error !== undefined) failure.error = error;
    if (cause !== undefined) failure.cause = cause;
    return this.external(() => sendTaskFailure(this.definition, this.record, token, failure, this.ports));
  }

  sendTaskHeartbeat(token: string): Promise<void> {
    return this.external(async () => sendTaskHeartbeat(this.definition, this.record, token, this.ports));
  }

  stop(error?: string, cause?: string): Promise<void> {
    const details: { error?: string; cause?: string } = {};
    if (error !== undefined) details.error = error;
    if (cause !== undefined) details.cause = cause;
    return this.external(async () => stop(this.definition, this.record, details, this.ports));
  }

  private async external(change: () => Promise<StepResult>): Promise<void> {
    await this.exclusive(async () => {
      await this.commit(await change());
      this.dispatch();
    });
    this.wake?.();
  }

  /** one operation on the record at a time: transitions, task outcomes and API calls interleave safely */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async commit(result: StepResult): Promise<void> {
    this.record = result.state;
    this.history.push(...result.events);
    await this.options.onTransition?.(result);
  }

  private async drain(): Promise<boolean> {
    let progressed = false;
    for (;;) {
      const item = this.settled.shift();
      let result: StepResult | undefined;
      if (item) {
        result =
          'delivered' in item
            ? taskDelivered(this.definition, this.record, item.taskId, item.delivered, this.ports)
            : await completeTask(this.definition, this.record, item.taskId, item.outcome, this.ports);
      } else {
        this.dispatch();
        result = await step(this.definition, this.record, this.ports);
        if (!result) break;
      }
      if (result) {
        progressed = true;
        await this.commit(result);
      }
    }
    this.dispatch();
    return progressed;
  }

  /** Invokes scheduled tasks not yet in flight; aborts in-flight ones the record no longer has. */
  private dispatch(): void {
    const pending = pendingTasks(this.record);
    const live = new Set(pending.map((task) => task.id));
    for (const [id, flight] of this.inflight) {
      if (live.has(id)) continue;
      if (!flight.settled) flight.controller.abort();
      this.inflight.delete(id);
    }
    for (const task of pending) {
      if (this.inflight.has(task.id) || task.dispatched) continue;
      const flight: InFlight = { controller: new AbortController(), settled: false };
      this.inflight.set(task.id, flight);
      const callback = task.token !== undefined;
      let invocation: Promise<Json>;
      try {
        invocation = Promise.resolve(
          this.ports.tasks.invoke(structuredClone(task.request), flight.controller.signal),
        );
      } catch (error) {
        invocation = Promise.reject(error);
      }
      invocation.then(
        (result) => {
          // a port that resolves with nothing produced `null`, as a Lambda returning undefined does
          const output = result === undefined ? null : result;
          this.settle(
            flight,
            callback ? { taskId: task.id, delivered: output } : { taskId: task.id, outcome: { output } },
          );
        },
        (reason) => this.settle(flight, { taskId: task.id, outcome: toTaskFailure(reason) }),
      );
    }
  }

  private settle(flight: InFlight, item: Settled): void {
    if (flight.controller.signal.aborted) return;
    flight.settled = true;
    this.settled.push(item);
    this.wake?.();
  }
}
