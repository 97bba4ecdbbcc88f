/**
 * The stack's time, read synchronously from a worker thread. `Date.now()` must answer at once, but the
 * stack's clock lives in the main thread and may be scaled or moved by a test at any moment. So a worker asks
 * for it: it posts a request and blocks on a shared word until the main thread has written both times (the
 * clock handlers read, the timers their deadline is on) into shared memory. A read costs a message round trip
 * (tens of µs) and always sees the clock as it is now.
 */

/** The shared memory of one environment: a flag word, then the two times as float64. */
export const SHARED_TIME_BYTES = 24;

export const TIME_REQUEST = 'orgflow.lambda.time';

export interface StackTimes {
  /** the stack's clock: what `Date.now()` reads */
  clock: number;
  /** the runner's timers: what `getRemainingTimeInMillis` counts against */
  timers: number;
}

const views = (buffer: SharedArrayBuffer) => ({
  flag: new Int32Array(buffer, 0, 1),
  times: new Float64Array(buffer, 8, 2),
});

/** Main thread: answers a worker's request by writing the current times and waking it. */
export function answerTimeRequest(buffer: SharedArrayBuffer, read: () => StackTimes): void {
  const { flag, times } = views(buffer);
  const now = read();
  times[0] = now.clock;
  times[1] = now.timers;
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** Worker thread: a function that asks the main thread for the times and waits for them. */
export function timeReader(buffer: SharedArrayBuffer, ask: () => void): () => StackTimes {
  const { flag, times } = views(buffer);
  return () => {
    Atomics.store(flag, 0, 0);
    ask();
    Atomics.wait(flag, 0, 0);
    return { clock: times[0] ?? Number.NaN, timers: times[1] ?? Number.NaN };
  };
}
