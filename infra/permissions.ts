import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { PermissionGroup, PermissionResource } from '../catalog/functions';
import { PROTECTED_TAG } from '../functions/_shared/protection';
import { REQUEST_MARK_TAG_KEY } from '../functions/account-vending/account-mark';

/** The Organizations resource types of the Service Authorization Reference that orgflow's actions act on. */
export type OrganizationsResourceType = 'account' | 'organizationalunit' | 'root' | 'policy' | 'handshake';

/**
 * The resource types of each Organizations action orgflow calls, as the Service Authorization Reference lists
 * them ("Actions, resources, and condition keys for AWS Organizations", Resource types column). An action with
 * none takes no resource-level permission: its Resource must be `*`. An action missing here is refused by
 * {@link statementsFor}: look it up there before a function may call it.
 */
export const ORGANIZATIONS_RESOURCE_TYPES: Readonly<Record<string, readonly OrganizationsResourceType[]>> = {
  'organizations:AcceptHandshake': ['handshake'],
  'organizations:AttachPolicy': ['policy', 'account', 'organizationalunit', 'root'],
  'organizations:CancelHandshake': ['handshake'],
  'organizations:CloseAccount': ['account'],
  'organizations:CreateAccount': [],
  'organizations:DescribeAccount': ['account'],
  'organizations:DescribeCreateAccountStatus': [],
  'organizations:DescribeHandshake': ['handshake'],
  'organizations:DescribeOrganization': [],
  'organizations:DescribeOrganizationalUnit': ['organizationalunit'],
  'organizations:DescribePolicy': ['policy'],
  'organizations:EnableAllFeatures': [],
  'organizations:EnablePolicyType': ['root'],
  'organizations:ListAccounts': [],
  'organizations:ListAccountsForParent': ['organizationalunit', 'root'],
  'organizations:ListCreateAccountStatus': [],
  'organizations:ListHandshakesForOrganization': [],
  'organizations:ListOrganizationalUnitsForParent': ['organizationalunit', 'root'],
  'organizations:ListParents': ['account', 'organizationalunit'],
  'organizations:ListPolicies': [],
  'organizations:ListPoliciesForTarget': ['account', 'organizationalunit', 'root'],
  'organizations:ListRoots': [],
  'organizations:ListTagsForResource': ['account', 'organizationalunit', 'policy', 'root'],
  'organizations:ListTargetsForPolicy': ['policy'],
  'organizations:MoveAccount': ['account', 'organizationalunit', 'root'],
  'organizations:TagResource': ['account', 'organizationalunit', 'policy', 'root'],
  'organizations:UpdatePolicy': ['policy'],
};

/**
 * Conditions an action is allowed under, from its condition keys in the reference. CreateAccount takes no
 * resource, but its request tags (aws:RequestTag, aws:TagKeys): orgflow's function always marks the new account
 * with the request it creates it for (functions/account-vending/account-mark.ts), and is refused without it.
 */
export const ORGANIZATIONS_ACTION_CONDITIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'organizations:CreateAccount': {
    'ForAnyValue:StringEquals': { 'aws:TagKeys': [REQUEST_MARK_TAG_KEY] },
    StringLike: { [`aws:RequestTag/${REQUEST_MARK_TAG_KEY}`]: 'ar-*' },
  },
};

/** The ARNs a function's permission groups act on. */
export type ResourceArns = Readonly<
  Record<Exclude<PermissionResource, 'organization'>, readonly string[]>
> & {
  /** the organization's resources of each type, for the actions of {@link ORGANIZATIONS_RESOURCE_TYPES} */
  readonly organization: Readonly<Record<OrganizationsResourceType, readonly string[]>>;
  /** the management account's ARN in the organization, which no function may close, move or re-tag */
  readonly managementAccount?: string;
};

/** What no function may do to a protected account, nor to the management account, whatever its code asks. */
export const GUARDED_ACCOUNT_ACTIONS: readonly string[] = [
  'organizations:CloseAccount',
  'organizations:MoveAccount',
  'organizations:TagResource',
];

/** IAM conditions (`{ StringEquals: { key: value } }`) added to every statement on a resource kind. */
export type ResourceConditions = Readonly<
  Partial<Record<Exclude<PermissionResource, 'organization'>, Readonly<Record<string, unknown>>>>
>;

