import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleOf, workerBundle } from './bundle';
import { createContext, logLocationFor } from './context';
import { type FunctionError, functionErrorOf } from './errors';
import { onInvocationClock } from './invocation-clock';
import { type Answer, callHandler, type Handler, loadHandler } from './runtime';
import { answerTimeRequest, SHARED_TIME_BYTES, type StackTimes, TIME_REQUEST } from './shared-time';
import type { EnvironmentData, EnvironmentMessage, InvokeMessage } from './worker';

/** One invocation as an environment receives it. */
export interface Invocation {
  eventJson: string;
  awsRequestId: string;
  invokedFunctionArn: string;
  /** epoch ms on the runner's timers */
  deadline: number;
}

/**
 * An execution environment of one function: where its module is loaded once and its invocations run.
 * Lambda starts one per concurrent invocation, keeps it warm for the next, and ends it after a timeout.
 */
export interface ExecutionEnvironment {
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** true when it runs any number of invocations at once (the environment shared by this thread) */
  readonly concurrent: boolean;
  /** false once it has ended (stopped, crashed or exited): it takes no more invocations */
  readonly alive: boolean;
  /** the init phase: resolves once the handler is loaded, with the error that stopped it if it could not be */
  readonly started: Promise<FunctionError | undefined>;
  invoke(invocation: Invocation): Promise<Answer>;
  /** ends it, as Lambda ends an environment whose invocation timed out; an invocation in flight fails */
  stop(): Promise<void>;
}

export interface EnvironmentSpec {
  functionName: string;
  module: string;
  exportName: string;
  memoryMb: number;
  /** the environment variables the function sees: a worker's whole `process.env` */
  env: Record<string, string>;
  /** when it starts, on the runner's timers (the log stream is named by its day) */
  startedAt: number;
}

/** A line a function wrote to its stdout or stderr, as CloudWatch Logs would keep it. */
export interface LogLine {
  functionName: string;
  logStreamName: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * The environment of a runner that shares this thread with its functions: the module is imported here, its
 * env written to this process's `process.env`, and every invocation (concurrent ones too) runs in it. Tests
 * use it to share state with their fixture handlers through `globalThis`.
 */
export class ThreadEnvironment implements ExecutionEnvironment {
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly concurrent = true;
  readonly alive = true;
  readonly started: Promise<FunctionError | undefined>;
  private handler: Handler | undefined;

  constructor(
    private readonly spec: EnvironmentSpec,
    private readonly times: () => StackTimes,
    importModule?: (specifier: string) => Promise<unknown>,
  ) {
    ({ logGroupName: this.logGroupName, logStreamName: this.logStreamName } = logLocationFor(
      spec.functionName,
      spec.startedAt,
    ));
    for (const [key, value] of Object.entries(spec.env)) process.env[key] = value;
    this.started = loadHandler(spec.module, spec.exportName, importModule).then(
      (handler) => {
        this.handler = handler;
        return undefined;
      },
      (error: unknown) => functionErrorOf(error),
    );
  }

  invoke(invocation: Invocation): Promise<Answer> {
    const handler = this.handler;
    if (!handler) throw new Error(`the environment of ${this.spec.functionName} has not started`);
    return callHandler(
      handler,
      invocation.eventJson,
      (settle) =>
        createContext({
          functionName: this.spec.functionName,
          invokedFunctionArn: invocation.invokedFunctionArn,
          awsRequestId: invocation.awsRequestId,
          memoryMb: this.spec.memoryMb,
          logGroupName: this.logGroupName,
          logStreamName: this.logStreamName,
          deadline: invocation.deadline,
          now: () => this.times().timers,
          settle,
        }),
      // the handler's Date.now() reads the stack's clock, the rest of this thread the system's
      (fn) => onInvocationClock(() => this.times().clock, fn),
    );
  }

