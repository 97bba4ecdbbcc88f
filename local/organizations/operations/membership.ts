import type {
  CloseAccountRequest,
  RemoveAccountFromOrganizationRequest,
} from '@aws-sdk/client-organizations';
import { type DepartureMethod, membershipEvent, serviceEvent } from '../cloudtrail';
import { closureQuota } from '../config';
import {
  callerOrganization,
  managedOrganization,
  memberAccount,
  type OperationContext,
  type TimerHandler,
} from '../context';
import { enabledPolicyTypes, forgetTarget, rootOf } from '../entities';
import { accessDenied, constraintViolation, refuse } from '../errors';
import type { AccountRow, ClosureRow, OrganizationRow } from '../model';
import { seconds } from '../views';
import { op } from './define';
import { onAccountDeparted } from './handshakes';

const closureTimer = 'completeAccountClosure';
const cleanUpTimer = 'removeClosedAccount';

const DAY = 24 * 60 * 60 * 1000;
const isoTime = (ms: number) => new Date(ms).toISOString();

/** Member accounts, the base of the closure quota: every account of the organization but the management account. */
function memberCount(ctx: OperationContext, org: OrganizationRow): number {
  return ctx.store.accounts.countBy('byOrg', org.id) - 1;
}

/** The rolling 30-day quota first (waiting for closures in flight would not help), then the closures in flight. */
function checkClosureLimits(ctx: OperationContext, org: OrganizationRow): void {
  const now = ctx.clock.now();
  const closures = ctx.store.closures.by('byOrg', org.id);
  const recent = closures
    .filter((c) => c.requestedAt > now - ctx.limits.closureWindowMs)
    .sort((a, b) => a.requestedAt - b.requestedAt);
  const quota = closureQuota(ctx.limits.closureQuotaProfile, memberCount(ctx, org));
  if (recent.length >= quota)
    throw constraintViolation(
      'CLOSE_ACCOUNT_QUOTA_EXCEEDED',
      `Organization ${org.id} has closed ${recent.length} accounts in the last ${ctx.limits.closureWindowMs / DAY} days, all its ${memberCount(ctx, org)} member accounts allow (${ctx.limits.closureQuotaProfile} formula); the next closure is possible from ${isoTime(recent[0]!.requestedAt + ctx.limits.closureWindowMs)}.`,
    );
  const pending = closures.filter((c) => c.completedAt === null).length;
  if (pending >= ctx.limits.concurrentAccountClosures)
    throw constraintViolation(
      'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED',
      `Organization ${org.id} already has ${pending} closures in progress, the most it may have at once; wait until one account is SUSPENDED.`,
    );
}

/** Closures that left the rolling window no longer matter to anyone. */
function forgetOldClosures(ctx: OperationContext, org: OrganizationRow): void {
  const cutoff = ctx.clock.now() - ctx.limits.closureWindowMs;
  for (const closure of ctx.store.closures.by('byOrg', org.id))
    if (closure.completedAt !== null && closure.requestedAt <= cutoff) ctx.store.closures.delete(closure.id);
}

/**
 * The account leaves its organization and becomes standalone: no parent, policies or tags any more; the
 * management account is told by AccountDepartedOrganization.
 */
function departOrganization(
  ctx: OperationContext,
  org: OrganizationRow,
  account: AccountRow,
  departureMethod: DepartureMethod,
): void {
  onAccountDeparted(ctx, org.id, account.id);
  forgetTarget(ctx.store, account.id);
  for (const registration of ctx.store.delegatedAdmins.by('byAccount', account.id))
    ctx.store.delegatedAdmins.delete(registration.id);
  ctx.cancelTimer(cleanUpTimer, account.id);
  ctx.store.accounts.put({ ...account, orgId: null, parentId: null, joinedMethod: null, joinedAt: null });
  ctx.emit(
    membershipEvent({
      managementAccountId: org.managementAccountId,
      accountId: account.id,
      change: { departureMethod },
      now: ctx.clock.now(),
    }),
  );
}

