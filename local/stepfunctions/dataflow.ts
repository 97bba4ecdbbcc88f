import type { Catcher, ChoiceRule } from './asl';
import type { CompiledState } from './definition';
import { StatesError, StatesErrorName } from './errors';
import { type Json, type JsonObject, PAYLOAD_LIMIT_BYTES, utf8Length } from './json';
import { evaluateJsonata, evaluateJsonataExpression, isJsonataString, type JsonataScope } from './jsonata';
import { applyResultPath, evaluateDynamic, evaluateTemplate, type PathScope, requirePath } from './jsonpath';
import type { RandomSource } from './ports';

// How data flows through a state, in both query languages:
//   JSONPath: raw input → InputPath → Parameters → (work) → ResultSelector → Assign → ResultPath → OutputPath
//   JSONata:  $states.input → Arguments → (work) → $states.result → Assign and Output
// Assign and Output read the variables as they were when the state was entered; the new values take
// effect when the state exits.

export interface VariableView {
  get(name: string): Json | undefined;
  /** every visible variable, inner scopes shadowing outer ones */
  all(): JsonObject;
}

/** What a state's expressions can see. */
export interface EvalScope {
  /** the state's raw input */
  input: Json;
  context: JsonObject;
  variables: VariableView;
  random: RandomSource;
  now: number;
}

export interface Outcome {
  output: Json;
  assigned?: JsonObject;
}

export function pathScope(scope: EvalScope, input: Json): PathScope {
  return {
    input,
    context: scope.context,
    variable: (name) => scope.variables.get(name),
    random: scope.random,
  };
}

export function jsonataScope(
  scope: EvalScope,
  extra: { result?: Json; errorOutput?: Json } = {},
): JsonataScope {
  const states: JsonObject = { input: scope.input, context: scope.context };
  if (extra.result !== undefined) states.result = extra.result;
  if (extra.errorOutput !== undefined) states.errorOutput = extra.errorOutput;
  return { states, variables: scope.variables.all(), random: scope.random, now: scope.now };
}

/** InputPath (JSONPath); JSONata states always see their raw input. */
export function effectiveInput(state: CompiledState, scope: EvalScope): Json {
  const path = state.def.InputPath;
  if (state.queryLanguage === 'JSONata' || path === undefined) return scope.input;
  if (path === null) return {};
  return requirePath(path, pathScope(scope, scope.input), StatesErrorName.Runtime, 'InputPath');
}

/** Parameters (JSONPath) or Arguments (JSONata): what a Task receives, or a Parallel's branches start with. */
export async function stateArguments(state: CompiledState, scope: EvalScope, effective: Json): Promise<Json> {
  if (state.queryLanguage === 'JSONata') {
    return state.def.Arguments === undefined
      ? scope.input
      : evaluateJsonata(state.def.Arguments, jsonataScope(scope), 'Arguments');
  }
  if (state.def.Parameters === undefined) return effective;
  return evaluateTemplate(
    state.def.Parameters,
    pathScope(scope, effective),
    StatesErrorName.ParameterPathFailure,
  );
}

/** A Task's Credentials, evaluated like its arguments. */
export async function taskCredentials(
  state: CompiledState,
  scope: EvalScope,
  effective: Json,
): Promise<Json | undefined> {
  const credentials = state.def.Credentials;
  if (credentials === undefined) return undefined;
  if (state.queryLanguage === 'JSONata')
    return evaluateJsonata(credentials, jsonataScope(scope), 'Credentials');
  return evaluateTemplate(credentials, pathScope(scope, effective), StatesErrorName.ParameterPathFailure);
}

/**
 * The state's output and assignments once its work is done. `result` is what the work produced (a
 * Task's result, a Pass's Result/Parameters, a Map's or Parallel's array); states without one pass
 * their effective input. A Choice passes the rule that matched, whose Assign/Output then apply.
 */
