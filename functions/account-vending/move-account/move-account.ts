import {
  AccountNotFoundException,
  DestinationParentNotFoundException,
  DuplicateAccountException,
  ListParentsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
  SourceParentNotFoundException,
} from '@aws-sdk/client-organizations';
import { AccountDepartedError, OrganizationalUnitNotFoundError } from '../../_shared/errors';

export interface MoveAccountInput {
  accountId: string;
  organizationalUnitId: string;
  /** where the account should be now (the root, for an account just created); unknown: it is looked up */
  expectedParentId?: string | undefined;
}

/**
 * Puts the account in the OU; already there is done. Given where the account should be, it moves it with one
 * call; when the account is elsewhere (moved by someone, or by an earlier attempt of this step), it looks up
 * its parent and moves it from there. `SourceParentNotFoundException` after a fresh look (the account moved in
 * between) propagates by name for the state machine to retry.
 */
export async function moveAccount(
  organizations: OrganizationsClient,
  input: MoveAccountInput,
): Promise<{ moved: boolean; from: string }> {
  const { accountId, organizationalUnitId, expectedParentId } = input;
  try {
    if (expectedParentId !== undefined) {
      if (expectedParentId === organizationalUnitId) return { moved: false, from: expectedParentId };
      try {
        return await moveFrom(organizations, accountId, expectedParentId, organizationalUnitId);
      } catch (error) {
        if (!(error instanceof SourceParentNotFoundException)) throw error;
      }
    }
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
    const from = Parents?.[0]?.Id;
    if (!from) throw new AccountDepartedError(accountId);
    if (from === organizationalUnitId) return { moved: false, from };
    return await moveFrom(organizations, accountId, from, organizationalUnitId);
  } catch (error) {
    if (error instanceof DuplicateAccountException) return { moved: false, from: organizationalUnitId };
    if (error instanceof AccountNotFoundException)
      throw new AccountDepartedError(accountId, {}, { cause: error });
    if (error instanceof DestinationParentNotFoundException)
      throw new OrganizationalUnitNotFoundError(organizationalUnitId, { cause: error });
    throw error;
  }
}

async function moveFrom(organizations: OrganizationsClient, accountId: string, from: string, to: string) {
  await organizations.send(
    new MoveAccountCommand({ AccountId: accountId, SourceParentId: from, DestinationParentId: to }),
  );
  return { moved: true, from };
}