/**
 * The ARNs of what orgflow acts on in the management account: the organization's resources, each under the
 * management account and the organization (`arn:aws:organizations::<management>:account/o-…/*`), and the member
 * roles.
 */
export function organizationResourceArns(props: {
  readonly partition: string;
  readonly organizationId: string;
  readonly managementAccountId: string;
  readonly approvalRoleName: string;
}): Pick<ResourceArns, 'organization' | 'managementAccount' | 'memberApprovalRoles'> {
  const { partition, organizationId, managementAccountId } = props;
  const of = (kind: string) =>
    `arn:${partition}:organizations::${managementAccountId}:${kind}/${organizationId}/*`;
  return {
    organization: {
      account: [of('account')],
      organizationalunit: [of('ou')],
      root: [of('root')],
      // AWS managed policies (p-FullAWSAccess) belong to no organization: arn:aws:organizations::aws:policy/<type>/p-…
      policy: [of('policy'), `arn:${partition}:organizations::aws:policy/*`],
      handshake: [of('handshake')],
    },
    managementAccount: `arn:${partition}:organizations::${managementAccountId}:account/${organizationId}/${managementAccountId}`,
    // the approval role in any account: the condition below keeps it to the members
    memberApprovalRoles: [`arn:${partition}:iam::*:role/${props.approvalRoleName}`],
  };
}

/** Assumed only in this organization's accounts: aws:ResourceOrgID is the organization of the role's account. */
export const organizationConditions = (organizationId: string): ResourceConditions => ({
  memberApprovalRoles: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
});

/**
 * One statement per resource kind; Organizations actions grouped by the resource types the reference lists for
 * them, each group on the organization's ARNs of those types, those with none on `*` (and those with
 * conditions in statements of their own).
 */
export function statementsFor(
  groups: readonly PermissionGroup[],
  arns: ResourceArns,
  conditions: ResourceConditions = {},
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const group of groups) {
    for (const action of group.actions)
      if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action))
        throw new Error(
          `permission "${action}" is not one action (service:Action, no wildcard): list each action the function calls`,
        );
    if (group.resource !== 'organization') {
      const condition = conditions[group.resource];
      statements.push(
        new PolicyStatement({
          actions: [...group.actions],
          resources: [...arns[group.resource]],
          ...(condition === undefined ? {} : { conditions: { ...condition } }),
        }),
      );
      continue;
    }
    const outside = group.actions.filter((action) => !action.startsWith('organizations:'));
    if (outside.length > 0)
      throw new Error(
        `actions ${outside.join(', ')} are listed on the organization resource: put them on the resource they act on`,
      );
    const byResources = new Map<string, string[]>();
    for (const action of group.actions) {
      const types = ORGANIZATIONS_RESOURCE_TYPES[action];
      if (types === undefined)
        throw new Error(
          `${action} is not in ORGANIZATIONS_RESOURCE_TYPES (infra/permissions.ts): add the resource types the ` +
            'Service Authorization Reference lists for it',
        );
      const key = ORGANIZATIONS_ACTION_CONDITIONS[action] === undefined ? types.join(',') : action;
      byResources.set(key, [...(byResources.get(key) ?? []), action]);
    }
    for (const actions of byResources.values()) {
      const types = ORGANIZATIONS_RESOURCE_TYPES[actions[0]!]!;
      const condition = ORGANIZATIONS_ACTION_CONDITIONS[actions[0]!];
      statements.push(
        new PolicyStatement({
          actions,
          resources:
            types.length === 0 ? ['*'] : [...new Set(types.flatMap((type) => arns.organization[type]))],
          ...(condition === undefined ? {} : { conditions: { ...condition } }),
        }),
      );
    }
    // the guards hold even if the code is wrong: IAM refuses to close, move or re-tag an account with the code's
    // protected tag, or the management account
    const guarded = group.actions.filter((action) => GUARDED_ACCOUNT_ACTIONS.includes(action));
    if (guarded.length > 0)
      statements.push(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: guarded,
          resources: ['*'],
          conditions: {
            StringEqualsIgnoreCase: { [`aws:ResourceTag/${PROTECTED_TAG.key}`]: PROTECTED_TAG.value },
          },
        }),
      );
    if (guarded.length > 0 && arns.managementAccount !== undefined)
      statements.push(
        new PolicyStatement({ effect: Effect.DENY, actions: guarded, resources: [arns.managementAccount] }),
      );
  }
  return statements;
}
