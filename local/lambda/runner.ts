import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionReference, functionArn, parseFunctionReference } from './arn';
import { createContext, logLocationFor } from './context';
import { type FunctionError, functionErrorOf, LambdaServiceError, RuntimeError } from './errors';
import { onInvocationClock, realNow } from './invocation-clock';

export type { FunctionError } from './errors';
export { LambdaServiceError } from './errors';

/** What an invocation ended with: the handler's result (a JSON copy), or the error Lambda would report. */
export type InvokeOutcome = { result: unknown } | { error: FunctionError };

/**
 * Invokes a function synchronously (`RequestResponse`), as the Step Functions engine's task port and the
 * API gateway need it. Resolves with the result or the function's error; rejects with a
 * {@link LambdaServiceError} when Lambda itself refuses the call (unknown function, payload too large).
 */
export interface LambdaInvoker {
  invoke(functionArn: string, payload: unknown): Promise<InvokeOutcome>;
}

export interface LambdaFunctionConfig {
  /** an absolute file path, or a bare import specifier resolved from this package */
  module: string;
  /** the exported handler, `handler` for `export const handler`; dots reach into nested objects */
  export: string;
  timeoutMs: number;
  memoryMb: number;
  /**
   * Written to `process.env` before the module is first imported. Every function shares this one process,
   * so two functions may not give the same variable different values; set what all of them share (the
   * `AWS_ENDPOINT_URL_*` values, the region) once in the process env at stack start instead.
   */
  env?: Record<string, string>;
}

/** Time for timeouts and `getRemainingTimeInMillis`; tests inject a manual one. */
export interface LambdaTimers {
  now(): number;
  /** runs `fire` once `ms` have passed; the returned function cancels it */
  schedule(ms: number, fire: () => void): () => void;
}

