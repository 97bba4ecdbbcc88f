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

/** The selection names more accounts than one batch holds (its plan is kept in one item and one execution). */
export class BatchTooLargeError extends Error {
  constructor(count: number, most: number) {
    super(
      `the selection names ${count} accounts; a batch closes at most ${most}: split it (by OU, or by ids)`,
    );
    this.name = 'BatchTooLargeError';
  }
}
