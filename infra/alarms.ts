import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { REFUSAL_METRIC } from '../functions/account-vending/record-request/refusal-metric';

const VENDING = 'AccountVending';
// what Record Failure tells apart (statemachines/account-vending.asl.json)
const VENDING_FAILURES =
  'only a step that broke fails an execution: a request that cannot be served as asked ends without failing it and counts in AccountRequestsRefused';

export interface AlarmsProps {
  /** the stack's state machines, by catalog name (`AccountVending`): part of the alarms' construct ids */
  readonly stateMachines: ReadonlyMap<string, StateMachine>;
  /** what a failed execution of each state machine means (`an account was not closed`), for its alarm */
  readonly failureMeanings?: Readonly<Record<string, string>>;
  readonly deadLetterQueue: IQueue;
  /** what a message in the dead-letter queue means; by default, an event that could not start its workflow */
  readonly deadLetterMeaning?: string;
  /** who is told, if anyone besides the topic's own subscribers */
  readonly email?: string;
  /**
   * how many account requests that could not be served (a domain failure: the email is taken, the account quota
   * is reached…) in an hour trip AccountRequestsRefused: one requester's mistake does not (default 5). They end
   * their execution without failing it, so AccountVendingExecutionsFailed tells only of steps that broke.
   */
  readonly requestsRefusedThreshold?: number;
}

/**
 * A failed or timed-out execution (a step that broke), a burst of account requests that could not be served, or
 * an event that could not start its workflow, notifies the topic.
 */
export class Alarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: 'orgflow: encrypts the alarm topic; CloudWatch may use it to publish',
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to an encrypted topic only with a customer managed key they may use
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: 'orgflow alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));

    const action = new SnsAction(this.topic);
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold = 1) =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);

    for (const [name, stateMachine] of props.stateMachines) {
      const period = { period: Duration.minutes(5), statistic: 'Sum' };
      alarm(
        `${name}ExecutionsFailed`,
        `orgflow ${name}: an execution failed${
          props.failureMeanings?.[name] === undefined ? '' : ` (${props.failureMeanings[name]})`
        }; its history names the error${name === VENDING ? `; ${VENDING_FAILURES}` : ''}`,
        stateMachine.metricFailed(period),
      );
      alarm(
        `${name}ExecutionsTimedOut`,
        `orgflow ${name}: an execution timed out`,
        stateMachine.metricTimedOut(period),
      );
    }
    if (props.stateMachines.has(VENDING)) {
      const threshold = props.requestsRefusedThreshold ?? 5;
      alarm(
        'AccountRequestsRefused',
        `orgflow AccountVending: ${threshold} or more account requests in an hour could not be served as asked (their requesters were told why); many at once point to the organization (payment method, account quota, business validation) rather than to the requesters. Each one's reason is in its request record and in Record Failure's log`,
        new Metric({
          namespace: REFUSAL_METRIC.namespace,
          metricName: REFUSAL_METRIC.metricName,
          dimensionsMap: { ...REFUSAL_METRIC.dimensions },
          statistic: 'Sum',
          period: Duration.hours(1),
        }),
        threshold,
      );
    }
    alarm(
      'DeadLetters',
      `orgflow: ${props.deadLetterMeaning ?? 'an event could not start its workflow'} and waits in the dead-letter queue`,
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    );
  }
}
