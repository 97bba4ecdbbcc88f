import { StatesError, StatesErrorName } from './errors';
import type { Json, JsonObject } from './json';
import { type PathScope, readPath } from './jsonpath';

// Choice Rules of JSONPath states: a Variable compared by one operator, or And/Or/Not of nested rules.

type Compare = (value: Json, operand: Json) => boolean;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 as Step Functions accepts it: uppercase T and Z, or a numeric offset. */
export function parseTimestamp(value: Json | undefined): number | undefined {
  if (typeof value !== 'string' || !TIMESTAMP.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const strings =
  (test: (a: string, b: string) => boolean): Compare =>
  (a, b) =>
    typeof a === 'string' && typeof b === 'string' && test(a, b);
const numbers =
  (test: (a: number, b: number) => boolean): Compare =>
  (a, b) =>
    typeof a === 'number' && typeof b === 'number' && test(a, b);
const timestamps =
  (test: (a: number, b: number) => boolean): Compare =>
  (a, b) => {
    const x = parseTimestamp(a);
    const y = parseTimestamp(b);
    return x !== undefined && y !== undefined && test(x, y);
  };

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
export function stringMatches(value: string, pattern: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i] as string);
    } else if (c === '*') source += '[\\s\\S]*';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`).test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const comparisons: Record<string, Compare> = {
  StringEquals: strings((a, b) => a === b),
  StringLessThan: strings((a, b) => a < b),
  StringGreaterThan: strings((a, b) => a > b),
  StringLessThanEquals: strings((a, b) => a <= b),
  StringGreaterThanEquals: strings((a, b) => a >= b),
  StringMatches: strings(stringMatches),
  NumericEquals: numbers((a, b) => a === b),
  NumericLessThan: numbers((a, b) => a < b),
  NumericGreaterThan: numbers((a, b) => a > b),
  NumericLessThanEquals: numbers((a, b) => a <= b),
  NumericGreaterThanEquals: numbers((a, b) => a >= b),
  BooleanEquals: (a, b) => typeof a === 'boolean' && a === b,
  TimestampEquals: timestamps((a, b) => a === b),
  TimestampLessThan: timestamps((a, b) => a < b),
  TimestampGreaterThan: timestamps((a, b) => a > b),
  TimestampLessThanEquals: timestamps((a, b) => a <= b),
  TimestampGreaterThanEquals: timestamps((a, b) => a >= b),
};

const typeTests: Record<string, (value: Json) => boolean> = {
  IsNull: (value) => value === null,
  IsNumeric: (value) => typeof value === 'number',
  IsString: (value) => typeof value === 'string',
  IsBoolean: (value) => typeof value === 'boolean',
  IsTimestamp: (value) => parseTimestamp(value) !== undefined,
};

/** Every comparison operator a JSONPath Choice Rule may use, including the `…Path` forms. */
export const CHOICE_OPERATORS: readonly string[] = [
  ...Object.keys(comparisons),
  ...Object.keys(comparisons)
    .filter((name) => name !== 'StringMatches')
    .map((name) => `${name}Path`),
  ...Object.keys(typeTests),
  'IsPresent',
];

export function ruleOperator(rule: JsonObject): string | undefined {
  return Object.keys(rule).find((key) => CHOICE_OPERATORS.includes(key));
}

function invalidPath(path: string): StatesError {
  return new StatesError(
    StatesErrorName.Runtime,
    `Invalid path '${path}': The choice state's condition path references an invalid value.`,
  );
}

export function evaluateRule(rule: JsonObject, scope: PathScope): boolean {
  if (Array.isArray(rule.And)) return rule.And.every((r) => evaluateRule(r as JsonObject, scope));
  if (Array.isArray(rule.Or)) return rule.Or.some((r) => evaluateRule(r as JsonObject, scope));
  if (rule.Not !== undefined) return !evaluateRule(rule.Not as JsonObject, scope);

  const operator = ruleOperator(rule) as string;
  const variable = rule.Variable as string;
  const read = readPath(variable, scope);
  if (operator === 'IsPresent') return read.found === rule.IsPresent;
  if (!read.found) throw invalidPath(variable);

  const test = typeTests[operator];
  if (test) return test(read.value) === rule[operator];

  if (operator.endsWith('Path')) {
    const operandPath = rule[operator] as string;
    const operand = readPath(operandPath, scope);
    if (!operand.found) throw invalidPath(operandPath);
    return (comparisons[operator.slice(0, -4)] as Compare)(read.value, operand.value);
  }
  return (comparisons[operator] as Compare)(read.value, rule[operator] as Json);
}
