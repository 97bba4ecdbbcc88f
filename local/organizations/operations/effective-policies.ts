import type {
  DescribeEffectivePolicyRequest,
  ListAccountsWithInvalidEffectivePolicyRequest,
  ListEffectivePolicyValidationErrorsRequest,
} from '@aws-sdk/client-organizations';
import {
  administeredOrganization,
  callerOrganization,
  memberAccount,
  type OperationContext,
} from '../context';
import { mergeEffectivePolicy, mergeOptionsFor, type PolicyDocument } from '../effective-policy';
import { enabledPolicyTypes, rootOf } from '../entities';
import { accessDenied, invalidInput, notFound, OrganizationsError } from '../errors';
import { exceptionMessages } from '../messages';
import type { AccountRow, OrganizationRow } from '../model';
import { paginate } from '../pagination';
import { accountView, containerPath, seconds } from '../views';
import { op } from './define';

/** The effective policy of one account and type, with what it was made from. */
interface Evaluation {
  /** how many policies of the type apply to the account (0: it has no effective policy) */
  policyCount: number;
  /**
   * The latest attachment among the contributing policies: AWS regenerates the effective policy when one is
   * attached or detached. UNVERIFIED: a content update (UpdatePolicy) also regenerates it on AWS, but policy
   * rows keep no update time, so it does not move this timestamp here.
   */
  updatedAt: number | undefined;
  result: ReturnType<typeof mergeEffectivePolicy>;
}

/** Root, then each OU down to the account's parent, then the account. */
function hierarchyOf(ctx: OperationContext, account: AccountRow): string[] {
  const chain = [account.id];
  let parentId = account.parentId;
  while (parentId?.startsWith('ou-')) {
    chain.push(parentId);
    parentId = ctx.store.ous.get(parentId)?.parentId ?? null;
  }
  if (parentId) chain.push(parentId);
  return chain.reverse();
}

function evaluate(ctx: OperationContext, account: AccountRow, type: string): Evaluation {
  let policyCount = 0;
  let updatedAt: number | undefined;
  const levels = hierarchyOf(ctx, account).map((targetId): PolicyDocument[] =>
    ctx.store.attachments
      .by('byTarget', targetId)
      .filter((a) => a.policyType === type)
      // stable: attachments of the same instant keep the order they were made in
      .sort((a, b) => a.attachedAt - b.attachedAt)
      .map((attachment) => {
        policyCount++;
        updatedAt = Math.max(updatedAt ?? attachment.attachedAt, attachment.attachedAt);
        const policy = ctx.store.policies.get(attachment.policyId);
        return { policyId: attachment.policyId, content: policy?.content ?? '' };
      }),
  );
  return { policyCount, updatedAt, result: mergeEffectivePolicy(levels, mergeOptionsFor(type)) };
}

const policyNotFound = (detail: string) =>
  new OrganizationsError(
    'EffectivePolicyNotFoundException',
    `${exceptionMessages.EffectivePolicyNotFoundException} ${detail}`,
  );

function requireEnabled(ctx: OperationContext, org: OrganizationRow, type: string): void {
  const root = rootOf(ctx.store, org);
  if (!enabledPolicyTypes(root).includes(type))
    throw policyNotFound(`${type} is not enabled in root ${root.id}; call EnablePolicyType first.`);
}

/**
 * The management account, or a member account that is a delegated administrator (for any service, as the
 * delegation module reads it): who may list validation errors across the organization.
 */

/** The account DescribeEffectivePolicy is about: the caller's own, or (for the management account) any member. */
function describedAccount(
  ctx: OperationContext,
  org: OrganizationRow,
  targetId: string | undefined,
): AccountRow {
  // UNVERIFIED reason: AWS says only that a root or OU target "is not supported"
  if (targetId !== undefined && !/^\d{12}$/.test(targetId))
    throw invalidInput(
      'TARGET_NOT_SUPPORTED',
      `${targetId} is a root or OU; effective policies are computed for accounts only, so pass an account id.`,
    );
  const accountId = targetId ?? ctx.callerAccountId;
  // a member account sees its own effective policy only: the API names TargetId for the management account
  if (accountId !== ctx.callerAccountId && org.managementAccountId !== ctx.callerAccountId)
    throw accessDenied(
      `Account ${ctx.callerAccountId} is a member account and may describe only its own effective policy, not ${accountId}'s; omit TargetId.`,
    );
  const account = ctx.store.accounts.get(accountId);
  if (!account || account.orgId !== org.id) throw notFound('TargetNotFoundException', accountId);
  return account;
}

export const effectivePolicyOperations = {
  DescribeEffectivePolicy: op<DescribeEffectivePolicyRequest>((ctx, input) => {
    const org = callerOrganization(ctx);
    const type = input.PolicyType!;
    const account = describedAccount(ctx, org, input.TargetId);
    requireEnabled(ctx, org, type);
    const { policyCount, updatedAt, result } = evaluate(ctx, account, type);
    if (policyCount === 0)
      throw policyNotFound(
        `No ${type} is attached to account ${account.id}, its OUs or the root; attach one to give it an effective policy.`,
      );
    return {
      EffectivePolicy: {
        PolicyContent: JSON.stringify(result.policy),
        LastUpdatedTimestamp: updatedAt === undefined ? undefined : seconds(updatedAt),
        TargetId: account.id,
        PolicyType: type,
      },
    };
  }),

  ListAccountsWithInvalidEffectivePolicy: op<ListAccountsWithInvalidEffectivePolicyRequest>((ctx, input) => {
    const org = administeredOrganization(ctx);
    const type = input.PolicyType!;
    requireEnabled(ctx, org, type);
    const invalid = ctx.store.accounts
      .by('byOrg', org.id)
      .filter((account) => evaluate(ctx, account, type).result.errors.length > 0);
    const { page, NextToken } = paginate(ctx, invalid, input, type);
    return { Accounts: page.map((a) => accountView(ctx.store, org, a)), PolicyType: type, NextToken };
  }),

  ListEffectivePolicyValidationErrors: op<ListEffectivePolicyValidationErrorsRequest>((ctx, input) => {
    const org = administeredOrganization(ctx);
    const type = input.PolicyType!;
    const account = memberAccount(ctx, org, input.AccountId!);
    requireEnabled(ctx, org, type);
    // an account no policy of the type reaches has nothing to validate: an empty list, no evaluation time
    const { updatedAt, result } = evaluate(ctx, account, type);
    const { page, NextToken } = paginate(ctx, result.errors, input, `${account.id}:${type}`);
    return {
      AccountId: account.id,
      PolicyType: type,
      Path: account.parentId ? `${containerPath(ctx.store, org, account.parentId)}${account.id}/` : undefined,
      EvaluationTimestamp: updatedAt === undefined ? undefined : seconds(updatedAt),
      EffectivePolicyValidationErrors: page,
      NextToken,
    };
  }),
};
