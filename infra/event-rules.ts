import { Duration } from 'aws-cdk-lib';
import {
  type EventPattern,
  Rule,
  RuleTargetInput,
  type RuleTargetInputProperties,
} from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine, type TargetBaseProps } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { functionOfTarget, knownTargets, type RuleFile, stateMachineOfTarget } from '../catalog/rule-files';

/** AWS's own defaults (the local bus uses the same), written out so the template says what happens. */
const DEFAULT_RETRY = { attempts: 185, ageSeconds: 86_400 };
/** Lambda's limits for an asynchronous invocation: 2 retries, events at most 6 hours old. */
const LAMBDA_ASYNC = { retries: 2, maxAgeSeconds: 21_600 };

export interface EventRulesProps {
  readonly rules: readonly RuleFile[];
  /** the stack's state machines, by logical name (the ASL file's name) */
  readonly stateMachines: ReadonlyMap<string, IStateMachine>;
  /** the stack's functions, by catalog name (catalog/functions.ts) */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** where events go that could not be delivered to their target */
  readonly deadLetterQueue: IQueue;
}

/**
 * The rules of events/rules/ on the default bus (Organizations delivers its CloudTrail events only to the
 * default bus of us-east-1), each starting its workflow or invoking its function, with the file's retry policy
 * and a dead-letter queue.
 */
export class EventRules extends Construct {
  constructor(scope: Construct, id: string, props: EventRulesProps) {
    super(scope, id);
    for (const file of props.rules) {
      const input = inputOf(file);
      const delivery: TargetBaseProps = {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: file.retryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY.attempts,
        maxEventAge: Duration.seconds(file.retryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY.ageSeconds),
      };
      const target =
        file.target.function === undefined
          ? new SfnStateMachine(stateMachineOf(file, file.target.stateMachine, props.stateMachines), {
              ...delivery,
              ...(input ? { input } : {}),
            })
          : functionTarget(file, file.target.function, props, delivery, input);
      // the rule's name is its construct id: renaming a rule file's rule replaces the rule
      const rule = new Rule(this, file.name, {
        ruleName: file.name,
        ...(file.description === undefined ? {} : { description: file.description }),
        eventPattern: file.eventPattern as EventPattern,
      });
      rule.addTarget(target);
    }
  }
}

/**
 * An asynchronous invocation; the target grants events.amazonaws.com lambda:InvokeFunction. The rule's retry
 * policy covers only the hand-over to Lambda: a function that throws is retried by Lambda itself, so its
 * asynchronous invocation is configured too (as many retries as Lambda allows, then the dead-letter queue).
 */
function functionTarget(
  file: RuleFile,
  name: string,
  props: EventRulesProps,
  delivery: TargetBaseProps,
  input: RuleTargetInput | undefined,
): LambdaFunction {
  const fn = functionOf(file, name, props.functions);
  fn.configureAsyncInvoke({
    retryAttempts: LAMBDA_ASYNC.retries,
    maxEventAge: Duration.seconds(
      Math.min(
        file.retryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY.ageSeconds,
        LAMBDA_ASYNC.maxAgeSeconds,
      ),
    ),
    onFailure: new SqsDestination(props.deadLetterQueue),
  });
  return new LambdaFunction(fn, { ...delivery, ...(input ? { event: input } : {}) });
}

function stateMachineOf(
  file: RuleFile,
  name: string,
  machines: ReadonlyMap<string, IStateMachine>,
): IStateMachine {
  const catalogName = stateMachineOfTarget(name);
  const machine = catalogName === undefined ? undefined : machines.get(catalogName);
  if (!machine)
    throw new Error(
      `${file.file}: target.stateMachine "${name}" is not a workflow of statemachines/ ` +
        `(known: ${knownTargets().stateMachines.join(', ')}): name one of them`,
    );
  return machine;
}

function functionOf(file: RuleFile, name: string, functions: ReadonlyMap<string, IFunction>): IFunction {
  const catalogName = functionOfTarget(name);
  const fn = catalogName === undefined ? undefined : functions.get(catalogName);
  if (!fn)
    throw new Error(
      `${file.file}: target.function "${name}" is not a function of catalog/functions.ts ` +
        `(known: ${[...functions.keys()].join(', ') || 'none'}): name one of them`,
    );
  return fn;
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
