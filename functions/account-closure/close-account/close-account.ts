import {
  AccountAlreadyClosedException,
  AccountNotFoundException,
  CloseAccountCommand,
  ConstraintViolationException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { readOrganization, tagsOf } from '../../_shared/organization-snapshot';
import { closureBudget } from '../../governor/closure-window';
import { type BatchStorePorts, setAccountState } from '../batch-store';
import { type ClosureConfig, quotaLimitFor } from '../closure-config';
import { ClosureRefusedError, ClosuresInFlightError } from '../errors';
import {
  closureRecorded,
  closuresInWindow,
  correct,
  forgetClosure,
  type LedgerPorts,
  recordClosure,
  recordedQuotaLimit,
  recordQuotaLimit,
} from '../ledger';
import { type ClosureCandidate, skipReasonOf } from '../plan';

export interface CloseAccountPorts extends LedgerPorts, BatchStorePorts {
  organizations: OrganizationsClient;
  directory: OrganizationDirectory;
  config: ClosureConfig;
  now: () => number;
}

export interface CloseAccountInput {
  batchId: string;
  accountId: string;
}

/**
 * - `requested`: CloseAccount was called now; the account is PENDING_CLOSURE until AWS reports the result
 * - `pending`: an earlier attempt closed it and AWS is still at it
 * - `closed`: already SUSPENDED (closed) before this step
 * - `deferred`: the 30-day window is full: nothing was called; the closure fits from `until`
 */
export type CloseAccountOutcome =
  | { accountId: string; outcome: 'requested' | 'pending' | 'closed' }
  | { accountId: string; outcome: 'deferred'; until: string };

/**
 * Close Account: closes one account, and only one that may be closed. Whatever the execution's input says, the
 * account is looked at again right before the call: the management account, a protected account (tag or OU),
 * or one that is not a member is refused with ClosureRefusedError and nothing is called. The quota is checked
 * against the ledger (every closure of the organization in the window) first: a full window defers the account
 * instead of failing it. The closure enters the ledger before CloseAccount, so its request time counts against
 * the quota even if the answer is lost; a retry finds it and does not count it twice.
 */
export async function closeAccountOnce(
  ports: CloseAccountPorts,
  input: CloseAccountInput,
): Promise<CloseAccountOutcome> {
  const { accountId, batchId } = input;
  const candidate = await candidateOf(ports, accountId);
  const skip = skipReasonOf(candidate, ports.config.protectedOrganizationalUnits);
  if (skip?.reason === 'already-closing') return { accountId, outcome: 'pending' };
  if (skip?.reason === 'already-closed') return { accountId, outcome: 'closed' };
  if (skip) throw new ClosureRefusedError(accountId, skip.reason, skip.detail);

  const now = ports.now();
  const limit = await quotaLimit(ports, now);
  if (!(await closureRecorded(ports, accountId))) {
    const deferred = await deferral(ports, limit, now);
    if (deferred) {
      await setAccountState(ports, batchId, accountId, 'deferred', now, { until: deferred });
      return { accountId, outcome: 'deferred', until: deferred };
    }
  }
  await setAccountState(ports, batchId, accountId, 'closing', now);
  await recordClosure(ports, { accountId, requestedAt: now, source: 'orgflow' });
  try {
    await ports.organizations.send(new CloseAccountCommand({ AccountId: accountId }));
  } catch (error) {
    if (error instanceof AccountAlreadyClosedException) return { accountId, outcome: 'pending' };
    if (error instanceof ConstraintViolationException) {
      if (error.Reason === 'CLOSE_ACCOUNT_QUOTA_EXCEEDED') {
        // AWS counts closures the ledger never heard of: this one did not happen, and the window is full
        await forgetClosure(ports, accountId);
        await correct(ports, limit, now);
        const until = (await deferral(ports, limit, now)) ?? new Date(now).toISOString();
        await setAccountState(ports, batchId, accountId, 'deferred', now, { until });
        return { accountId, outcome: 'deferred', until };
      }
      if (error.Reason === 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED') {
        // closures outside orgflow fill AWS's 3 at a time: nothing was closed; the step is retried
        await forgetClosure(ports, accountId);
        throw new ClosuresInFlightError(error.message, { cause: error });
      }
    }
    throw error;
  }
  return { accountId, outcome: 'requested' };
}

/** When the window is full at `now`: the time the next closure fits (ISO), else undefined. */
async function deferral(ports: CloseAccountPorts, limit: number, now: number): Promise<string | undefined> {
  const { nextFitsAt } = closureBudget(await closuresInWindow(ports, now), limit, now);
  return nextFitsAt > now ? new Date(nextFitsAt).toISOString() : undefined;
}

/** The quota a batch's plan recorded; counted here (and recorded) when none has yet, e.g. a closure started by hand. */
async function quotaLimit(ports: CloseAccountPorts, now: number): Promise<number> {
  const recorded = await recordedQuotaLimit(ports);
  if (recorded !== undefined) return recorded;
  const memberAccounts = (await readOrganization(ports.organizations)).accounts.size - 1;
  const limit = quotaLimitFor(ports.config, memberAccounts);
  await recordQuotaLimit(ports, { limit, memberAccounts, countedAt: now });
  return limit;
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
  return {
    accountId,
    state,
    isManagementAccount,
    tags: await tagsOf(ports.organizations, accountId),
    ancestors: await ancestorsOf(ports, accountId),
  };
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
