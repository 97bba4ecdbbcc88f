import { JSONPath } from 'jsonpath-plus';
import { StatesError, StatesErrorName } from './errors';
import { evaluateIntrinsic, looksLikeIntrinsic, parseIntrinsic } from './intrinsics';
import { isObject, type Json, type JsonObject } from './json';
import type { RandomSource } from './ports';

// JSONPath as the States Language uses it: `$` is the input, `$$` the context object, `$name` a variable.
// Reference paths (names and indexes only) are walked directly: they are most paths and the only ones a
// ResultPath may use. Anything else (filters, wildcards, slices, `..`) goes to jsonpath-plus and, being
// indefinite, yields an array of every match. The syntax is Jayway JsonPath's, which the Step Functions
// documentation points to: `.[0]` is `[0]`, `$` inside a filter is the root, and a union of names
// (`['a','b']`) at the end of a path gives each match's object with only those names.

type Segment = string | number;

interface CompiledPath {
  text: string;
  root: 'input' | 'context' | 'variable';
  variable?: string;
  /** set for reference paths */
  segments?: Segment[];
  /** set for other paths: the path rewritten to start at `$` of the root value */
  general?: string;
  /** a trailing union of names (`['a','b']`): `general` is the path before it */
  union?: string[];
  definite: boolean;
}

export interface PathScope {
  /** what `$` denotes */
  input: Json;
  /** the context object, `$$` */
  context: JsonObject;
  variable(name: string): Json | undefined;
  random: RandomSource;
}

const cache = new Map<string, CompiledPath>();

const NAME = /^\.([^.[\]\s'"*?@(),:$]+)/;
const UNION = /\[\s*(?:'[^']*'|"[^"]*")(?:\s*,\s*(?:'[^']*'|"[^"]*"))+\s*\]$/;
const QUOTED = /^\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/;
const INDEX = /^\[\s*(\d+)\s*\]/;

/** Parses a path; throws a SyntaxError saying what is wrong. */
export function compilePath(text: string): CompiledPath {
  const cached = cache.get(text);
  if (cached) return cached;
  let rest: string;
  let compiled: Omit<CompiledPath, 'definite' | 'segments' | 'general'>;
  if (text.startsWith('$$')) {
    compiled = { text, root: 'context' };
    rest = text.slice(2);
  } else if (/^\$[A-Za-z_]/.test(text)) {
    const name = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1] as string;
    compiled = { text, root: 'variable', variable: name };
    rest = text.slice(name.length + 1);
  } else if (text.startsWith('$')) {
    compiled = { text, root: 'input' };
    rest = text.slice(1);
  } else {
    throw new SyntaxError(`the path '${text}' must start with '$'`);
  }
  if (rest !== '' && !rest.startsWith('.') && !rest.startsWith('[')) {
    throw new SyntaxError(`the path '${text}' must continue with '.' or '[' after its root`);
  }
  let brackets = 0;
  for (const c of rest) {
    if (c === '[') brackets++;
    if (c === ']') brackets--;
    if (brackets < 0) break;
  }
  if (brackets !== 0) throw new SyntaxError(`the path '${text}' has unbalanced brackets`);

  rest = jaywayToPlus(rest);
  const segments: Segment[] = [];
  let tail = rest;
  while (tail !== '') {
    const name = NAME.exec(tail);
    const quoted = name ? null : QUOTED.exec(tail);
    const index = name || quoted ? null : INDEX.exec(tail);
    if (name) segments.push(name[1] as string);
    else if (quoted) segments.push((quoted[1] ?? quoted[2]) as string);
    else if (index) segments.push(Number(index[1]));
    else break;
    tail = tail.slice(((name ?? quoted ?? index) as RegExpExecArray)[0].length);
  }
  const union = UNION.exec(rest);
  const result: CompiledPath =
    tail === ''
      ? { ...compiled, segments, definite: true }
      : union
        ? {
            ...compiled,
            general: `$${rest.slice(0, union.index)}`,
            union: [...(union[0].matchAll(/'([^']*)'|"([^"]*)"/g) ?? [])].map(
              (m) => (m[1] ?? m[2]) as string,
            ),
            definite: false,
          }
        : {
            ...compiled,
            general: `$${rest}`,
            definite: !/\.\.|\*|\?\(|\[[^\]]*[:,][^\]]*\]/.test(rest),
          };
  cache.set(text, result);
  return result;
}

/**
 * Jayway's forms in jsonpath-plus's terms: a `.` before `[` is dropped (`$.[0]`, `$.a.[0].b`), and in a
 * filter `$` (the root) becomes `@root` and a bare word compared with (`@.s == done`) a quoted string.
 */
function jaywayToPlus(rest: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '.' && rest[i + 1] === '[' && rest[i - 1] !== '.') {
      // `.[` is `[`
    } else if (c === '[' && rest.startsWith('[?(', i)) {
      const end = filterEnd(rest, i + 3);
      out += `[?(${filterScript(rest.slice(i + 3, end))})]`;
      i = end + 1;
    } else out += c;
  }
  return out;
}

/** the index of the `)` closing a filter whose expression starts at `from` */
function filterEnd(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0 && text[i + 1] === ']') return i;
      depth--;
    }
  }
  return text.length - 2;
}

