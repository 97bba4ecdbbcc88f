import {
  AccountNotFoundException,
  DestinationParentNotFoundException,
  DuplicateAccountException,
  ListParentsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AccountNotFoundError, OrganizationalUnitNotFoundError } from '../_shared/errors';

/**
 * Puts the account in the OU. Already there is done; `SourceParentNotFoundException` (the account moved
 * between ListParents and MoveAccount) propagates by name for the state machine to retry from a fresh read.
 */
export async function moveAccount(
  organizations: OrganizationsClient,
  input: { accountId: string; organizationalUnitId: string },
): Promise<{ moved: boolean; from: string }> {
  const { accountId, organizationalUnitId } = input;
  try {
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
    const from = Parents?.[0]?.Id;
    if (!from) throw new AccountNotFoundError(accountId);
    if (from === organizationalUnitId) return { moved: false, from };
    await organizations.send(
      new MoveAccountCommand({
        AccountId: accountId,
        SourceParentId: from,
        DestinationParentId: organizationalUnitId,
      }),
    );
    return { moved: true, from };
  } catch (error) {
    if (error instanceof DuplicateAccountException) return { moved: false, from: organizationalUnitId };
    if (error instanceof AccountNotFoundException)
      throw new AccountNotFoundError(accountId, { cause: error });
    if (error instanceof DestinationParentNotFoundException)
      throw new OrganizationalUnitNotFoundError(organizationalUnitId, { cause: error });
    throw error;
  }
}