export async function conclude(
  state: CompiledState,
  scope: EvalScope,
  work: { effective: Json; result?: Json; rule?: ChoiceRule },
): Promise<Outcome> {
  const def = state.def;
  const assign = work.rule ? (work.rule.Assign as JsonObject | undefined) : def.Assign;
  if (state.queryLanguage === 'JSONata') {
    const js = jsonataScope(scope, work.result === undefined ? {} : { result: work.result });
    const assigned =
      assign === undefined
        ? undefined
        : await assignJsonata(assign, js, work.rule ? 'Choices.Assign' : 'Assign');
    const outputExpr = work.rule ? work.rule.Output : def.Output;
    const output =
      outputExpr === undefined
        ? (work.result ?? scope.input)
        : await evaluateJsonata(outputExpr, js, 'Output');
    return withAssigned({ output }, assigned);
  }

  let value = work.effective;
  if (work.result !== undefined) {
    value =
      def.ResultSelector === undefined
        ? work.result
        : evaluateTemplate(def.ResultSelector, pathScope(scope, work.result), StatesErrorName.Runtime);
  }
  const assigned =
    assign === undefined
      ? undefined
      : (evaluateTemplate(assign, pathScope(scope, value), StatesErrorName.Runtime) as JsonObject);
  const combined =
    work.result === undefined ? work.effective : applyResultPath(scope.input, def.ResultPath, value);
  return withAssigned({ output: outputPath(def.OutputPath, combined, scope) }, assigned);
}

/** The output of a state whose error a catcher handles: the error output placed by ResultPath, or Output. */
export async function caught(
  state: CompiledState,
  catcher: Catcher,
  scope: EvalScope,
  error: StatesError,
): Promise<Outcome> {
  const errorOutput: JsonObject = { Error: error.error, Cause: error.cause };
  if (state.queryLanguage === 'JSONata') {
    const js = jsonataScope(scope, { errorOutput });
    const assigned =
      catcher.Assign === undefined ? undefined : await assignJsonata(catcher.Assign, js, 'Catch.Assign');
    const output =
      catcher.Output === undefined ? errorOutput : await evaluateJsonata(catcher.Output, js, 'Catch.Output');
    return withAssigned({ output }, assigned);
  }
  const assigned =
    catcher.Assign === undefined
      ? undefined
      : (evaluateTemplate(
          catcher.Assign,
          pathScope(scope, errorOutput),
          StatesErrorName.Runtime,
        ) as JsonObject);
  return withAssigned(
    {
      output: applyResultPath(
        scope.input,
        catcher.ResultPath === undefined ? '$' : catcher.ResultPath,
        errorOutput,
      ),
    },
    assigned,
  );
}

function outputPath(path: string | null | undefined, value: Json, scope: EvalScope): Json {
  if (path === undefined) return value;
  if (path === null) return {};
  return requirePath(path, pathScope(scope, value), StatesErrorName.Runtime, 'OutputPath');
}

async function assignJsonata(assign: JsonObject, scope: JsonataScope, field: string): Promise<JsonObject> {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(assign))
    out[name] = await evaluateJsonata(value, scope, `${field}.${name}`);
  return out;
}

function withAssigned(outcome: Outcome, assigned: JsonObject | undefined): Outcome {
  if (assigned !== undefined) outcome.assigned = assigned;
  return outcome;
}

type NumericField =
  | 'TimeoutSeconds'
  | 'HeartbeatSeconds'
  | 'Seconds'
  | 'MaxConcurrency'
  | 'ToleratedFailureCount'
  | 'ToleratedFailurePercentage';

/**
 * A numeric field given as a number, as `<Field>Path` into the effective input (JSONPath), or as a
 * `{% %}` expression (JSONata). Undefined when the state sets none of them.
 */
