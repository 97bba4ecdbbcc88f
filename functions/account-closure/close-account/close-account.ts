import {
  AccountAlreadyClosedException,
  AccountNotFoundException,
  CloseAccountCommand,
  ConstraintViolationException,
  DescribeAccountCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AccountDepartedError } from '../../_shared/errors';
import { type BatchStorePorts, setAccountState } from '../batch-store';
import type { ClosureConfig } from '../closure-config';
import { ClosuresInFlightError } from '../errors';
import {
  closureRecordOf,
  correct,
  forgetClosure,
  type LedgerPorts,
  markCalled,
  recordClosure,
} from '../ledger';
import { deferral, quotaLimit } from '../quota';

export interface CloseAccountPorts extends LedgerPorts, BatchStorePorts {
  organizations: OrganizationsClient;
  config: ClosureConfig;
  now: () => number;
}

/**
 * - `requested`: CloseAccount was called now; the account is PENDING_CLOSURE until AWS reports the result
 * - `pending`: it was already closing or closed (an earlier attempt's call got through)
 * - `deferred`: AWS says the 30-day quota is spent: nothing was closed; the closure fits from `until`
 */
export type CloseAccountOutcome =
  | { accountId: string; outcome: 'requested' | 'pending' }
  | { accountId: string; outcome: 'deferred'; until: string }
  | { accountId: string; outcome: 'refused'; reason: 'already-closing'; detail: string };

/**
 * Close Account: the call itself, at the time the governor's pacing gives it, once Check Account has looked at
 * the account and the quota a few seconds earlier (so that the call keeps its pace whatever those reads cost).
 * The closure enters the ledger before CloseAccount, so its request time counts against the quota even if the
 * answer is lost; a retry finds it and does not count it twice. A throttled call is left to the state machine,
 * which takes it back to the governor to be paced again.
 */
export async function closeAccountOnce(
  ports: CloseAccountPorts,
  input: { batchId: string; accountId: string },
): Promise<CloseAccountOutcome> {
  const { accountId, batchId } = input;
  const now = ports.now();
  // only the ledger's write comes between the paced time and the call: the batch's record of it comes after
  const first = await recordClosure(ports, { accountId, requestedAt: now, source: 'orgflow', batchId });
  if (!first) {
    // another batch (moved into Decommission twice, asked for twice) got there first: it closes the account
    const recorded = await closureRecordOf(ports, accountId);
    if (recorded?.batchId !== undefined && recorded.batchId !== batchId)
      return {
        accountId,
        outcome: 'refused',
        reason: 'already-closing',
        detail: `batch ${recorded.batchId} is closing it`,
      };
    // an attempt before this one recorded it and may have called (its answer lost, the stack restarted): look first
    if (await alreadyClosing(ports.organizations, accountId)) {
      await setAccountState(ports, batchId, accountId, 'closing', ports.now());
      return { accountId, outcome: 'pending' };
    }
  }
  try {
    await ports.organizations.send(new CloseAccountCommand({ AccountId: accountId }));
  } catch (error) {
    if (error instanceof AccountAlreadyClosedException) {
      await setAccountState(ports, batchId, accountId, 'closing', ports.now());
      return { accountId, outcome: 'pending' };
    }
    if (error instanceof AccountNotFoundException) {
      // it left the organization since Check Account looked: nothing was closed, so the ledger forgets it
      await forgetClosure(ports, accountId);
      throw new AccountDepartedError(accountId, {}, { cause: error });
    }
    if (error instanceof ConstraintViolationException) {
      if (error.Reason === 'CLOSE_ACCOUNT_QUOTA_EXCEEDED') {
        // AWS counts closures the ledger never heard of: this one did not happen, and the window is full
        const limit = await quotaLimit(ports, now);
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
  // an attempt before this one recorded an earlier time: the window counts the closure from this call
  if (!first) await markCalled(ports, accountId, now);
  await setAccountState(ports, batchId, accountId, 'closing', ports.now());
  return { accountId, outcome: 'requested' };
}

/** Whether the account is already closing or closed (or gone, 90 days after closing). */
async function alreadyClosing(organizations: OrganizationsClient, accountId: string): Promise<boolean> {
  try {
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    const state = Account?.State ?? Account?.Status;
    return state !== undefined && state !== 'ACTIVE';
  } catch (error) {
    if (error instanceof AccountNotFoundException) return true;
    throw error;
  }
}
