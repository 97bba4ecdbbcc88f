import { isProtectedByTag, PROTECTED_TAG, protectingOu } from '../_shared/protection';
import { nextClosureTimes } from '../governor/closure-window';

// The plan of a closure batch, before anything is closed: for each account asked for, close now, deferred until
// a date (the closure quota's forecast), or skipped with a reason. Pure: the caller reads the organization.

/** What the plan needs to know of one account asked for. */
export interface ClosureCandidate {
  accountId: string;
  /** undefined when the account is not a member of this organization */
  state?: string | undefined;
  isManagementAccount: boolean;
  tags: Readonly<Record<string, string>>;
  /** the OUs above the account, from the root down: ids and paths of names */
  ancestors: readonly { id: string; path: string }[];
}

export type SkipReason =
  | 'management-account'
  | 'protected-account'
  | 'protected-ou'
  | 'not-a-member'
  | 'already-closing'
  | 'already-closed'
  /** found at the closure, not planned: the batch does not exist or its plan does not close the account */
  | 'not-asked-for';

export type PlannedClosure =
  | { accountId: string; decision: 'close-now' }
  | { accountId: string; decision: 'deferred'; until: string }
  | { accountId: string; decision: 'skipped'; reason: SkipReason; detail: string };

export interface ClosureQuotaState {
  /** request times (epoch ms) of the closures in the organization's rolling window */
  ledger: readonly number[];
  limit: number;
  now: number;
  /** how far apart CloseAccount calls come at least (its throttle), for the forecast; 0 by default */
  spacingMs?: number;
}

/** Why an account must not be closed, or undefined when it may be. */
export function skipReasonOf(
  candidate: ClosureCandidate,
  protectedOus: readonly string[],
): { reason: SkipReason; detail: string } | undefined {
  if (candidate.isManagementAccount)
    return { reason: 'management-account', detail: 'the management account cannot be closed' };
  if (candidate.state === undefined)
    return { reason: 'not-a-member', detail: `${candidate.accountId} is not a member of this organization` };
  if (isProtectedByTag(candidate.tags))
    return { reason: 'protected-account', detail: `tagged ${PROTECTED_TAG.key}=${PROTECTED_TAG.value}` };
  const guard = protectingOu(candidate.ancestors, protectedOus);
  if (guard) return { reason: 'protected-ou', detail: `under the protected OU ${guard.path} (${guard.id})` };
  if (candidate.state === 'PENDING_CLOSURE')
    return { reason: 'already-closing', detail: 'already PENDING_CLOSURE' };
  if (candidate.state === 'SUSPENDED' || candidate.state === 'CLOSED')
    return { reason: 'already-closed', detail: `already ${candidate.state}` };
  return undefined;
}

/**
 * The batch's plan, in the order asked: every account that may be closed is given the next closure time the
 * quota allows (now, or deferred until the closure it waits for leaves the 30-day window); the others are
 * skipped with their reason. An account asked for twice is planned once.
 */
export function planClosures(
  candidates: readonly ClosureCandidate[],
  protectedOus: readonly string[],
  quota: ClosureQuotaState,
): PlannedClosure[] {
  const seen = new Set<string>();
  const unique = candidates.filter((c) => !seen.has(c.accountId) && seen.add(c.accountId));
  const verdicts = unique.map((candidate) => ({ candidate, skip: skipReasonOf(candidate, protectedOus) }));
  const count = verdicts.filter((v) => v.skip === undefined).length;
  // whether the window has room now decides; the date of a deferred one also counts the pacing of those before it
  const fits = nextClosureTimes(quota.ledger, quota.limit, quota.now, count);
  const times = nextClosureTimes(quota.ledger, quota.limit, quota.now, count, undefined, quota.spacingMs);
  let next = 0;
  return verdicts.map(({ candidate, skip }): PlannedClosure => {
    const { accountId } = candidate;
    if (skip) return { accountId, decision: 'skipped', ...skip };
    const index = next++;
    return (fits[index] as number) <= quota.now
      ? { accountId, decision: 'close-now' }
      : { accountId, decision: 'deferred', until: new Date(times[index] as number).toISOString() };
  });
}
