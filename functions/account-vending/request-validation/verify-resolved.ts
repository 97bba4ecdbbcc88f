import type { FieldIssue } from '../../_shared/errors';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { findPolicies, idOfPath, nameOfOrganizationalUnit } from '../../_shared/organization-lookup';
import {
  type AccountRequest,
  isOrganizationalUnitId,
  pathSegments,
  type ResolvedOrganizationalUnit,
  type ResolvedPolicy,
  type ResolvedRequest,
} from '../../_shared/schemas';
import { isSelfServicePolicy, type VendingConfig } from '../vending-config';

/**
 * Checks what the API resolved against the organization with as few calls as the configuration allows, and
 * returns the OU and policies it proved (undefined for what it could not). Whoever may start an execution may
 * claim anything, so nothing is taken on trust that the caller→OU rules or the policy allowlist depend on:
 *
 * - the root: its id matches the organization's root (one ListRoots per function instance);
 * - an OU the caller may use by its id or anywhere (`*`): it exists and its name ends the claimed path
 *   (one DescribeOrganizationalUnit);
 * - an OU the caller may use by path only: the path from the root leads to that id (one listing per level);
 * - a policy asked for by the id the allowlist names: no call (attaching it fails if it does not exist);
 * - any other policy: its id has the claimed name and type (one ListPolicies listing per claimed type).
 *
 * A claim that does not match the request itself (another OU or other policies) is refused as
 * `resolved-mismatch`.
 */
export async function verifyResolved(
  directory: OrganizationDirectory,
  config: VendingConfig,
  request: AccountRequest,
  resolved: ResolvedRequest,
  allowedOus: readonly string[],
  issues: FieldIssue[],
): Promise<{ ou: ResolvedOrganizationalUnit | undefined; policies: ResolvedPolicy[] }> {
  const ou = await verifyOrganizationalUnit(
    directory,
    request.organizationalUnit,
    resolved.organizationalUnit,
    allowedOus,
    issues,
  );
  const policies = await verifyPolicies(directory, config, request.policies, resolved.policies, issues);
  return { ou, policies };
}

async function verifyOrganizationalUnit(
  directory: OrganizationDirectory,
  ref: string,
  claimed: ResolvedOrganizationalUnit,
  allowedOus: readonly string[],
  issues: FieldIssue[],
): Promise<ResolvedOrganizationalUnit | undefined> {
  const names = claimed.path === '' ? [] : pathSegments(claimed.path);
  const matchesRef = isOrganizationalUnitId(ref)
    ? claimed.id === ref
    : claimed.path === pathSegments(ref).join('/');
  if (!matchesRef || claimed.id.startsWith('r-') !== (names.length === 0)) {
    issues.push({
      path: 'organizationalUnit',
      rule: 'resolved-mismatch',
      message: `the resolved organizational unit ${claimed.path || 'the root'} (${claimed.id}) is not '${ref}'`,
    });
    return undefined;
  }
  let exists: boolean;
  if (names.length === 0) exists = (await directory.rootId()) === claimed.id;
  else if (allowedOus.some((pattern) => pattern === claimed.id || pattern === '*'))
    exists = (await nameOfOrganizationalUnit(directory, claimed.id)) === names.at(-1);
  else exists = (await idOfPath(directory, names)) === claimed.id;
  if (exists) return claimed;
  issues.push({
    path: 'organizationalUnit',
    rule: 'ou-not-found',
    message: `the organization has no organizational unit ${claimed.id} at '${claimed.path || 'the root'}'`,
  });
  return undefined;
}

async function verifyPolicies(
  directory: OrganizationDirectory,
  config: VendingConfig,
  refs: readonly string[],
  claimed: readonly ResolvedPolicy[],
  issues: FieldIssue[],
): Promise<ResolvedPolicy[]> {
  const claimOf = refs.map((ref) => claimed.find((policy) => policy.id === ref || policy.name === ref));
  const unasked = claimed.filter((policy) => !claimOf.includes(policy));
  if (unasked.length > 0)
    issues.push({
      path: 'policies',
      rule: 'resolved-mismatch',
      message: `the resolved policies ${unasked.map((p) => p.id).join(', ')} were not asked for`,
    });
  // a claim is proved by the allowlist alone when it was asked for by the very id the allowlist names
  const needsLookup = (ref: string, policy: ResolvedPolicy) =>
    !(ref === policy.id && config.selfServicePolicies.includes(policy.id));
  const types = [
    ...new Set(
      refs.flatMap((ref, index) => {
        const policy = claimOf[index];
        return policy && needsLookup(ref, policy) && config.policyTypes.includes(policy.type)
          ? [policy.type]
          : [];
      }),
    ),
  ];
  const found =
    types.length > 0
      ? await findPolicies(
          directory,
          claimed.map((policy) => policy.id),
          types,
        )
      : [];
  const proved: ResolvedPolicy[] = [];
  refs.forEach((ref, index) => {
    const path = `policies[${index}]`;
    const policy = claimOf[index];
    if (!policy) {
      issues.push({ path, rule: 'resolved-mismatch', message: `no resolved policy is '${ref}'` });
      return;
    }
    const real =
      !needsLookup(ref, policy) ||
      found.some(
        (known) => known.id === policy.id && known.name === policy.name && known.type === policy.type,
      );
    if (!real || !config.policyTypes.includes(policy.type))
      issues.push({
        path,
        rule: 'policy-not-found',
        message: `no ${config.policyTypes.join(' or ')} has the id ${policy.id} and the name '${policy.name}'`,
      });
    else if (!isSelfServicePolicy(config, policy))
      issues.push({
        path,
        rule: 'policy-not-self-service',
        message: `policy '${ref}' is not one requesters may ask for; the self-service policies are ${config.selfServicePolicies.join(', ') || 'none'}`,
      });
    else if (!proved.includes(policy)) proved.push(policy);
  });
  return proved;
}
