import { createHash } from 'node:crypto';
import { StatesError, StatesErrorName } from './errors';
import { isObject, type Json, type JsonObject, jsonEquals } from './json';
import { type RandomSource, seededRandom } from './ports';

// The JSONPath intrinsic functions (States.Format … States.UUID), parsed once per definition string.

type Arg =
  | { kind: 'literal'; value: Json; pieces?: string[] }
  | { kind: 'path'; path: string }
  | { kind: 'call'; call: IntrinsicCall };

export interface IntrinsicCall {
  name: string;
  args: Arg[];
}

export interface IntrinsicEnv {
  /** reads a path argument (`$.x`, `$$.Execution.Id`, `$var`); throws when it does not resolve */
  resolve(path: string): Json;
  random: RandomSource;
}

type Impl = (args: Json[], env: IntrinsicEnv, call: IntrinsicCall) => Json;

const MAX_STRING_CHARS = 10_000;
const MAX_RANGE_ITEMS = 1000;

export function looksLikeIntrinsic(text: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(text);
}

const cache = new Map<string, IntrinsicCall>();

/** Parses `States.Name(args…)`; throws a SyntaxError naming what is wrong. */
export function parseIntrinsic(text: string): IntrinsicCall {
  const cached = cache.get(text);
  if (cached) return cached;
  const parser = new Parser(text);
  const call = parser.call();
  parser.skipSpace();
  if (!parser.atEnd()) throw parser.fail('unexpected text after the closing parenthesis');
  cache.set(text, call);
  return call;
}

class Parser {
  private i = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i] as string)) this.i++;
  }

  fail(problem: string): SyntaxError {
    return new SyntaxError(
      `invalid intrinsic function '${this.text}' at character ${this.i + 1}: ${problem}`,
    );
  }

  call(): IntrinsicCall {
    this.skipSpace();
    const match = /^States\.([A-Za-z0-9]+)\(/.exec(this.text.slice(this.i));
    if (!match) throw this.fail("expected 'States.<Function>('");
    const name = `States.${match[1]}`;
    const spec = arity[name];
    if (!spec) throw this.fail(`unknown function ${name}`);
    this.i += match[0].length;
    const args: Arg[] = [];
    this.skipSpace();
    if (this.text[this.i] === ')') this.i++;
    else {
      for (;;) {
        args.push(this.arg());
        this.skipSpace();
        const c = this.text[this.i];
        this.i++;
        if (c === ')') break;
        if (c !== ',') throw this.fail("expected ',' or ')'");
      }
    }
    const [min, max] = spec;
    if (args.length < min || args.length > max) {
      const expected =
        min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
      throw this.fail(`${name} takes ${expected} argument(s), not ${args.length}`);
    }
    return { name, args };
  }

  private arg(): Arg {
    this.skipSpace();
    const rest = this.text.slice(this.i);
    if (rest.startsWith("'")) return this.stringLiteral();
    if (rest.startsWith('States.')) return { kind: 'call', call: this.call() };
    if (rest.startsWith('$')) return { kind: 'path', path: this.path() };
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (number) {
      this.i += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (new RegExp(`^${word}(?![A-Za-z0-9_])`).test(rest)) {
        this.i += word.length;
        return { kind: 'literal', value };
      }
    }
    throw this.fail('expected a string, a number, a path or a States function');
  }

  /** `'…'` with the escapes \' \{ \} \\; `pieces` splits at unescaped `{}` for States.Format. */
  private stringLiteral(): Arg {
    this.i++;
    let value = '';
    let piece = '';
    const pieces: string[] = [];
    for (;;) {
      if (this.atEnd()) throw this.fail('unterminated string');
      const c = this.text[this.i] as string;
      if (c === '\\') {
        const next = this.text[this.i + 1];
        if (next === undefined || !"'{}\\".includes(next))
          throw this.fail("a backslash must escape one of ' { } \\");
        value += next;
        piece += next;
        this.i += 2;
        continue;
      }
      if (c === "'") {
        this.i++;
        pieces.push(piece);
        return { kind: 'literal', value, pieces };
      }
      if (c === '{' && this.text[this.i + 1] === '}') {
        pieces.push(piece);
        piece = '';
        value += '{}';
        this.i += 2;
        continue;
      }
      value += c;
      piece += c;
      this.i++;
    }
  }

  /** A path runs to the next top-level ',' or ')', minding brackets, parentheses and quotes. */
  private path(): string {
    const start = this.i;
    let depth = 0;
    let quote: string | undefined;
    for (; this.i < this.text.length; this.i++) {
      const c = this.text[this.i] as string;
      if (quote) {
        if (c === quote) quote = undefined;
        continue;
      }
      if (c === "'" || c === '"') quote = c;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || (c === ')' && depth > 0)) depth--;
      else if (depth === 0 && (c === ',' || c === ')')) break;
    }
    return this.text.slice(start, this.i).trim();
  }
}

