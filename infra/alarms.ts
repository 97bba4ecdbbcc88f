import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

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
}

/** A failed or timed-out execution, or an event that could not start its workflow, notifies the topic. */
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
    const alarm = (alarmId: string, description: string, metric: IMetric) =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
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
        }; its history names the error`,
        stateMachine.metricFailed(period),
      );
      alarm(
        `${name}ExecutionsTimedOut`,
        `orgflow ${name}: an execution timed out`,
        stateMachine.metricTimedOut(period),
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
