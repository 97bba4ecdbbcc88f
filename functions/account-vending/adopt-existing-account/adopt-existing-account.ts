import {
  DescribeOrganizationCommand,
  ListParentsCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';
import { EmailAlreadyExistsError } from '../../_shared/errors';
import { REQUEST_MARK_TAG_KEY } from '../account-mark';

export interface AdoptExistingAccountInput {
  requestId: string;
  email: string;
  organizationalUnitId: string;
}

/**
 * After CreateAccount failed with EMAIL_ALREADY_EXISTS: the account with the email becomes the request's account
 * only when orgflow created it for this very request, its result lost (an attempt that reached AWS without
 * recording its CreateAccountRequestId, or a creation that outlasted the wait). The proof is the mark
 * CreateAccount set as it created the account: the tag `orgflow:request-id` with this request's id. Any other
 * account, whoever owns it and wherever it is, is refused with EmailAlreadyExistsError and nothing is changed,
 * so asking for an account with someone else's address can never take theirs. The account must also still be
 * where this request's vending leaves it (the root, or the requested OU) and active.
 */
export async function adoptExistingAccount(
  organizations: OrganizationsClient,
  input: AdoptExistingAccountInput,
): Promise<{ accountId: string; adopted: true }> {
  const email = input.email.toLowerCase();
  for await (const page of paginateListAccounts({ client: organizations }, {})) {
    const account = page.Accounts?.find((a) => a.Email?.toLowerCase() === email);
    if (!account?.Id) continue;
    const whose = `account ${account.Id} of this organization`;
    const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
    if (Organization?.MasterAccountId === account.Id)
      throw new EmailAlreadyExistsError(input.email, 'the management account of this organization');
    const mark = await requestMarkOf(organizations, account.Id);
    if (mark !== input.requestId)
      throw new EmailAlreadyExistsError(
        input.email,
        `${whose}, which orgflow did not create for this request`,
      );
    const state = account.State ?? account.Status;
    if (state !== 'ACTIVE') throw new EmailAlreadyExistsError(input.email, `${whose}, which is ${state}`);
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: account.Id }));
    const parent = Parents?.[0];
    if (parent?.Type !== 'ROOT' && parent?.Id !== input.organizationalUnitId)
      throw new EmailAlreadyExistsError(
        input.email,
        `${whose}, which was created for this request but is now in ${parent?.Id ?? 'another OU'}; the platform team can move it if it should be yours`,
      );
    return { accountId: account.Id, adopted: true };
  }
  throw new EmailAlreadyExistsError(input.email);
}

/** The request id an account was created for, from the tag CreateAccount set; undefined when it has none. */
async function requestMarkOf(organizations: OrganizationsClient, accountId: string) {
  for await (const page of paginateListTagsForResource(
    { client: organizations },
    { ResourceId: accountId },
  )) {
    const tag = page.Tags?.find((t) => t.Key === REQUEST_MARK_TAG_KEY);
    if (tag) return tag.Value;
  }
  return undefined;
}
