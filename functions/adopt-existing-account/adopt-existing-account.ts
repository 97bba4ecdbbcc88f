import {
  DescribeOrganizationCommand,
  ListParentsCommand,
  type OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { EmailAlreadyExistsError } from '../_shared/errors';

/**
 * After CreateAccount failed with EMAIL_ALREADY_EXISTS: the member account of this organization that has the
 * email becomes the request's account, so asking twice (or retrying after a lost answer) never makes two
 * accounts. Only an account where a vending leaves it is adopted: in the root (where CreateAccount puts it)
 * or already in the requested OU. An account elsewhere, the management account, an account that is closing
 * or closed, and an email used outside the organization are refused, so a request can never pull an
 * existing account out of an OU the requester does not control.
 */
export async function adoptExistingAccount(
  organizations: OrganizationsClient,
  input: { email: string; organizationalUnitId: string },
): Promise<{ accountId: string; adopted: true }> {
  const email = input.email.toLowerCase();
  for await (const page of paginateListAccounts({ client: organizations }, {})) {
    const account = page.Accounts?.find((a) => a.Email?.toLowerCase() === email);
    if (!account?.Id) continue;
    const state = account.State ?? account.Status;
    if (state !== 'ACTIVE')
      throw new EmailAlreadyExistsError(
        input.email,
        `account ${account.Id} of this organization, which is ${state}`,
      );
    const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
    if (Organization?.MasterAccountId === account.Id)
      throw new EmailAlreadyExistsError(input.email, 'the management account of this organization');
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: account.Id }));
    const parent = Parents?.[0];
    if (parent?.Type !== 'ROOT' && parent?.Id !== input.organizationalUnitId)
      throw new EmailAlreadyExistsError(
        input.email,
        `account ${account.Id} of this organization, which is in ${parent?.Id ?? 'another OU'}; the platform team can move it if it should be yours`,
      );
    return { accountId: account.Id, adopted: true };
  }
  throw new EmailAlreadyExistsError(input.email);
}
