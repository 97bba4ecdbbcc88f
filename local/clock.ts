/** Something that tells the time, in epoch milliseconds. */
export interface TimeSource {
  now(): number;
}

/**
 * The one clock of the local stack: Organizations lifecycles, throttle refills, Step Functions waits and
 * retry intervals all read it, so a sped-up or manual clock moves them together. Waits are deadlines on
 * it, never real sleeps.
 */
export interface Clock extends TimeSource {
  /** Resolves once `now() >= deadline`, or early when `signal` aborts. Never rejects. */
  waitUntil(deadline: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay setTimeout accepts; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits on real timers until `clock` reads `deadline`; `realMsFor` turns virtual time left into real time. */
function waitOnTimers(
  clock: TimeSource,
  deadline: number,
  signal: AbortSignal | undefined,
  realMsFor: (virtualMs: number) => number,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const arm = () => {
      const left = deadline - clock.now();
      if (left <= 0) return done();
      timer = setTimeout(arm, Math.max(1, Math.min(Math.ceil(realMsFor(left)), MAX_TIMER_MS)));
    };
    signal?.addEventListener('abort', done, { once: true });
    arm();
  });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  waitUntil(deadline, signal) {
    return waitOnTimers(this, deadline, signal, (ms) => ms);
  },
};

/** Virtual time running `speed` times faster than real time, from `start` on. */
export class ScaledClock implements Clock {
  private readonly realStart = Date.now();

  constructor(
    readonly speed: number,
    private readonly start: number = Date.now(),
  ) {
    if (!(speed > 0)) throw new RangeError(`a clock's speed must be a positive number, not ${speed}`);
  }

  now(): number {
    return Math.floor(this.start + (Date.now() - this.realStart) * this.speed);
  }

  waitUntil(deadline: number, signal?: AbortSignal): Promise<void> {
    return waitOnTimers(this, deadline, signal, (ms) => ms / this.speed);
  }
}

/** A clock that only moves when told to: for deterministic tests. Advancing releases the waits it reaches. */
export class ManualClock implements Clock {
  private current: number;
  private waiters: { deadline: number; resolve: () => void }[] = [];
  private readonly listeners: (() => void)[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward and lets whatever was due in between happen. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance the clock by ${ms} ms: use a non-negative number`);
    this.current += ms;
    const due = this.waiters.filter((w) => w.deadline <= this.current);
    this.waiters = this.waiters.filter((w) => w.deadline > this.current);
    for (const listener of this.listeners) listener();
    for (const waiter of due) waiter.resolve();
  }

  /** How many waits are pending: lets a test see that something is sleeping on the clock, not stuck. */
  get pendingWaits(): number {
    return this.waiters.length;
  }

  /** Calls `listener` after every advance (the Organizations emulator runs its due timers there). */
  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }

  waitUntil(deadline: number, signal?: AbortSignal): Promise<void> {
    if (deadline <= this.current || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { deadline, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener(
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
