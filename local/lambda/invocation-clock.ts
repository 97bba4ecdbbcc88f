import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * `Date.now()` on the clock of the invocation that calls it. Handlers read the time with `Date.now()`, as on
 * AWS; the Lambda runner calls them in this process, where the stack's clock may run faster than real time or
 * only when a test moves it. Inside {@link onInvocationClock} `Date.now()` reads the invocation's clock, and
 * anywhere else the real time, so the handlers and the engine that waits on their answers agree on the time.
 */
const invocationClock = new AsyncLocalStorage<() => number>();

/** the wrapper keeps the original here, so a second copy of this module finds it */
const ORIGINAL = Symbol.for('orgflow.lambda.realDateNow');
type DateNow = (() => number) & { [ORIGINAL]?: () => number };
const originalNow: () => number = (Date.now as DateNow)[ORIGINAL] ?? Date.now;

/** The system's time, even inside an invocation: for timeouts and for clocks built on real time. */
export const realNow = (): number => originalNow.call(Date);

/** Runs `fn` (and everything it starts) with `Date.now()` reading `now`. */
export function onInvocationClock<T>(now: () => number, fn: () => T): T {
  install();
  return invocationClock.run(now, fn);
}

/** Wraps `Date.now` once, for the whole process. */
function install(): void {
  if ((Date.now as DateNow)[ORIGINAL] !== undefined) return;
  const wrapper: DateNow = function now(): number {
    const clock = invocationClock.getStore();
    // the clock is read outside the store: a clock that reads Date.now itself (a scaled one) gets real time
    return clock === undefined ? realNow() : invocationClock.exit(clock);
  };
  wrapper[ORIGINAL] = originalNow;
  Date.now = wrapper;
}
