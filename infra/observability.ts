import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  type MetricDefinition,
  orgflowMetrics,
  SERVICE_DIMENSION,
} from '../catalog/metrics';
import { CLOSE_ACCOUNT_POOL, CREATE_ACCOUNT_POOL } from '../functions/governor/pools';

/** How long a request may wait in line for a CreateAccount slot before the alarm rings, unless told otherwise. */
export const DEFAULT_QUEUE_WAIT_ALARM_MINUTES = 60;
/** Errors of one function, in each of two 5-minute periods running, that ring its alarm, unless told otherwise. */
export const DEFAULT_FUNCTION_ERRORS_THRESHOLD = 5;
/** API answers 5xx in 5 minutes that ring the alarm, unless told otherwise. */
export const DEFAULT_API_SERVER_ERRORS_THRESHOLD = 5;

export interface ObservabilityProps {
  /** the metrics' `service` dimension: the functions' POWERTOOLS_SERVICE_NAME (the stack's prefix) */
  readonly serviceName: string;
  /** by catalog name: part of the alarms' construct ids and the charts' labels */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly stateMachines: ReadonlyMap<string, StateMachine>;
  readonly api: RestApi;
  readonly deadLetterQueue: IQueue;
  /** where the alarms notify (the stack's alarm topic) */
  readonly topic: ITopic;
  /** default {@link DEFAULT_QUEUE_WAIT_ALARM_MINUTES} */
  readonly queueWaitAlarmMinutes?: number;
  /** default {@link DEFAULT_FUNCTION_ERRORS_THRESHOLD} */
  readonly functionErrorsThreshold?: number;
  /** default {@link DEFAULT_API_SERVER_ERRORS_THRESHOLD} */
  readonly apiServerErrorsThreshold?: number;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The dashboard of orgflow (executions, its own metrics of catalog/metrics.ts, the functions, the API, the
 * dead-letter queue) and the alarms of the platform beside the workflows' own (infra/alarms.ts):
 *
 * - each function's errors, and its throttles. One alarm per function, so the alarm names the step that
 *   broke. Errors are part of the design in ones and twos (throttling is thrown for the ASL to retry, a
 *   request that cannot be served fails with its named error), so an alarm rings at `functionErrorsThreshold`
 *   errors in each of two 5-minute periods running, as a step that broke errs on every attempt; a throttle
 *   (the Lambda concurrency spent) is never expected, so one rings it.
 * - API 5xx: `apiServerErrorsThreshold` in 5 minutes (a lone 503 that asks a caller to retry while AWS
 *   throttles does not).
 * - a request waiting longer than `queueWaitAlarmMinutes` in line for a CreateAccount slot, as it is handed one
 *   (QueueWait). The CloseAccount line is charted, not alarmed: a closure holds its slot for hours by design,
 *   so a large batch waits long in it.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const queueWaitMinutes = positive(
      'queueWaitAlarmMinutes',
      props.queueWaitAlarmMinutes,
      DEFAULT_QUEUE_WAIT_ALARM_MINUTES,
    );
    const functionErrors = positive(
      'functionErrorsThreshold',
      props.functionErrorsThreshold,
      DEFAULT_FUNCTION_ERRORS_THRESHOLD,
    );
    const apiServerErrors = positive(
      'apiServerErrorsThreshold',
      props.apiServerErrorsThreshold,
      DEFAULT_API_SERVER_ERRORS_THRESHOLD,
    );
    const orgflow = (definition: MetricDefinition, statistic: string, dimension?: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: definition.name,
        dimensionsMap: {
          [SERVICE_DIMENSION]: props.serviceName,
          ...(definition.dimension === undefined || dimension === undefined
            ? {}
            : { [definition.dimension]: dimension }),
        },
        statistic,
        period: FIVE_MINUTES,
      });
    // every reason AWS gives, as it appears: one line per Reason
    const byReason = (definition: MetricDefinition) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${SERVICE_DIMENSION},${definition.dimension}} MetricName="${definition.name}" ${SERVICE_DIMENSION}="${props.serviceName}"', 'Sum', 300)`,
        label: '',
        period: FIVE_MINUTES,
      });
    const functions = [...props.functions];

    const action = new SnsAction(props.topic);
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, periods = 1) =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
    for (const [name, fn] of functions) {
      alarm(
        `${name}Errors`,
        `orgflow ${name}: at least ${functionErrors} errors in each of two 5-minute periods running — a step that broke, not a request refused; its log group names the error`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        functionErrors,
        2,
      );
      alarm(
        `${name}Throttles`,
        `orgflow ${name}: Lambda throttled an invocation — the account's (or the function's) concurrency is spent`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
      );
    }
    alarm(
      'ApiServerErrors',
      `orgflow API: at least ${apiServerErrors} answers 5xx in 5 minutes; the API handler's log has each one by its reference`,
      props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      apiServerErrors,
    );
    alarm(
      'CreateAccountQueueWait',
      `orgflow: an account request waited more than ${queueWaitMinutes} minutes in line for a CreateAccount slot — slots are held longer than creations take, or a lost slot waits for its lease`,
      orgflow(orgflowMetrics.queueWait, 'Maximum', CREATE_ACCOUNT_POOL),
      queueWaitMinutes * 60,
    );

    const graph = (title: string, left: IMetric[], width = 8, right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width, height: 6, period: FIVE_MINUTES });
    const labelled = (metric: Metric, label: string) => metric.with({ label });
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# orgflow (${props.serviceName})\nExecutions, orgflow's own metrics (namespace \`${METRICS_NAMESPACE}\`), the functions, the API and the dead-letter queue. Alarms: each function's errors and throttles, API 5xx, a CreateAccount wait over ${queueWaitMinutes} minutes, and infra/alarms.ts's.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      ...[...props.stateMachines].map(([name, machine]) =>
        graph(
          `${name} executions`,
          [
            machine.metricStarted({ label: 'started', statistic: 'Sum' }),
            machine.metricSucceeded({ label: 'succeeded', statistic: 'Sum' }),
            machine.metricFailed({ label: 'failed', statistic: 'Sum' }),
            machine.metricTimedOut({ label: 'timed out', statistic: 'Sum' }),
          ],
          6,
        ),
      ),
    );
    this.dashboard.addWidgets(
      graph('Accounts vended', [labelled(orgflow(orgflowMetrics.accountsVended, 'Sum'), 'accounts vended')]),
      graph('Wait for a governor slot (seconds)', [
        labelled(orgflow(orgflowMetrics.queueWait, 'Maximum', CREATE_ACCOUNT_POOL), 'CreateAccount, longest'),
        labelled(orgflow(orgflowMetrics.queueWait, 'Average', CREATE_ACCOUNT_POOL), 'CreateAccount, average'),
        labelled(orgflow(orgflowMetrics.queueWait, 'Maximum', CLOSE_ACCOUNT_POOL), 'CloseAccount, longest'),
        labelled(orgflow(orgflowMetrics.queueWait, 'Average', CLOSE_ACCOUNT_POOL), 'CloseAccount, average'),
      ]),
      graph('Closure quota (30 days)', [
        labelled(orgflow(orgflowMetrics.closureQuotaUsed, 'Maximum'), 'used'),
        labelled(orgflow(orgflowMetrics.closureQuotaLimit, 'Maximum'), 'limit'),
        labelled(orgflow(orgflowMetrics.closuresDeferred, 'Sum'), 'closures deferred'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('CreateAccount failures by reason', [byReason(orgflowMetrics.createAccountFailures)], 12),
      graph('CloseAccount failures by reason', [byReason(orgflowMetrics.closeAccountFailures)], 12),
    );
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        functions.map(([name, fn]) => fn.metricErrors({ label: name, statistic: 'Sum' })),
        12,
      ),
      graph(
        'Function throttles',
        functions.map(([name, fn]) => fn.metricThrottles({ label: name, statistic: 'Sum' })),
        12,
      ),
    );
    this.dashboard.addWidgets(
      graph('API answers', [
        props.api.metricCount({ label: 'requests', statistic: 'Sum' }),
        props.api.metricClientError({ label: '4xx', statistic: 'Sum' }),
        props.api.metricServerError({ label: '5xx', statistic: 'Sum' }),
      ]),
      graph('API latency (ms)', [
        props.api.metricLatency({ label: 'p50', statistic: 'p50' }),
        props.api.metricLatency({ label: 'p99', statistic: 'p99' }),
      ]),
      graph('Events waiting in the dead-letter queue', [
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          label: 'messages',
          statistic: 'Maximum',
        }),
      ]),
    );
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} is ${value}: give a number above 0 (default ${fallback})`);
  return value;
}
