import { z } from 'zod';
import type { RuleInput, Target } from './bus';

// InputPathsMap keys come from the caller ("__proto__" included), which z.record would drop: checked, not copied
const InputPathsMapSchema = z.custom<Record<string, string>>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((path) => typeof path === 'string'),
  'must be an object of JSON paths',
);

/** A target put over the API, as the bus keeps it (no deliver function: the bus resolves its ARN). */
export const ApiTargetSchema = z.strictObject({
  id: z.string(),
  arn: z.string(),
  roleArn: z.string().optional(),
  input: z.string().optional(),
  inputPath: z.string().optional(),
  inputTransformer: z
    .strictObject({ InputPathsMap: InputPathsMapSchema.optional(), InputTemplate: z.string() })
    .optional(),
  retryPolicy: z
    .strictObject({
      MaximumRetryAttempts: z.number().optional(),
      MaximumEventAgeInSeconds: z.number().optional(),
    })
    .optional(),
  deadLetterArn: z.string().optional(),
});
export type ApiTarget = z.infer<typeof ApiTargetSchema>;

/**
 * What the API changed of one rule, over what the rule files ship. A rule no file ships is all change: a
 * definition, a state and targets.
 */
export const RuleChangeSchema = z.strictObject({
  /** DeleteRule took the shipped rule away: only what the API put since counts */
  dropped: z.literal(true).optional(),
  /** PutRule's pattern (JSON text) and description, in place of the rule file's */
  definition: z.strictObject({ eventPattern: z.string(), description: z.string().optional() }).optional(),
  state: z.enum(['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']).optional(),
  /** targets put over the API, in place of a shipped target of the same id */
  targets: z.array(ApiTargetSchema).optional(),
  /** ids of shipped targets RemoveTargets took away */
  removedTargets: z.array(z.string()).optional(),
});
export type RuleChange = z.infer<typeof RuleChangeSchema>;

/** A rule as a rule file ships it, or as the bus should hold it once the changes are applied. */
export interface RuleSetup {
  input: RuleInput;
  targets: Target[];
}

/** The change with its empty parts left out; undefined when nothing is left. */
function tidy(change: RuleChange): RuleChange | undefined {
  const tidied: RuleChange = {
    ...(change.dropped ? { dropped: true as const } : {}),
    ...(change.definition === undefined ? {} : { definition: change.definition }),
    ...(change.state === undefined ? {} : { state: change.state }),
    ...(change.targets?.length ? { targets: change.targets } : {}),
    ...(change.removedTargets?.length ? { removedTargets: change.removedTargets } : {}),
  };
  return Object.keys(tidied).length === 0 ? undefined : tidied;
}

/** PutRule: the pattern, description and state replace whatever the rule had; its targets stay. */
export function afterPutRule(
  change: RuleChange | undefined,
  rule: { eventPattern: string; description?: string | undefined; state: NonNullable<RuleChange['state']> },
): RuleChange {
  const { eventPattern, description, state } = rule;
  return {
    ...change,
    definition: { eventPattern, ...(description === undefined ? {} : { description }) },
    state,
  };
}

/** DeleteRule: a shipped rule stays deleted; any other leaves nothing to remember. */
export function afterDeleteRule(shipped: boolean): RuleChange | undefined {
  return shipped ? { dropped: true } : undefined;
}

/** EnableRule and DisableRule. */
export function afterStateChange(
  change: RuleChange | undefined,
  state: NonNullable<RuleChange['state']>,
): RuleChange {
  return { ...change, state };
}

/** PutTargets: each target replaces the one of the same id, shipped or not. */
export function afterPutTargets(change: RuleChange | undefined, targets: ApiTarget[]): RuleChange {
  const ids = new Set(targets.map((target) => target.id));
  return tidy({
    ...change,
    targets: [...(change?.targets ?? []).filter((target) => !ids.has(target.id)), ...targets],
    removedTargets: (change?.removedTargets ?? []).filter((id) => !ids.has(id)),
  }) as RuleChange;
}

