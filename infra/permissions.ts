import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { PermissionGroup, PermissionResource } from '../catalog/functions';
import { PROTECTED_TAG } from '../functions/_shared/protection';

/**
 * The Organizations actions that accept resource ARNs and that orgflow calls on the organization's own
 * accounts, OUs, root and policies; every other Organizations action it calls (List*, Describe*,
 * CreateAccount) takes no resource and needs `*`.
 */
export const ORGANIZATION_SCOPED_ACTIONS: ReadonlySet<string> = new Set([
  'organizations:MoveAccount',
  'organizations:TagResource',
  'organizations:AttachPolicy',
  'organizations:UpdatePolicy',
  'organizations:EnablePolicyType',
  'organizations:CloseAccount',
]);

/** The ARNs a function's permission groups act on. */
export type ResourceArns = Readonly<
  Record<Exclude<PermissionResource, 'organization'>, readonly string[]>
> & {
  /** accounts, OUs, root and policies of the organization, for {@link ORGANIZATION_SCOPED_ACTIONS} */
  readonly organization: readonly string[];
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

/** The ARNs of what orgflow acts on in the management account: the organization's, and the member roles. */
export function organizationResourceArns(props: {
  readonly partition: string;
  readonly organizationId: string;
  readonly managementAccountId: string;
  readonly approvalRoleName: string;
}): Pick<ResourceArns, 'organization' | 'managementAccount' | 'memberApprovalRoles'> {
  const { partition, organizationId, managementAccountId } = props;
  return {
    organization: [
      ...['account', 'ou', 'root', 'policy'].map(
        (kind) => `arn:${partition}:organizations::*:${kind}/${organizationId}/*`,
      ),
      // AWS managed policies (p-FullAWSAccess) live outside any organization
      `arn:${partition}:organizations::aws:policy/*`,
    ],
    managementAccount: `arn:${partition}:organizations::${managementAccountId}:account/${organizationId}/${managementAccountId}`,
    // the approval role in any account: the condition below keeps it to the members
    memberApprovalRoles: [`arn:${partition}:iam::*:role/${props.approvalRoleName}`],
  };
}

/** Assumed only in this organization's accounts: aws:ResourceOrgID is the organization of the role's account. */
export const organizationConditions = (organizationId: string): ResourceConditions => ({
  memberApprovalRoles: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
});

/** One statement per resource kind; Organizations actions split into scoped ones and the `*` ones. */
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
    const scoped = group.actions.filter((action) => ORGANIZATION_SCOPED_ACTIONS.has(action));
    const unscoped = group.actions.filter((action) => !ORGANIZATION_SCOPED_ACTIONS.has(action));
    if (scoped.length > 0)
      statements.push(new PolicyStatement({ actions: scoped, resources: [...arns.organization] }));
    if (unscoped.length > 0) statements.push(new PolicyStatement({ actions: unscoped, resources: ['*'] }));
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
