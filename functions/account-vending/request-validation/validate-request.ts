import { type FieldIssue, ValidationError } from '../../_shared/errors';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import {
  type AccountRequest,
  type Caller,
  type NormalizedAccountRequest,
  parseOrThrow,
  type ResolvedOrganizationalUnit,
  type ResolvedPolicy,
  VendingInputSchema,
} from '../../_shared/schemas';
import { organizationalUnitAllowed, organizationalUnitsFor, type VendingConfig } from '../vending-config';
import { resolveRequest } from './resolve-request';
import { verifyResolved } from './verify-resolved';

/**
 * Checks an account request against the organization and the vending configuration: no account of the
 * organization has the email yet, the OU exists and the caller may ask for accounts there, every policy exists
 * and is self-service. Returns the request with the OU and policies resolved to ids, or throws one
 * {@link ValidationError} that lists every problem. The API and Validate Request both call this.
 *
 * Given `resolved` (what the API found), it verifies those ids instead of resolving again (see
 * {@link verifyResolved}); otherwise it resolves them (see {@link resolveRequest}). Either way the caller rules
 * are checked here, once, on what was found. A handler keeps one `directory` for its life, so a burst of
 * requests shares its listings.
 */
export async function validateAccountRequest(
  directory: OrganizationDirectory,
  config: VendingConfig,
  input: unknown,
): Promise<NormalizedAccountRequest> {
  const { caller, request, resolved } = parseOrThrow(VendingInputSchema, input);
  const issues: FieldIssue[] = [];
  const allowedOus = organizationalUnitsFor(config, caller);
  const found = resolved
    ? await verifyResolved(directory, config, request, resolved, allowedOus, issues)
    : await resolveRequest(directory, config, request, issues);
  issues.unshift(...callerIssues(caller, allowedOus, found.ou));
  if (issues.length > 0 || !found.ou) throw new ValidationError(issues);
  return normalized(request, found.ou, found.policies);
}

/** Whether the caller may ask for accounts at all, and in this OU. */
function callerIssues(
  caller: Caller,
  allowedOus: readonly string[],
  ou: ResolvedOrganizationalUnit | undefined,
): FieldIssue[] {
  if (allowedOus.length === 0)
    return [
      {
        path: 'organizationalUnit',
        rule: 'caller-not-allowed',
        message: `${caller.arn} may not ask for accounts: no entry of the vending configuration's callers names it`,
      },
    ];
  if (ou && !organizationalUnitAllowed(allowedOus, ou))
    return [
      {
        path: 'organizationalUnit',
        rule: 'caller-not-allowed',
        message: `${caller.arn} may not ask for accounts in ${ou.path || 'the root'} (${ou.id}); it may ask in ${allowedOus.join(', ')}`,
      },
    ];
  return [];
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
