import {
  AttachPolicyCommand,
  DuplicatePolicyAttachmentException,
  type OrganizationsClient,
  PolicyNotFoundException,
  TargetNotFoundException,
} from '@aws-sdk/client-organizations';
import { AccountDepartedError, PolicyNotFoundError } from '../../_shared/errors';
import type { ResolvedPolicy } from '../../_shared/schemas';

/**
 * Attaches each policy to the account, one AttachPolicy each; a policy already attached is done (so a retry
 * after a throttled second attachment does not fail on the first).
 */
export async function attachPolicies(
  organizations: OrganizationsClient,
  input: { accountId: string; policies: readonly ResolvedPolicy[] },
): Promise<{ attached: string[]; alreadyAttached: string[] }> {
  const attached: string[] = [];
  const alreadyAttached: string[] = [];
  for (const policy of input.policies) {
    try {
      await organizations.send(new AttachPolicyCommand({ PolicyId: policy.id, TargetId: input.accountId }));
      attached.push(policy.id);
    } catch (error) {
      if (error instanceof DuplicatePolicyAttachmentException) alreadyAttached.push(policy.id);
      else if (error instanceof PolicyNotFoundException)
        throw new PolicyNotFoundError(policy.id, { cause: error });
      else if (error instanceof TargetNotFoundException)
        throw new AccountDepartedError(input.accountId, {}, { cause: error });
      else throw error;
    }
  }
  return { attached, alreadyAttached };
}
