import type { TimeSource } from '../clock';
import type { CallerIdentity, CloudTrailEvent } from './cloudtrail';
import type { Limits } from './config';
import { accessDenied, notFound, OrganizationsError } from './errors';
import type { FaultInjector } from './faults';
import type { AccountRow, OrganizationRow, TimerRow } from './model';
import type { Store } from './store';
import type { StructureShape } from './validation';

/** What an operation (or a timer) sees of one request. */
export interface OperationContext {
  store: Store;
  /** for a timer, a clock that reads the time the timer was due */
  clock: TimeSource;
  limits: Limits;
  faults: FaultInjector;
  /** the calling account, from the request's access key */
  callerAccountId: string;
  caller: CallerIdentity;
  requestId: string;
  operation: string;
  /** runs the timer handler `kind` for `ref` at `dueAt` on the emulator's clock (replaces one already set) */
  schedule(kind: string, ref: string, dueAt: number): void;
  cancelTimer(kind: string, ref: string): void;
  /** queues an event, published only if the request commits */
  emit(event: CloudTrailEvent): void;
  /**
   * Records this call's CloudTrail event in `accountId` (its `account` and `recipientAccountId`) instead of the
   * caller's account, if the call succeeds: a call on a resource another account owns (cloudtrail.ts).
   */
  recordCallIn(accountId: string): void;
}

export interface OperationDefinition {
  input: StructureShape;
  handler: (ctx: OperationContext, input: Record<string, unknown>) => unknown;
}

export type TimerHandler = (ctx: OperationContext, timer: TimerRow) => void;

/** The caller's account row; an account the emulator has not seen yet is a standalone account. */
export function callerAccount(ctx: OperationContext): AccountRow {
  const existing = ctx.store.accounts.get(ctx.callerAccountId);
  if (existing) return existing;
  const row: AccountRow = {
    id: ctx.callerAccountId,
    orgId: null,
    email: `account-${ctx.callerAccountId}@example.com`,
    name: `Account ${ctx.callerAccountId}`,
    status: 'ACTIVE',
    state: 'ACTIVE',
    joinedMethod: null,
    joinedAt: null,
    parentId: null,
    createdAt: ctx.clock.now(),
    accessRoleName: null,
  };
  ctx.store.accounts.put(row);
  return row;
}

/** The organization the caller belongs to, whoever the caller is. */
export function callerOrganization(ctx: OperationContext): OrganizationRow {
  const orgId = ctx.store.accounts.get(ctx.callerAccountId)?.orgId;
  const org = orgId ? ctx.store.organizations.get(orgId) : undefined;
  if (!org) throw new OrganizationsError('AWSOrganizationsNotInUseException');
  return org;
}

/** The caller's organization, refusing callers that are not its management account. */
export function managedOrganization(ctx: OperationContext): OrganizationRow {
  const org = callerOrganization(ctx);
  if (org.managementAccountId !== ctx.callerAccountId)
    throw accessDenied(
      `Account ${ctx.callerAccountId} is a member account; ${ctx.operation} can be called only from the management account ${org.managementAccountId}.`,
    );
  return org;
}

/** The caller's organization, for callers that are its management account or a delegated administrator of it. */
export function administeredOrganization(ctx: OperationContext): OrganizationRow {
  const org = callerOrganization(ctx);
  const delegated = ctx.store.delegatedAdmins
    .by('byAccount', ctx.callerAccountId)
    .some((d) => d.orgId === org.id);
  if (org.managementAccountId !== ctx.callerAccountId && !delegated)
    throw accessDenied(
      `Account ${ctx.callerAccountId} is neither the management account nor a delegated administrator; ${ctx.operation} can be called only by those.`,
    );
  return org;
}

/** An account that belongs to `org`, or AccountNotFoundException. */
export function memberAccount(ctx: OperationContext, org: OrganizationRow, accountId: string): AccountRow {
  const account = ctx.store.accounts.get(accountId);
  if (!account || account.orgId !== org.id) throw notFound('AccountNotFoundException', accountId);
  return account;
}
