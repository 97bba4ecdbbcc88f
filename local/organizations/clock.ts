/** Time source of the emulator: every timestamp, lifecycle delay and throttle refill reads it. Epoch ms. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

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
}

/** A clock that only moves when told to: for deterministic tests. */
export class ManualClock implements Clock {
  private current: number;
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
    for (const listener of this.listeners) listener();
  }

  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }
}
