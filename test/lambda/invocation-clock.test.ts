import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, ScaledClock } from '../../local/clock';
import {
  type InvokeOutcome,
  LambdaRunner,
  type LambdaRunnerOptions,
  type LambdaTimers,
} from '../../local/lambda/runner';
import { signalsOn } from './fixtures/signals';

const HANDLERS = fileURLToPath(new URL('./fixtures/clock.ts', import.meta.url));
const FUTURE = Date.UTC(2031, 4, 6, 7, 8, 9);
/** the system's time, read without Date.now */
const systemTime = () => performance.timeOrigin + performance.now();

type Environments = NonNullable<LambdaRunnerOptions['environments']>;

const runners: LambdaRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function newRunner(options: Omit<LambdaRunnerOptions, 'accountId'>) {
  const runner = new LambdaRunner({ accountId: '111111111111', ...options });
  runners.push(runner);
  return runner;
}

/** A runner on `clock`, as the local stack makes it; timeouts stay on real timers. */
function runnerOn(clock: { now(): number }, environments: Environments) {
  const runner = newRunner({ clock, environments });
  for (const name of ['now', 'nowLater', 'remaining'])
    runner.register(name, { module: HANDLERS, export: name, timeoutMs: 30_000, memoryMb: 128 });
  return runner;
}

const resultOf = <T>(outcome: InvokeOutcome) => {
  if (!('result' in outcome)) throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.result as T;
};

describe.each<Environments>(['shared', 'isolated'])(
  "a handler's Date.now() (%s environments)",
  (environments) => {
    it("reads the runner's manual clock inside the invocation, and real time outside it", async () => {
      // Prepare
      const clock = new ManualClock(FUTURE);
      const runner = runnerOn(clock, environments);
      const signals = signalsOn('clock-now-later');

      // Act: the handler reads the time, waits (the clock moves meanwhile), and reads it again
      const invocation = runner.invoke('nowLater', {});
      await signals.waiting();
      const outsideWhileRunning = Date.now();
      clock.advance(90_000);
      signals.release();
      signals.close();
      const { before, after } = resultOf<{ before: number; after: number }>(await invocation);
      const first = resultOf<{ now: number }>(await runner.invoke('now', {}));

      // Assess
      expect(before).toBe(FUTURE);
      expect(after).toBe(FUTURE + 90_000);
      expect(first.now).toBe(FUTURE + 90_000);
      expect(Math.abs(outsideWhileRunning - systemTime())).toBeLessThan(5_000);
      expect(Math.abs(Date.now() - systemTime())).toBeLessThan(5_000);
    });

    it('reads a scaled clock, which itself reads the real Date.now', async () => {
      // Prepare
      const clock = new ScaledClock(1000, FUTURE);
      const runner = runnerOn(clock, environments);

      // Act
      const seen = resultOf<{ now: number }>(await runner.invoke('now', {})).now;

      // Assess: a scaled clock that read its own (scaled) Date.now would be years ahead, or never return
      expect(seen).toBeGreaterThanOrEqual(FUTURE);
      expect(seen).toBeLessThan(clock.now() + 1);
      expect(seen - FUTURE).toBeLessThan(60 * 60_000);
    });

    it("reads the runner's timers when it is given no clock", async () => {
      // Prepare
      const timers: LambdaTimers = { now: () => FUTURE, schedule: () => () => {} };
      const runner = newRunner({ timers, environments });
      runner.register('now', { module: HANDLERS, export: 'now', timeoutMs: 30_000, memoryMb: 128 });

      // Act
      const seen = resultOf<{ now: number }>(await runner.invoke('now', {})).now;

      // Assess
      expect(seen).toBe(FUTURE);
    });

    it('gives a handler its real time to run on a sped-up clock', async () => {
      // Prepare: at ×1000, a 30 s timeout on the clock would be 30 ms
      const runner = runnerOn(new ScaledClock(1000, FUTURE), environments);
      const signals = signalsOn('clock-now-later');

      // Act
      const invocation = runner.invoke('nowLater', {});
      await signals.waiting();
      await new Promise((resolve) => setTimeout(resolve, 100));
      signals.release();
      signals.close();
      const outcome = await invocation;

      const { remainingMs } = resultOf<{ remainingMs: number }>(await runner.invoke('remaining', {}));

      // Assess
      expect(outcome).toHaveProperty('result');
      expect(remainingMs).toBeGreaterThan(25_000);
    });

    it('reads real time in a runner on real timers', async () => {
      // Prepare
      const runner = newRunner({ environments });
      runner.register('now', { module: HANDLERS, export: 'now', timeoutMs: 30_000, memoryMb: 128 });

      // Act
      const start = systemTime();
      const seen = resultOf<{ now: number }>(await runner.invoke('now', {})).now;

      // Assess (the monotonic clock and the wall clock may drift apart by a few ms)
      expect(seen).toBeGreaterThan(start - 1_000);
      expect(seen).toBeLessThan(systemTime() + 1_000);
    });
  },
);
