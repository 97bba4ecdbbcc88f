import { InvalidEventPatternError } from './errors';
import { type IpRange, inRange, ipBytes, looksLikeIp, parseCidr, sameAddress } from './ip';
import { matchesWildcard, parseWildcard, type WildcardToken, wildcardComplexity } from './wildcard';

export { InvalidEventPatternError };

/** A scalar the matcher compares: what an event holds at the end of a path. */
type Leaf = string | number | boolean | null;
type Test = (value: Leaf) => boolean;

/** One field of one conjunction: the event must hold a leaf at `path` passing some test, or lack the path. */
interface FieldCondition {
  path: string;
  tests: Test[];
  /** `{"exists": false}` is among the alternatives: the field may be missing */
  absentOk: boolean;
}

/** A pattern compiled to alternatives (`$or` multiplied out), each a conjunction of field conditions. */
export interface CompiledPattern {
  readonly branches: readonly (readonly FieldCondition[])[];
  /** it has a wildcard (or anything-but wildcard): a bus holds at most 30 such rules */
  readonly usesWildcards: boolean;
}

export interface PatternOptions {
  /** the longest pattern accepted, in characters of its compact JSON; 2,048 is EventBridge's default quota */
  maxLength?: number;
}

/** EventBridge's default event pattern size quota; the API parameter itself takes up to 4,096. */
export const RULE_PATTERN_MAX_LENGTH = 2048;
export const API_PATTERN_MAX_LENGTH = 4096;