/** RemoveTargets of `ids` (those the rule has); `shippedIds` are the targets its rule file gives it. */
export function afterRemoveTargets(
  change: RuleChange | undefined,
  ids: readonly string[],
  shippedIds: readonly string[],
): RuleChange | undefined {
  const removed = new Set(ids);
  const removedShipped = shippedIds.filter((id) => removed.has(id));
  return tidy({
    ...change,
    targets: (change?.targets ?? []).filter((target) => !removed.has(target.id)),
    removedTargets: [...new Set([...(change?.removedTargets ?? []), ...removedShipped])],
  });
}

/**
 * A target's documented members, copied: what the bus keeps of one the API put and what is written of it, so
 * nothing else a caller sent (an unknown member, a deliver function) is kept.
 */
export function plainTarget(target: ApiTarget): Target {
  const { inputTransformer: transformer, retryPolicy: policy } = target;
  const paths = transformer?.InputPathsMap;
  return {
    id: target.id,
    arn: target.arn,
    ...(target.roleArn === undefined ? {} : { roleArn: target.roleArn }),
    ...(target.input === undefined ? {} : { input: target.input }),
    ...(target.inputPath === undefined ? {} : { inputPath: target.inputPath }),
    ...(transformer === undefined
      ? {}
      : {
          inputTransformer: {
            InputTemplate: transformer.InputTemplate,
            // spread keeps every own key, "__proto__" included
            ...(paths === undefined || paths === null ? {} : { InputPathsMap: { ...paths } }),
          },
        }),
    ...(policy === undefined
      ? {}
      : {
          retryPolicy: {
            ...(policy.MaximumRetryAttempts === undefined
              ? {}
              : { MaximumRetryAttempts: policy.MaximumRetryAttempts }),
            ...(policy.MaximumEventAgeInSeconds === undefined
              ? {}
              : { MaximumEventAgeInSeconds: policy.MaximumEventAgeInSeconds }),
          },
        }),
    ...(target.deadLetterArn === undefined ? {} : { deadLetterArn: target.deadLetterArn }),
  };
}

/**
 * The rule a bus holds for rule `name`, given what its rule file ships (`base`, undefined when no file does)
 * and what the API changed: undefined when there is no such rule. A change to a rule no file ships any more
 * (no definition of its own) is left out.
 */
export function effectiveRule(
  name: string,
  base: RuleSetup | undefined,
  change: RuleChange | undefined,
): RuleSetup | undefined {
  if (!change) return base;
  const kept = change.dropped ? undefined : base;
  const definition = change.definition;
  if (!kept && !definition) return undefined;
  const description = definition ? definition.description : kept?.input.description;
  const overridden = new Set([...(change.removedTargets ?? []), ...(change.targets ?? []).map((t) => t.id)]);
  return {
    input: {
      name,
      eventPattern: definition ? definition.eventPattern : kept?.input.eventPattern,
      state: change.state ?? kept?.input.state ?? 'ENABLED',
      ...(description === undefined ? {} : { description }),
    },
    targets: [
      ...(kept?.targets ?? []).filter((target) => !overridden.has(target.id)),
      ...(change.targets ?? []).map(plainTarget),
    ],
  };
}

/** Where a bus keeps what the API changed of its rules. */
export interface RuleChangeLog {
  /** names the place in messages: the file, or "memory" */
  readonly where: string;
  get(name: string): RuleChange | undefined;
  /** every rule's change, by rule name */
  all(): [string, RuleChange][];
  /** keeps `change` as rule `name`'s (undefined: it has none) before returning; throws, keeping nothing, when it cannot */
  record(name: string, change: RuleChange | undefined): void;
}

/** A log kept in memory only: what a bus without a data directory uses. */
export function memoryRuleChanges(): RuleChangeLog {
  const changes = new Map<string, RuleChange>();
  return {
    where: 'memory',
    get: (name) => changes.get(name),
    all: () => [...changes],
    record(name, change) {
      if (change === undefined) changes.delete(name);
      else changes.set(name, change);
    },
  };
}