const FILTER_TOKEN =
  /'[^']*'|"[^"]*"|[@$][\w.$]*(?:\[[^\]]*\][\w.$]*)*|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][\w-]*/g;

function filterScript(expression: string): string {
  return expression.replace(FILTER_TOKEN, (token) => {
    if (token.startsWith('$')) return `@root${token.slice(1)}`;
    if (/^[A-Za-z_]/.test(token) && !['true', 'false', 'null'].includes(token)) return `'${token}'`;
    return token;
  });
}

/** A Reference Path: only names and indexes, so it denotes at most one node and can be written to. */
export function isReferencePath(text: string): boolean {
  try {
    const path = compilePath(text);
    return path.segments !== undefined;
  } catch {
    return false;
  }
}

export type PathResult = { found: true; value: Json } | { found: false };

const NOT_FOUND: PathResult = { found: false };

/** Reads a path. An indefinite path always "finds" an array (perhaps empty). */
export function readPath(text: string, scope: PathScope): PathResult {
  const path = compilePath(text);
  let root: Json | undefined;
  if (path.root === 'input') root = scope.input;
  else if (path.root === 'context') root = scope.context;
  else root = scope.variable(path.variable as string);
  if (root === undefined) return NOT_FOUND;
  if (path.segments) {
    let node: Json = root;
    for (const segment of path.segments) {
      if (typeof segment === 'number' && Array.isArray(node) && segment < node.length) {
        node = node[segment] as Json;
      } else if (typeof segment === 'string' && isObject(node) && Object.hasOwn(node, segment)) {
        node = node[segment] as Json;
      } else return NOT_FOUND;
    }
    return { found: true, value: node };
  }
  let matches: Json[];
  try {
    matches = JSONPath({
      path: path.general as string,
      json: root as object,
      wrap: true,
      eval: 'safe',
    }) as Json[];
  } catch (error) {
    throw new StatesError(StatesErrorName.Runtime, `Invalid path '${text}': ${(error as Error).message}`);
  }
  if (path.union) {
    const names = path.union;
    const picked = matches.filter(isObject).map((match) => {
      const out: JsonObject = {};
      for (const name of names) if (Object.hasOwn(match, name)) out[name] = match[name] as Json;
      return out;
    });
    return { found: true, value: picked };
  }
  if (!path.definite) return { found: true, value: matches };
  return matches.length === 0 ? NOT_FOUND : { found: true, value: matches[0] as Json };
}

/** Reads a path that must resolve, failing with `errorName` as Step Functions does for that field. */
export function requirePath(text: string, scope: PathScope, errorName: string, field: string): Json {
  const result = readPath(text, scope);
  if (!result.found) {
    throw new StatesError(
      errorName,
      `The JSONPath '${text}' specified for the field '${field}' could not be found in the input '${JSON.stringify(scope.input)}'`,
    );
  }
  return result.value;
}

/** The value of a `.$` field, or of ErrorPath/CausePath: a path or an intrinsic function. */
export function evaluateDynamic(
  expression: string,
  scope: PathScope,
  errorName: string,
  field: string,
): Json {
  if (looksLikeIntrinsic(expression)) {
    return evaluateIntrinsic(parseIntrinsic(expression), {
      random: scope.random,
      resolve: (path) => requirePath(path, scope, errorName, field),
    });
  }
  return requirePath(expression, scope, errorName, field);
}

/**
 * Evaluates a payload template (Parameters, ResultSelector, ItemSelector, Assign): fields named `x.$`
 * become `x` with the value of their path or intrinsic; everything else is copied, recursively.
 */
export function evaluateTemplate(template: Json, scope: PathScope, errorName: string): Json {
  if (Array.isArray(template)) return template.map((item) => evaluateTemplate(item, scope, errorName));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = evaluateDynamic(value, scope, errorName, key);
    } else {
      out[key] = evaluateTemplate(value, scope, errorName);
    }
  }
  return out;
}

/** Applies a ResultPath: places `result` into `input` at `path`, copying what it changes. */
export function applyResultPath(input: Json, path: string | null | undefined, result: Json): Json {
  if (path === null) return input;
  if (path === undefined || path === '$') return result;
  const compiled = compilePath(path);
  const segments = compiled.segments;
  if (!segments || compiled.root !== 'input') {
    throw new StatesError(
      StatesErrorName.ResultPathMatchFailure,
      `ResultPath '${path}' is not a reference path`,
    );
  }
  const fail = () =>
    new StatesError(
      StatesErrorName.ResultPathMatchFailure,
      `Unable to apply ResultPath '${path}' to input '${JSON.stringify(input)}'`,
    );
  const place = (node: Json | undefined, i: number): Json => {
    if (i === segments.length) return result;
    const segment = segments[i] as Segment;
    if (typeof segment === 'number') {
      if (!Array.isArray(node) || segment >= node.length) throw fail();
      const copy = node.slice();
      copy[segment] = place(node[segment], i + 1);
      return copy;
    }
    if (node === undefined) return { [segment]: place(undefined, i + 1) };
    if (!isObject(node)) throw fail();
    return { ...node, [segment]: place(node[segment], i + 1) };
  };
  return place(input, 0);
}