// event-ruler's limit on simultaneously live wildcard prefixes of one field, calibrated on patterns AWS refuses
const WILDCARD_COMPLEXITY_LIMIT = 10;
// numeric operands outside this range are refused by event-ruler's ComparableNumber
const NUMERIC_LIMIT = 5e9;
// a local guard: `$or` inside `$or` multiplies; a pattern this size has no business being this wide
const MAX_BRANCHES = 10_000;

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;
// event-ruler refuses these as field names inside `$or` (they would read as operators)
const RESERVED_IN_OR = new Set<string>([
  ...OPERATORS,
  'exactly',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

function child(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
}

function fail(at: string, reason: string): never {
  throw new InvalidEventPatternError(at, reason);
}

const lower = (text: string) => text.toLowerCase();
const equalsIgnoringCase = (a: string, b: string) =>
  lower(a) === lower(b) || a.toUpperCase() === b.toUpperCase();

/** Compiles a leaf operator object (`{"prefix": "x"}`, …) into a test, or marks `{"exists": false}`. */
interface Compiled {
  test?: Test;
  absentOk?: boolean;
  wildcards?: string[];
}

function stringTest(kind: 'prefix' | 'suffix', value: string, ignoreCase: boolean): Test {
  if (!ignoreCase)
    return kind === 'prefix'
      ? (leaf) => typeof leaf === 'string' && leaf.startsWith(value)
      : (leaf) => typeof leaf === 'string' && leaf.endsWith(value);
  const folded = lower(value);
  return kind === 'prefix'
    ? (leaf) => typeof leaf === 'string' && lower(leaf).startsWith(folded)
    : (leaf) => typeof leaf === 'string' && lower(leaf).endsWith(folded);
}

function compileWildcard(value: unknown, at: string): { tokens: WildcardToken[]; text: string } {
  if (typeof value !== 'string') fail(at, `wildcard match pattern must be a string, not ${show(value)}`);
  const tokens = parseWildcard(value);
  if (typeof tokens === 'string') fail(at, `${tokens} in wildcard ${show(value)}`);
  return { tokens, text: value };
}

function checkNumber(value: unknown, at: string, what: string): number {
  if (typeof value !== 'number') fail(at, `${what} must be numeric, not ${show(value)}`);
  if (!(Math.abs(value) <= NUMERIC_LIMIT))
    fail(at, `Value must be between -5.0E9 and 5.0E9, inclusive, not ${value}`);
  return value;
}

function compileNumeric(value: unknown, at: string): Test {
  if (!Array.isArray(value)) fail(at, `Value of numeric must be an array, not ${show(value)}`);
  const [operator, operand, secondOperator, secondOperand] = value as unknown[];
  if (typeof operator !== 'string')
    fail(
      child(at, 0),
      `Invalid member in numeric match: ${show(operator)} (expected one of =, <, <=, >, >=)`,
    );
  const tooMany = (limit: number, reason: string) => {
    if (value.length > limit) fail(child(at, limit), reason);
  };
  if (operator === '=' || operator === '<' || operator === '<=') {
    const bound = checkNumber(operand, child(at, 1), `Value of ${operator}`);
    tooMany(2, 'Too many elements in numeric expression');
    if (operator === '=') return (leaf) => typeof leaf === 'number' && leaf === bound;
    return operator === '<'
      ? (leaf) => typeof leaf === 'number' && leaf < bound
      : (leaf) => typeof leaf === 'number' && leaf <= bound;
  }
  if (operator !== '>' && operator !== '>=')
    fail(child(at, 0), `Unrecognized numeric range operator: ${operator} (expected one of =, <, <=, >, >=)`);
  const bottom = checkNumber(operand, child(at, 1), `Value of ${operator}`);
  const aboveBottom: Test =
    operator === '>'
      ? (leaf) => typeof leaf === 'number' && leaf > bottom
      : (leaf) => typeof leaf === 'number' && leaf >= bottom;
  if (value.length === 2) return aboveBottom;
  if (secondOperator !== '<' && secondOperator !== '<=')
    fail(
      child(at, 2),
      `Bad numeric range operator: ${String(secondOperator)} (an upper bound takes < or <=)`,
    );
  const top = checkNumber(secondOperand, child(at, 3), `Value of ${secondOperator}`);
  tooMany(4, 'Too many terms in numeric range expression');
  if (!(top > bottom)) fail(child(at, 3), `Bottom must be less than top (${bottom} is not below ${top})`);
  return secondOperator === '<'
    ? (leaf) => aboveBottom(leaf) && (leaf as number) < top
    : (leaf) => aboveBottom(leaf) && (leaf as number) <= top;
}

/** `{"anything-but": …}`: true for every leaf the inner match refuses (null included); never for a missing field. */
function compileAnythingBut(value: unknown, at: string): Compiled {
  const excluding =
    (excluded: Test): Test =>
    (leaf) =>
      !excluded(leaf);
  if (typeof value === 'string') return { test: (leaf) => leaf !== value };
  if (typeof value === 'number') {
    const number = checkNumber(value, at, 'Value of anything-but');
    return { test: (leaf) => leaf !== number };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) fail(at, 'anything-but list must not be empty');
    value.forEach((item, i) => {
      if (typeof item !== 'string' && typeof item !== 'number')
        fail(
          child(at, i),
          `Inside anything but list, ${show(item)} is not supported: use only strings or numbers`,
        );
      if (typeof item === 'number') checkNumber(item, child(at, i), 'Value of anything-but');
    });
    const kinds = new Set(value.map((item) => typeof item));
    if (kinds.size > 1)
      fail(
        at,
        'Inside anything but list, either all values are number or string, mixed type is not supported',
      );
    const excluded = new Set<unknown>(value);
    return { test: (leaf) => !excluded.has(leaf) };
  }
  if (!isObject(value))
    fail(at, `Value of anything-but must be an array or single string/number value, not ${show(value)}`);
  const keys = Object.keys(value);
  if (keys.length === 0) fail(at, 'Anything-But expression name not found');
  if (keys.length > 1) fail(at, `Only one key allowed in match expression, not ${keys.join(', ')}`);
  const name = keys[0] as string;
  const inner = value[name];
  const here = child(at, name);
  const strings = (what: string, allowEmpty: boolean): string[] => {
    const items = Array.isArray(inner) ? inner : [inner];
    if (isObject(inner))
      fail(here, `Value of anything-but must be an array or single string/number value, not ${show(inner)}`);
    if (items.length === 0) fail(here, `anything-but/${name} list must not be empty`);
    items.forEach((item, i) => {
      const itemAt = Array.isArray(inner) ? child(here, i) : here;
      if (typeof item !== 'string') fail(itemAt, `${what}, not ${show(item)}`);
      if (!allowEmpty && item === '') fail(itemAt, 'Null prefix/suffix not allowed');
    });
    return items as string[];
  };
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const tests = strings('prefix/suffix match pattern must be a string', false).map((text) =>
        stringTest(name, text, false),
      );
      return { test: excluding((leaf) => tests.some((test) => test(leaf))) };
    }
    case 'equals-ignore-case': {
      const texts = strings(
        'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported',
        true,
      );
      return {
        test: excluding(
          (leaf) => typeof leaf === 'string' && texts.some((text) => equalsIgnoringCase(leaf, text)),
        ),
      };
    }
    case 'wildcard': {
      const texts = strings('wildcard match pattern must be a string', true);
      const patterns = texts.map((text, i) =>
        compileWildcard(text, Array.isArray(inner) ? child(here, i) : here),
      );
      return {
        test: excluding(
          (leaf) => typeof leaf === 'string' && patterns.some(({ tokens }) => matchesWildcard(tokens, leaf)),
        ),
        wildcards: texts,
      };
    }
    default:
      fail(
        here,
        `Unsupported anything-but pattern: ${name} (use prefix, suffix, equals-ignore-case or wildcard)`,
      );
  }
}

