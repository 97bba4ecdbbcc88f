import { DescribeCreateAccountStatusCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { creationFailure } from '../_shared/errors';
import {
  answerWaiter,
  type RendezvousPorts,
  recordResult as recordAtRendezvous,
  registerWaiter as registerAtRendezvous,
  rendezvousPortsFromEnv,
} from '../_shared/task-rendezvous';

/**
 * The wait for a CreateAccount to finish, without polling: the vending execution parks on a task token
 * (Wait For Account, `.waitForTaskToken`) and AWS's `CreateAccountResult` CloudTrail event wakes it
 * (Complete Account Creation, from the rule events/rules/complete-account-creation.json). Both sides meet on
 * one item of the governor table, each writing its half and reading the other's in the same UpdateItem, so
 * whichever comes second answers the token — the event may arrive before the execution starts waiting:
 *
 * | pk                  | sk      | what                                                                  |
 * | ------------------- | ------- | --------------------------------------------------------------------- |
 * | `creation#<car-id>` | `watch` | `taskToken`, `email` (the waiter); `result` (what AWS reported)       |
 *
 * CloudTrail → EventBridge delivery is best effort, so the wait times out and, retried, looks once with
 * DescribeCreateAccountStatus.
 */

/** What AWS reported of a finished creation. */
export const CreationResultSchema = z.object({
  state: z.enum(['SUCCEEDED', 'FAILED']),
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  failureReason: z.string().min(1).optional(),
});
export type CreationResult = z.infer<typeof CreationResultSchema>;

export type WatchPorts = RendezvousPorts;

/** Both halves' ports, for a handler to build once. */
export const watchPortsFromEnv = rendezvousPortsFromEnv;

const keyOf = (createAccountRequestId: string) => `creation#${createAccountRequestId}`;

/** The waiter's half: its (newest) token and email; returns the result if it is already known. */
export function registerWaiter(
  ports: WatchPorts,
  input: { createAccountRequestId: string; email: string; taskToken: string },
): Promise<CreationResult | undefined> {
  return registerAtRendezvous(
    ports,
    keyOf(input.createAccountRequestId),
    { taskToken: input.taskToken, attributes: { email: input.email } },
    CreationResultSchema,
  );
}

/** The reporter's half: the result; returns the waiter (token and email) if one is waiting. */
export async function recordResult(
  ports: WatchPorts,
  createAccountRequestId: string,
  result: CreationResult,
): Promise<{ taskToken: string; email: string } | undefined> {
  const waiter = await recordAtRendezvous(ports, keyOf(createAccountRequestId), result);
  if (!waiter) return undefined;
  const email = waiter.attributes.email;
  return { taskToken: waiter.taskToken, email: typeof email === 'string' ? email : '' };
}

/** One look at a creation: its result once finished, undefined while AWS is still at it. */
export async function lookUp(
  organizations: OrganizationsClient,
  createAccountRequestId: string,
): Promise<CreationResult | undefined> {
  const { CreateAccountStatus: status } = await organizations.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createAccountRequestId }),
  );
  if (status?.State === 'SUCCEEDED' && status.AccountId)
    return { state: 'SUCCEEDED', accountId: status.AccountId };
  if (status?.State === 'FAILED')
    return { state: 'FAILED', failureReason: status.FailureReason ?? 'UNKNOWN' };
  return undefined;
}

/**
 * Wakes the waiter: `{ state, accountId }` for an account created, the named error of the FailureReason (as a
 * Lambda error: Error = its name, Cause = its words) for a failure. Returns false when the token is no longer
 * waiting (answered already, or its wait timed out and a retry waits with a new token), which is not an error.
 */
export function answer(
  sfn: SFNClient,
  waiter: { taskToken: string; email: string },
  result: CreationResult,
): Promise<boolean> {
  return answerWaiter(
    sfn,
    waiter.taskToken,
    result.state === 'SUCCEEDED'
      ? { output: { state: result.state, accountId: result.accountId } }
      : { error: creationFailure(result.failureReason ?? 'UNKNOWN', waiter.email) },
  );
}
