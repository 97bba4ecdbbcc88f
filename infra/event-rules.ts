import { Duration } from 'aws-cdk-lib';
import {
  type EventPattern,
  Rule,
  RuleTargetInput,
  type RuleTargetInputProperties,
} from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RuleFile } from './rule-files';

/** AWS's own defaults (the local bus uses the same), written out so the template says what happens. */
const DEFAULT_RETRY = { attempts: 185, ageSeconds: 86_400 };

export interface EventRulesProps {
  readonly rules: readonly RuleFile[];
  /** the stack's state machines, by logical name (the ASL file's name) */
  readonly stateMachines: ReadonlyMap<string, IStateMachine>;
  /** where events go that could not start their workflow */
  readonly deadLetterQueue: IQueue;
}

/**
 * The rules of events/rules/ on the default bus (Organizations delivers its CloudTrail events only to the
 * default bus of us-east-1), each starting its workflow, with the file's retry policy and a dead-letter queue.
 */
export class EventRules extends Construct {
  constructor(scope: Construct, id: string, props: EventRulesProps) {
    super(scope, id);
    for (const file of props.rules) {
      const stateMachine = props.stateMachines.get(file.target.stateMachine);
      if (!stateMachine)
        throw new Error(
          `${file.file}: target.stateMachine "${file.target.stateMachine}" is not a workflow of statemachines/ ` +
            `(known: ${[...props.stateMachines.keys()].join(', ') || 'none'}): name one of them`,
        );
      const input = inputOf(file);
      // the rule's name is its construct id: renaming a rule file's rule replaces the rule
      const rule = new Rule(this, file.name, {
        ruleName: file.name,
        ...(file.description === undefined ? {} : { description: file.description }),
        eventPattern: file.eventPattern as EventPattern,
      });
      rule.addTarget(
        new SfnStateMachine(stateMachine, {
          ...(input ? { input } : {}),
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: file.retryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY.attempts,
          maxEventAge: Duration.seconds(
            file.retryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY.ageSeconds,
          ),
        }),
      );
    }
  }
}

function inputOf(file: RuleFile): RuleTargetInput | undefined {
  const { inputPath, inputTransformer } = file.target;
  if (inputPath !== undefined) return RuleTargetInput.fromEventPath(inputPath);
  if (inputTransformer !== undefined) return new GivenInputTransformer(inputTransformer);
  return undefined;
}

/** An input transformer exactly as the rule file writes it (CDK's own builders generate their paths map). */
class GivenInputTransformer extends RuleTargetInput {
  constructor(
    private readonly transformer: {
      InputPathsMap?: Record<string, string> | undefined;
      InputTemplate: string;
    },
  ) {
    super();
  }

  override bind(): RuleTargetInputProperties {
    return {
      inputTemplate: this.transformer.InputTemplate,
      ...(this.transformer.InputPathsMap === undefined
        ? {}
        : { inputPathsMap: this.transformer.InputPathsMap }),
    };
  }
}