const arity: Record<string, [number, number]> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

export function evaluateIntrinsic(call: IntrinsicCall, env: IntrinsicEnv): Json {
  const args = call.args.map((arg) =>
    arg.kind === 'literal'
      ? arg.value
      : arg.kind === 'path'
        ? env.resolve(arg.path)
        : evaluateIntrinsic(arg.call, env),
  );
  const impl = functions[call.name] as Impl;
  return impl(args, env, call);
}

function failure(name: string, problem: string): StatesError {
  return new StatesError(StatesErrorName.IntrinsicFailure, `Invalid arguments in ${name}: ${problem}`);
}

function array(name: string, value: Json | undefined, position: string): Json[] {
  if (!Array.isArray(value))
    throw failure(name, `the ${position} argument must be an array, not ${show(value)}`);
  return value;
}

function text(name: string, value: Json | undefined, position: string): string {
  if (typeof value !== 'string')
    throw failure(name, `the ${position} argument must be a string, not ${show(value)}`);
  return value;
}

/** Integer arguments are rounded to the nearest integer, as Step Functions documents for these functions. */
function integer(name: string, value: Json | undefined, position: string): number {
  if (typeof value !== 'number')
    throw failure(name, `the ${position} argument must be a number, not ${show(value)}`);
  return Math.round(value);
}

function show(value: Json | undefined): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * A value as States.Format writes it: strings as they are, numbers, booleans and null as in JSON, and
 * objects and arrays the way Step Functions' Java runtime prints its collections, `{a=1, b=[x, y]}`,
 * not as JSON text (use States.JsonToString for that).
 */
function formatValue(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (isObject(value))
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}=${formatValue(item)}`)
      .join(', ')}}`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function uuid(random: RandomSource): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random.next() * 256));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export { uuid as randomUuid };

