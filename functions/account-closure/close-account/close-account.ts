import {
  AccountAlreadyClosedException,
  AccountNotFoundException,
  CloseAccountCommand,
  ConstraintViolationException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { ClosureQuotaExhaustedError, ClosureRefusedError, ClosuresInFlightError } from '../errors';
import { correct, type LedgerPorts, recordClosure } from '../ledger';
import { type ClosureCandidate, skipReasonOf } from '../plan';

export interface CloseAccountPorts extends LedgerPorts {
  organizations: OrganizationsClient;
  directory: OrganizationDirectory;
  now: () => number;
}

export interface CloseAccountInput {
  accountId: string;
  /** OUs (ids or paths) under which no account is ever closed, from the closure configuration */
  protectedOus: readonly string[];
  /** the closure quota of the organization now, to correct the ledger when AWS says it is spent */
  quotaLimit: number;
}

/**
 * Close Account: closes one account, and only one that may be closed. Whatever the execution's input says, the
 * account is looked at again right before the call: the management account, a protected account (tag or OU),
 * one that is not a member, or one already closing or closed is refused with ClosureRefusedError and nothing is
 * called. The closure enters the ledger before CloseAccount (its request time counts against the quota even if
 * the answer is lost); an account already closed by an earlier attempt is done.
 */
export async function closeAccountOnce(
  ports: CloseAccountPorts,
  input: CloseAccountInput,
): Promise<{ accountId: string; closed: 'now' | 'already' }> {
  const candidate = await candidateOf(ports, input.accountId);
  const skip = skipReasonOf(candidate, input.protectedOus);
  if (skip?.reason === 'already-closing' || skip?.reason === 'already-closed')
    return { accountId: input.accountId, closed: 'already' };
  if (skip) throw new ClosureRefusedError(input.accountId, skip.reason, skip.detail);

  const now = ports.now();
  await recordClosure(ports, { accountId: input.accountId, requestedAt: now, source: 'orgflow' });
  try {
    await ports.organizations.send(new CloseAccountCommand({ AccountId: input.accountId }));
  } catch (error) {
    if (error instanceof AccountAlreadyClosedException)
      return { accountId: input.accountId, closed: 'already' };
    if (error instanceof ConstraintViolationException) {
      if (error.Reason === 'CLOSE_ACCOUNT_QUOTA_EXCEEDED') {
        // AWS counts closures the ledger never heard of: the window is full from now on
        await correct(ports, input.quotaLimit, now);
        throw new ClosureQuotaExhaustedError(error.message, { cause: error });
      }
      if (error.Reason === 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED')
        throw new ClosuresInFlightError(error.message, { cause: error });
    }
    throw error;
  }
  return { accountId: input.accountId, closed: 'now' };
}

/** What the plan's rules need to know of the account, read from Organizations now. */
async function candidateOf(ports: CloseAccountPorts, accountId: string): Promise<ClosureCandidate> {
  const { Organization } = await ports.organizations.send(new DescribeOrganizationCommand({}));
  const isManagementAccount = Organization?.MasterAccountId === accountId;
  // refused whatever else it is: nothing more to read
  if (isManagementAccount)
    return { accountId, state: 'ACTIVE', isManagementAccount, tags: {}, ancestors: [] };
  let state: string | undefined;
  try {
    const { Account } = await ports.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    state = Account?.State ?? Account?.Status;
  } catch (error) {
    if (!(error instanceof AccountNotFoundException)) throw error;
    return { accountId, state: undefined, isManagementAccount, tags: {}, ancestors: [] };
  }
  const tags: Record<string, string> = {};
  for await (const page of paginateListTagsForResource(
    { client: ports.organizations },
    { ResourceId: accountId },
  ))
    for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return { accountId, state, isManagementAccount, tags, ancestors: await ancestorsOf(ports, accountId) };
}

/** The OUs above an account, from the root down, with their paths of names. */
async function ancestorsOf(ports: CloseAccountPorts, accountId: string) {
  const ids: string[] = [];
  const { directory } = ports;
  for (
    let id = await directory.parentOrganizationalUnit(accountId);
    id;
    id = await directory.parentOrganizationalUnit(id)
  )
    ids.unshift(id);
  const names: string[] = [];
  const ancestors: { id: string; path: string }[] = [];
  for (const id of ids) {
    names.push((await directory.organizationalUnit(id))?.name ?? id);
    ancestors.push({ id, path: names.join('/') });
  }
  return ancestors;
}