  async stop(): Promise<void> {}
}

type Pending = { resolve: (answer: Answer) => void; awsRequestId: string };

/**
 * An environment in its own worker thread, as on AWS: its own module state (and so its own logger and
 * caches), its own `process.env` (exactly the function's environment), one invocation at a time. It runs
 * the function's bundle (see ./bundle.ts), plain JavaScript, as a deployed NodejsFunction does. Its
 * `Date.now()` reads the runner's clock through shared memory; its stdout and stderr reach `onLog` line by
 * line. Stopping it terminates the thread, whatever the handler was doing.
 */
export class WorkerEnvironment implements ExecutionEnvironment {
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly concurrent = false;
  readonly started: Promise<FunctionError | undefined>;
  private worker: Worker | undefined;
  private readonly time = new SharedArrayBuffer(SHARED_TIME_BYTES);
  private pending: Pending | undefined;
  private ended = false;
  private exitCode: number | undefined;

  constructor(spec: EnvironmentSpec, times: () => StackTimes, onLog: (line: LogLine) => void) {
    ({ logGroupName: this.logGroupName, logStreamName: this.logStreamName } = logLocationFor(
      spec.functionName,
      spec.startedAt,
    ));
    this.started = Promise.all([workerBundle(), bundleOf(spec.module)]).then(
      ([worker, bundle]) =>
        this.ended ? this.exitError() : this.startWorker(worker, bundle, spec, times, onLog),
      (error: unknown) => {
        this.ended = true;
        return functionErrorOf(error);
      },
    );
  }

  private startWorker(
    script: string,
    bundle: string,
    spec: EnvironmentSpec,
    times: () => StackTimes,
    onLog: (line: LogLine) => void,
  ): Promise<FunctionError | undefined> {
    const data: EnvironmentData = {
      module: bundle,
      exportName: spec.exportName,
      functionName: spec.functionName,
      memoryMb: spec.memoryMb,
      logGroupName: this.logGroupName,
      logStreamName: this.logStreamName,
      time: this.time,
    };
    const worker = new Worker(pathToFileURL(script), {
      env: {
        ...spec.env,
        AWS_LAMBDA_LOG_GROUP_NAME: this.logGroupName,
        AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName,
      },
      // a clean node: none of this process's flags (tsx's --import, vitest's) reach the environment
      execArgv: [],
      workerData: data,
      stdout: true,
      stderr: true,
    });
    this.worker = worker;
    // an idle environment does not keep the process alive; a busy one does (see invoke)
    worker.unref();
    for (const stream of ['stdout', 'stderr'] as const)
      createInterface({ input: worker[stream] as Readable, crlfDelay: Number.POSITIVE_INFINITY }).on(
        'line',
        (text) => onLog({ functionName: spec.functionName, logStreamName: this.logStreamName, stream, text }),
      );
    return new Promise((resolve) => {
      worker.on('message', (message: EnvironmentMessage) => {
        if (message.type === TIME_REQUEST) answerTimeRequest(this.time, times);
        else if (message.type === 'ready') resolve(undefined);
        else if (message.type === 'init-failed') {
          resolve(message.error);
          void this.stop();
        } else this.settle(message.answer);
      });
      // an exception nothing caught (an unhandled rejection too) ends the environment, as it ends the runtime
      worker.on('error', (error) => {
        this.ended = true;
        resolve(functionErrorOf(error));
        this.settle({ error: functionErrorOf(error) });
      });
      worker.on('exit', (code) => {
        this.ended = true;
        this.exitCode = code;
        const exited = this.exitError();
        resolve(exited);
        this.settle({ error: exited });
      });
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  invoke(invocation: Invocation): Promise<Answer> {
    if (this.pending) throw new Error('an environment runs one invocation at a time');
    if (this.ended) return Promise.resolve({ error: this.exitError() });
    const worker = this.worker;
    if (!worker) throw new Error('an environment takes invocations once it has started');
    return new Promise((resolve) => {
      this.pending = { resolve, awsRequestId: invocation.awsRequestId };
      worker.ref();
      const message: InvokeMessage = invocation;
      worker.postMessage(message);
    });
  }

  async stop(): Promise<void> {
    this.ended = true;
    await this.worker?.terminate();
  }

  private settle(answer: Answer): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    if (!this.ended) this.worker?.unref();
    pending.resolve(answer);
  }

  private exitError(): FunctionError {
    return {
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${this.pending?.awsRequestId ?? randomUUID()} Error: Runtime exited${
        this.exitCode ? ` with error: exit status ${this.exitCode}` : ' without providing a reason'
      }`,
    };
  }
}
