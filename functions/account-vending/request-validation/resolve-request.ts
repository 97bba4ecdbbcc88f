import type { FieldIssue } from '../../_shared/errors';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { findPolicies, resolveOrganizationalUnit } from '../../_shared/organization-lookup';
import type { AccountRequest, ResolvedOrganizationalUnit, ResolvedPolicy } from '../../_shared/schemas';
import { isSelfServicePolicy, type VendingConfig } from '../vending-config';

/**
 * Resolves a request nobody resolved yet (the API's, or an execution started without `resolved`) against the
 * organization: the OU by id or path, each policy by id or name, allowed to requesters; and no account of the
 * organization may have the email yet. Returns what it found (undefined for an OU it could not) and adds an
 * issue for everything else. The caller rules are the caller's to check, on what is returned.
 */
export async function resolveRequest(
  directory: OrganizationDirectory,
  config: VendingConfig,
  request: AccountRequest,
  issues: FieldIssue[],
): Promise<{ ou: ResolvedOrganizationalUnit | undefined; policies: ResolvedPolicy[] }> {
  const [ou, owner, found] = await Promise.all([
    resolveOrganizationalUnit(directory, request.organizationalUnit),
    directory.accountWithEmail(request.email),
    request.policies.length > 0 ? findPolicies(directory, request.policies, config.policyTypes) : [],
  ]);
  if (owner)
    issues.push({
      path: 'email',
      rule: 'email-in-use',
      // which account is not said: a requester may not learn other teams' accounts by trying their addresses
      message: `${request.email} already belongs to an account of this organization; ask with an address no AWS account uses (a new mailbox or alias)`,
    });
  if (!ou)
    issues.push({
      path: 'organizationalUnit',
      rule: 'ou-not-found',
      message: `the organization has no organizational unit '${request.organizationalUnit}'`,
    });

  const policies = new Map<string, ResolvedPolicy>();
  request.policies.forEach((ref, index) => {
    const path = `policies[${index}]`;
    const matches = found.filter((policy) => policy.id === ref || policy.name === ref);
    const [policy] = matches;
    if (!policy)
      issues.push({
        path,
        rule: 'policy-not-found',
        message: `no ${config.policyTypes.join(' or ')} has the id or name '${ref}'`,
      });
    else if (matches.length > 1)
      issues.push({
        path,
        rule: 'policy-ambiguous',
        message: `'${ref}' names ${matches.length} policies (${matches.map((p) => p.id).join(', ')}); give the id`,
      });
    else if (!isSelfServicePolicy(config, policy))
      issues.push({
        path,
        rule: 'policy-not-self-service',
        message: `policy '${ref}' is not one requesters may ask for; the self-service policies are ${config.selfServicePolicies.join(', ') || 'none'}`,
      });
    else policies.set(policy.id, policy);
  });
  return { ou, policies: [...policies.values()] };
}
