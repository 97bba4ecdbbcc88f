import type { SkipReason } from './plan';

/** The account must not be closed (management, protected, not a member, already closing): nothing was called. */
export class ClosureRefusedError extends Error {
  readonly reason: SkipReason;

  constructor(accountId: string, reason: SkipReason, detail: string, options?: ErrorOptions) {
    super(`account ${accountId} is not closed: ${detail}`, options);
    this.name = 'ClosureRefusedError';
    this.reason = reason;
  }
}

/** AWS refused the closure because the rolling 30-day quota is spent: the account waits, deferred, not failed. */
export class ClosureQuotaExhaustedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClosureQuotaExhaustedError';
  }
}

/** Three closures are in flight (CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED): retried once one finishes. */
export class ClosuresInFlightError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClosuresInFlightError';
  }
}
