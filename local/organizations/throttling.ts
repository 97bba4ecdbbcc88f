import type { Clock } from '../clock';
import { OrganizationsError } from './errors';
import { exceptionMessages } from './messages';

/** rate per second and burst, per calling account and (where AWS publishes one) per organization */
export interface Rate {
  account: [rate: number, burst: number];
  organization?: [rate: number, burst: number];
}

const r = (rate: number, burst: number, orgRate?: number, orgBurst?: number): Rate =>
  orgRate === undefined
    ? { account: [rate, burst] }
    : { account: [rate, burst], organization: [orgRate, orgBurst ?? orgRate] };

/** AWS's published throttling limits (reference §3.2, the quotas page's "Throttling limits"). */
export const publishedRates: Readonly<Record<string, Rate>> = {
  CloseAccount: r(0.05, 1),
  CreateAccount: r(0.1, 3),
  CreateGovCloudAccount: r(0.1, 3),
  DescribeAccount: r(20, 30, 24, 36),
  DescribeCreateAccountStatus: r(2, 2, 2, 3),
  LeaveOrganization: r(1, 1),
  ListCreateAccountStatus: r(5, 8, 6, 10),
  AcceptHandshake: r(1, 2, 5, 5),
  DescribeHandshake: r(1, 2, 6, 10),
  CancelHandshake: r(2, 3),
  DeclineHandshake: r(1, 1, 5, 5),
  InviteAccountToOrganization: r(3, 5),
  ListHandshakesForAccount: r(5, 8, 6, 10),
  ListHandshakesForOrganization: r(5, 8, 6, 10),
  CreateOrganization: r(1, 1),
  DeleteOrganization: r(1, 1),
  EnableAllFeatures: r(1, 1),
  CreateOrganizationalUnit: r(1, 2),
  DescribeOrganization: r(1, 2),
  MoveAccount: r(2, 3),
  UpdateOrganizationalUnit: r(2, 3),
  DeleteOrganizationalUnit: r(2, 3),
  DescribeOrganizationalUnit: r(2, 2, 2, 3),
  ListAccounts: r(8, 12, 9, 15),
  ListChildren: r(6, 10, 7, 12),
  ListParents: r(5, 8, 6, 10),
  ListAccountsForParent: r(5, 8, 6, 10),
  ListOrganizationalUnitsForParent: r(5, 8, 6, 10),
  ListRoots: r(1, 2, 1, 3),
  ListTagsForResource: r(10, 15, 12, 18),
  RemoveAccountFromOrganization: r(2, 2),
  TagResource: r(4, 6),
  UntagResource: r(4, 6),
  CreatePolicy: r(2, 3),
  DeletePolicy: r(2, 3),
  AttachPolicy: r(2, 3),
  DetachPolicy: r(2, 3),
  DescribePolicy: r(2, 2, 2, 3),
  DisablePolicyType: r(1, 1),
  EnablePolicyType: r(1, 1),
  ListPolicies: r(5, 8, 6, 10),
  ListPoliciesForTarget: r(5, 8, 6, 10),
  ListTargetsForPolicy: r(5, 8, 6, 10),
  UpdatePolicy: r(2, 3),
  EnableAWSServiceAccess: r(1, 2),
  DisableAWSServiceAccess: r(1, 2),
  ListAWSServiceAccessForOrganization: r(1, 3, 1, 4),
  ListDelegatedServicesForAccount: r(1, 3, 1, 4),
  ListDelegatedAdministrators: r(5, 8, 6, 10),
  RegisterDelegatedAdministrator: r(1, 2),
  DeregisterDelegatedAdministrator: r(1, 2),
};

/** AWS publishes no limit for the remaining operations; they get the most common published one (UNVERIFIED). */
export const unpublishedRate: Rate = r(5, 8);

/** a hair under one token, so that refills summed in floating point still make a whole token on time */
const WHOLE_TOKEN = 1 - 1e-9;

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  refill(now: number): void {
    // a clock read that goes back (e.g. a clock swapped under a running emulator) must not drain the bucket
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
    this.updatedAt = Math.max(now, this.updatedAt);
  }

  get available(): boolean {
    return this.tokens >= WHOLE_TOKEN;
  }

  take(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }
}

/**
 * Token buckets per operation and calling account, and per operation and organization, on the emulator's
 * clock (so a sped-up clock refills them faster, as the virtual time says it should).
 */
export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly rates: Readonly<Record<string, Rate>>;
  enabled: boolean;

  constructor(
    private readonly clock: Clock,
    options: { enabled?: boolean; rates?: Readonly<Record<string, Rate>> } = {},
  ) {
    this.enabled = options.enabled ?? false;
    this.rates = options.rates ?? publishedRates;
  }

  rateOf(operation: string): Rate {
    return this.rates[operation] ?? unpublishedRate;
  }

  /** Takes a token for the call from every bucket it draws on, or throws TooManyRequestsException taking none. */
  admit(operation: string, accountId: string, orgId: string | undefined): void {
    if (!this.enabled) return;
    const now = this.clock.now();
    const rate = this.rateOf(operation);
    const buckets = [
      { scope: `account ${accountId}`, limit: rate.account, key: `${operation}|a|${accountId}` },
      ...(rate.organization && orgId
        ? [{ scope: `organization ${orgId}`, limit: rate.organization, key: `${operation}|o|${orgId}` }]
        : []),
    ].map((b) => ({ ...b, bucket: this.bucket(b.key, b.limit, now) }));
    for (const { bucket } of buckets) bucket.refill(now);
    const empty = buckets.find(({ bucket }) => !bucket.available);
    if (empty)
      throw new OrganizationsError(
        'TooManyRequestsException',
        `${exceptionMessages.TooManyRequestsException} (${operation} is limited to ${empty.limit[0]} per second, in bursts of up to ${empty.limit[1]}, per ${empty.scope}.)`,
      );
    for (const { bucket } of buckets) bucket.take();
  }

  private bucket(key: string, [rate, burst]: [number, number], now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