function compileOperator(expression: Record<string, unknown>, at: string): Compiled {
  const keys = Object.keys(expression);
  if (keys.length === 0) fail(at, 'Match expression name not found');
  if (keys.length > 1) fail(at, `Only one key allowed in match expression, not ${keys.join(', ')}`);
  const name = keys[0] as string;
  const value = expression[name];
  const here = child(at, name);
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (typeof value === 'string') return { test: stringTest(name, value, false) };
      if (isObject(value) && Object.keys(value).length === 1 && 'equals-ignore-case' in value) {
        const text = value['equals-ignore-case'];
        if (typeof text !== 'string')
          fail(
            child(here, 'equals-ignore-case'),
            `equals-ignore-case match pattern must be a string, not ${show(text)}`,
          );
        return { test: stringTest(name, text, true) };
      }
      return fail(
        here,
        `${name} match pattern must be a string (or {"equals-ignore-case": string}), not ${show(value)}`,
      );
    }
    case 'equals-ignore-case': {
      if (typeof value !== 'string')
        fail(here, `equals-ignore-case match pattern must be a string, not ${show(value)}`);
      return { test: (leaf) => typeof leaf === 'string' && equalsIgnoringCase(leaf, value) };
    }
    case 'wildcard': {
      const { tokens, text } = compileWildcard(value, here);
      return { test: (leaf) => typeof leaf === 'string' && matchesWildcard(tokens, leaf), wildcards: [text] };
    }
    case 'anything-but':
      return compileAnythingBut(value, here);
    case 'numeric':
      return { test: compileNumeric(value, here) };
    case 'exists':
      if (typeof value !== 'boolean')
        fail(here, `exists match pattern must be either true or false, not ${show(value)}`);
      return value ? { test: () => true } : { absentOk: true };
    case 'cidr': {
      if (typeof value !== 'string') fail(here, `cidr match pattern must be a string, not ${show(value)}`);
      const range: IpRange | string = parseCidr(value);
      if (typeof range === 'string') fail(here, `${range} in ${show(value)}`);
      return {
        test: (leaf) => {
          if (typeof leaf !== 'string') return false;
          const address = ipBytes(leaf);
          return address !== undefined && inRange(address, range);
        },
      };
    }
    default: {
      const known = OPERATORS.find((operator) => operator === name.toLowerCase());
      return fail(
        at,
        `Unrecognized match type ${name}${known ? ` (operators are case-sensitive: write ${known})` : ''}`,
      );
    }
  }
}

