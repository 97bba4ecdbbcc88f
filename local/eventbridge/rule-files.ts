import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Deliver, EventBus, RetryPolicy } from './bus';
import { EventBridgeError, InvalidEventPatternError, RuleFileError } from './errors';
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
      ),
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

/** One `events/rules/*.json` file: an EventBridge rule whose single target starts a state machine. */
export interface RuleDefinition {
  /** the file it came from, for messages */
  file: string;
  name: string;
  description?: string;
  eventPattern: Record<string, unknown>;
  target: { stateMachine: string; inputPath?: string; inputTransformer?: InputTransformer };
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
  const { stateMachine, inputPath } = rule.target;
  const given = rule.target.inputTransformer;
  const inputTransformer: InputTransformer | undefined = given && {
    InputTemplate: given.InputTemplate,
    ...(given.InputPathsMap === undefined ? {} : { InputPathsMap: given.InputPathsMap }),
  };
  try {
    compileTargetInput({
      id: stateMachine,
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
      stateMachine,
      ...(inputPath === undefined ? {} : { inputPath }),
      ...(inputTransformer === undefined ? {} : { inputTransformer }),
    },
    ...(rule.retryPolicy === undefined ? {} : { retryPolicy: retryPolicyOf(rule.retryPolicy) }),
  };
}

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

/** Where a rule file's state machine lives and how to start it. */
export interface StateMachineTarget {
  arn: string;
  deliver: Deliver;
}

/** Puts each rule on `bus` with its one target (id: the state machine's logical name). */
export function installRules(
  bus: EventBus,
  rules: RuleDefinition[],
  stateMachine: (logicalName: string) => StateMachineTarget,
): void {
  for (const rule of rules) {
    const { arn, deliver } = stateMachine(rule.target.stateMachine);
    bus.putRule({
      name: rule.name,
      eventPattern: rule.eventPattern,
      ...(rule.description === undefined ? {} : { description: rule.description }),
    });
    bus.putTargets(rule.name, [
      {
        id: rule.target.stateMachine,
        arn,
        deliver,
        ...(rule.target.inputPath === undefined ? {} : { inputPath: rule.target.inputPath }),
        ...(rule.target.inputTransformer === undefined
          ? {}
          : { inputTransformer: rule.target.inputTransformer }),
        ...(rule.retryPolicy === undefined ? {} : { retryPolicy: rule.retryPolicy }),
      },
    ]);
  }
}
