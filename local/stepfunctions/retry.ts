import type { Catcher, Retrier } from './asl';
import { StatesErrorName } from './errors';
import type { RandomSource } from './ports';

// Retry and Catch as the States Language defines them: the first retrier/catcher whose ErrorEquals
// matches wins; a matched retrier that has used up its attempts does not fall through to the next one.

/** Errors no retrier or catcher sees: States.Runtime never, States.DataLimitExceeded not through States.ALL. */
const UNCATCHABLE = new Set<string>([StatesErrorName.Runtime]);
const TERMINAL = new Set<string>([StatesErrorName.Runtime, StatesErrorName.DataLimitExceeded]);
const TIMEOUTS = new Set<string>([StatesErrorName.Timeout, StatesErrorName.HeartbeatTimeout]);

export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (UNCATCHABLE.has(error)) return false;
  return errorEquals.some((name) => {
    if (name === error) return true;
    if (name === StatesErrorName.All) return !TERMINAL.has(error);
    // States.TaskFailed matches any error except the timeouts; a heartbeat timeout is a timeout
    if (name === StatesErrorName.TaskFailed) return !TERMINAL.has(error) && !TIMEOUTS.has(error);
    if (name === StatesErrorName.Timeout) return error === StatesErrorName.HeartbeatTimeout;
    return false;
  });
}

export function findRetrier(retriers: readonly Retrier[] | undefined, error: string): number | undefined {
  const index = retriers?.findIndex((retrier) => errorMatches(retrier.ErrorEquals, error)) ?? -1;
  return index < 0 ? undefined : index;
}

export function findCatcher(catchers: readonly Catcher[] | undefined, error: string): Catcher | undefined {
  return catchers?.find((catcher) => errorMatches(catcher.ErrorEquals, error));
}

export const RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

export function maxAttempts(retrier: Retrier): number {
  return retrier.MaxAttempts ?? RETRY_DEFAULTS.MaxAttempts;
}

/**
 * Delay before retry number `attempt + 1` (attempt counts the retries already made by this retrier):
 * IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, then with FULL jitter a uniform
 * draw from [0, delay]. In ms, rounded.
 */
export function retryDelayMs(retrier: Retrier, attempt: number, random: RandomSource): number {
  const interval = retrier.IntervalSeconds ?? RETRY_DEFAULTS.IntervalSeconds;
  const rate = retrier.BackoffRate ?? RETRY_DEFAULTS.BackoffRate;
  let seconds = interval * rate ** attempt;
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') seconds *= random.next();
  return Math.round(seconds * 1000);
}
