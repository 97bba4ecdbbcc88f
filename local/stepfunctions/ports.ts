import type { Json } from './json';

/**
 * Time as the engine sees it, in epoch ms. Waits and retry intervals are deadlines on this clock, never
 * real sleeps, so the same code runs on real time, on a sped-up virtual clock, or on a test's manual clock.
 */
export interface Clock {
  now(): number;
  /** Resolves once `now() >= deadline`, or early when `signal` aborts. Never rejects. */
  waitUntil(deadline: number, signal: AbortSignal): Promise<void>;
}

/** The longest delay setTimeout accepts; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  waitUntil(deadline, signal) {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let timer: NodeJS.Timeout;
      const arm = () => {
        const left = deadline - Date.now();
        if (left <= 0) return done();
        timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      arm();
    });
  },
};

/** A clock that moves only when a test says so; waiters whose deadline is reached are released. */
export class ManualClock implements Clock {
  private current: number;
  private waiters: { deadline: number; resolve: () => void }[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance the clock by ${ms} ms: use a non-negative number`);
    this.current += ms;
    const due = this.waiters.filter((w) => w.deadline <= this.current);
    this.waiters = this.waiters.filter((w) => w.deadline > this.current);
    for (const waiter of due) waiter.resolve();
  }

  waitUntil(deadline: number, signal: AbortSignal): Promise<void> {
    if (deadline <= this.current || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { deadline, resolve };
      this.waiters.push(waiter);
      signal.addEventListener(
        'abort',
        () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve();
        },
        { once: true },
      );
    });
  }
}

/** Uniform numbers in [0, 1): FULL jitter, States.MathRandom, States.UUID, $random, $uuid and task tokens. */
export interface RandomSource {
  next(): number;
}

export const mathRandom: RandomSource = { next: () => Math.random() };

/** A reproducible generator (mulberry32) for tests and for States.MathRandom's seed argument. */
export function seededRandom(seed: number): RandomSource {
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

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
