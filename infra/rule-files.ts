import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { repoRoot } from './paths';

// the file format of local/eventbridge/README.md; the local bus checks patterns and transformers as PutRule and
// PutTargets would, CloudFormation does the same on deploy, so here only the shape is checked
const RuleFileSchema = z.strictObject({
  name: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/, 'use 1 to 64 letters, digits, ".", "-" or "_"'),
  description: z.string().max(512).optional(),
  eventPattern: z.record(z.string(), z.unknown()),
  target: z
    .strictObject({
      stateMachine: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'name a state machine of statemachines/')
        .optional(),
      function: z
        .string()
        .regex(/^[A-Z][A-Za-z0-9]{0,63}$/, 'name a function of functions/_shared/functions.ts (PascalCase)')
        .optional(),
      inputPath: z.string().optional(),
      inputTransformer: z
        .strictObject({
          InputPathsMap: z.record(z.string(), z.string()).optional(),
          InputTemplate: z.string(),
        })
        .optional(),
    })
    .refine((target) => target.inputPath === undefined || target.inputTransformer === undefined, {
      message: 'give inputPath or inputTransformer, not both',
    })
    .refine((target) => target.stateMachine === undefined || target.function === undefined, {
      message: 'give stateMachine or function, not both: a rule has one target',
    })
    .refine((target) => target.stateMachine !== undefined || target.function !== undefined, {
      message:
        'give stateMachine (a workflow of statemachines/) or function (a function of functions/_shared/functions.ts)',
    }),
  retryPolicy: z
    .strictObject({
      MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
      MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
    })
    .optional(),
});

/**
 * One `events/rules/*.json` file: an EventBridge rule on the default bus whose one target starts a workflow
 * (`target.stateMachine`) or invokes a function of the catalog (`target.function`), never both.
 */
export type RuleFile = Omit<ParsedRuleFile, 'target'> & {
  readonly target: Omit<ParsedRuleFile['target'], 'stateMachine' | 'function'> &
    ({ stateMachine: string; function?: undefined } | { function: string; stateMachine?: undefined });
  /** the file, relative to the repository root, for messages */
  readonly file: string;
};
type ParsedRuleFile = z.infer<typeof RuleFileSchema>;

/** Reads every `*.json` of `dir` in name order; no directory or no file means no rules. */
export function loadRuleFiles(dir: string): RuleFile[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const byName = new Map<string, string>();
  return names.map((name) => {
    const file = relative(repoRoot, join(dir, name));
    const rule = parseRuleFile(file, readFileSync(join(dir, name), 'utf8'));
    const other = byName.get(rule.name);
    if (other !== undefined)
      throw new Error(
        `${file}: rule name "${rule.name}" is already used by ${other}: give each rule its own name`,
      );
    byName.set(rule.name, file);
    return rule;
  });
}

function parseRuleFile(file: string, text: string): RuleFile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = RuleFileSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `$.${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${file}: not a rule file (${problems.join('; ')}): see local/eventbridge/README.md`);
  }
  // the schema refused a target naming both a state machine and a function, or neither
  return { ...parsed.data, file } as RuleFile;
}