const hashAlgorithms: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const functions: Record<string, Impl> = {
  'States.Format'(args, _env, call) {
    const [template, ...values] = args;
    const first = call.args[0];
    // a literal template keeps its escaped braces literal; a template read from a path has no escapes
    const pieces =
      first?.kind === 'literal' && first.pieces
        ? first.pieces
        : text(call.name, template, 'first').split('{}');
    if (pieces.length - 1 !== values.length) {
      throw failure(
        call.name,
        `the template has ${pieces.length - 1} '{}' but ${values.length} value(s) were given`,
      );
    }
    return pieces.reduce(
      (out, piece, i) => out + piece + (i < values.length ? formatValue(values[i] as Json) : ''),
      '',
    );
  },
  'States.StringToJson'([value], _env, call) {
    // an empty (or blank) string holds no JSON value: null, as a JSON parser reading nothing gives
    if (typeof value === 'string' && value.trim() === '') return null;
    try {
      return JSON.parse(text(call.name, value, 'first')) as Json;
    } catch (error) {
      if (error instanceof StatesError) throw error;
      throw failure(call.name, `${show(value)} is not a JSON text`);
    }
  },
  'States.JsonToString'([value]) {
    return JSON.stringify(value);
  },
  'States.Array'(args) {
    return args;
  },
  'States.ArrayPartition'([items, size], _env, call) {
    const list = array(call.name, items, 'first');
    const chunk = integer(call.name, size, 'second');
    if (chunk <= 0) throw failure(call.name, `the chunk size must be a positive integer, not ${chunk}`);
    const out: Json[] = [];
    for (let i = 0; i < list.length; i += chunk) out.push(list.slice(i, i + chunk));
    return out;
  },
  'States.ArrayContains'([items, wanted], _env, call) {
    return array(call.name, items, 'first').some((item) => jsonEquals(item, wanted as Json));
  },
  'States.ArrayRange'([first, last, by], _env, call) {
    const start = integer(call.name, first, 'first');
    const end = integer(call.name, last, 'second');
    const step = integer(call.name, by, 'third');
    if (step === 0) throw failure(call.name, 'the step must not be zero');
    const out: number[] = [];
    for (let n = start; step > 0 ? n <= end : n >= end; n += step) {
      if (out.length === MAX_RANGE_ITEMS)
        throw failure(call.name, `the range has more than ${MAX_RANGE_ITEMS} items`);
      out.push(n);
    }
    return out;
  },
  'States.ArrayGetItem'([items, at], _env, call) {
    const list = array(call.name, items, 'first');
    const index = integer(call.name, at, 'second');
    if (index < 0 || index >= list.length) {
      throw failure(call.name, `index ${index} is out of bounds for an array of ${list.length} item(s)`);
    }
    return list[index] as Json;
  },
  'States.ArrayLength'([items], _env, call) {
    return array(call.name, items, 'first').length;
  },
  'States.ArrayUnique'([items], _env, call) {
    const out: Json[] = [];
    for (const item of array(call.name, items, 'first')) {
      if (!out.some((seen) => jsonEquals(seen, item))) out.push(item);
    }
    return out;
  },
  'States.Base64Encode'([value], _env, call) {
    const input = text(call.name, value, 'first');
    if (input.length > MAX_STRING_CHARS)
      throw failure(call.name, `the input is longer than ${MAX_STRING_CHARS} characters`);
    return Buffer.from(input, 'utf8').toString('base64');
  },
  'States.Base64Decode'([value], _env, call) {
    const input = text(call.name, value, 'first');
    if (input.length > MAX_STRING_CHARS)
      throw failure(call.name, `the input is longer than ${MAX_STRING_CHARS} characters`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input) || input.length % 4 !== 0) {
      throw failure(call.name, `${show(value)} is not base64`);
    }
    return Buffer.from(input, 'base64').toString('utf8');
  },
  'States.Hash'([value, algorithm], _env, call) {
    const data = typeof value === 'string' ? value : JSON.stringify(value);
    if (data.length > MAX_STRING_CHARS)
      throw failure(call.name, `the input is longer than ${MAX_STRING_CHARS} characters`);
    const name = hashAlgorithms[text(call.name, algorithm, 'second')];
    if (!name) {
      throw failure(
        call.name,
        `the algorithm must be one of ${Object.keys(hashAlgorithms).join(', ')}, not ${show(algorithm)}`,
      );
    }
    return createHash(name).update(data, 'utf8').digest('hex');
  },
  'States.JsonMerge'([left, right, deep], _env, call) {
    if (!isObject(left) || !isObject(right))
      throw failure(call.name, 'the first two arguments must be JSON objects');
    if (deep !== false)
      throw failure(call.name, 'only a shallow merge is supported: pass false as the third argument');
    return { ...left, ...right } satisfies JsonObject;
  },
  'States.MathRandom'([first, last, seed], env, call) {
    const start = integer(call.name, first, 'first');
    const end = integer(call.name, last, 'second');
    if (end < start) throw failure(call.name, `the end ${end} is less than the start ${start}`);
    const random = seed === undefined ? env.random : seededRandom(integer(call.name, seed, 'third'));
    // both bounds are included
    return start + Math.floor(random.next() * (end - start + 1));
  },
  'States.MathAdd'([a, b], _env, call) {
    return integer(call.name, a, 'first') + integer(call.name, b, 'second');
  },
  'States.StringSplit'([value, delimiters], _env, call) {
    const input = text(call.name, value, 'first');
    const chars = text(call.name, delimiters, 'second');
    if (chars === '') return [input];
    // every character of the second argument is a delimiter; empty tokens are dropped
    const out: string[] = [];
    let token = '';
    for (const c of input) {
      if (chars.includes(c)) {
        if (token !== '') out.push(token);
        token = '';
      } else token += c;
    }
    if (token !== '') out.push(token);
    return out;
  },
  'States.UUID'(_args, env) {
    return uuid(env.random);
  },
};
