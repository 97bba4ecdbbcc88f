import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { governorTable } from '../../catalog/tables';
import { tracer } from './telemetry';

/**
 * How long a reaction remembers an event: a day (the longest an EventBridge rule retries a delivery, its
 * MaximumEventAgeInSeconds at most) and a margin. A duplicate arriving later still changes nothing, because
 * every reaction compares the organization with what it wants before it acts.
 */
export const REMEMBER_EVENTS_FOR_SECONDS = 2 * 86_400;

/**
 * `handler` run at most once per CloudTrail event (its `detail.eventID`, the same in every delivery and in
 * CloudTrail's own duplicates), with Powertools idempotency on the governor table: the items live in the
 * partition `idempotency#<name>`, beside the governor's, and expire with its TTL attribute. A delivery that
 * arrives while the first is still running is refused (and retried by EventBridge or Lambda); a delivery after
 * it succeeded gets its result back without running again; a run that threw leaves nothing behind, so a retry
 * runs afresh.
 */
export function oncePerEvent<Result>(
  name: string,
  tableName: string,
  handler: (event: unknown, context: Context) => Promise<Result>,
): (event: unknown, context: Context) => Promise<Result> {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName,
    keyAttr: governorTable.partitionKey.name,
    sortKeyAttr: governorTable.sortKey.name,
    staticPkValue: `idempotency#${name}`,
    expiryAttr: governorTable.timeToLiveAttribute,
    awsSdkV3Client: tracer.captureAWSv3Client(new DynamoDBClient({})),
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'detail.eventID',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: REMEMBER_EVENTS_FOR_SECONDS,
  });
  return makeIdempotent(handler, { persistenceStore, config }) as (
    event: unknown,
    context: Context,
  ) => Promise<Result>;
}
