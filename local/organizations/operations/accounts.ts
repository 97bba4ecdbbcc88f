import type {
  CreateAccountRequest,
  CreateGovCloudAccountRequest,
  DescribeAccountRequest,
  DescribeCreateAccountStatusRequest,
  ListAccountsForParentRequest,
  ListAccountsRequest,
  ListCreateAccountStatusRequest,
  MoveAccountRequest,
} from '@aws-sdk/client-organizations';
import { membershipEvent, serviceEvent } from '../cloudtrail';
import { managedOrganization, memberAccount, type OperationContext, type TimerHandler } from '../context';
import { brokenEmailRule, emailRules } from '../email';
import { attachManagedDefaults, findContainer, rootIdOf, rootOf } from '../entities';
import { constraintViolation, invalidInput, notFound, OrganizationsError } from '../errors';
import { newId } from '../ids';
import { exceptionMessages } from '../messages';
import type { AccountRow, CreateAccountStatusRow, OrganizationRow, Tag } from '../model';
import { paginate } from '../pagination';
import type { Store } from '../store';
import { accountView, createAccountStatusView } from '../views';
import { op } from './define';
import { mergeTags, setTags } from './tags';

const defaultRoleName = 'OrganizationAccountAccessRole';
const reservedRolePrefix = 'AWSServiceRoleFor';

/** The rules the model states only in prose, shared by CreateAccount and CreateGovCloudAccount. */
function checkNewAccountInput(input: CreateAccountRequest): void {
  const email = input.Email!;
  const rule = brokenEmailRule(email);
  if (rule) throw invalidInput('INVALID_PATTERN', `Email '${email}' is not valid: ${emailRules[rule]}.`);
  if (input.RoleName?.startsWith(reservedRolePrefix))
    throw invalidInput(
      'INVALID_ROLE_NAME',
      `RoleName '${input.RoleName}' starts with ${reservedRolePrefix}; choose another name or omit it for ${defaultRoleName}.`,
    );
}

const creationsInProgress = (store: Store, orgId: string): number =>
  store.createAccountStatuses.by('byOrg', orgId).filter((s) => s.state === 'IN_PROGRESS').length;

/**
 * What counts against an organization's account quota: its accounts in every state (closed ones until AWS
 * removes them), creations still IN_PROGRESS and invitations not yet answered (reference §3.1).
 */
export function accountQuotaUsage(store: Store, orgId: string): number {
  const invited = store.handshakes
    .by('byOrg', orgId)
    .filter((h) => h.action === 'INVITE' && (h.state === 'OPEN' || h.state === 'REQUESTED')).length;
  return store.accounts.countBy('byOrg', orgId) + creationsInProgress(store, orgId) + invited;
}

function checkAccountQuota(ctx: OperationContext, org: OrganizationRow): void {
  const used = accountQuotaUsage(ctx.store, org.id);
  if (used >= ctx.limits.accountQuota)
    throw constraintViolation(
      'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
      `Organization ${org.id} already uses ${used} of its ${ctx.limits.accountQuota} accounts (closed accounts, creations in progress and open invitations count too); remove accounts or raise the quota.`,
    );
}

function checkCreationRate(ctx: OperationContext, org: OrganizationRow): void {
  const inProgress = creationsInProgress(ctx.store, org.id);
  if (inProgress >= ctx.limits.concurrentAccountCreations)
    throw constraintViolation(
      'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED',
      `Organization ${org.id} already has ${inProgress} account creations in progress, the most it may have at once; wait until one finishes (DescribeCreateAccountStatus).`,
    );
}

/** How long one creation takes: uniform in the configured range. */
function creationDuration(ctx: OperationContext): number {
  const [min, max] = ctx.limits.createAccountDurationMs;
  if (!(min >= 0 && max >= min))
    throw new RangeError(
      `createAccountDurationMs must be [min, max] with 0 <= min <= max, not [${min}, ${max}]`,
    );
  return min + Math.floor(Math.random() * (max - min + 1));
}

function unusedAccountId(ctx: OperationContext): string {
  let id = newId.account();
  while (ctx.store.accounts.has(id)) id = newId.account();
  return id;
}

const creationTimer = { commercial: 'completeAccountCreation', govCloud: 'completeGovCloudAccountCreation' };
type Partition = keyof typeof creationTimer;

