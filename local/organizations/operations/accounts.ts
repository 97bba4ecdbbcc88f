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
import { managedOrganization, memberAccount, type OperationContext } from '../context';
import { brokenEmailRule, emailRules } from '../email';
import { attachManagedDefaults, findContainer, rootIdOf, rootOf } from '../entities';
import { constraintViolation, invalidInput, notFound, OrganizationsError } from '../errors';
import { newId } from '../ids';
import { exceptionMessages } from '../messages';
import type { AccountRow, CreateAccountStatusRow, OrganizationRow, Tag } from '../model';
import { paginate } from '../pagination';
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

/** Accounts count against the quota in every state, closed ones included, and so do creations still under way. */
function checkAccountQuota(ctx: OperationContext, org: OrganizationRow): void {
  const inProgress = ctx.store.createAccountStatuses
    .by('byOrg', org.id)
    .filter((s) => s.state === 'IN_PROGRESS').length;
  const used = ctx.store.accounts.countBy('byOrg', org.id) + inProgress;
  if (used >= ctx.limits.accountQuota)
    throw constraintViolation(
      'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
      `Organization ${org.id} already has ${used} of its ${ctx.limits.accountQuota} accounts (closed ones count too); remove accounts or raise the quota.`,
    );
}

function unusedAccountId(ctx: OperationContext): string {
  let id = newId.account();
  while (ctx.store.accounts.has(id)) id = newId.account();
  return id;
}

/**
 * Finishes a CreateAccount request: the account joins the organization's root, or the request fails.
 * Kept apart from the request so the clock can run it later, once creation takes time.
 */
export function completeAccountCreation(
  ctx: OperationContext,
  status: CreateAccountStatusRow,
): CreateAccountStatusRow {
  const org = ctx.store.organizations.get(status.orgId);
  if (!org) throw new Error(`create account request ${status.id} belongs to no organization`);
  const now = ctx.clock.now();
  // any account the emulator knows counts, in any organization or none, closed ones included
  if (ctx.store.accounts.countBy('byEmail', status.email.toLowerCase()) > 0) {
    const failed: CreateAccountStatusRow = {
      ...status,
      state: 'FAILED',
      completedAt: now,
      failureReason: 'EMAIL_ALREADY_EXISTS',
    };
    ctx.store.createAccountStatuses.put(failed);
    return failed;
  }
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
  const succeeded: CreateAccountStatusRow = {
    ...status,
    state: 'SUCCEEDED',
    completedAt: now,
    accountId: account.id,
  };
  ctx.store.createAccountStatuses.put(succeeded);
  return succeeded;
}

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
    const tags: Tag[] = (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value! }));
    // bad tags fail the request itself, before any account exists (seed reference, CreateAccount Tags)
    mergeTags(ctx, [], tags);
    checkAccountQuota(ctx, org);
    const status: CreateAccountStatusRow = {
      id: newId.createAccountRequest(),
      orgId: org.id,
      accountName: input.AccountName!,
      email: input.Email!,
      state: 'IN_PROGRESS',
      requestedAt: ctx.clock.now(),
      completedAt: null,
      accountId: null,
      govCloudAccountId: null,
      failureReason: null,
      roleName: input.RoleName ?? defaultRoleName,
      iamUserAccessToBilling: input.IamUserAccessToBilling ?? 'ALLOW',
      tags,
    };
    ctx.store.createAccountStatuses.put(status);
    completeAccountCreation(ctx, status);
    // the response is what AWS answers at request time, before creation has finished
    return { CreateAccountStatus: createAccountStatusView(status) };
  }),

  CreateGovCloudAccount: op<CreateGovCloudAccountRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    checkNewAccountInput(input);
    // the emulator has no GovCloud partition, so no management account is ever GovCloud-enabled
    throw constraintViolation(
      'MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED',
      `The emulator has no GovCloud (US) Region; management account ${org.managementAccountId} has no GovCloud account. Use CreateAccount.`,
    );
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
