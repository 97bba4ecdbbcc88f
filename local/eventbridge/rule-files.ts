import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Deliver, EventBus, RetryPolicy } from './bus';
import {
  EventBridgeError,
  InvalidEventPatternError,
  NonRetryableDeliveryError,
  RuleFileError,
} from './errors';
import { RULE_PATTERN_MAX_LENGTH, validatePattern } from './pattern';
import { compileTargetInput, type InputTransformer } from './transform';

const RuleFileSchema = z.strictObject({
  name: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/, 'use 1 to 64 letters, digits, ".", "-" or "_"'),
  description: z.string().max(512).optional(),
  eventPattern: z.record(z.string(), z.unknown()),
  target: z.strictObject({
    stateMachine: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
        'name a state machine of statemachines/ (letters, digits, "-", "_")',
      )
      .optional(),
    function: z
      .string()
      .regex(
        /^[A-Z][A-Za-z0-9]{0,63}$/,
        'name a function of the catalog, functions/_shared/functions.ts (PascalCase letters and digits)',
      )
      .optional(),
    inputPath: z.string().optional(),
    inputTransformer: z
      .strictObject({
        InputPathsMap: z.record(z.string(), z.string()).optional(),
        InputTemplate: z.string(),
      })
      .optional(),
  }),
  retryPolicy: z
    .strictObject({
      MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
      MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
    })
    .optional(),
});

/** A rule file's one target: a state machine to start or a catalog function to invoke, exactly one of them. */
export type RuleTarget = (
  | { stateMachine: string; function?: never }
  | { function: string; stateMachine?: never }
) & { inputPath?: string; inputTransformer?: InputTransformer };

/** One `events/rules/*.json` file: an EventBridge rule with a single target, a state machine or a function. */
export interface RuleDefinition {
  /** the file it came from, for messages */
  file: string;
  name: string;
  description?: string;
  eventPattern: Record<string, unknown>;
  target: RuleTarget;
  retryPolicy?: RetryPolicy;
}

const jsonPath = (segments: readonly PropertyKey[]) =>
  segments.reduce<string>(
    (path, segment) =>
      typeof segment === 'number'
        ? `${path}[${segment}]`
        : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(segment))
          ? `${path}.${String(segment)}`
          : `${path}[${JSON.stringify(String(segment))}]`,
    '$',
  );

/** Parses and checks one rule file's text; `file` names it in errors. */
export function parseRuleFile(file: string, text: string): RuleDefinition {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RuleFileError(file, '$', `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = RuleFileSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0];
    const all = issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`).join('; ');
    throw new RuleFileError(file, jsonPath(first?.path ?? []), all);
  }
  const rule = parsed.data;
  try {
    validatePattern(rule.eventPattern, { maxLength: RULE_PATTERN_MAX_LENGTH });
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      throw new RuleFileError(file, error.path.replace(/^\$/, '$.eventPattern'), error.reason, {
        cause: error,
      });
    throw error;
  }
  const kind = targetKindOf(file, rule.target);
  const { inputPath } = rule.target;
  const given = rule.target.inputTransformer;
  const inputTransformer: InputTransformer | undefined = given && {
    InputTemplate: given.InputTemplate,
    ...(given.InputPathsMap === undefined ? {} : { InputPathsMap: given.InputPathsMap }),
  };
  try {
    compileTargetInput({
      id: targetIdOf(kind),
      ...(inputPath === undefined ? {} : { inputPath }),
      ...(inputTransformer === undefined ? {} : { inputTransformer }),
    });
  } catch (error) {
    if (error instanceof EventBridgeError)
      throw new RuleFileError(file, '$.target', error.message, { cause: error });
    throw error;
  }
  return {
    file,
    name: rule.name,
    ...(rule.description === undefined ? {} : { description: rule.description }),
    eventPattern: rule.eventPattern,
    target: {
      ...kind,
      ...(inputPath === undefined ? {} : { inputPath }),
      ...(inputTransformer === undefined ? {} : { inputTransformer }),
    },
    ...(rule.retryPolicy === undefined ? {} : { retryPolicy: retryPolicyOf(rule.retryPolicy) }),
  };
}

/** What the target starts or invokes; a target naming neither or both is refused. */
function targetKindOf(
  file: string,
  target: { stateMachine?: string | undefined; function?: string | undefined },
): { stateMachine: string } | { function: string } {
  const { stateMachine, function: functionName } = target;
  if (stateMachine !== undefined && functionName !== undefined)
    throw new RuleFileError(
      file,
      '$.target',
      'give stateMachine or function, not both: a rule has one target',
    );
  if (stateMachine !== undefined) return { stateMachine };
  if (functionName !== undefined) return { function: functionName };
  throw new RuleFileError(
    file,
    '$.target',
    'give stateMachine (a workflow of statemachines/) or function (a function of functions/_shared/functions.ts)',
  );
}

/** The bus's id of a rule file's target: the state machine's logical name or the function's name. */
const targetIdOf = (target: { stateMachine: string } | { function: string }): string =>
  'stateMachine' in target ? target.stateMachine : target.function;

function retryPolicyOf(given: {
  MaximumRetryAttempts?: number | undefined;
  MaximumEventAgeInSeconds?: number | undefined;
}): RetryPolicy {
  return {
    ...(given.MaximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: given.MaximumRetryAttempts }),
    ...(given.MaximumEventAgeInSeconds === undefined
      ? {}
      : { MaximumEventAgeInSeconds: given.MaximumEventAgeInSeconds }),
  };
}

/** Reads every `*.json` rule file of `dir` (in name order), refusing the first one AWS or the format would refuse. */
export function loadRuleFiles(dir: string): RuleDefinition[] {
  if (!existsSync(dir)) throw new RuleFileError(dir, '$', 'the rule directory does not exist');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const seen = new Map<string, string>();
  return files.map((name) => {
    const file = join(dir, name);
    const rule = parseRuleFile(file, readFileSync(file, 'utf8'));
    const other = seen.get(rule.name);
    if (other)
      throw new RuleFileError(file, '$.name', `rule name ${rule.name} is already used by ${basename(other)}`);
    seen.set(rule.name, file);
    return rule;
  });
}

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
