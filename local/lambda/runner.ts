import { randomUUID } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { type FunctionReference, functionArn, parseFunctionReference } from './arn';
import { holdBundles, releaseBundles } from './bundle';
import {
  type EnvironmentSpec,
  type ExecutionEnvironment,
  type LogLine,
  ThreadEnvironment,
  WorkerEnvironment,
} from './environment';
import { type FunctionError, LambdaServiceError } from './errors';
import { realNow } from './invocation-clock';
import { type Answer, handlerStringOf } from './runtime';

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
   * The function's own variables, as its Environment on AWS. An isolated environment gets exactly these, the
   * variables Lambda sets and the runner's endpoints; a shared one writes them to this process's `process.env`
   * before the module is first imported. A function is read when an environment starts, so the values may be
   * completed after registering (the local stack learns some endpoints and ARNs later).
   */
  env?: Record<string, string> | (() => Record<string, string>);
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
  /**
   * `isolated`: each function runs in execution environments of its own, worker threads kept warm, one per
   * concurrent invocation, each with its own module state and exactly its environment, as on AWS (the local
   * stack). `shared` (default): every handler is imported into this thread and runs here, sharing module
   * state, `globalThis` and `process.env` with the caller, which tests use to talk to their fixtures.
   */
  environments?: 'isolated' | 'shared';
  /** the credentials Lambda gives an isolated environment (from its execution role) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * The endpoints an isolated environment gets as `AWS_ENDPOINT_URL_<SERVICE>`, by service (`sfn`,
   * `dynamodb`…), read when an environment starts.
   */
  endpoints?: () => Readonly<Record<string, string>>;
  /** where an isolated environment's stdout and stderr go, line by line (default: this process's) */
  onLog?: (line: LogLine) => void;
  /** loads a module by URL or specifier in a shared environment (default: dynamic `import()`) */
  importModule?: (specifier: string) => Promise<unknown>;
  /** the most isolated environments one function may have at once (default {@link DEFAULT_MAX_ENVIRONMENTS}) */
  maxEnvironmentsPerFunction?: number;
}

/**
 * The runtime is nodejs22.x, where the AWS SDK has nothing to say about the Node version; on an older Node (20),
 * every environment's SDK would print its eight-line NodeVersionSupportWarning at its first client. Its
 * documented switch turns off that notice alone (local/sdk-node-notice.ts says it once, for the whole stack).
 */
export const SDK_NODE_NOTICE_OFF: Readonly<Record<string, string>> =
  Number(process.versions.node.split('.')[0]) < 22
    ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
    : {};

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

interface RegisteredFunction {
  name: string;
  arn: string;
  config: LambdaFunctionConfig;
  /** its environments that are warm and free (a shared one stays here while it runs) */
  idle: ExecutionEnvironment[];
  /** all its environments, busy ones included */
  environments: Set<ExecutionEnvironment>;
  /** invocations waiting for an environment while it has its most: each is handed one in turn */
  waiting: ((environment: ExecutionEnvironment | undefined) => void)[];
}

/** Isolated environments a function may have at once unless told otherwise (see `maxEnvironmentsPerFunction`). */
export const DEFAULT_MAX_ENVIRONMENTS = 10;

const writeLog = (line: LogLine) =>
  (line.stream === 'stdout' ? process.stdout : process.stderr).write(`${line.text}\n`);

/**
 * Runs orgflow's Lambda handlers the way Lambda and its Node.js runtime run them on AWS.
 *
 * - A function is registered under its name (or unqualified ARN) and invoked by name, partial ARN or ARN,
 *   with or without a qualifier; every qualifier runs `$LATEST` (aliases and versions are not modelled).
 * - It runs in execution environments: an invocation takes a warm one that is free, or starts a new one,
 *   which imports the module once (its init phase). An environment whose init fails is dropped, so the next
 *   invocation initialises a new one, as Lambda does. Isolated environments (worker threads) run one
 *   invocation at a time, so concurrent invocations run in separate environments with separate module state;
 *   the shared one runs them all in this thread (see {@link LambdaRunnerOptions.environments}).
 * - A handler may be async (or return a promise) or take a callback. A handler that neither returns a
 *   promise nor takes a callback answers `null`, as on AWS once the event loop is empty.
 * - On timeout the invocation fails with `Sandbox.Timedout` and an isolated environment is ended with
 *   whatever its handler was doing, as Lambda ends it; in the shared environment the handler cannot be
 *   stopped: it runs on in the background and whatever it returns later is dropped.
 * - `callbackWaitsForEmptyEventLoop` is accepted and has no effect: the answer goes back at once.
 * - `Date.now()` in a handler reads the runner's clock, so handlers tell the time by the stack's clock,
 *   scaled or manual, like the engine that runs them: everywhere in an isolated environment, and inside the
 *   invocation in the shared one; `new Date()` still reads the system's.
 * - {@link close} ends every environment; a stack closes its runner as it stops.
 */