function exactTest(value: Leaf): Test {
  if (typeof value === 'string' && looksLikeIp(value)) {
    const address = ipBytes(value);
    // event-ruler compares IP literals as addresses, so 2001:db8::1 equals 2001:0db8:0:0:0:0:0:1
    if (address !== undefined)
      return (leaf) => {
        if (leaf === value) return true;
        if (typeof leaf !== 'string') return false;
        const other = ipBytes(leaf);
        return other !== undefined && sameAddress(address, other);
      };
  }
  return (leaf) => leaf === value;
}

interface Leaves {
  field: FieldCondition;
  wildcards: string[];
}

function compileLeaf(values: unknown[], path: string, at: string): Leaves {
  if (values.length === 0) fail(at, 'Empty arrays are not allowed');
  const field: FieldCondition = { path, tests: [], absentOk: false };
  const wildcards: string[] = [];
  values.forEach((value, i) => {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      field.tests.push(exactTest(value));
    } else if (isObject(value)) {
      const compiled = compileOperator(value, child(at, i));
      if (compiled.test) field.tests.push(compiled.test);
      if (compiled.absentOk) field.absentOk = true;
      if (compiled.wildcards) wildcards.push(...compiled.wildcards);
    } else {
      fail(
        child(at, i),
        `Match value must be String, number, true, false, null or an operator object, not ${show(value)}`,
      );
    }
  });
  return { field, wildcards };
}

interface Compilation {
  wildcardsByPath: Map<string, Set<string>>;
}

type Branches = FieldCondition[][];

function product(left: Branches, right: Branches, at: string): Branches {
  if (left.length * right.length > MAX_BRANCHES)
    fail(at, `Rule is too complex - its $or alternatives multiply to more than ${MAX_BRANCHES} combinations`);
  return left.flatMap((a) => right.map((b) => [...a, ...b]));
}

function compileObject(
  object: Record<string, unknown>,
  prefix: string,
  at: string,
  insideOr: boolean,
  state: Compilation,
): Branches {
  const keys = Object.keys(object);
  if (keys.length === 0) fail(at, 'Empty objects are not allowed');
  let branches: Branches = [[]];
  for (const key of keys) {
    const value = object[key];
    const here = child(at, key);
    if (key === '$or') {
      if (!Array.isArray(value)) fail(here, `It must be an Array followed with $or, not ${show(value)}`);
      if (value.length < 2)
        fail(here, `There must have at least 2 Objects in $or relationship, not ${value.length}`);
      const alternatives = value.flatMap((branch, i) => {
        if (!isObject(branch))
          fail(
            child(here, i),
            `Only JSON object is allowed in array of $or relationship, not ${show(branch)}`,
          );
        return compileObject(branch, prefix, child(here, i), true, state);
      });
      branches = product(branches, alternatives, here);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key))
      fail(here, `${key} is Ruler reserved fieldName which cannot be used inside $or`);
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value)) {
      branches = product(branches, compileObject(value, path, here, insideOr, state), here);
    } else if (Array.isArray(value)) {
      const { field, wildcards } = compileLeaf(value, path, here);
      if (wildcards.length > 0) {
        const known = state.wildcardsByPath.get(path) ?? new Set<string>();
        for (const wildcard of wildcards) known.add(wildcard);
        state.wildcardsByPath.set(path, known);
      }
      branches = branches.map((branch) => [...branch, field]);
    } else {
      fail(here, `"${key}" must be an object or an array, not ${show(value)}`);
    }
  }
  return branches;
}

