import { OrganizationsClient } from '@aws-sdk/client-organizations';

/** What the SDK's retry middleware decided about each failed attempt: THROTTLING, TRANSIENT, SERVER_ERROR, CLIENT_ERROR. */
export type RetryErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';

const token = (retries: number) => ({ getRetryCount: () => retries, getRetryDelay: () => 0 });

/**
 * A real SDK client whose retry strategy records how the SDK classified each failure (its own
 * `isThrottlingError` / `isTransientError`) and, like the SDK's standard strategy, retries only throttling and
 * transient errors: at most `retries` times, at once (no backoff sleeps).
 */
export function recordingClient(endpoint: string, accountId: string, retries = 1) {
  const classified: RetryErrorType[] = [];
  const client = new OrganizationsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: accountId, secretAccessKey: 'secret' },
    retryStrategy: {
      acquireInitialRetryToken: async () => token(0),
      refreshRetryTokenForRetry: async (previous, { errorType }) => {
        classified.push(errorType);
        const retryable = errorType === 'THROTTLING' || errorType === 'TRANSIENT';
        if (!retryable || previous.getRetryCount() >= retries) throw new Error('not retried');
        return token(previous.getRetryCount() + 1);
      },
      recordSuccess: () => {},
    },
  });
  return { client, classified };
}
