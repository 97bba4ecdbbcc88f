import {
  loadRuleFiles as loadFormat,
  parseRuleFile as parseFormat,
  type RuleFile,
  RuleFileError,
} from '../../catalog/rule-files';
import type { Deliver, EventBus } from './bus';
import { EventBridgeError, InvalidEventPatternError, NonRetryableDeliveryError } from './errors';
import { RULE_PATTERN_MAX_LENGTH, validatePattern } from './pattern';
import { compileTargetInput, type InputTransformer } from './transform';

export type { RuleTarget } from '../../catalog/rule-files';

/** One rule file as the local bus installs it. */
export type RuleDefinition = RuleFile & {
  target: RuleFile['target'] & { inputTransformer?: InputTransformer };
};

/**
 * Parses one rule file (the catalog's format, catalog/rule-files.ts) and checks what PutRule and PutTargets
 * would: the pattern, and the target's input path or transformer; `file` names it in errors.
 */
export function parseRuleFile(file: string, text: string): RuleDefinition {
  const rule = parseFormat(file, text);
  try {
    validatePattern(rule.eventPattern, { maxLength: RULE_PATTERN_MAX_LENGTH });
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      throw new RuleFileError(file, error.path.replace(/^\$/, '$.eventPattern'), error.reason, {
        cause: error,
      });
    throw error;
  }
  const { inputPath, inputTransformer } = rule.target;
  try {
    compileTargetInput({
      id: targetIdOf(rule.target),
      ...(inputPath === undefined ? {} : { inputPath }),
      ...(inputTransformer === undefined ? {} : { inputTransformer }),
    });
  } catch (error) {
    if (error instanceof EventBridgeError)
      throw new RuleFileError(file, '$.target', error.message, { cause: error });
    throw error;
  }
  return rule;
}

/** The bus's id of a rule file's target: the state machine's or the function's name, as the file gives it. */
const targetIdOf = (target: RuleFile['target']): string => target.stateMachine ?? target.function;

/** Reads every `*.json` rule file of `dir` (in name order), refusing the first one AWS or the format would refuse. */
export const loadRuleFiles = (dir: string): RuleDefinition[] => loadFormat(dir, { parse: parseRuleFile });

/** Where a rule file's target lives and how to hand it the event. */
export interface InstalledTarget {
  arn: string;
  deliver: Deliver;
}

/** How the stack resolves each kind of target a rule file may name. */
export interface RuleTargetResolvers {
  /** a state machine by logical name: StartExecution with the event (or transformed input) */
  stateMachine(logicalName: string): InstalledTarget;
  /** a catalog function by name: an asynchronous invocation with the event (see {@link functionTarget}) */
  function(name: string): InstalledTarget;
}

/**
 * Puts each rule on `bus` with its one target (id: the state machine's logical name or the function's name), as
 * shipped: what the API changed of a rule (disabled it, deleted it, replaced its pattern) is applied on top.
 */
export function installRules(bus: EventBus, rules: RuleDefinition[], targets: RuleTargetResolvers): void {
  for (const rule of rules) {
    const { arn, deliver } =
      rule.target.function === undefined
        ? targets.stateMachine(rule.target.stateMachine)
        : targets.function(rule.target.function);
    bus.ship(
      {
        name: rule.name,
        eventPattern: rule.eventPattern,
        ...(rule.description === undefined ? {} : { description: rule.description }),
      },
      [
        {
          id: targetIdOf(rule.target),
          arn,
          deliver,
          ...(rule.target.inputPath === undefined ? {} : { inputPath: rule.target.inputPath }),
          ...(rule.target.inputTransformer === undefined
            ? {}
            : { inputTransformer: rule.target.inputTransformer }),
          ...(rule.retryPolicy === undefined ? {} : { retryPolicy: rule.retryPolicy }),
        },
      ],
    );
  }
}

/** The Lambda runner as a function target needs it (local/lambda's `LambdaRunner` is one). */
export interface FunctionInvoker {
  readonly accountId: string;
  readonly region: string;
  /** resolves with the handler's result or its error; rejects when Lambda refuses the call itself */
  invoke(
    functionArn: string,
    payload: unknown,
  ): Promise<{ result: unknown } | { error: { errorType: string; errorMessage: string } }>;
}

/** A function target's invocation that ended in the function's error: the bus retries it as any failed delivery. */
export class FunctionInvocationError extends Error {
  readonly functionName: string;
  readonly errorType: string;

  constructor(functionName: string, error: { errorType: string; errorMessage: string }) {
    super(`${functionName} failed: ${error.errorType}: ${error.errorMessage}`);
    this.name = 'FunctionInvocationError';
    this.functionName = functionName;
    this.errorType = error.errorType;
  }
}

/**
 * A rule target that invokes catalog function `name` asynchronously (InvocationType Event: its result goes
 * nowhere) with the target's input. A function error, a timeout included, fails the delivery, which the bus
 * retries by the rule's retry policy; a function not among `known`, or a call Lambda refuses (payload not JSON,
 * too large), is dead-lettered at once.
 */
export function functionTarget(
  invoker: FunctionInvoker,
  name: string,
  known: readonly string[],
): InstalledTarget {
  const arn = `arn:aws:lambda:${invoker.region}:${invoker.accountId}:function:${name}`;
  return {
    arn,
    deliver: async (input) => {
      if (!known.includes(name))
        throw new NonRetryableDeliveryError(
          'ResourceNotFoundException',
          `no function named ${name} (known: ${known.join(', ') || 'none'})`,
        );
      let payload: unknown;
      try {
        payload = JSON.parse(input);
      } catch (error) {
        throw new NonRetryableDeliveryError(
          'InvalidRequestContentException',
          `${name} takes JSON, and the target's input is not: ${(error as Error).message}`,
          { cause: error },
        );
      }
      let outcome: Awaited<ReturnType<FunctionInvoker['invoke']>>;
      try {
        outcome = await invoker.invoke(arn, payload);
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        // Lambda's own 4xx answers (other than throttling) do not change on a retry
        if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429)
          throw new NonRetryableDeliveryError((error as Error).name, (error as Error).message, {
            cause: error,
          });
        throw error;
      }
      if ('error' in outcome) throw new FunctionInvocationError(name, outcome.error);
    },
  };
}
