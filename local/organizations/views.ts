import { arn } from './arns';
import type { AccountRow, CreateAccountStatusRow, OrganizationRow, OuRow, PolicyRow, RootRow } from './model';
import { policyTypes } from './policy-types';
import type { Store } from './store';

/** Wire timestamps are epoch seconds with millisecond precision (reference §1.2). */
export const seconds = (ms: number): number => ms / 1000;

/** `o-…/r-…/ou-…/…/` of a root or OU: the OU Path and the prefix of account Paths. */
export function containerPath(store: Store, org: OrganizationRow, containerId: string): string {
  const chain: string[] = [];
  let id: string | undefined = containerId;
  while (id?.startsWith('ou-')) {
    chain.push(id);
    id = store.ous.get(id)?.parentId;
  }
  if (id) chain.push(id);
  return `${org.id}/${chain.reverse().join('/')}/`;
}

export function organizationView(store: Store, org: OrganizationRow) {
  const management = store.accounts.get(org.managementAccountId);
  return {
    Id: org.id,
    Arn: arn.organization(org),
    FeatureSet: org.featureSet,
    MasterAccountArn: arn.account(org, org.managementAccountId),
    MasterAccountId: org.managementAccountId,
    MasterAccountEmail: management?.email ?? '',
    // deprecated member, still sent by AWS: the SCP type's availability
    AvailablePolicyTypes:
      org.featureSet === 'ALL' ? [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
  };
}

export function rootView(org: OrganizationRow, root: RootRow) {
  return { Id: root.id, Arn: arn.root(org, root.id), Name: root.name, PolicyTypes: root.policyTypes };
}

export function ouView(store: Store, org: OrganizationRow, ou: OuRow) {
  return { Id: ou.id, Arn: arn.ou(org, ou.id), Name: ou.name, Path: `${containerPath(store, org, ou.id)}` };
}

export function accountView(store: Store, org: OrganizationRow, account: AccountRow) {
  return {
    Id: account.id,
    Arn: arn.account(org, account.id),
    Email: account.email,
    Name: account.name,
    Status: account.status,
    State: account.state,
    JoinedMethod: account.joinedMethod ?? undefined,
    JoinedTimestamp: account.joinedAt === null ? undefined : seconds(account.joinedAt),
    Paths: account.parentId ? [`${containerPath(store, org, account.parentId)}${account.id}/`] : [],
  };
}

export function policySummaryView(org: OrganizationRow, policy: PolicyRow) {
  return {
    Id: policy.id,
    Arn: policy.awsManaged
      ? arn.awsManagedPolicy(policy.type, policy.id)
      : arn.policy(org, policy.type, policy.id),
    Name: policy.name,
    Description: policy.description,
    Type: policy.type,
    AwsManaged: policy.awsManaged,
  };
}

export function policyView(org: OrganizationRow, policy: PolicyRow) {
  return { PolicySummary: policySummaryView(org, policy), Content: policy.content };
}

export function createAccountStatusView(status: CreateAccountStatusRow) {
  return {
    Id: status.id,
    AccountName: status.accountName,
    State: status.state,
    RequestedTimestamp: seconds(status.requestedAt),
    CompletedTimestamp: status.completedAt === null ? undefined : seconds(status.completedAt),
    AccountId: status.accountId ?? undefined,
    GovCloudAccountId: status.govCloudAccountId ?? undefined,
    FailureReason: status.failureReason ?? undefined,
  };
}

export const isManagedDefault = (policyId: string): boolean =>
  Object.values(policyTypes).some((t) => t.managedDefault?.id === policyId);
