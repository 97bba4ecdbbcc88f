import { type FieldIssue, ValidationError } from '../_shared/errors';
import type { OrganizationDirectory } from '../_shared/organization-directory';
import {
  type AccountRequest,
  type NormalizedAccountRequest,
  parseOrThrow,
  type ResolvedOrganizationalUnit,
  type ResolvedPolicy,
  VendingInputSchema,
} from '../_shared/schemas';
import {
  isSelfServicePolicy,
  organizationalUnitAllowed,
  organizationalUnitsFor,
  type VendingConfig,
} from '../_shared/vending-config';
import { findPolicies, resolveOrganizationalUnit } from './organization-lookup';
import { verifyResolved } from './verify-resolved';

/**
 * Checks an account request against the organization and the vending configuration: no account of the
 * organization has the email yet, the OU exists and the caller may ask for accounts there, every policy exists
 * and is self-service. Returns the request with the
 * OU and policies resolved to ids, or throws one {@link ValidationError} that lists every problem.
 *
 * Given `resolved` (what the API found), it verifies those ids instead of resolving again, with the same rules
 * (see {@link verifyResolved}). A handler keeps one `directory` for its life, so a burst of requests shares
 * its listings.
 */
export async function validateAccountRequest(
  directory: OrganizationDirectory,
  config: VendingConfig,
  input: unknown,
): Promise<NormalizedAccountRequest> {
  const { caller, request, resolved } = parseOrThrow(VendingInputSchema, input);
  const issues: FieldIssue[] = [];

  const allowedOus = organizationalUnitsFor(config, caller);
  if (resolved) {
    const verified = await verifyResolved(directory, config, request, resolved, allowedOus, issues);
    if (allowedOus.length === 0)
      issues.unshift({
        path: 'organizationalUnit',
        rule: 'caller-not-allowed',
        message: `${caller.arn} may not ask for accounts: no entry of the vending configuration's callers names it`,
      });
    else if (verified.ou && !organizationalUnitAllowed(allowedOus, verified.ou))
      issues.unshift({
        path: 'organizationalUnit',
        rule: 'caller-not-allowed',
        message: `${caller.arn} may not ask for accounts in ${verified.ou.path || 'the root'} (${verified.ou.id}); it may ask in ${allowedOus.join(', ')}`,
      });
    if (issues.length > 0 || !verified.ou) throw new ValidationError(issues);
    return normalized(request, verified.ou, verified.policies);
  }
  const [ou, owner] = await Promise.all([
    resolveOrganizationalUnit(directory, request.organizationalUnit),
    directory.accountWithEmail(request.email),
  ]);
  if (owner)
    issues.push({
      path: 'email',
      rule: 'email-in-use',
      // which account is not said: a requester may not learn other teams' accounts by trying their addresses
      message: `${request.email} already belongs to an account of this organization; ask with an address no AWS account uses (a new mailbox or alias)`,
    });
  if (allowedOus.length === 0)
    issues.push({
      path: 'organizationalUnit',
      rule: 'caller-not-allowed',
      message: `${caller.arn} may not ask for accounts: no entry of the vending configuration's callers names it`,
    });
  if (!ou)
    issues.push({
      path: 'organizationalUnit',
      rule: 'ou-not-found',
      message: `the organization has no organizational unit '${request.organizationalUnit}'`,
    });
  else if (allowedOus.length > 0 && !organizationalUnitAllowed(allowedOus, ou))
    issues.push({
      path: 'organizationalUnit',
      rule: 'caller-not-allowed',
      message: `${caller.arn} may not ask for accounts in ${ou.path || 'the root'} (${ou.id}); it may ask in ${allowedOus.join(', ')}`,
    });

  const found =
    request.policies.length > 0 ? await findPolicies(directory, request.policies, config.policyTypes) : [];
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

  if (issues.length > 0 || !ou) throw new ValidationError(issues);
  return normalized(request, ou, [...policies.values()]);
}

function normalized(
  request: AccountRequest,
  ou: ResolvedOrganizationalUnit,
  policies: ResolvedPolicy[],
): NormalizedAccountRequest {
  return {
    accountName: request.accountName,
    email: request.email,
    organizationalUnit: ou,
    tags: request.tags,
    policies,
    ...(request.roleName === undefined ? {} : { roleName: request.roleName }),
    ...(request.iamUserAccessToBilling === undefined
      ? {}
      : { iamUserAccessToBilling: request.iamUserAccessToBilling }),
  };
}