export class LambdaRunner implements LambdaInvoker {
  readonly accountId: string;
  readonly region: string;
  private readonly timers: LambdaTimers;
  private readonly clock: { now(): number };
  private readonly options: LambdaRunnerOptions;
  private readonly functions = new Map<string, RegisteredFunction>();
  private closed = false;

  private inFlight = 0;

  constructor(options: LambdaRunnerOptions) {
    if (!/^\d{12}$/.test(options.accountId))
      throw new Error(`accountId must be 12 digits, not '${options.accountId}'`);
    this.accountId = options.accountId;
    this.region = options.region ?? 'us-east-1';
    this.timers = options.timers ?? realTimers;
    this.clock = options.clock ?? this.timers;
    this.options = options;
    if (this.isolated) holdBundles();
  }

  private get isolated(): boolean {
    return this.options.environments === 'isolated';
  }

  private get maxEnvironments(): number {
    return this.options.maxEnvironmentsPerFunction ?? DEFAULT_MAX_ENVIRONMENTS;
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
    if (!this.isolated && typeof config.env === 'object')
      for (const [key, value] of Object.entries(config.env))
        for (const other of this.functions.values()) {
          const theirs = typeof other.config.env === 'object' ? other.config.env[key] : undefined;
          if (theirs !== undefined && theirs !== value)
            throw new Error(
              `function '${ref.name}' sets ${key}='${value}' but '${other.name}' sets it to '${theirs}': functions in a shared environment share one process env, so give the variable one value (or isolate them)`,
            );
        }
    const arn = functionArn(this.region, this.accountId, ref.name);
    this.functions.set(ref.name, {
      name: ref.name,
      arn,
      config,
      idle: [],
      environments: new Set(),
      waiting: [],
    });
    return arn;
  }

