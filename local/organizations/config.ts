import { type PolicyTypeInfo, policyTypes } from './policy-types';

const DAY = 24 * 60 * 60 * 1000;

/** How many accounts an organization may close in a rolling 30 days (reference §3.1). */
export type ClosureQuotaProfile = 'current' | 'legacy';

export type PolicyLimits = Pick<
  PolicyTypeInfo,
  'maxContentLength' | 'maxAttachedPerTarget' | 'maxPoliciesPerOrganization'
>;

/** Limits the emulator enforces; defaults are AWS's current values (reference §3.1). */
export interface Limits {
  /** accounts per organization for a new organization (AWS default 10, raised through Service Quotas) */
  accountQuota: number;
  ousPerOrganization: number;
  ouDepth: number;
  tagsPerResource: number;
  defaultPageSize: number;
  /** [min, max] milliseconds a CreateAccount request stays IN_PROGRESS, drawn uniformly per request */
  createAccountDurationMs: readonly [number, number];
  /** CreateAccount requests IN_PROGRESS at once per organization */
  concurrentAccountCreations: number;
  /** milliseconds an account stays PENDING_CLOSURE before it is SUSPENDED / CLOSED */
  closeAccountDurationMs: number;
  /** accounts PENDING_CLOSURE at once per organization */
  concurrentAccountClosures: number;
  closureQuotaProfile: ClosureQuotaProfile;
  /** the rolling window of the closure quota */
  closureWindowMs: number;
  /** how long a closed account stays in its organization (and counts toward its quota) before AWS removes it */
  postClosurePeriodMs: number;
  /** how old an account made by CreateAccount must be before it can be removed or leave */
  removalWaitPeriodMs: number;
  /** per policy type, limits that replace those of policy-types.ts */
  policyOverrides: Readonly<Record<string, Partial<PolicyLimits>>>;
  /** whether the management account has a paired GovCloud (US) account, which CreateGovCloudAccount needs */
  govCloudEnabled: boolean;
}

export const defaultLimits: Limits = {
  accountQuota: 10,
  ousPerOrganization: 2000,
  ouDepth: 5,
  tagsPerResource: 50,
  defaultPageSize: 20,
  // CloudTrail samples show creations finishing after 3 s and failing after 48 s; 20 s keeps the typical
  // success case realistic without making every run wait (reference §3.3)
  createAccountDurationMs: [3_000, 20_000],
  concurrentAccountCreations: 5,
  // AWS says "a few minutes"; 2026 reports settle after about 10 minutes. One minute makes pollers poll
  // without stalling local runs; raise it to 600_000 to rehearse the slow case (reference §3.3)
  closeAccountDurationMs: 60_000,
  concurrentAccountClosures: 3,
  closureQuotaProfile: 'current',
  closureWindowMs: 30 * DAY,
  postClosurePeriodMs: 90 * DAY,
  removalWaitPeriodMs: 4 * DAY,
  policyOverrides: {},
  govCloudEnabled: false,
};

/**
 * The values AWS documented before its 2025–2026 quota changes (reference §3.1, the bracketed values): pass
 * as `limits` (or spread and adjust) to rehearse an organization that still lives under them.
 */
export const legacyQuotas: Partial<Limits> = {
  ousPerOrganization: 1000,
  closureQuotaProfile: 'legacy',
  // older pages (still the translated ones) ask created accounts to wait seven days before leaving
  removalWaitPeriodMs: 7 * DAY,
  // the 2022 guide's CloudTrail samples: a creation done in 3 s, a failed one reported after 48 s
  createAccountDurationMs: [3_000, 48_000],
  policyOverrides: {
    SERVICE_CONTROL_POLICY: {
      maxContentLength: 5120,
      maxAttachedPerTarget: 5,
      maxPoliciesPerOrganization: 1000,
    },
  },
};

/** The limits of a policy type under `limits`, or undefined for a type the emulator does not know. */
export function policyTypeLimits(limits: Limits, type: string): PolicyTypeInfo | undefined {
  const info = policyTypes[type];
  return info && { ...info, ...limits.policyOverrides[type] };
}

/** How many closures `memberAccounts` member accounts allow in the rolling window. */
export function closureQuota(profile: ClosureQuotaProfile, memberAccounts: number): number {
  // current: the higher of 250 or 20 %, at most 1000; legacy: 10 %, between 10 and 1000
  const [floor, share] = profile === 'current' ? [250, 0.2] : [10, 0.1];
  return Math.min(1000, Math.max(floor, Math.floor(memberAccounts * share)));
}
