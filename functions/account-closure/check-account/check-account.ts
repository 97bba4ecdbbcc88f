import {
  AccountNotFoundException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { AccountDepartedError } from '../../_shared/errors';
import { ancestorsOf } from '../../_shared/organization-lookup';
import { tagsOf } from '../../_shared/organization-snapshot';
import { readBatchRecord, setAccountState } from '../batch-store';
import type { ClosurePorts } from '../closure-ports';
import { closureRecordOf } from '../ledger';
import { type ClosureCandidate, type SkipReason, skipReasonOf } from '../plan';
import { deferral, quotaLimit } from '../quota';

/**
 * - `refused`: must not be closed (the management account, a protected one, not a member): nothing is called
 * - `ready`: may be closed now; Close Account calls at the grant's time
 * - `pending`: an earlier attempt closed it and AWS is still at it
 * - `closed`: already SUSPENDED (closed)
 * - `deferred`: the 30-day window is full: the closure fits from `until`
 * - `departed`: its batch planned to close it, and it is no longer in the organization (it left or was removed)
 */
export type CheckAccountOutcome =
  | { accountId: string; outcome: 'ready' | 'pending' | 'closed' }
  | { accountId: string; outcome: 'departed'; detail: string }
  | { accountId: string; outcome: 'deferred'; until: string }
  | { accountId: string; outcome: 'refused'; reason: SkipReason; detail: string };

/**
 * Check Account: whatever the execution's input says, the account is looked at again a few seconds before its
 * call: the management account, a protected account (tag or OU), one that is not a member, or one its batch
 * does not plan to close (no such batch, or not in its plan: an execution started by hand) is refused, with the
 * plan's reason; one its batch planned that is no longer a member departed (it left or was removed). An account already closing or closed is this closure's only if orgflow's ledger says it called
 * for it (an attempt before a restart); otherwise someone else closed it, and it is refused so. Then the quota: the ledger holds every closure of the organization in the window, and a
 * full window defers the account instead of failing it (unless the ledger already counts its closure: a retry
 * after its call).
 */
export async function checkAccount(
  ports: ClosurePorts,
  input: { batchId: string; accountId: string },
): Promise<CheckAccountOutcome> {
  const { accountId, batchId } = input;
  const candidate = await candidateOf(ports, accountId);
  const skip = skipReasonOf(candidate, ports.config.protectedOrganizationalUnits);
  const finished = skip?.reason === 'already-closing' || skip?.reason === 'already-closed';
  // a member its batch planned to close, gone since: it departed (a closure made by hand ends SUSPENDED first)
  const gone = skip?.reason === 'not-a-member';
  if (skip && !finished && !gone)
    return { accountId, outcome: 'refused', reason: skip.reason, detail: skip.detail };
  const batch = await readBatchRecord(ports, batchId);
  const planned = batch?.plan.find((p) => p.accountId === accountId);
  if (gone && skip) {
    if (!planned || planned.decision === 'skipped')
      return { accountId, outcome: 'refused', reason: skip.reason, detail: skip.detail };
    return {
      accountId,
      outcome: 'departed',
      detail: new AccountDepartedError(accountId).message,
    };
  }
  if (!planned || planned.decision === 'skipped')
    return {
      accountId,
      outcome: 'refused',
      reason: 'not-asked-for',
      detail: batch ? `batch ${batchId} does not plan to close ${accountId}` : `there is no batch ${batchId}`,
    };
  const ledger = await closureRecordOf(ports, accountId);
  if (skip && finished) {
    // this batch's own call (before a restart) is this closure's; anyone else's, another batch's included, is not
    if (ledger?.source !== 'orgflow' || ledger.batchId !== batchId)
      return {
        accountId,
        outcome: 'refused',
        reason: skip.reason,
        detail: `${skip.detail}, not by this batch`,
      };
    return { accountId, outcome: skip.reason === 'already-closing' ? 'pending' : 'closed' };
  }

  const now = ports.now();
  if (ledger === undefined) {
    const until = await deferral(ports, await quotaLimit(ports, now), now);
    if (until) {
      await setAccountState(ports, batchId, accountId, 'deferred', now, { until });
      return { accountId, outcome: 'deferred', until };
    }
  }
  return { accountId, outcome: 'ready' };
}

/** What the plan's rules need to know of the account, read from Organizations now. */
async function candidateOf(ports: ClosurePorts, accountId: string): Promise<ClosureCandidate> {
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
    ancestors: await ancestorsOf(ports.directory, accountId),
  };
}
