import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { z } from 'zod';
import { type FunctionName, functions, type StateMachineName, stateMachines } from './functions';

// The rule-file format (events/rules/*.json, described in local/eventbridge/README.md), read by both engines:
// the CDK stack deploys each file as a rule, the local event bus installs it. Each engine adds its own checks
// on top (the local bus validates the pattern and the input transformer as PutRule and PutTargets would;
// CloudFormation does on deploy), and both resolve the target's name with the one resolver below.

/** A rule file that cannot be read or is not a rule: names the file and the JSON path of what is wrong. */
export class RuleFileError extends Error {
  readonly file: string;
  readonly path: string;

  constructor(file: string, path: string, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${path}: ${reason}`, options);
    this.name = 'RuleFileError';
    this.file = file;
    this.path = path;
  }
}

const TARGET_REQUIRED =
  'give stateMachine (a workflow of statemachines/, by catalog or file name) or function (a function of catalog/functions.ts)';

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
        'name a function of the catalog, catalog/functions.ts (PascalCase letters and digits)',
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
) & {
  inputPath?: string;
  inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
};

/** One `events/rules/*.json` file: an EventBridge rule with a single target. */
export interface RuleFile {
  /** the file it came from, for messages */
  file: string;
  name: string;
  description?: string;
  eventPattern: Record<string, unknown>;
  target: RuleTarget;
  retryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
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

/** Parses one rule file's text and checks its shape; `file` names it in errors. */
export function parseRuleFile(file: string, text: string): RuleFile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RuleFileError(file, '$', `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = RuleFileSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const all = issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`).join('; ');
    throw new RuleFileError(file, jsonPath(issues[0]?.path ?? []), all);
  }
  const { name, description, eventPattern, target, retryPolicy } = parsed.data;
  const { stateMachine, function: functionName, inputPath, inputTransformer } = target;
  if (stateMachine !== undefined && functionName !== undefined)
    throw new RuleFileError(
      file,
      '$.target',
      'give stateMachine or function, not both: a rule has one target',
    );
  if (stateMachine === undefined && functionName === undefined)
    throw new RuleFileError(file, '$.target', TARGET_REQUIRED);
  return {
    file,
    name,
    ...(description === undefined ? {} : { description }),
    eventPattern,
    target: {
      ...(stateMachine === undefined ? { function: functionName as string } : { stateMachine }),
      ...(inputPath === undefined ? {} : { inputPath }),
      ...(inputTransformer === undefined
        ? {}
        : {
            inputTransformer: {
              InputTemplate: inputTransformer.InputTemplate,
              ...(inputTransformer.InputPathsMap === undefined
                ? {}
                : { InputPathsMap: inputTransformer.InputPathsMap }),
            },
          }),
    },
    ...(retryPolicy === undefined ? {} : { retryPolicy: withoutUndefined(retryPolicy) }),
  };
}

const withoutUndefined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

export interface LoadOptions<Rule extends RuleFile> {
  /** the parser of one file: the format's own, or an engine's stricter one built on it */
  parse?: (file: string, text: string) => Rule;
  /** files are named relative to this directory in messages (default: as found) */
  relativeTo?: string;
}

/** Reads every `*.json` rule file of `dir` in name order; no directory or no file means no rules. */
export function loadRuleFiles<Rule extends RuleFile = RuleFile>(
  dir: string,
  options: LoadOptions<Rule> = {},
): Rule[] {
  if (!existsSync(dir)) return [];
  const parse = options.parse ?? (parseRuleFile as (file: string, text: string) => Rule);
  const seen = new Map<string, string>();
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const file = options.relativeTo === undefined ? path : relative(options.relativeTo, path);
      const rule = parse(file, readFileSync(path, 'utf8'));
      const other = seen.get(rule.name);
      if (other !== undefined)
        throw new RuleFileError(
          file,
          '$.name',
          `rule name ${rule.name} is already used by ${basename(other)}`,
        );
      seen.set(rule.name, file);
      return rule;
    });
}

/**
 * The one resolver of a rule target's state machine: a catalog name (`AccountVending`) or its ASL file's name
 * (`account-vending`) gives the catalog name; a name among `others` (state machines an engine runs besides the
 * catalog's, by file name) is itself; anything else is undefined.
 */
export function stateMachineOfTarget(name: string, others: readonly string[] = []): string | undefined {
  for (const [catalogName, machine] of Object.entries(stateMachines) as [
    StateMachineName,
    { definitionFile: string },
  ][])
    if (name === catalogName || name === basename(machine.definitionFile, '.asl.json')) return catalogName;
  return others.includes(name) ? name : undefined;
}

/** A rule target's function: a catalog function's name, or undefined. */
export const functionOfTarget = (name: string): FunctionName | undefined =>
  Object.hasOwn(functions, name) ? (name as FunctionName) : undefined;

/** What a refusal of an unknown target says: the names the catalog knows. */
export const knownTargets = (others: readonly string[] = []) => ({
  stateMachines: [
    ...Object.entries(stateMachines).flatMap(([name, machine]) => [
      name,
      basename(machine.definitionFile, '.asl.json'),
    ]),
    ...others,
  ],
  functions: Object.keys(functions),
});
