import { createHash, randomUUID } from 'node:crypto';
import type { TimeSource } from '../../clock';
import { LambdaServiceError } from '../../lambda/errors';
import type { LambdaInvoker } from '../../lambda/runner';
import { isObject, type Json, type JsonObject } from '../json';
import type { TaskPort, TaskRequest } from '../ports';
import { lambdaEnvelope, parseResource } from '../resources';
import { exceptionName, SdkCaller } from './aws-sdk';
import { StepFunctionsServiceError } from './errors';

// The task port of the service: every Task resource orgflow's state machines use, run by a local
// implementation. A port rejects with `{ error, cause }` named as Step Functions names the failure, so
// the ASL's Retry and Catch match the same names locally and on AWS.

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  /** a JSON text; the state's Detail object is serialised before the port is called */
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number;
  TraceHeader?: string;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[];
}

/** The event bus behind `arn:aws:states:::events:putEvents`. */
export type PutEvents = (
  entries: PutEventsEntry[],
  caller: { accountId: string },
) => PutEventsResult | Promise<PutEventsResult>;

/** An execution as a parent's `.sync` task sees it. Dates are epoch ms. */
export interface ChildSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** What `arn:aws:states:::states:startExecution` needs of the service that runs the children. */
export interface ChildExecutions {
  /** StartExecution; a repeated request of the same parent task attaches to the child it started before */
  startChild(request: {
    stateMachineArn: string;
    name: string;
    input: string;
    startedBy: string;
  }): Promise<{ executionArn: string; startDate: number }>;
  /** resolves once the execution has ended */
  whenFinished(executionArn: string): Promise<ChildSummary>;
  stopChild(executionArn: string, error: string, cause: string): Promise<void>;
}

export interface TaskPortOptions {
  /** runs Lambda function ARNs and `arn:aws:states:::lambda:invoke` */
  lambda?: LambdaInvoker;
  /** local endpoints of `aws-sdk:<service>` integrations by service name; read at call time, so it may be filled in later */
  endpoints?: Readonly<Record<string, string>>;
  putEvents?: PutEvents;
  children: ChildExecutions;
  clock: TimeSource;
  region?: string;
  /** loads SDK client packages (default: dynamic `import()`) */
  importModule?: (specifier: string) => Promise<unknown>;
}

export interface ServiceTaskPort extends TaskPort {
  close(): void;
}

type Failure = { error: string; cause: string };

const runtime = (cause: string): Failure => ({ error: 'States.Runtime', cause });

const supported: Record<string, readonly string[]> = {
  lambda: ['request-response'],
  'lambda:invoke': ['request-response', 'waitForTaskToken'],
  'events:putEvents': ['request-response', 'waitForTaskToken'],
  'states:startExecution': ['request-response', 'sync', 'sync:2', 'waitForTaskToken'],
  'aws-sdk': ['request-response', 'waitForTaskToken'],
};