/** Checks a CreateAccount / CreateGovCloudAccount request, records it IN_PROGRESS and sets its completion on the clock. */
function requestAccountCreation(
  ctx: OperationContext,
  org: OrganizationRow,
  input: CreateAccountRequest,
  partition: Partition,
): CreateAccountStatusRow {
  const tags: Tag[] = (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value! }));
  // bad tags fail the request itself, before any account exists (seed reference, CreateAccount Tags)
  mergeTags(ctx, [], tags);
  checkAccountQuota(ctx, org);
  checkCreationRate(ctx, org);
  const now = ctx.clock.now();
  const status: CreateAccountStatusRow = {
    id: newId.createAccountRequest(),
    orgId: org.id,
    accountName: input.AccountName!,
    email: input.Email!,
    state: 'IN_PROGRESS',
    requestedAt: now,
    completedAt: null,
    accountId: null,
    govCloudAccountId: null,
    failureReason: null,
    roleName: input.RoleName ?? defaultRoleName,
    iamUserAccessToBilling: input.IamUserAccessToBilling ?? 'ALLOW',
    tags,
  };
  ctx.store.createAccountStatuses.put(status);
  ctx.schedule(creationTimer[partition], status.id, now + creationDuration(ctx));
  return status;
}

/** Why a creation ends FAILED, checked when it completes; undefined when it succeeds. */
function creationFailure(ctx: OperationContext, status: CreateAccountStatusRow, partition: Partition) {
  const operation = partition === 'govCloud' ? 'CreateGovCloudAccount' : 'CreateAccount';
  if (ctx.faults.strikes(operation, 'createAccountInternalFailure')) return 'INTERNAL_FAILURE';
  // any account the emulator knows counts, in any organization or none, closed ones included
  if (ctx.store.accounts.countBy('byEmail', status.email.toLowerCase()) > 0) return 'EMAIL_ALREADY_EXISTS';
  // this request is still IN_PROGRESS and counted in the usage: the others must leave room for it
  if (accountQuotaUsage(ctx.store, status.orgId) - 1 >= ctx.limits.accountQuota)
    return 'ACCOUNT_LIMIT_EXCEEDED';
  return undefined;
}

function finish(
  ctx: OperationContext,
  org: OrganizationRow,
  row: CreateAccountStatusRow,
): CreateAccountStatusRow {
  ctx.store.createAccountStatuses.put(row);
  // UNVERIFIED for GovCloud creations: they report CreateAccountResult too, with GovCloudAccountId set
  ctx.emit(
    serviceEvent({
      eventName: 'CreateAccountResult',
      managementAccountId: org.managementAccountId,
      invokedBy: 'AWS Internal',
      details: { CreateAccountStatus: createAccountStatusView(row) },
      now: ctx.clock.now(),
    }),
  );
  return row;
}

/**
 * Finishes a creation request when its time has come: the account joins the organization's root
 * (SUCCEEDED, then AccountJoinedOrganization), or the request ends FAILED with the reason; either way
 * CreateAccountResult is reported.
 */
export function completeAccountCreation(
  ctx: OperationContext,
  status: CreateAccountStatusRow,
  partition: Partition = 'commercial',
): CreateAccountStatusRow {
  const org = ctx.store.organizations.get(status.orgId);
  if (!org) throw new Error(`create account request ${status.id} belongs to no organization`);
  const now = ctx.clock.now();
  const failureReason = creationFailure(ctx, status, partition);
  if (failureReason) return finish(ctx, org, { ...status, state: 'FAILED', completedAt: now, failureReason });
  const account: AccountRow = {
    id: unusedAccountId(ctx),
    orgId: org.id,
    email: status.email,
    name: status.accountName,
    status: 'ACTIVE',
    state: 'ACTIVE',
    joinedMethod: 'CREATED',
    joinedAt: now,
    parentId: rootOf(ctx.store, org).id,
    createdAt: now,
    accessRoleName: status.roleName,
  };
  ctx.store.accounts.put(account);
  attachManagedDefaults(ctx, org, account.id);
  if (status.tags.length > 0) setTags(ctx, org.id, account.id, status.tags);
  const finished = finish(ctx, org, {
    ...status,
    state: 'SUCCEEDED',
    completedAt: now,
    accountId: account.id,
    // the GovCloud (US) account lives in another partition: only its id is known here
    govCloudAccountId: partition === 'govCloud' ? unusedAccountId(ctx) : null,
  });
  // for a GovCloud creation, AWS reports the commercial account's joining only
  ctx.emit(
    membershipEvent({
      managementAccountId: org.managementAccountId,
      accountId: account.id,
      change: { joinedMethod: 'CREATED' },
      now,
    }),
  );
  return finished;
}

/** A creation timer: the request may be gone (its organization deleted) or already finished. */
const completeWhenDue =
  (partition: Partition): TimerHandler =>
  (ctx, timer) => {
    const status = ctx.store.createAccountStatuses.get(timer.ref);
    if (status?.state === 'IN_PROGRESS') completeAccountCreation(ctx, status, partition);
  };

