import type {
  DeregisterDelegatedAdministratorRequest,
  DisableAWSServiceAccessRequest,
  EnableAWSServiceAccessRequest,
  ListAWSServiceAccessForOrganizationRequest,
  ListDelegatedAdministratorsRequest,
  ListDelegatedServicesForAccountRequest,
  PutResourcePolicyRequest,
  RegisterDelegatedAdministratorRequest,
} from '@aws-sdk/client-organizations';
import { arn } from '../arns';
import {
  administeredOrganization,
  managedOrganization,
  memberAccount,
  type OperationContext,
} from '../context';
import { forgetTarget } from '../entities';
import { constraintViolation, invalidInput, notFound, OrganizationsError } from '../errors';
import { newId } from '../ids';
import type { AccountRow, DelegatedAdminRow, OrganizationRow, ResourcePolicyRow, Tag } from '../model';
import { paginate } from '../pagination';
import { servicePrincipals } from '../service-principals';
import { accountView, seconds } from '../views';
import { op } from './define';
import { setTags } from './tags';

/** The limits of a principal that integrates with Organizations; an unknown one is UNRECOGNIZED_SERVICE_PRINCIPAL. */
function recognisedPrincipal(principal: string) {
  const info = Object.hasOwn(servicePrincipals, principal) ? servicePrincipals[principal] : undefined;
  if (!info)
    throw invalidInput(
      'UNRECOGNIZED_SERVICE_PRINCIPAL',
      `'${principal}' is not a service principal that integrates with AWS Organizations; check its spelling (e.g. sso.amazonaws.com).`,
    );
  return info;
}

function requireAllFeatures(org: OrganizationRow): void {
  if (org.featureSet !== 'ALL')
    throw constraintViolation(
      'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
      `Organization ${org.id} has only consolidated billing features; enable all features first.`,
    );
}

function delegationsOf(ctx: OperationContext, org: OrganizationRow, accountId: string): DelegatedAdminRow[] {
  return ctx.store.delegatedAdmins.by('byAccount', accountId).filter((r) => r.orgId === org.id);
}

const serviceAccessId = (org: OrganizationRow, principal: string) => `${org.id}|${principal}`;
const delegatedAdminId = (accountId: string, principal: string) => `${accountId}|${principal}`;

function delegatedAdministratorView(
  ctx: OperationContext,
  org: OrganizationRow,
  account: AccountRow,
  since: number,
) {
  // the DelegatedAdministrator shape is the Account shape without Paths, plus the delegation date
  const { Paths: _paths, ...fields } = accountView(ctx.store, org, account);
  return { ...fields, DelegationEnabledDate: seconds(since) };
}

function checkRegistrable(
  ctx: OperationContext,
  org: OrganizationRow,
  account: AccountRow,
  principal: string,
): void {
  if (account.id === org.managementAccountId)
    throw constraintViolation(
      'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR',
      `Account ${account.id} is the management account; register a member account instead.`,
    );
  if (account.status !== 'ACTIVE')
    throw constraintViolation(
      'CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR',
      `Account ${account.id} is ${account.status}; only an active account can be a delegated administrator.`,
    );
  if (!ctx.store.serviceAccess.has(serviceAccessId(org, principal)))
    throw constraintViolation(
      'SERVICE_ACCESS_NOT_ENABLED',
      `Service access for ${principal} is not enabled in organization ${org.id}; call EnableAWSServiceAccess first.`,
    );
  if (ctx.store.delegatedAdmins.has(delegatedAdminId(account.id, principal)))
    throw new OrganizationsError(
      'AccountAlreadyRegisteredException',
      `Account ${account.id} is already a delegated administrator for ${principal}.`,
    );
}

function resourcePolicyView(policy: ResourcePolicyRow) {
  return {
    ResourcePolicy: {
      ResourcePolicySummary: { Id: policy.policyId, Arn: policy.arn },
      Content: policy.content,
    },
  };
}

