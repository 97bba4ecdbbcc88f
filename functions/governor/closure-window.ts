// The rolling 30-day closure quota as the governor forecasts it (reference §3.1): pure, given the ledger of
// closures the organization made (by orgflow or anyone else, learned from CloseAccount events).

export type ClosureQuotaProfile = 'current' | 'legacy';

export const CLOSURE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * How many closures `memberAccounts` member accounts allow in the window: today the higher of 250 and 20 % of
 * them, at most 1,000; under the older profile 10 %, between 10 and 1,000.
 */
export function closureQuota(profile: ClosureQuotaProfile, memberAccounts: number): number {
  const share = profile === 'current' ? memberAccounts / 5 : memberAccounts / 10;
  const least = profile === 'current' ? 250 : 10;
  return Math.min(1000, Math.max(least, Math.floor(share)));
}

/**
 * When each of the next `count` closures fits the window, in order: a closure fits at `t` when fewer than
 * `limit` closures were requested in (t - window, t]. `ledger` holds the request times of past closures (any
 * order); each forecast closure counts against the ones after it, and comes at least `spacingMs` after the one
 * before it (CloseAccount's throttle paces them).
 */
export function nextClosureTimes(
  ledger: readonly number[],
  limit: number,
  now: number,
  count: number,
  windowMs: number = CLOSURE_WINDOW_MS,
  spacingMs = 0,
): number[] {
  if (limit < 1) throw new RangeError(`a closure quota is at least 1, not ${limit}`);
  const requested = ledger.filter((at) => at > now - windowMs).sort((a, b) => a - b);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    // the closure `limit` places back must have left the window: the window then holds limit - 1
    const blocking = requested.length >= limit ? requested[requested.length - limit] : undefined;
    const previous = times[times.length - 1];
    const earliest = previous === undefined ? now : previous + spacingMs;
    const at = blocking === undefined ? earliest : Math.max(earliest, blocking + windowMs);
    requested.push(at);
    times.push(at);
  }
  return times;
}

/** What the window holds now: used, the limit, and when the next closure fits. */
export function closureBudget(
  ledger: readonly number[],
  limit: number,
  now: number,
  windowMs = CLOSURE_WINDOW_MS,
) {
  const used = ledger.filter((at) => at > now - windowMs).length;
  const [next] = nextClosureTimes(ledger, limit, now, 1, windowMs);
  return { used, limit, nextFitsAt: next as number };
}
