import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Every client reads its endpoint from the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variable (ORGANIZATIONS,
// SFN, DYNAMODB, EVENTBRIDGE): the local stack sets them, AWS leaves them unset. Build each once per module.

/**
 * Organizations lives in us-east-1 whatever the caller's region. Its calls are not retried by the SDK:
 * throttling and concurrent modification reach the state machine by name, whose Retry blocks back off with
 * jitter (retrying in both places would multiply the attempts).
 */
export function organizationsClient(): OrganizationsClient {
  return new OrganizationsClient({ region: 'us-east-1', maxAttempts: 1 });
}

/**
 * For reading many things at once (a closure batch's plan reads every account's tags): the SDK's own retries
 * absorb throttling, as one throttled read would otherwise fail the whole step and start its reads over.
 */
export function organizationsReadClient(): OrganizationsClient {
  return new OrganizationsClient({ region: 'us-east-1', maxAttempts: 8 });
}

export function sfnClient(): SFNClient {
  return new SFNClient({});
}

/**
 * For answering task tokens (SendTaskSuccess/SendTaskFailure): one attempt. A retried send whose first attempt
 * got through answers TaskTimedOut, which would read as a token no longer waiting.
 */
export function taskTokenClient(): SFNClient {
  return new SFNClient({ maxAttempts: 1 });
}

export function eventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({});
}

/** The governor's table client; `undefined` attributes are dropped rather than refused. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