/** Builds the task port: Lambda, aws-sdk, events:putEvents and states:startExecution resources. */
export function createTaskPort(options: TaskPortOptions): ServiceTaskPort {
  const region = options.region ?? 'us-east-1';
  const sdk = new SdkCaller({
    endpoints: options.endpoints ?? {},
    region,
    ...(options.importModule ? { importModule: options.importModule } : {}),
  });

  async function invoke(request: TaskRequest, signal: AbortSignal): Promise<Json> {
    const info = parseResource(request.stateResource);
    const action = info.resourceName.replace(/\.(sync:2|sync|waitForTaskToken)$/, '');
    const kind = info.lambda
      ? 'lambda'
      : info.resourceType.startsWith('aws-sdk:')
        ? 'aws-sdk'
        : `${info.resourceType}:${action}`;
    const patterns = supported[kind];
    if (!patterns)
      throw runtime(
        `the local engine cannot run the resource ${request.stateResource} (state '${request.stateName}'): it runs Lambda functions, lambda:invoke, aws-sdk:<service>:<action>, events:putEvents and states:startExecution`,
      );
    if (!patterns.includes(request.pattern))
      throw runtime(
        `the resource ${request.stateResource} (state '${request.stateName}') does not support the ${request.pattern} integration pattern`,
      );
    switch (kind) {
      case 'lambda':
      case 'lambda:invoke':
        return lambda(request, kind === 'lambda:invoke');
      case 'events:putEvents':
        return putEvents(request);
      case 'states:startExecution':
        return startExecution(request, signal);
      default:
        return sdk.call(
          info.resourceType.slice('aws-sdk:'.length),
          action,
          request.input,
          accountFor(request),
          signal,
        );
    }
  }

  async function lambda(request: TaskRequest, integration: boolean): Promise<Json> {
    if (!options.lambda) throw runtime('no Lambda runner is configured for the Step Functions service');
    const invocationType = isObject(request.arguments ?? null)
      ? (request.arguments as JsonObject).InvocationType
      : undefined;
    if (invocationType !== undefined && invocationType !== 'RequestResponse')
      throw runtime(
        `lambda:invoke with InvocationType ${JSON.stringify(invocationType)} is not supported locally: use RequestResponse (the default)`,
      );
    let outcome: Awaited<ReturnType<LambdaInvoker['invoke']>>;
    try {
      outcome = await options.lambda.invoke(request.resource, request.input);
    } catch (error) {
      if (error instanceof LambdaServiceError) throw { error: `Lambda.${error.name}`, cause: error.message };
      throw { error: 'Lambda.ServiceException', cause: (error as Error)?.message ?? String(error) };
    }
    if ('error' in outcome) {
      const { errorType, errorMessage, trace } = outcome.error;
      throw { error: errorType, cause: JSON.stringify({ errorMessage, errorType, trace }) };
    }
    const result = (outcome.result ?? null) as Json;
    // a callback task's submitted output is the Invoke response; the task itself waits for its token
    if (integration && request.pattern === 'waitForTaskToken')
      return lambdaEnvelope(result, randomUUID(), options.clock.now());
    return result;
  }

  async function putEvents(request: TaskRequest): Promise<Json> {
    if (!options.putEvents) throw runtime('no event bus is configured for events:putEvents');
    const entries = isObject(request.input) ? request.input.Entries : undefined;
    if (!Array.isArray(entries))
      throw runtime(`events:putEvents needs an Entries array, not ${JSON.stringify(request.input)}`);
    const { executionArn, stateMachineArn, accountId } = executionParts(request.execution.arn);
    const prepared = entries.map((entry): PutEventsEntry => {
      const { Detail, Resources, ...rest } = isObject(entry) ? entry : {};
      const out = { ...rest } as PutEventsEntry;
      if (Detail !== undefined) out.Detail = typeof Detail === 'string' ? Detail : JSON.stringify(Detail);
      // the optimised integration names the execution and its state machine as the event's resources
      out.Resources = [
        ...(Array.isArray(Resources) ? Resources.map(String) : []),
        executionArn,
        stateMachineArn,
      ];
      return out;
    });
    let result: PutEventsResult;
    try {
      result = await options.putEvents(prepared, { accountId });
    } catch (error) {
      const e = error as { type?: unknown; code?: unknown; name?: unknown; message?: unknown };
      const code = String(e?.type ?? e?.code ?? e?.name ?? 'InternalException');
      throw {
        error: `EventBridge.${exceptionName(code)}`,
        cause: String(e?.message ?? error),
      };
    }
    if (result.FailedEntryCount > 0)
      throw { error: 'EventBridge.FailedEntry', cause: JSON.stringify(result) };
    return result as unknown as Json;
  }

  async function startExecution(request: TaskRequest, signal: AbortSignal): Promise<Json> {
    const args = isObject(request.input) ? request.input : {};
    if (typeof args.StateMachineArn !== 'string')
      throw runtime(
        `states:startExecution needs a StateMachineArn string, not ${JSON.stringify(request.input)}`,
      );
    let input: string;
    if (args.Input === undefined) input = '{}';
    else if (typeof args.Input === 'string') input = args.Input;
    else input = JSON.stringify(args.Input);
    const startedBy = `${request.execution.arn}#${request.taskId}`;
    // without a Name, one derived from the parent task: the same task invoked again finds its child
    const name = typeof args.Name === 'string' ? args.Name : uuidOf(startedBy);
    let started: { executionArn: string; startDate: number };
    try {
      started = await options.children.startChild({
        stateMachineArn: args.StateMachineArn,
        name,
        input,
        startedBy,
      });
    } catch (error) {
      if (error instanceof StepFunctionsServiceError) {
        throw { error: `StepFunctions.${exceptionName(error.code)}`, cause: error.message };
      }
      throw error;
    }
    if (request.pattern !== 'sync' && request.pattern !== 'sync:2')
      return { ExecutionArn: started.executionArn, StartDate: started.startDate };
    const onAbort = () => {
      void options.children.stopChild(
        started.executionArn,
        'States.Aborted',
        `the parent task of execution ${request.execution.arn} was stopped`,
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const child = await options.children.whenFinished(started.executionArn);
      const described = describeChild(child, request.pattern === 'sync:2');
      if (child.status !== 'SUCCEEDED')
        throw { error: 'States.TaskFailed', cause: JSON.stringify(described) };
      return described;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  return { invoke, close: () => sdk.close() };
}

/** DescribeExecution of a finished child, as `.sync` (strings) and `.sync:2` (JSON) return it. */
function describeChild(child: ChildSummary, json: boolean): JsonObject {
  const payload = (text: string) => (json ? (JSON.parse(text) as Json) : text);
  const out: JsonObject = {
    ExecutionArn: child.executionArn,
    Input: payload(child.input),
    InputDetails: { Included: true },
    Name: child.name,
  };
  if (child.output !== undefined) {
    out.Output = payload(child.output);
    out.OutputDetails = { Included: true };
  }
  out.RedriveCount = 0;
  out.RedriveStatus = 'NOT_REDRIVABLE';
  out.StartDate = child.startDate;
  out.StateMachineArn = child.stateMachineArn;
  out.Status = child.status;
  if (child.stopDate !== undefined) out.StopDate = child.stopDate;
  if (child.error !== undefined) out.Error = child.error;
  if (child.cause !== undefined) out.Cause = child.cause;
  return out;
}

/** `arn:aws:states:<region>:<account>:execution:<machine>:<name>` → its parts. */
function executionParts(arn: string): { executionArn: string; stateMachineArn: string; accountId: string } {
  const parts = arn.split(':');
  const machine = parts.slice(0, 5).join(':');
  return {
    executionArn: arn,
    stateMachineArn: `${machine}:stateMachine:${parts[6] ?? ''}`,
    accountId: parts[4] ?? '',
  };
}

/** The account an aws-sdk call acts as: the Task's Credentials.RoleArn account, else the execution's. */
function accountFor(request: TaskRequest): string {
  const role = isObject(request.credentials ?? null)
    ? (request.credentials as JsonObject).RoleArn
    : undefined;
  const fromRole = typeof role === 'string' ? /^arn:[^:]+:iam::(\d{12}):role\//.exec(role)?.[1] : undefined;
  return fromRole ?? executionParts(request.execution.arn).accountId;
}

/** A UUID-shaped name derived from `seed`. */
function uuidOf(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