/** What Remove and Leave both refuse (the standalone-account checks on phone, EULA and payment are not modelled). */
function checkCanDepart(ctx: OperationContext, org: OrganizationRow, account: AccountRow): void {
  // UNVERIFIED: AWS documents no answer for an account whose closure is under way; it is busy, so retry later
  if (account.status === 'PENDING_CLOSURE')
    throw refuse(
      'ConcurrentModificationException',
      `Account ${account.id} is being closed; try again once it is SUSPENDED.`,
    );
  const services = ctx.store.delegatedAdmins
    .by('byAccount', account.id)
    .filter((r) => r.orgId === org.id)
    .map((r) => r.servicePrincipal);
  if (services.length > 0)
    throw constraintViolation(
      'CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG',
      `Account ${account.id} is a delegated administrator for ${services.join(', ')}; deregister it first.`,
    );
  const waitEnds = account.createdAt + ctx.limits.removalWaitPeriodMs;
  if (account.joinedMethod === 'CREATED' && ctx.clock.now() < waitEnds)
    throw constraintViolation(
      'WAIT_PERIOD_ACTIVE',
      `Account ${account.id} was created at ${isoTime(account.createdAt)}; it can leave from ${isoTime(waitEnds)}.`,
    );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function statementsOf(content: string): Record<string, unknown>[] {
  const document: unknown = JSON.parse(content);
  const statement = isObject(document) ? document.Statement : undefined;
  return (Array.isArray(statement) ? statement : [statement]).filter(isObject);
}

function matchesAny(patterns: unknown, action: string): boolean {
  return (Array.isArray(patterns) ? patterns : [patterns]).some((pattern) => {
    if (typeof pattern !== 'string') return false;
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return new RegExp(`^${source}$`, 'i').test(action);
  });
}

const covers = (statement: Record<string, unknown>, action: string): boolean =>
  statement.Action !== undefined
    ? matchesAny(statement.Action, action)
    : statement.NotAction !== undefined && !matchesAny(statement.NotAction, action);

/** The root, the OUs down to the account, and the account: every level an SCP must allow an action at. */
function levelsOf(ctx: OperationContext, account: AccountRow): string[] {
  const levels = [account.id];
  for (
    let id = account.parentId;
    id;
    id = id.startsWith('ou-') ? (ctx.store.ous.get(id)?.parentId ?? null) : null
  )
    levels.unshift(id);
  return levels;
}

/**
 * Why service control policies stop `account` calling `action`, or undefined if they let it. Conditions
 * and resources are not evaluated: every statement applies as if they matched.
 */
function scpRefusal(
  ctx: OperationContext,
  org: OrganizationRow,
  account: AccountRow,
  action: string,
): string | undefined {
  if (!enabledPolicyTypes(rootOf(ctx.store, org)).includes('SERVICE_CONTROL_POLICY')) return undefined;
  for (const level of levelsOf(ctx, account)) {
    let allowed = false;
    for (const attachment of ctx.store.attachments.by('byTarget', level)) {
      const policy = ctx.store.policies.get(attachment.policyId);
      if (attachment.policyType !== 'SERVICE_CONTROL_POLICY' || !policy) continue;
      for (const statement of statementsOf(policy.content)) {
        if (!covers(statement, action)) continue;
        if (statement.Effect === 'Deny')
          return `Service control policy ${policy.name} (${policy.id}) attached to ${level} denies ${action}.`;
        allowed = true;
      }
    }
    if (!allowed) return `No service control policy attached to ${level} allows ${action}.`;
  }
  return undefined;
}

export const membershipOperations = {
  CloseAccount: op<CloseAccountRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    if (org.featureSet !== 'ALL')
      throw constraintViolation(
        'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
        `Organization ${org.id} has only consolidated billing features; enable all features to close accounts.`,
      );
    const account = memberAccount(ctx, org, input.AccountId!);
    if (account.id === org.managementAccountId)
      throw constraintViolation(
        'CANNOT_CLOSE_MANAGEMENT_ACCOUNT',
        `${account.id} is the management account of ${org.id}.`,
      );
    // a closure under way counts as closed (ConflictException is the other declared candidate, UNVERIFIED)
    if (account.status !== 'ACTIVE')
      throw refuse('AccountAlreadyClosedException', `Account ${account.id} is ${account.status}.`);
    checkClosureLimits(ctx, org);
    forgetOldClosures(ctx, org);
    const now = ctx.clock.now();
    const closure: ClosureRow = {
      id: `${account.id}|${now}`,
      orgId: org.id,
      accountId: account.id,
      requestedAt: now,
      completedAt: null,
    };
    ctx.store.closures.put(closure);
    ctx.store.accounts.put({ ...account, status: 'PENDING_CLOSURE', state: 'PENDING_CLOSURE' });
    ctx.schedule(closureTimer, closure.id, now + ctx.limits.closeAccountDurationMs);
    return undefined;
  }),

  RemoveAccountFromOrganization: op<RemoveAccountFromOrganizationRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const account = memberAccount(ctx, org, input.AccountId!);
    // UNVERIFIED which of the two documented answers AWS gives here; this reason's text speaks of removing
    if (account.id === org.managementAccountId)
      throw constraintViolation(
        'ACCOUNT_CANNOT_LEAVE_ORGANIZATION',
        `${account.id} is the management account of ${org.id}; delete the organization instead.`,
      );
    checkCanDepart(ctx, org, account);
    departOrganization(ctx, org, account, 'REMOVED');
    return undefined;
  }),

  LeaveOrganization: op((ctx) => {
    const org = callerOrganization(ctx);
    const account = ctx.store.accounts.get(ctx.callerAccountId)!;
    if (account.id === org.managementAccountId)
      throw refuse(
        'MasterCannotLeaveOrganizationException',
        `${account.id} is the management account of ${org.id}.`,
      );
    const refusal = scpRefusal(ctx, org, account, 'organizations:LeaveOrganization');
    if (refusal) throw accessDenied(refusal);
    checkCanDepart(ctx, org, account);
    departOrganization(ctx, org, account, 'LEFT');
    return undefined;
  }),
};

