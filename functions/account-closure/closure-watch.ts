import {
  AccountNotFoundException,
  DescribeAccountCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { z } from 'zod';
import {
  answerWaiter,
  forgetResult,
  type RendezvousPorts,
  recordResult as recordAtRendezvous,
  registerWaiter as registerAtRendezvous,
  waiterTokenOf,
} from '../_shared/task-rendezvous';

/**
 * The wait for a closure to finish, without polling: the closure execution parks on a task token (Wait For
 * Closure) and AWS's `CloseAccountResult` CloudTrail event wakes it (Complete Account Closure, from the rule
 * events/rules/complete-account-closure.json); they meet on the item `closure#<account id>` of the governor
 * table (functions/_shared/task-rendezvous.ts). Delivery is best effort, so the wait times out and, retried,
 * looks once with DescribeAccount. An account is closed once, so the account id names its closure.
 */

export const ClosureResultSchema = z.object({
  state: z.enum(['SUCCEEDED', 'FAILED']),
  failureReason: z.string().min(1).optional(),
});
export type ClosureResult = z.infer<typeof ClosureResultSchema>;

const keyOf = (accountId: string) => `closure#${accountId}`;

/** AWS reported a closure that did not go through. */
export class AccountClosureFailedError extends Error {
  constructor(accountId: string, reason: string) {
    super(`AWS did not close account ${accountId}: ${reason}`);
    this.name = 'AccountClosureFailedError';
  }
}

/** The waiter's half: its newest token; the result if AWS already reported it. */
export function registerClosureWaiter(
  ports: RendezvousPorts,
  input: { accountId: string; taskToken: string },
): Promise<ClosureResult | undefined> {
  return registerAtRendezvous(
    ports,
    keyOf(input.accountId),
    { taskToken: input.taskToken },
    ClosureResultSchema,
  );
}

/** The reporter's half: AWS's result; the waiting token, if an execution waits. */
export async function recordClosureResult(
  ports: RendezvousPorts,
  accountId: string,
  result: ClosureResult,
): Promise<string | undefined> {
  return (await recordAtRendezvous(ports, keyOf(accountId), result))?.taskToken;
}

/** The token of the newest wait for the account's closure (its wait may be over). */
export function closureWaiterOf(ports: RendezvousPorts, accountId: string): Promise<string | undefined> {
  return waiterTokenOf(ports, keyOf(accountId));
}

/** One look at the account: SUCCEEDED once it is closed (or gone), undefined while it is still closing. */
export async function lookAtClosure(
  organizations: OrganizationsClient,
  accountId: string,
): Promise<ClosureResult | undefined> {
  try {
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    const state = Account?.State ?? Account?.Status;
    return state === 'SUSPENDED' || state === 'CLOSED' ? { state: 'SUCCEEDED' } : undefined;
  } catch (error) {
    // AWS removes a closed account from the organization 90 days later
    if (error instanceof AccountNotFoundException) return { state: 'SUCCEEDED' };
    throw error;
  }
}

/**
 * Wakes the waiter: `{ accountId, state }` for a closure done, AccountClosureFailedError for one that failed.
 * A result that answered its waiter is forgotten: after a failed closure the account may be closed again, and
 * that closure's wait must not be answered with the old failure.
 */
export async function answerClosure(
  ports: RendezvousPorts,
  taskToken: string,
  accountId: string,
  result: ClosureResult,
): Promise<boolean> {
  const answered = await answerWaiter(
    ports.sfn,
    taskToken,
    result.state === 'SUCCEEDED'
      ? { output: { accountId, state: result.state } }
      : { error: new AccountClosureFailedError(accountId, result.failureReason ?? 'UNKNOWN') },
  );
  if (answered) await forgetResult(ports, keyOf(accountId), { field: 'state', value: result.state });
  return answered;
}