  /** The ARN of a registered function, for `${Placeholder}` substitutions. */
  arnOf(name: string): string {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function named '${name}' is registered`);
    return fn.arn;
  }

  /** Invocations started and not yet answered: none means the functions have nothing left to do for now. */
  get invocationsInFlight(): number {
    return this.inFlight;
  }

  async invoke(reference: string, payload: unknown): Promise<InvokeOutcome> {
    this.inFlight++;
    try {
      return await this.invokeOnce(reference, payload);
    } finally {
      this.inFlight--;
    }
  }

  private async invokeOnce(reference: string, payload: unknown): Promise<InvokeOutcome> {
    const ref = parseFunctionReference(reference);
    if (!ref)
      throw new LambdaServiceError(
        'ValidationException',
        `1 validation error detected: Value '${reference}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
        400,
      );
    const fn = this.lookup(ref);
    const eventJson = serialisePayload(payload);
    if (this.closed) throw new Error(`cannot invoke ${fn.name}: the Lambda runner is closed`);
    const environment = await this.environmentFor(fn);
    if (!environment) throw new Error(`cannot invoke ${fn.name}: the Lambda runner is closed`);
    const initError = await environment.started;
    if (initError) {
      this.drop(fn, environment);
      return { error: initError };
    }
    const timeoutMs = fn.config.timeoutMs;
    const awsRequestId = randomUUID();
    let cancel = () => {};
    const timedOut = new Promise<'timeout'>((resolve) => {
      cancel = this.timers.schedule(timeoutMs, () => resolve('timeout'));
    });
    const answered = environment.invoke({
      eventJson,
      awsRequestId,
      invokedFunctionArn: functionArn(this.region, this.accountId, fn.name, ref.qualifier),
      deadline: this.timers.now() + timeoutMs,
    });
    const answer = await Promise.race([answered, timedOut]);
    cancel();
    if (answer === 'timeout') {
      // Lambda ends the environment of a timed-out invocation; the shared one cannot be ended
      if (!environment.concurrent) this.drop(fn, environment);
      return {
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${awsRequestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        },
      };
    }
    if (!environment.concurrent)
      if (environment.alive && !this.closed) this.release(fn, environment);
      else this.drop(fn, environment);
    return outcomeOf(answer);
  }

  /** How many environments each function has, warm or busy (for benchmarks and tests). */
  environmentCount(name: string): number {
    return this.functions.get(name)?.environments.size ?? 0;
  }

  /** Ends every environment of every function; invocations in flight fail, later ones are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.functions.values()].flatMap((fn) => {
      for (const waiter of fn.waiting.splice(0)) waiter(undefined);
      fn.idle = [];
      const environments = [...fn.environments];
      fn.environments.clear();
      return environments;
    });
    await Promise.all(all.map((environment) => environment.stop()));
    if (this.isolated) await releaseBundles();
  }

  /**
   * A warm environment that is free, or a new one; the shared environment is always free. A function that has
   * its most isolated environments (like a reserved concurrency) makes the invocation wait, in order, for one
   * to come free: AWS would throttle, locally a burst waits rather than start more workers than the machine
   * holds. Undefined once the runner is closed.
   */
  private environmentFor(fn: RegisteredFunction): Promise<ExecutionEnvironment | undefined> {
    const warm = fn.idle.at(-1);
    if (warm?.concurrent) return Promise.resolve(warm);
    const free = fn.idle.pop();
    if (free) return Promise.resolve(free);
    if (fn.environments.size < this.maxEnvironments) return Promise.resolve(this.startEnvironment(fn));
    return new Promise((handed) => fn.waiting.push(handed));
  }

  /** An environment done with its invocation goes to the next one waiting, or back among the warm ones. */
  private release(fn: RegisteredFunction, environment: ExecutionEnvironment): void {
    const next = fn.waiting.shift();
    if (next) next(environment);
    else fn.idle.push(environment);
  }

  private startEnvironment(fn: RegisteredFunction): ExecutionEnvironment {
    const { config } = fn;
    const own = typeof config.env === 'function' ? config.env() : (config.env ?? {});
    const spec: EnvironmentSpec = {
      functionName: fn.name,
      module: config.module,
      exportName: config.export,
      memoryMb: config.memoryMb,
      env: own,
      startedAt: this.timers.now(),
    };
    const times = () => ({ clock: this.clock.now(), timers: this.timers.now() });
    const environment = this.isolated
      ? new WorkerEnvironment(
          { ...spec, env: this.isolatedEnvironment(fn, own) },
          times,
          this.options.onLog ?? writeLog,
        )
      : new ThreadEnvironment(spec, times, this.options.importModule);
    fn.environments.add(environment);
    if (environment.concurrent) fn.idle.push(environment);
    return environment;
  }

  /**
   * Exactly what Lambda puts in an environment: the function's own variables, and the ones Lambda sets (which
   * a function cannot set); locally also the endpoints of the local services and, on a Node older than the
   * runtime's, the AWS SDK's switch for its notice about that Node (see SDK_NODE_NOTICE_OFF). The environment
   * adds its log stream.
   */
  private isolatedEnvironment(fn: RegisteredFunction, own: Record<string, string>): Record<string, string> {
    const { credentials } = this.options;
    const endpoints = Object.entries(this.options.endpoints?.() ?? {}).map(([service, url]) => [
      `AWS_ENDPOINT_URL_${service.toUpperCase()}`,
      url,
    ]);
    return {
      ...own,
      ...Object.fromEntries(endpoints),
      _HANDLER: handlerStringOf(fn.config.module, fn.config.export),
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.config.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      ...SDK_NODE_NOTICE_OFF,
      ...(credentials
        ? {
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
          }
        : {}),
    };
  }

  private drop(fn: RegisteredFunction, environment: ExecutionEnvironment): void {
    fn.environments.delete(environment);
    fn.idle = fn.idle.filter((other) => other !== environment);
    void environment.stop();
    // its place goes to the next invocation waiting, in a new environment
    const next = fn.waiting.shift();
    if (next) next(this.closed ? undefined : this.startEnvironment(fn));
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
  for (const key of Object.keys(typeof config.env === 'object' ? config.env : {})) {
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

/** Lambda checks the size of the response the runtime posted; the caller gets a parsed copy. */
function outcomeOf(answer: Answer): InvokeOutcome {
  if ('error' in answer) return answer;
  if (Buffer.byteLength(answer.json) > MAX_RESPONSE_BYTES)
    return {
      error: {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      },
    };
  return { result: JSON.parse(answer.json) };
}
