import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './telemetry';

// Every client reads its endpoint from the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variable (ORGANIZATIONS,
// SFN, DYNAMODB, EVENTBRIDGE): the local stack sets them, AWS leaves them unset. Build each once per module.
// Each is captured by the tracer: on Lambda its calls are X-Ray subsegments; elsewhere it is left as it is.

/**
 * The variable that names the role a function acts through in the management account, when orgflow runs in a
 * tooling (or delegated administrator) account: infra/management-access.ts makes one such role per
 * function, trusted by that function's role only. Unset, the function's own role is the management account's.
 * (catalog/functions.ts gives it to the functions that act there: ORGANIZATIONS_ROLE_ARN_VARIABLE.)
 */
const ORGANIZATIONS_ROLE_ARN = 'ORGANIZATIONS_ROLE_ARN';

/**
 * The credentials for calls to the management account's Organizations (and, through it, to member roles): the
 * management-access role's, renewed by the SDK before they expire, when {@link ORGANIZATIONS_ROLE_ARN} is set;
 * otherwise the SDK's default chain (the function's role).
 */
function managementCredentials() {
  const roleArn = process.env[ORGANIZATIONS_ROLE_ARN];
  if (!roleArn) return {};
  const session = `orgflow-${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function'}`.replace(
    /[^\w+=,.@-]/g,
    '-',
  );
  return {
    credentials: fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: session.slice(0, 64), DurationSeconds: 3600 },
      clientConfig: { region: 'us-east-1' },
    }),
  };
}

/**
 * Organizations lives in us-east-1 whatever the caller's region. Its calls are not retried by the SDK:
 * throttling and concurrent modification reach the state machine by name, whose Retry blocks back off with
 * jitter (retrying in both places would multiply the attempts).
 */
export function organizationsClient(): OrganizationsClient {
  return tracer.captureAWSv3Client(
    new OrganizationsClient({ region: 'us-east-1', maxAttempts: 1, ...managementCredentials() }),
  );
}

/**
 * For reading many things at once (a closure batch's plan reads every account's tags): the SDK's own retries
 * absorb throttling, as one throttled read would otherwise fail the whole step and start its reads over.
 */
export function organizationsReadClient(): OrganizationsClient {
  return tracer.captureAWSv3Client(
    new OrganizationsClient({ region: 'us-east-1', maxAttempts: 8, ...managementCredentials() }),
  );
}

/** STS as the management account, to assume a role in a member account (which trusts the management account). */
export function managementStsClient(): STSClient {
  return tracer.captureAWSv3Client(new STSClient({ region: 'us-east-1', ...managementCredentials() }));
}

export function sfnClient(): SFNClient {
  return tracer.captureAWSv3Client(new SFNClient({}));
}

/**
 * For answering task tokens (SendTaskSuccess/SendTaskFailure): one attempt. A retried send whose first attempt
 * got through answers TaskTimedOut, which would read as a token no longer waiting.
 */
export function taskTokenClient(): SFNClient {
  return tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 1 }));
}

export function eventBridgeClient(): EventBridgeClient {
  return tracer.captureAWSv3Client(new EventBridgeClient({}));
}

/** The governor's table client; `undefined` attributes are dropped rather than refused. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
