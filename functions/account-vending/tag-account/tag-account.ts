import {
  type OrganizationsClient,
  TagResourceCommand,
  TargetNotFoundException,
} from '@aws-sdk/client-organizations';
import { AccountDepartedError } from '../../_shared/errors';
import type { Tag } from '../../_shared/schemas';

/** Sets the tags on the account; setting a tag it already has is a no-op, so running twice is safe. */
export async function tagAccount(
  organizations: OrganizationsClient,
  input: { accountId: string; tags: readonly Tag[] },
): Promise<{ tagged: number }> {
  if (input.tags.length === 0) return { tagged: 0 };
  try {
    await organizations.send(
      new TagResourceCommand({
        ResourceId: input.accountId,
        Tags: input.tags.map((tag) => ({ Key: tag.key, Value: tag.value })),
      }),
    );
  } catch (error) {
    if (error instanceof TargetNotFoundException)
      throw new AccountDepartedError(input.accountId, {}, { cause: error });
    throw error;
  }
  return { tagged: input.tags.length };
}
