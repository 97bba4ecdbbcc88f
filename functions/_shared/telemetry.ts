import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, type OrgflowMetric, orgflowMetrics } from '../../catalog/metrics';

// Powertools Metrics and Tracer, one of each per function, like the logger. The metrics are those of
// catalog/metrics.ts, each written at once as its own embedded-metric-format line of the function's log (so
// nothing waits for the next invocation, and a handler that throws loses nothing). The tracer records the
// AWS SDK calls of the clients of clients.ts as X-Ray subsegments; it is off outside Lambda, and wherever
// POWERTOOLS_TRACE_ENABLED=false (the local stack, which has no X-Ray daemon).

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'orgflow';

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });

export const tracer = new Tracer({ serviceName });

export { orgflowMetrics };

/** One value of `metric`; `dimension` is the value of its own dimension (the pool, the failure reason), if it has one. */
export function emitMetric(metric: OrgflowMetric, value: number, dimension?: string): void {
  const single = metrics.singleMetric();
  if ('dimension' in metric) single.addDimension(metric.dimension, dimension || 'UNKNOWN');
  single.addMetric(metric.name, MetricUnit[metric.unit], value);
}
