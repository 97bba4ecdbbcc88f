import { DescribeCreateAccountStatusCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamoDocumentClient, taskTokenClient } from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { creationFailure } from '../_shared/errors';

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

export interface WatchPorts {
  db: DynamoDBDocumentClient;
  sfn: SFNClient;
  table: string;
  now: () => number;
}

/** Both halves' ports, for a handler to build once: the governor table of GOVERNOR_TABLE_NAME. */
export function watchPortsFromEnv(): WatchPorts {
  const env = parseEnv(z.object({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
  return {
    db: dynamoDocumentClient(),
    sfn: taskTokenClient(),
    table: env.GOVERNOR_TABLE_NAME,
    now: () => Date.now(),
  };
}

const WATCH_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const keyOf = (createAccountRequestId: string) => ({ pk: `creation#${createAccountRequestId}`, sk: 'watch' });
const expiresAt = (now: number) => Math.floor((now + WATCH_TTL_MS) / 1000);

const WatchItemSchema = z.object({
  taskToken: z.string().optional(),
  email: z.string().optional(),
  result: CreationResultSchema.optional(),
});

/** The waiter's half: its (newest) token and email; returns the result if it is already known. */
export async function registerWaiter(
  ports: WatchPorts,
  input: { createAccountRequestId: string; email: string; taskToken: string },
): Promise<CreationResult | undefined> {
  const { Attributes } = await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: keyOf(input.createAccountRequestId),
      UpdateExpression: 'SET taskToken = :token, email = :email, expiresAt = :expires',
      ExpressionAttributeValues: {
        ':token': input.taskToken,
        ':email': input.email,
        ':expires': expiresAt(ports.now()),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return WatchItemSchema.parse(Attributes ?? {}).result;
}

/** The reporter's half: the result; returns the waiter (token and email) if one is waiting. */
export async function recordResult(
  ports: WatchPorts,
  createAccountRequestId: string,
  result: CreationResult,
): Promise<{ taskToken: string; email: string } | undefined> {
  const { Attributes } = await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: keyOf(createAccountRequestId),
      UpdateExpression: 'SET #result = :result, expiresAt = :expires',
      ExpressionAttributeNames: { '#result': 'result' },
      ExpressionAttributeValues: { ':result': result, ':expires': expiresAt(ports.now()) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const item = WatchItemSchema.parse(Attributes ?? {});
  return item.taskToken ? { taskToken: item.taskToken, email: item.email ?? '' } : undefined;
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
export async function answer(
  sfn: SFNClient,
  waiter: { taskToken: string; email: string },
  result: CreationResult,
): Promise<boolean> {
  try {
    if (result.state === 'SUCCEEDED')
      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: waiter.taskToken,
          output: JSON.stringify({ state: result.state, accountId: result.accountId }),
        }),
      );
    else {
      const error = creationFailure(result.failureReason ?? 'UNKNOWN', waiter.email);
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken: waiter.taskToken,
          error: error.name,
          cause: JSON.stringify({ errorType: error.name, errorMessage: error.message }),
        }),
      );
    }
    return true;
  } catch (error) {
    if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken)
      return false;
    throw error;
  }
}
