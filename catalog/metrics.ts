/**
 * orgflow's own CloudWatch metrics, defined once: the functions emit them (functions/_shared/telemetry.ts,
 * as CloudWatch embedded metric format lines in their logs) and the CDK stack charts them and alarms on them
 * (infra/observability.ts). Every metric carries the dimension `service` (the stack's prefix, `orgflow` by
 * default); a few carry one more, named here. Plain data only, so both can import it.
 */

export const METRICS_NAMESPACE = 'orgflow';

// One more metric in this namespace is written by hand, because its alarm needs a dimension set without its
// `Error` (Powertools writes one set per line): AccountRequestsRefused, dimensions [Workflow] and [Workflow, Error]
// (functions/account-vending/record-request/refusal-metric.ts, alarmed by infra/alarms.ts).

/** The dimension every metric carries: the functions' POWERTOOLS_SERVICE_NAME. */
export const SERVICE_DIMENSION = 'service';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: 'Count' | 'Seconds';
  /** its dimension besides `service`, if any */
  readonly dimension?: string;
  /** what one value says, and who emits it */
  readonly description: string;
}

export const orgflowMetrics = {
  accountsVended: {
    name: 'AccountsVended',
    unit: 'Count',
    description: 'an account request ended with its Account Vended event (Publish Account Vended)',
  },
  queueWait: {
    name: 'QueueWait',
    unit: 'Seconds',
    dimension: 'Pool',
    description:
      'how long a request waited in line for a governor slot, emitted as the slot is handed to it (the acquire or release that hands it over), and, while it is still in line, its wait so far at each retried acquire (every few minutes), so that its Maximum shows a line that does not move; Pool is create-account or close-account',
  },
  createAccountFailures: {
    name: 'CreateAccountFailures',
    unit: 'Count',
    dimension: 'Reason',
    description:
      "a creation AWS reported FAILED, counted once as its vending execution is told (Wait For Account or Complete Account Creation); Reason is AWS's FailureReason",
  },
  closeAccountFailures: {
    name: 'CloseAccountFailures',
    unit: 'Count',
    dimension: 'Reason',
    description:
      'a closure that did not happen: AWS reported it FAILED (Reason its FailureReason, counted once as its execution is told) or refused the CloseAccount call (Reason CLOSE_ACCOUNT_QUOTA_EXCEEDED or CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED, Close Account)',
  },
  closuresDeferred: {
    name: 'ClosuresDeferred',
    unit: 'Count',
    description:
      "accounts a closure batch's plan defers because the rolling 30-day closure quota is spent (Plan Closure Batch)",
  },
  closureQuotaUsed: {
    name: 'ClosureQuotaUsed',
    unit: 'Count',
    description: 'closures in the rolling 30-day window as a batch is planned (Plan Closure Batch)',
  },
  closureQuotaLimit: {
    name: 'ClosureQuotaLimit',
    unit: 'Count',
    description: "the organization's 30-day closure quota as a batch is planned (Plan Closure Batch)",
  },
} as const satisfies Record<string, MetricDefinition>;

export type OrgflowMetric = (typeof orgflowMetrics)[keyof typeof orgflowMetrics];