export const membershipTimers: Record<string, TimerHandler> = {
  /** PENDING_CLOSURE → SUSPENDED / CLOSED, reported by CloseAccountResult; AWS removes the account 90 days later. */
  [closureTimer]: (ctx, timer) => {
    const closure = ctx.store.closures.get(timer.ref);
    const account = closure && ctx.store.accounts.get(closure.accountId);
    const org = closure && ctx.store.organizations.get(closure.orgId);
    if (!closure || closure.completedAt !== null || !account || !org) return;
    const now = ctx.clock.now();
    ctx.store.closures.put({ ...closure, completedAt: now });
    ctx.store.accounts.put({ ...account, status: 'SUSPENDED', state: 'CLOSED' });
    ctx.schedule(cleanUpTimer, account.id, now + ctx.limits.postClosurePeriodMs);
    ctx.emit(
      serviceEvent({
        eventName: 'CloseAccountResult',
        managementAccountId: org.managementAccountId,
        invokedBy: 'organizations.amazonaws.com',
        details: {
          CloseAccountStatus: {
            AccountId: account.id,
            State: 'SUCCEEDED',
            RequestedTimestamp: seconds(closure.requestedAt),
            CompletedTimestamp: seconds(now),
          },
        },
        now,
      }),
    );
  },

  /** The post-closure period is over: the closed account leaves the organization and stops counting toward its quota. */
  [cleanUpTimer]: (ctx, timer) => {
    const account = ctx.store.accounts.get(timer.ref);
    const org = account?.orgId ? ctx.store.organizations.get(account.orgId) : undefined;
    if (account && org && account.state === 'CLOSED') departOrganization(ctx, org, account, 'CLEANED');
  },
};