/** Validates `pattern` as EventBridge would and compiles it; throws InvalidEventPatternError naming the path. */
export function compilePattern(pattern: unknown, options: PatternOptions = {}): CompiledPattern {
  if (!isObject(pattern))
    fail('$', `Filter is not an object: an event pattern is a JSON object, not ${show(pattern)}`);
  const maxLength = options.maxLength ?? RULE_PATTERN_MAX_LENGTH;
  const length = JSON.stringify(pattern).length;
  if (length > maxLength)
    fail(
      '$',
      `Event pattern is ${length} characters, over the limit of ${maxLength}: split it into several rules`,
    );
  const state: Compilation = { wildcardsByPath: new Map() };
  const branches = compileObject(pattern, '', '$', false, state);
  for (const [path, texts] of state.wildcardsByPath) {
    const tokens = [...texts].map((text) => parseWildcard(text) as WildcardToken[]);
    if (wildcardComplexity(tokens, WILDCARD_COMPLEXITY_LIMIT) > WILDCARD_COMPLEXITY_LIMIT)
      fail(
        `$.${path}`,
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
  }
  return { branches, usesWildcards: state.wildcardsByPath.size > 0 };
}

/** Throws InvalidEventPatternError (with the JSON path and the rule broken) for every pattern AWS refuses. */
export function validatePattern(pattern: unknown, options: PatternOptions = {}): void {
  compilePattern(pattern, options);
}

/** Parses an `EventPattern` string and validates it; a JSON syntax error is reported at `$`. */
export function parsePattern(text: string, options: PatternOptions = {}): CompiledPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch (error) {
    throw new InvalidEventPatternError('$', `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return compilePattern(pattern, options);
}

interface EventLeaf {
  value: Leaf;
  /** array id → element index, for every array on the way from the root to this leaf */
  arrays: Map<number, number>;
}

/** The event as EventBridge sees it: leaves keyed by dot-joined path, arrays crushed out but remembered. */
function flatten(event: unknown): Map<string, EventLeaf[]> {
  const leaves = new Map<string, EventLeaf[]>();
  let nextArray = 0;
  const visit = (value: unknown, path: string, arrays: Map<number, number>) => {
    if (Array.isArray(value)) {
      const id = nextArray++;
      for (const [index, item] of value.entries()) visit(item, path, new Map(arrays).set(id, index));
    } else if (isObject(value)) {
      for (const [key, member] of Object.entries(value)) visit(member, path ? `${path}.${key}` : key, arrays);
    } else if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      const list = leaves.get(path) ?? [];
      list.push({ value, arrays });
      leaves.set(path, list);
    }
  };
  visit(event, '', new Map());
  return leaves;
}

// two leaves under different elements of the same array never satisfy one rule together (array consistency)
function consistent(a: EventLeaf, b: EventLeaf): boolean {
  for (const [id, index] of a.arrays) {
    const other = b.arrays.get(id);
    if (other !== undefined && other !== index) return false;
  }
  return true;
}

function matchesBranch(branch: readonly FieldCondition[], leaves: Map<string, EventLeaf[]>): boolean {
  const choices: EventLeaf[][] = [];
  for (const field of branch) {
    const present = leaves.get(field.path);
    if (!present) {
      if (field.absentOk) continue;
      return false;
    }
    const candidates = present.filter((leaf) => field.tests.some((test) => test(leaf.value)));
    if (candidates.length === 0) return false;
    choices.push(candidates);
  }
  choices.sort((a, b) => a.length - b.length);
  const chosen: EventLeaf[] = [];
  const search = (i: number): boolean => {
    const options = choices[i];
    if (!options) return true;
    for (const leaf of options) {
      if (!chosen.every((other) => consistent(leaf, other))) continue;
      chosen.push(leaf);
      if (search(i + 1)) return true;
      chosen.pop();
    }
    return false;
  };
  return search(0);
}

/** Whether `event` matches a compiled pattern. */
export function matchesCompiled(pattern: CompiledPattern, event: unknown): boolean {
  const leaves = flatten(event);
  return pattern.branches.some((branch) => matchesBranch(branch, leaves));
}

/** Whether `event` matches `pattern`, exactly as EventBridge content filtering decides; invalid patterns throw. */
export function matches(pattern: unknown, event: unknown): boolean {
  return matchesCompiled(compilePattern(pattern, { maxLength: Number.POSITIVE_INFINITY }), event);
}