function existingResourcePolicy(ctx: OperationContext, org: OrganizationRow): ResourcePolicyRow {
  const policy = ctx.store.resourcePolicies.get(org.id);
  if (!policy) throw notFound('ResourcePolicyNotFoundException', org.id);
  return policy;
}

/**
 * The content must be one JSON object; only its syntax is checked. PutResourcePolicy declares InvalidInput, not
 * MalformedPolicyDocument, and the reason enum has INVALID_RESOURCE_POLICY_JSON for exactly this.
 */
function checkResourcePolicyContent(content: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw invalidInput(
      'INVALID_RESOURCE_POLICY_JSON',
      `Content is not valid JSON: ${(error as Error).message}.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidInput(
      'INVALID_RESOURCE_POLICY_JSON',
      'Content must be a JSON object with Version and Statement.',
    );
}

export const delegationOperations = {
  EnableAWSServiceAccess: op<EnableAWSServiceAccessRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const principal = input.ServicePrincipal!;
    recognisedPrincipal(principal);
    requireAllFeatures(org);
    // UNVERIFIED (the seed page is silent): enabling an enabled service succeeds and keeps its DateEnabled, as moto does
    const id = serviceAccessId(org, principal);
    if (!ctx.store.serviceAccess.has(id))
      ctx.store.serviceAccess.put({
        id,
        orgId: org.id,
        servicePrincipal: principal,
        enabledAt: ctx.clock.now(),
      });
    return undefined;
  }),

  DisableAWSServiceAccess: op<DisableAWSServiceAccessRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const principal = input.ServicePrincipal!;
    recognisedPrincipal(principal);
    // UNVERIFIED: disabling a service that is not enabled succeeds (moto does the same)
    ctx.store.serviceAccess.delete(serviceAccessId(org, principal));
    // UNVERIFIED (the seed page only says the service can no longer act in the organization): its delegated
    // administrators go with it, so re-enabling later does not silently restore them
    for (const row of ctx.store.delegatedAdmins.by('byOrg', org.id))
      if (row.servicePrincipal === principal) ctx.store.delegatedAdmins.delete(row.id);
    return undefined;
  }),

  ListAWSServiceAccessForOrganization: op<ListAWSServiceAccessForOrganizationRequest>((ctx, input) => {
    const org = administeredOrganization(ctx);
    const { page, NextToken } = paginate(ctx, ctx.store.serviceAccess.by('byOrg', org.id), input, org.id);
    return {
      EnabledServicePrincipals: page.map((r) => ({
        ServicePrincipal: r.servicePrincipal,
        DateEnabled: seconds(r.enabledAt),
      })),
      NextToken,
    };
  }),

  RegisterDelegatedAdministrator: op<RegisterDelegatedAdministratorRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const principal = input.ServicePrincipal!;
    const { maxDelegatedAdministrators } = recognisedPrincipal(principal);
    // UNVERIFIED: a service without delegated administration is refused as an unrecognised principal for it
    if (maxDelegatedAdministrators === 0)
      throw invalidInput(
        'UNRECOGNIZED_SERVICE_PRINCIPAL',
        `${principal} integrates with AWS Organizations but does not support delegated administrators.`,
      );
    requireAllFeatures(org);
    const account = memberAccount(ctx, org, input.AccountId!);
    checkRegistrable(ctx, org, account, principal);
    const registered = ctx.store.delegatedAdmins
      .by('byOrg', org.id)
      .filter((r) => r.servicePrincipal === principal);
    if (registered.length >= maxDelegatedAdministrators)
      throw constraintViolation(
        'MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED',
        `${principal} allows ${maxDelegatedAdministrators} delegated administrator(s) and has ${registered.map((r) => r.accountId).join(', ')}; deregister one first.`,
      );
    ctx.store.delegatedAdmins.put({
      id: delegatedAdminId(account.id, principal),
      orgId: org.id,
      accountId: account.id,
      servicePrincipal: principal,
      registeredAt: ctx.clock.now(),
    });
    return undefined;
  }),

  DeregisterDelegatedAdministrator: op<DeregisterDelegatedAdministratorRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const principal = input.ServicePrincipal!;
    recognisedPrincipal(principal);
    const account = memberAccount(ctx, org, input.AccountId!);
    const id = delegatedAdminId(account.id, principal);
    if (!ctx.store.delegatedAdmins.has(id))
      throw new OrganizationsError(
        'AccountNotRegisteredException',
        `Account ${account.id} is not a delegated administrator for ${principal}.`,
      );
    ctx.store.delegatedAdmins.delete(id);
    return undefined;
  }),

  ListDelegatedAdministrators: op<ListDelegatedAdministratorsRequest>((ctx, input) => {
    const org = administeredOrganization(ctx);
    const principal = input.ServicePrincipal;
    // UNVERIFIED: a filter naming an unknown principal is refused rather than answered with an empty list
    if (principal !== undefined) recognisedPrincipal(principal);
    // one entry per account; unfiltered, an account delegated for several services shows its first delegation
    const since = new Map<string, number>();
    for (const row of ctx.store.delegatedAdmins.by('byOrg', org.id)) {
      if (principal !== undefined && row.servicePrincipal !== principal) continue;
      since.set(row.accountId, Math.min(since.get(row.accountId) ?? row.registeredAt, row.registeredAt));
    }
    const admins = [...since].flatMap(([accountId, at]) => {
      const account = ctx.store.accounts.get(accountId);
      return account ? [delegatedAdministratorView(ctx, org, account, at)] : [];
    });
    const { page, NextToken } = paginate(ctx, admins, input, `${org.id}:${principal ?? ''}`);
    return { DelegatedAdministrators: page, NextToken };
  }),

  ListDelegatedServicesForAccount: op<ListDelegatedServicesForAccountRequest>((ctx, input) => {
    const org = administeredOrganization(ctx);
    const account = memberAccount(ctx, org, input.AccountId!);
    const delegations = delegationsOf(ctx, org, account.id);
    if (delegations.length === 0)
      throw new OrganizationsError(
        'AccountNotRegisteredException',
        `Account ${account.id} is not a delegated administrator for any service.`,
      );
    const { page, NextToken } = paginate(ctx, delegations, input, `${org.id}:${account.id}`);
    return {
      DelegatedServices: page.map((r) => ({
        ServicePrincipal: r.servicePrincipal,
        DelegationEnabledDate: seconds(r.registeredAt),
      })),
      NextToken,
    };
  }),

  PutResourcePolicy: op<PutResourcePolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const content = input.Content!;
    checkResourcePolicyContent(content);
    const existing = ctx.store.resourcePolicies.get(org.id);
    const tags = (input.Tags ?? []) as Tag[];
    if (existing) {
      // the model: tags "apply to the initial creation of the resource policy, otherwise an exception is thrown";
      // no reason in the enum describes it, so none is sent (UNVERIFIED)
      if (tags.length > 0)
        throw new OrganizationsError(
          'InvalidInputException',
          `Tags can be given only when the resource policy is created; ${existing.policyId} exists, so use TagResource for its tags.`,
        );
      // an update keeps the policy's id and ARN: there is one resource policy per organization
      const updated = { ...existing, content };
      ctx.store.resourcePolicies.put(updated);
      return resourcePolicyView(updated);
    }
    const policyId = newId.resourcePolicy();
    const created: ResourcePolicyRow = {
      id: org.id,
      policyId,
      arn: arn.resourcePolicy(org, policyId),
      content,
    };
    ctx.store.resourcePolicies.put(created);
    if (tags.length > 0) setTags(ctx, org.id, policyId, tags);
    return resourcePolicyView(created);
  }),

  DescribeResourcePolicy: op((ctx) =>
    resourcePolicyView(existingResourcePolicy(ctx, administeredOrganization(ctx))),
  ),

  DeleteResourcePolicy: op((ctx) => {
    const org = managedOrganization(ctx);
    const policy = existingResourcePolicy(ctx, org);
    ctx.store.resourcePolicies.delete(org.id);
    forgetTarget(ctx.store, policy.policyId);
    return undefined;
  }),
};
