import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamoDocumentClient, taskTokenClient } from './clients';
import { conditional } from './conditional-write';
import { parseEnv } from './env';

/**
 * Where an execution waiting on a task token meets the event that ends its wait, without polling: the waiter
 * parks (`.waitForTaskToken`) and writes its half, the event's handler writes the other, each in one UpdateItem
 * that returns the other half, so whichever comes second answers the token — the event may arrive before the
 * execution starts waiting. One item of the governor table per thing waited for:
 *
 * | pk                     | sk      | what                                                          |
 * | ---------------------- | ------- | ------------------------------------------------------------- |
 * | `<kind>#<id>`          | `watch` | `taskToken` and the waiter's own attributes; `result`         |
 *
 * (`creation#<CreateAccountRequestId>` for account vending, `closure#<account id>` for batch closure.)
 */

export interface RendezvousPorts {
  db: DynamoDBDocumentClient;
  sfn: SFNClient;
  table: string;
  now: () => number;
}

/** The ports of either half, for a handler to build once: the governor table of GOVERNOR_TABLE_NAME. */
export function rendezvousPortsFromEnv(): RendezvousPorts {
  const env = parseEnv(z.object({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
  return {
    db: dynamoDocumentClient(),
    sfn: taskTokenClient(),
    table: env.GOVERNOR_TABLE_NAME,
    now: () => Date.now(),
  };
}

/** The results of finished work outlive any wait for them by far; DynamoDB's TTL removes them after a week. */
const WATCH_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const keyOf = (key: string) => ({ pk: key, sk: 'watch' });
const expiresAt = (now: number) => Math.floor((now + WATCH_TTL_MS) / 1000);

/**
 * The waiter's half: its (newest) token and attributes; returns the result if it is already known, parsed with
 * `result`. Attribute names must not be `taskToken`, `result` or the keys.
 */
export async function registerWaiter<Result>(
  ports: RendezvousPorts,
  key: string,
  waiter: { taskToken: string; attributes?: Record<string, string> },
  result: z.ZodType<Result>,
): Promise<Result | undefined> {
  const attributes = Object.entries(waiter.attributes ?? {});
  const names = Object.fromEntries(attributes.map(([name], i) => [`#a${i}`, name]));
  const values = Object.fromEntries(attributes.map(([, value], i) => [`:a${i}`, value]));
  const { Attributes } = await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: keyOf(key),
      UpdateExpression: `SET taskToken = :token, expiresAt = :expires${attributes.map((_, i) => `, #a${i} = :a${i}`).join('')}`,
      ...(attributes.length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: {
        ':token': waiter.taskToken,
        ':expires': expiresAt(ports.now()),
        ...values,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const known = (Attributes as { result?: unknown } | undefined)?.result;
  return known === undefined ? undefined : result.parse(known);
}

/**
 * The reporter's half: the result; returns the waiter (its token and attributes) if one is waiting. Recording
 * the same result twice (a duplicate event) is harmless: the waiter is answered at most once that counts.
 */
export async function recordResult(
  ports: RendezvousPorts,
  key: string,
  result: Record<string, unknown>,
): Promise<{ taskToken: string; attributes: Record<string, unknown> } | undefined> {
  const { Attributes } = await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: keyOf(key),
      UpdateExpression: 'SET #result = :result, expiresAt = :expires',
      ExpressionAttributeNames: { '#result': 'result' },
      ExpressionAttributeValues: { ':result': result, ':expires': expiresAt(ports.now()) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const {
    taskToken,
    result: _result,
    pk: _pk,
    sk: _sk,
    expiresAt: _expires,
    ...attributes
  } = (Attributes ?? {}) as Record<string, unknown>;
  return typeof taskToken === 'string' ? { taskToken, attributes } : undefined;
}

/**
 * Forgets the result of `key` once it has answered its waiter, if it still is the one answered (its `field` is
 * `value`): where one key serves one wait after another (`closure#<account id>`: the same account closed again
 * after a failed closure), an old result must not answer a new wait. False when another result replaced it.
 */
export function forgetResult(
  ports: RendezvousPorts,
  key: string,
  answered: { field: string; value: string },
): Promise<boolean> {
  return conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: keyOf(key),
        UpdateExpression: 'REMOVE #result',
        ConditionExpression: '#result.#field = :value',
        ExpressionAttributeNames: { '#result': 'result', '#field': answered.field },
        ExpressionAttributeValues: { ':value': answered.value },
      }),
    ),
  );
}

/**
 * The newest token registered at `key`, whether or not its wait is still on (a wait that ended leaves its token
 * behind; answering it then gets "no longer waiting"). For ending a wait from outside (a departed account).
 */
export async function waiterTokenOf(ports: RendezvousPorts, key: string): Promise<string | undefined> {
  const { Item } = await ports.db.send(
    new GetCommand({ TableName: ports.table, Key: keyOf(key), ConsistentRead: true }),
  );
  const token = (Item as { taskToken?: unknown } | undefined)?.taskToken;
  return typeof token === 'string' ? token : undefined;
}

/**
 * Answers the waiter's token with an output or a named error (as a Lambda error: Error = its name, Cause = its
 * words). Returns false when the token is no longer waiting (answered already, or its wait timed out and a
 * retry waits with a new token), which is not an error.
 */
export async function answerWaiter(
  sfn: SFNClient,
  taskToken: string,
  outcome: { output: unknown } | { error: Error },
): Promise<boolean> {
  try {
    if ('output' in outcome)
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(outcome.output) }));
    else
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken,
          error: outcome.error.name,
          cause: JSON.stringify({ errorType: outcome.error.name, errorMessage: outcome.error.message }),
        }),
      );
    return true;
  } catch (error) {
    if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken)
      return false;
    throw error;
  }
}
