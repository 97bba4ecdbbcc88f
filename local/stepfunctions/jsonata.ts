import jsonata from 'jsonata';
import { StatesError, StatesErrorName } from './errors';
import { evaluateIntrinsic, randomUuid } from './intrinsics';
import { isObject, type Json, type JsonObject, toJson } from './json';
import { type RandomSource, seededRandom } from './ports';

// JSONata as Step Functions embeds it: a string "{% expression %}" anywhere in Arguments, Output, Assign,
// Items, ItemSelector, Condition and the numeric/timestamp fields; `$states` holds input, result,
// errorOutput and context; workflow variables are bound by name; AWS's extra functions are provided.

export interface JsonataScope {
  /** `$states`: input, and where available result, errorOutput, context */
  states: JsonObject;
  /** every workflow variable visible to the state, inner scopes shadowing outer ones */
  variables: JsonObject;
  random: RandomSource;
  /** the clock's time, so $now() and $millis() follow a virtual clock */
  now: number;
}

const cache = new Map<string, jsonata.Expression>();
const formatter = jsonata('$fromMillis($ms, $picture, $timezone)');

export function isJsonataString(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('{%') && value.endsWith('%}') && value.length >= 4;
}

function body(text: string): string {
  return text.slice(2, -2);
}

/** Compiles `{% … %}` (cached); throws a SyntaxError with JSONata's message. */
export function compileJsonata(text: string): jsonata.Expression {
  let expression = cache.get(text);
  if (!expression) {
    try {
      expression = jsonata(body(text));
    } catch (error) {
      const { message, position } = error as { message: string; position?: number };
      throw new SyntaxError(
        `invalid JSONata expression ${text}: ${message}${position === undefined ? '' : ` (at ${position})`}`,
      );
    }
    cache.set(text, expression);
  }
  return expression;
}

/** Checks every `{% %}` string inside a field value; returns the first problem, if any. */
export function jsonataProblem(value: unknown): string | undefined {
  if (isJsonataString(value)) {
    try {
      compileJsonata(value);
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonataProblem(item);
      if (problem) return problem;
    }
  } else if (isObject(value)) {
    for (const item of Object.values(value)) {
      const problem = jsonataProblem(item);
      if (problem) return problem;
    }
  }
  return undefined;
}

function queryError(text: string, field: string, problem: string): StatesError {
  return new StatesError(
    StatesErrorName.QueryEvaluationError,
    `The JSONata expression '${body(text).trim()}' specified for the field '${field}' ${problem}`,
  );
}

/** AWS's additions to JSONata, plus $now/$millis on the engine's clock. */
function functions(scope: JsonataScope): Record<string, unknown> {
  const intrinsic = (name: string, ...values: Json[]) =>
    evaluateIntrinsic(
      { name, args: values.map((value) => ({ kind: 'literal', value })) },
      { random: scope.random, resolve: () => null },
    );
  return {
    partition: (items: Json, size: Json) => intrinsic('States.ArrayPartition', items, size),
    range: (start: Json, end: Json, step: Json) => sequence(intrinsic('States.ArrayRange', start, end, step)),
    hash: (value: Json, algorithm: Json) => intrinsic('States.Hash', value, algorithm),
    random: (seed?: number) => (seed === undefined ? scope.random : seededRandom(seed)).next(),
    uuid: () => randomUuid(scope.random),
    parse: (text: Json) => intrinsic('States.StringToJson', text),
    millis: () => scope.now,
    now: (picture?: string, timezone?: string) =>
      picture === undefined && timezone === undefined
        ? new Date(scope.now).toISOString()
        : formatter.evaluate({}, { ms: scope.now, picture, timezone }),
  };
}

/** A JSONata sequence of one value is that value: `$range(0, 3, 10)` gives 0, not [0]. */
function sequence(values: Json): Json {
  return Array.isArray(values) && values.length === 1 ? (values[0] as Json) : values;
}

/** Evaluates one `{% %}` string and returns what JSONata produced (undefined included). */
export async function evaluateJsonataExpression(
  text: string,
  scope: JsonataScope,
  field: string,
): Promise<unknown> {
  const expression = compileJsonata(text);
  try {
    return await expression.evaluate(scope.states.input, {
      ...functions(scope),
      ...scope.variables,
      states: scope.states,
    });
  } catch (error) {
    if (error instanceof StatesError) throw queryError(text, field, `failed: ${error.cause}`);
    throw queryError(text, field, `failed: ${(error as Error).message}`);
  }
}

/**
 * Evaluates a field value: `{% %}` strings are replaced by their value, objects and arrays are walked,
 * other values are literal. A field (or array item) whose expression returns nothing is an error; an
 * object member whose expression returns nothing is left out, as JSON serialisation would.
 */
export async function evaluateJsonata(value: Json, scope: JsonataScope, field: string): Promise<Json> {
  if (isJsonataString(value)) {
    const result = await evaluateJsonataExpression(value, scope, field);
    if (result === undefined) throw queryError(value, field, 'returned nothing (undefined)');
    return jsonResult(result, value, field);
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value) out.push(await evaluateJsonata(item, scope, field));
    return out;
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (isJsonataString(item)) {
        const result = await evaluateJsonataExpression(item, scope, `${field}.${key}`);
        if (result !== undefined) out[key] = jsonResult(result, item, `${field}.${key}`);
      } else out[key] = await evaluateJsonata(item, scope, `${field}.${key}`);
    }
    return out;
  }
  return value;
}

function jsonResult(result: unknown, text: string, field: string): Json {
  try {
    return toJson(result, 'the expression');
  } catch (error) {
    throw queryError(text, field, `returned a value that is not JSON: ${(error as Error).message}`);
  }
}
