// The one metric of a domain failure, in CloudWatch's embedded metric format (EMF) on stdout: Lambda's log
// delivery turns the line into the metric, with no call and no client. The alarm of infra/alarms.ts reads it.

export const REFUSAL_METRIC = {
  namespace: 'orgflow',
  metricName: 'AccountRequestsRefused',
  /** the alarm's dimension; `Error` is the second dimension set, for a dashboard by error */
  dimensions: { Workflow: 'AccountVending' },
} as const;

/** One EMF line counting a request refused with `error`. */
export function refusalMetricLine(error: string, now: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: REFUSAL_METRIC.namespace,
          Dimensions: [['Workflow'], ['Workflow', 'Error']],
          Metrics: [{ Name: REFUSAL_METRIC.metricName, Unit: 'Count' }],
        },
      ],
    },
    ...REFUSAL_METRIC.dimensions,
    Error: error,
    [REFUSAL_METRIC.metricName]: 1,
  });
}