export const realTimers: LambdaTimers = {
  // the system's time even when a handler asks (its own Date.now() reads the runner's clock)
  now: realNow,
  schedule(ms, fire) {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

export interface LambdaRunnerOptions {
  /** the account the functions live in, used for bare function names and for the ARNs the context shows */
  accountId: string;
  region?: string;
  timers?: LambdaTimers;
  /**
   * The time a handler reads from `Date.now()` while it runs: the stack's clock, so handlers and the engine
   * agree. Default: the timers. Timeouts stay on the timers: a stack on a sped-up clock gives its handlers
   * their time in real seconds (a 29 s timeout would otherwise be 0.6 s at ×50).
   */
  clock?: { now(): number };
  /** loads a module by URL or specifier (default: dynamic `import()`) */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** Lambda's synchronous invocation limits: 6 MB in (6,291,456 bytes) and out (6,291,556 bytes, as Lambda counts). */
export const MAX_REQUEST_BYTES = 6_291_456;
export const MAX_RESPONSE_BYTES = 6_291_556;

// the variables the Lambda service sets itself; CreateFunction refuses them in Environment
const reservedEnvKeys = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

type Handler = (
  event: unknown,
  context: Context,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

interface RegisteredFunction {
  name: string;
  arn: string;
  config: LambdaFunctionConfig;
  /** the one import of its module (an execution environment that stays warm), once started */
  loading?: Promise<{ handler: Handler; logGroupName: string; logStreamName: string }>;
}

type Settled = { kind: 'result'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs orgflow's Lambda handlers in this process, the way the Node.js runtime runs them on AWS.
 *
 * - A function is registered under its name (or unqualified ARN) and invoked by name, partial ARN or ARN,
 *   with or without a qualifier; every qualifier runs `$LATEST` (aliases and versions are not modelled).
 * - Its module is imported once, on first invocation, after its `env` was written to `process.env`; a
 *   failed import is retried by the next invocation, as Lambda re-initialises a failed environment.
 * - A handler may be async (or return a promise) or take a callback. A handler that neither returns a
 *   promise nor takes a callback answers `null`, as on AWS once the event loop is empty.
 * - Concurrent invocations share the module (one warm environment with unlimited concurrency).
 * - On timeout the invocation fails with `Sandbox.Timedout`, but the handler cannot be frozen in-process:
 *   it runs on in the background and whatever it returns later is dropped. Handlers must tolerate this,
 *   as they must tolerate a retry on AWS.
 * - `callbackWaitsForEmptyEventLoop` is accepted and has no effect: the process keeps running anyway.
 * - `Date.now()` in a handler (and in whatever it starts) reads the runner's clock, so handlers tell the time
 *   by the stack's clock, scaled or manual, like the engine that runs them; `new Date()` still reads the
 *   system's.
 */
export class LambdaRunner implements LambdaInvoker {
  readonly accountId: string;
  readonly region: string;
  private readonly timers: LambdaTimers;
  private readonly clock: { now(): number };
  private readonly importModule: (specifier: string) => Promise<unknown>;
  private readonly functions = new Map<string, RegisteredFunction>();

  constructor(options: LambdaRunnerOptions) {
    if (!/^\d{12}$/.test(options.accountId))
      throw new Error(`accountId must be 12 digits, not '${options.accountId}'`);
    this.accountId = options.accountId;
    this.region = options.region ?? 'us-east-1';
    this.timers = options.timers ?? realTimers;
    this.clock = options.clock ?? this.timers;
    this.importModule = options.importModule ?? ((specifier) => import(specifier));
  }

  /** Registers a function under a name or unqualified ARN of this runner's account; returns its ARN. */
  register(reference: string, config: LambdaFunctionConfig): string {
    const ref = parseFunctionReference(reference);
    if (!ref)
      throw new Error(
        `cannot register '${reference}': use a function name ([a-zA-Z0-9_-], up to 64) or arn:aws:lambda:${this.region}:${this.accountId}:function:<name>`,
      );
    if (ref.qualifier !== undefined)
      throw new Error(
        `cannot register '${reference}': register the unqualified function; every qualifier runs $LATEST`,
      );
    if ((ref.accountId ?? this.accountId) !== this.accountId || (ref.region ?? this.region) !== this.region)
      throw new Error(
        `cannot register '${reference}': this runner serves account ${this.accountId} in ${this.region}`,
      );
    if (this.functions.has(ref.name)) throw new Error(`function '${ref.name}' is already registered`);
    validateConfig(ref.name, config);
    for (const [key, value] of Object.entries(config.env ?? {}))
      for (const other of this.functions.values()) {
        const theirs = other.config.env?.[key];
        if (theirs !== undefined && theirs !== value)
          throw new Error(
            `function '${ref.name}' sets ${key}='${value}' but '${other.name}' sets it to '${theirs}': all functions share one process env, so give the variable one value (or set it once at stack start)`,
          );
      }
    const arn = functionArn(this.region, this.accountId, ref.name);
    this.functions.set(ref.name, { name: ref.name, arn, config });
    return arn;
  }

  /** The ARN of a registered function, for `${Placeholder}` substitutions. */
  arnOf(name: string): string {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function named '${name}' is registered`);
    return fn.arn;
  }

  async invoke(reference: string, payload: unknown): Promise<InvokeOutcome> {
    const ref = parseFunctionReference(reference);
    if (!ref)
      throw new LambdaServiceError(
        'ValidationException',
        `1 validation error detected: Value '${reference}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
        400,
      );
    const fn = this.lookup(ref);
    const request = serialisePayload(payload);
    let loaded: Awaited<NonNullable<RegisteredFunction['loading']>>;
    try {
      loaded = await this.load(fn);
    } catch (error) {
      return { error: functionErrorOf(error) };
    }
    const timeoutMs = fn.config.timeoutMs;
    let finish: (error: unknown, result?: unknown) => void = () => {};
    const context = createContext({
      functionName: fn.name,
      invokedFunctionArn: functionArn(this.region, this.accountId, fn.name, ref.qualifier),
      memoryMb: fn.config.memoryMb,
      logGroupName: loaded.logGroupName,
      logStreamName: loaded.logStreamName,
      deadline: this.timers.now() + timeoutMs,
      now: () => this.timers.now(),
      settle: (error, result) => finish(error, result),
    });
    const settled = await new Promise<Settled>((resolve) => {
      let done = false;
      const settle = (outcome: Settled) => {
        if (done) return;
        done = true;
        cancel();
        resolve(outcome);
      };
      finish = (error, result) =>
        error === undefined || error === null
          ? settle({ kind: 'result', value: result })
          : settle({ kind: 'error', error });
      const cancel = this.timers.schedule(timeoutMs, () => settle({ kind: 'timeout' }));
      try {
        const returned = onInvocationClock(
          () => this.clock.now(),
          () => loaded.handler(JSON.parse(request), context, finish),
        );
        if (isThenable(returned))
          returned.then(
            (value) => settle({ kind: 'result', value }),
            (error: unknown) => settle({ kind: 'error', error }),
          );
        else if (loaded.handler.length < 3) settle({ kind: 'result', value: null });
      } catch (error) {
        settle({ kind: 'error', error });
      }
    });
    if (settled.kind === 'timeout')
      return {
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        },
      };
    if (settled.kind === 'error') return { error: functionErrorOf(settled.error) };
    return marshalResult(settled.value);
  }

  private lookup(ref: FunctionReference): RegisteredFunction {
    const accountId = ref.accountId ?? this.accountId;
    const region = ref.region ?? this.region;
    const fn =
      accountId === this.accountId && region === this.region ? this.functions.get(ref.name) : undefined;
    if (!fn)
      throw new LambdaServiceError(
        'ResourceNotFoundException',
        `Function not found: ${functionArn(region, accountId, ref.name, ref.qualifier)}`,
        404,
      );
    return fn;
  }

  private load(fn: RegisteredFunction): NonNullable<RegisteredFunction['loading']> {
    if (!fn.loading) {
      const loading = this.initialise(fn);
      fn.loading = loading;
      loading.catch(() => {
        if (fn.loading === loading) delete fn.loading;
      });
    }
    return fn.loading;
  }

  private async initialise(fn: RegisteredFunction) {
    const { module, export: exportName } = fn.config;
    for (const [key, value] of Object.entries(fn.config.env ?? {})) process.env[key] = value;
    const handlerString = `${basename(module, extname(module))}.${exportName}`;
    let loaded: unknown;
    if (isAbsolute(module) && !existsSync(module))
      throw new RuntimeError('ImportModuleError', `Error: Cannot find module '${module}'`);
    try {
      loaded = await this.importModule(isAbsolute(module) ? pathToFileURL(module).href : module);
    } catch (error) {
      throw importFailure(error);
    }
    return {
      handler: resolveHandler(loaded, exportName, handlerString),
      ...logLocationFor(fn.name, this.timers.now()),
    };
  }
}

function validateConfig(name: string, config: LambdaFunctionConfig): void {
  const problem = (what: string) => new Error(`function '${name}': ${what}`);
  if (!isAbsolute(config.module) && /^\.{1,2}\//.test(config.module))
    throw problem(`module '${config.module}' is relative: give an absolute path or a package specifier`);
  if (!config.export) throw problem('export must name the exported handler, e.g. "handler"');
  if (!(Number.isInteger(config.timeoutMs) && config.timeoutMs > 0 && config.timeoutMs <= 900_000))
    throw problem(`timeoutMs ${config.timeoutMs} must be a whole number of ms from 1 to 900000 (15 minutes)`);
  if (!(Number.isInteger(config.memoryMb) && config.memoryMb >= 128 && config.memoryMb <= 10_240))
    throw problem(`memoryMb ${config.memoryMb} must be a whole number from 128 to 10240`);
  for (const key of Object.keys(config.env ?? {})) {
    if (!/^[a-zA-Z]\w+$/.test(key))
      throw problem(`env key '${key}' must start with a letter and contain only letters, digits and _`);
    if (reservedEnvKeys.has(key))
      throw problem(`env key '${key}' is reserved by Lambda: choose another name`);
  }
}

function serialisePayload(payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload === undefined ? {} : payload);
  } catch (error) {
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(error as Error).message}`,
      400,
    );
  }
  if (json === undefined)
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      'Could not parse request body into json',
      400,
    );
  if (Buffer.byteLength(json) > MAX_REQUEST_BYTES)
    throw new LambdaServiceError(
      'RequestEntityTooLargeException',
      `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation`,
      413,
    );
  return json;
}

/** The runtime serialises the result to JSON and Lambda checks its size; the caller gets a parsed copy. */
function marshalResult(value: unknown): InvokeOutcome {
  let json: string | undefined;
  try {
    json = JSON.stringify(value === undefined ? null : value);
  } catch {
    return {
      error: functionErrorOf(new RuntimeError('JSONStringifyError', 'Unable to stringify response body')),
    };
  }
  // a function or symbol serialises to nothing: the runtime sends an empty body, which reads as null
  if (json === undefined) return { result: null };
  if (Buffer.byteLength(json) > MAX_RESPONSE_BYTES)
    return {
      error: {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      },
    };
  return { result: JSON.parse(json) };
}

function importFailure(error: unknown): unknown {
  if (error instanceof SyntaxError) {
    const failure = new RuntimeError('UserCodeSyntaxError', String(error));
    if (error.stack !== undefined) failure.stack = error.stack;
    return failure;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND')
    return new RuntimeError('ImportModuleError', String(error));
  return error;
}

/** Finds the handler as the runtime does: in the module's exports, then in its default export. */
function resolveHandler(module: unknown, exportName: string, handlerString: string): Handler {
  const find = (root: unknown) =>
    exportName
      .split('.')
      .reduce<unknown>(
        (nested, key) =>
          nested !== null && (typeof nested === 'object' || typeof nested === 'function')
            ? (nested as Record<string, unknown>)[key]
            : undefined,
        root,
      );
  let handler = find(module);
  if (!handler && module !== null && typeof module === 'object' && 'default' in module)
    handler = find((module as { default: unknown }).default);
  if (!handler) throw new RuntimeError('HandlerNotFound', `${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function')
    throw new RuntimeError('HandlerNotFound', `${handlerString} is not a function`);
  return handler as Handler;
}