export async function numberField(
  state: CompiledState,
  scope: EvalScope,
  effective: Json,
  field: NumericField,
  rule: { min: number; max?: number; integer: boolean },
): Promise<number | undefined> {
  const literal = state.def[field];
  const pathField = `${field}Path` as const;
  const path = state.def[pathField];
  let value: Json | undefined;
  let errorName: string = StatesErrorName.Runtime;
  let source: string = field;
  if (isJsonataString(literal)) {
    value = (await evaluateJsonataExpression(literal, jsonataScope(scope), field)) as Json | undefined;
    errorName = StatesErrorName.QueryEvaluationError;
  } else if (literal !== undefined) {
    value = literal;
  } else if (path !== undefined) {
    value = requirePath(path, pathScope(scope, effective), StatesErrorName.Runtime, pathField);
    source = pathField;
    // a MaxConcurrencyPath may give the number as a string of digits ("2")
    if (field === 'MaxConcurrency' && typeof value === 'string' && /^\d+$/.test(value)) value = Number(value);
  } else return undefined;
  const ok =
    typeof value === 'number' &&
    (!rule.integer || Number.isInteger(value)) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const range = rule.max === undefined ? `at least ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    throw new StatesError(
      errorName,
      `The value of the field '${source}' must be ${rule.integer ? 'an integer' : 'a number'} ${range}, not ${JSON.stringify(value ?? null)}`,
    );
  }
  return value as number;
}

/** Wait.Timestamp / TimestampPath, Fail.Error / Cause…: a string field, literal, by path or by JSONata. */
export async function stringField(
  state: CompiledState,
  scope: EvalScope,
  field: 'Timestamp' | 'Error' | 'Cause',
  pathInput: Json,
): Promise<string | undefined> {
  const literal = state.def[field];
  const path = state.def[`${field}Path`];
  if (isJsonataString(literal)) {
    const value = await evaluateJsonataExpression(literal, jsonataScope(scope), field);
    if (typeof value !== 'string') {
      throw new StatesError(
        StatesErrorName.QueryEvaluationError,
        `The JSONata expression specified for the field '${field}' must return a string, not ${JSON.stringify(value ?? null)}`,
      );
    }
    return value;
  }
  if (literal !== undefined) return literal;
  if (path === undefined) return undefined;
  const value = evaluateDynamic(path, pathScope(scope, pathInput), StatesErrorName.Runtime, `${field}Path`);
  if (typeof value !== 'string') {
    throw new StatesError(
      StatesErrorName.Runtime,
      `The value at '${path}' (${field}Path) must be a string, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** A JSONata Choice Rule's Condition must yield a boolean. */
export async function condition(rule: ChoiceRule, scope: EvalScope, index: number): Promise<boolean> {
  const expr = rule.Condition;
  if (typeof expr === 'boolean') return expr;
  const value = await evaluateJsonataExpression(
    expr as string,
    jsonataScope(scope),
    `Choices[${index}].Condition`,
  );
  if (typeof value !== 'boolean') {
    throw new StatesError(
      StatesErrorName.QueryEvaluationError,
      `The Condition of Choices[${index}] must return a boolean, not ${JSON.stringify(value ?? null)}`,
    );
  }
  return value;
}

/** Map's items: ItemsPath into the effective input (JSONPath) or Items (JSONata); they must form an array. */
export async function mapItems(state: CompiledState, scope: EvalScope, effective: Json): Promise<Json[]> {
  let items: Json;
  if (state.queryLanguage === 'JSONata') {
    items =
      state.def.Items === undefined
        ? scope.input
        : await evaluateJsonata(state.def.Items, jsonataScope(scope), 'Items');
  } else {
    const path = state.def.ItemsPath ?? '$';
    items = requirePath(path, pathScope(scope, effective), StatesErrorName.Runtime, 'ItemsPath');
  }
  if (!Array.isArray(items)) {
    if (state.queryLanguage === 'JSONata') {
      throw new StatesError(
        StatesErrorName.QueryEvaluationError,
        `The value of the field 'Items' must be a JSON array, not ${JSON.stringify(items)}`,
      );
    }
    throw new StatesError(
      StatesErrorName.Runtime,
      `The Map state's ItemsPath must give an array, not ${JSON.stringify(items)}`,
    );
  }
  return items;
}

/** A Map iteration's input: ItemSelector (or the older Parameters) with `$$.Map.Item`, else the item itself. */
export async function mapItemInput(
  state: CompiledState,
  scope: EvalScope,
  selectorInput: Json,
  item: Json,
): Promise<Json> {
  const selector =
    state.def.ItemSelector ?? (state.queryLanguage === 'JSONPath' ? state.def.Parameters : undefined);
  if (selector === undefined) return item;
  if (state.queryLanguage === 'JSONata')
    return evaluateJsonata(selector, jsonataScope(scope), 'ItemSelector');
  return evaluateTemplate(selector, pathScope(scope, selectorInput), StatesErrorName.ParameterPathFailure);
}

/**
 * A Distributed Map's ItemBatcher: the selected items grouped into batches of at most MaxItemsPerBatch
 * items and MaxInputBytesPerBatch bytes (of the batch's JSON), each `{ BatchInput?, Items }`.
 */
export async function mapBatches(
  state: CompiledState,
  scope: EvalScope,
  effective: Json,
  selected: Json[],
): Promise<Json[]> {
  const batcher = state.def.ItemBatcher ?? {};
  const maxItems =
    (await batcherLimit(state, scope, effective, 'MaxItemsPerBatch')) ?? Number.POSITIVE_INFINITY;
  const maxBytes =
    (await batcherLimit(state, scope, effective, 'MaxInputBytesPerBatch')) ?? PAYLOAD_LIMIT_BYTES;
  let batchInput: Json | undefined;
  if (batcher.BatchInput !== undefined) {
    batchInput =
      state.queryLanguage === 'JSONata'
        ? await evaluateJsonata(batcher.BatchInput, jsonataScope(scope), 'ItemBatcher.BatchInput')
        : evaluateTemplate(
            batcher.BatchInput,
            pathScope(scope, effective),
            StatesErrorName.ParameterPathFailure,
          );
  }
  const envelope = (items: Json[]): JsonObject =>
    batchInput === undefined ? { Items: items } : { BatchInput: batchInput, Items: items };
  const batches: JsonObject[] = [];
  let current: Json[] = [];
  for (const item of selected) {
    const grown = [...current, item];
    if (
      current.length > 0 &&
      (grown.length > maxItems || utf8Length(JSON.stringify(envelope(grown))) > maxBytes)
    ) {
      batches.push(envelope(current));
      current = [item];
    } else current = grown;
    if (utf8Length(JSON.stringify(envelope(current))) > maxBytes) {
      throw new StatesError(
        StatesErrorName.Runtime,
        `An item of the Map state is larger than MaxInputBytesPerBatch (${maxBytes} bytes) by itself`,
      );
    }
  }
  if (current.length > 0) batches.push(envelope(current));
  return batches;
}

async function batcherLimit(
  state: CompiledState,
  scope: EvalScope,
  effective: Json,
  field: 'MaxItemsPerBatch' | 'MaxInputBytesPerBatch',
): Promise<number | undefined> {
  const batcher = state.def.ItemBatcher ?? {};
  let value = batcher[field];
  let errorName: string = StatesErrorName.Runtime;
  if (isJsonataString(value)) {
    value = (await evaluateJsonataExpression(value, jsonataScope(scope), `ItemBatcher.${field}`)) as Json;
    errorName = StatesErrorName.QueryEvaluationError;
  } else if (value === undefined && typeof batcher[`${field}Path`] === 'string') {
    const path = batcher[`${field}Path`] as string;
    value = requirePath(
      path,
      pathScope(scope, effective),
      StatesErrorName.Runtime,
      `ItemBatcher.${field}Path`,
    );
  }
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new StatesError(
      errorName,
      `The value of the field 'ItemBatcher.${field}' must be a positive integer, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}