export const accountTimers: Record<string, TimerHandler> = {
  [creationTimer.commercial]: completeWhenDue('commercial'),
  [creationTimer.govCloud]: completeWhenDue('govCloud'),
};

function accountNotUnder(account: AccountRow, sourceId: string): OrganizationsError {
  return new OrganizationsError(
    'SourceParentNotFoundException',
    `${exceptionMessages.SourceParentNotFoundException} Account ${account.id} is in ${account.parentId}, not in ${sourceId}.`,
  );
}

export const accountOperations = {
  CreateAccount: op<CreateAccountRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    checkNewAccountInput(input);
    const status = requestAccountCreation(ctx, org, input, 'commercial');
    // the answer is what AWS gives at request time; the account exists once the request has SUCCEEDED
    return { CreateAccountStatus: createAccountStatusView(status) };
  }),

  CreateGovCloudAccount: op<CreateGovCloudAccountRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    checkNewAccountInput(input);
    // AWS's default for a management account is to have no GovCloud pairing; limits.govCloudEnabled adds one
    if (!ctx.limits.govCloudEnabled)
      throw constraintViolation(
        'MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED',
        `Management account ${org.managementAccountId} has no GovCloud (US) account; start the emulator with govCloudEnabled, or use CreateAccount.`,
      );
    const status = requestAccountCreation(ctx, org, input, 'govCloud');
    return { CreateAccountStatus: createAccountStatusView(status) };
  }),

  DescribeCreateAccountStatus: op<DescribeCreateAccountStatusRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const id = input.CreateAccountRequestId!;
    const status = ctx.store.createAccountStatuses.get(id);
    if (!status || status.orgId !== org.id) throw notFound('CreateAccountStatusNotFoundException', id);
    return { CreateAccountStatus: createAccountStatusView(status) };
  }),

  ListCreateAccountStatus: op<ListCreateAccountStatusRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    // an empty States list reads as no filter, like an absent one
    const states = [...new Set(input.States ?? [])].sort();
    const all = ctx.store.createAccountStatuses.by('byOrg', org.id);
    const matching = states.length === 0 ? all : all.filter((s) => states.includes(s.state));
    // AWS does not document the order; requests are listed oldest first, as they were made
    const { page, NextToken } = paginate(ctx, matching, input, `${org.id}:${states.join(',')}`);
    return { CreateAccountStatuses: page.map(createAccountStatusView), NextToken };
  }),

  DescribeAccount: op<DescribeAccountRequest>((ctx, input) => {
    // AWS lets members describe accounts only as a delegated administrator, which this part does not model yet
    const org = managedOrganization(ctx);
    return { Account: accountView(ctx.store, org, memberAccount(ctx, org, input.AccountId!)) };
  }),

  ListAccounts: op<ListAccountsRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const { page, NextToken } = paginate(ctx, ctx.store.accounts.by('byOrg', org.id), input, org.id);
    return { Accounts: page.map((a) => accountView(ctx.store, org, a)), NextToken };
  }),

  ListAccountsForParent: op<ListAccountsForParentRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const parentId = input.ParentId!;
    if (!findContainer(ctx.store, org, parentId)) throw notFound('ParentNotFoundException', parentId);
    const { page, NextToken } = paginate(ctx, ctx.store.accounts.by('byParent', parentId), input, parentId);
    return { Accounts: page.map((a) => accountView(ctx.store, org, a)), NextToken };
  }),

  MoveAccount: op<MoveAccountRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const account = memberAccount(ctx, org, input.AccountId!);
    const sourceId = input.SourceParentId!;
    const destinationId = input.DestinationParentId!;
    if (!findContainer(ctx.store, org, sourceId)) throw notFound('SourceParentNotFoundException', sourceId);
    // UNVERIFIED what AWS answers when the account is not under the source; the source is "not found" for it
    if (account.parentId !== sourceId) throw accountNotUnder(account, sourceId);
    if (!findContainer(ctx.store, org, destinationId))
      throw notFound('DestinationParentNotFoundException', destinationId);
    if (destinationId === sourceId)
      throw notFound('DuplicateAccountException', `account ${account.id} is already in ${destinationId}`);
    if (rootIdOf(ctx.store, sourceId) !== rootIdOf(ctx.store, destinationId))
      throw invalidInput(
        'MOVING_ACCOUNT_BETWEEN_DIFFERENT_ROOTS',
        `${sourceId} and ${destinationId} are under different roots.`,
      );
    ctx.store.accounts.put({ ...account, parentId: destinationId });
    return undefined;
  }),
};
