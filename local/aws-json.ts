import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAwsJson } from './aws-http';
import { type RunningServer, serveHttp } from './http-server';
import { type Caller, identifyRequest, jsonErrorTypes, type KeyOwners } from './identity';
import { JsonTextError, parseJsonText } from './json-body';

// The AWS JSON 1.0 and 1.1 protocols, as every local JSON service speaks them (Organizations, Step Functions,
// EventBridge). A request is a POST with the protocol's Content-Type, `X-Amz-Target: <prefix>.<Operation>`,
// a SigV4 signature (callers identified as in local/identity.ts) and a JSON object as its body. An answer
// carries x-amzn-RequestId; an error answer `{ __type, message }` and X-Amzn-ErrorType. A service gives its
// operation table and the few things in which it differs; the rest is here, once.

export type { RunningServer };

/** The largest request body the services read; a larger one is answered with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type JsonObject = Record<string, unknown>;

/** One call as an operation receives it. */
export interface AwsJsonCall {
  operation: string;
  caller: Caller;
  requestId: string;
  request: IncomingMessage;
}

/** Runs one operation; what it returns (or resolves with) is the answer's body, undefined for an empty one. */
export type AwsJsonOperation = (input: JsonObject, call: AwsJsonCall) => unknown;

/** An operation table whose operations take a subject first: the service, the caller's event bus. */
export type OperationsOn<S> = Readonly<
  Record<string, (subject: S, input: JsonObject, call: AwsJsonCall) => unknown>
>;

/** The operations of `table`, each given the subject of its call. */
export function operationsOn<S>(
  table: OperationsOn<S>,
  subjectOf: (call: AwsJsonCall) => S,
): Record<string, AwsJsonOperation> {
  return Object.fromEntries(
    Object.entries(table).map(([name, run]) => [
      name,
      (input: JsonObject, call: AwsJsonCall) => run(subjectOf(call), input, call),
    ]),
  );
}

export type RequestHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

/** An error answer: its `__type`, its status and its message. Each service's errors extend it. */
export class AwsJsonError extends Error {
  readonly type: string;
  readonly statusCode: number;

  constructor(type: string, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AwsJsonError';
    this.type = type;
    this.statusCode = options.statusCode ?? 400;
  }

  /** members of the error body beside `__type` and the message */
  bodyMembers(): Record<string, string> {
    return {};
  }
}

/** How one service speaks the protocol: what the local JSON services do not share. */
export interface AwsJsonDialect {
  /** names the service in messages */
  service: string;
  /** X-Amz-Target is `<targetPrefix>.<Operation>` */
  targetPrefix: string;
  /** the protocol's content type, which answers carry, then any other a request may carry */
  contentTypes: readonly [string, ...string[]];
  /** how the service spells the message member of an error body */
  messageMember: 'message' | 'Message';
  /** the error types of an internal failure (500) and of a body over MAX_BODY_BYTES (413) */
  errorTypes: { internal: string; tooLarge: string };
}

/** A service as the front end serves it: its dialect, its operations and who owns the access keys. */
export interface AwsJsonApi extends AwsJsonDialect {
  operations: Readonly<Record<string, AwsJsonOperation>>;
  keyOwners: KeyOwners;
  /** holds each answer back this long (Organizations' injected latency) */
  delayMs?: (operation: string) => number;
  /** requests whose URL starts with a key go to its handler instead (Organizations' admin endpoint) */
  routes?: Readonly<Record<string, RequestHandler>>;
}

export interface AwsJsonServerOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  host?: string;
  /** called with every failure that is not the service's own error answer, for the operator's log */
  onInternalError?: (error: unknown) => void;
}

/** JSON with every Date as epoch seconds, as the AWS JSON protocols send timestamps. */
function toWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : item;
  });
}

/** Serves `api` over HTTP on loopback; `port: 0` picks a free port. */
export function serveAwsJson(api: AwsJsonApi, options: AwsJsonServerOptions = {}): Promise<RunningServer> {
  const onInternalError = options.onInternalError ?? ((error) => console.error(`${api.service}:`, error));
  const routes = Object.entries(api.routes ?? {});
  return serveHttp(
    (req, body, res) => {
      const route = routes.find(([prefix]) => req.url?.startsWith(prefix));
      if (route) route[1](req, body, res);
      else void answer(api, req, body, res, onInternalError);
    },
    {
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
      maxBodyBytes: MAX_BODY_BYTES,
      tooLarge: (_req, res) =>
        sendError(
          api,
          res,
          randomUUID(),
          new AwsJsonError(
            api.errorTypes.tooLarge,
            `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
            {
              statusCode: 413,
            },
          ),
        ),
    },
  );
}

/** Answers one request with one operation, or with the error that refused it. */
async function answer(
  api: AwsJsonApi,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  onInternalError: (error: unknown) => void,
): Promise<void> {
  const requestId = randomUUID();
  const target = String(req.headers['x-amz-target'] ?? '');
  const prefix = `${api.targetPrefix}.`;
  const operation = target.startsWith(prefix) ? target.slice(prefix.length) : '';
  let send: () => void;
  try {
    const output = await call(api, req, body, { target, operation, requestId });
    const text = output === undefined ? '' : toWire(output);
    send = () => sendAwsJson(res, api.contentTypes[0], 200, requestId, text);
  } catch (error) {
    let refusal: AwsJsonError;
    if (error instanceof AwsJsonError) refusal = error;
    else {
      onInternalError(error);
      refusal = new AwsJsonError(
        api.errorTypes.internal,
        `${api.service} could not complete the request because of an internal error; try again.`,
        { statusCode: 500 },
      );
    }
    send = () => sendError(api, res, requestId, refusal);
  }
  const delay = api.delayMs?.(operation) ?? 0;
  if (delay > 0) setTimeout(send, delay);
  else send();
}

/** Checks the request in the protocol's order, identifies the caller and runs the operation. */
function call(
  api: AwsJsonApi,
  req: IncomingMessage,
  body: Buffer,
  { target, operation, requestId }: { target: string; operation: string; requestId: string },
): unknown {
  if (req.method !== 'POST')
    throw new AwsJsonError(
      'UnknownOperationException',
      `${api.service} accepts only POST, not ${req.method}.`,
    );
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!api.contentTypes.includes(type))
    throw new AwsJsonError(
      'SerializationException',
      `Content-Type must be ${api.contentTypes.join(' or ')}, not '${type || '(none)'}'.`,
    );
  const run = Object.hasOwn(api.operations, operation) ? api.operations[operation] : undefined;
  if (!run)
    throw new AwsJsonError(
      'UnknownOperationException',
      `X-Amz-Target '${target || '(none)'}' names no operation of ${api.service} here: send ${api.targetPrefix}.<Operation> with one of ${Object.keys(api.operations).sort().join(', ')}.`,
    );
  const identified = identifyRequest(req.headers, api.keyOwners);
  if ('refusal' in identified)
    throw new AwsJsonError(jsonErrorTypes[identified.refusal.reason], identified.refusal.message, {
      statusCode: 403,
    });
  return run(inputOf(body), { operation, caller: identified.caller, requestId, request: req });
}

/** The request body as a JSON object; an empty body is `{}`. */
function inputOf(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  let input: unknown;
  try {
    input = parseJsonText(body.toString('utf8'));
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw new AwsJsonError('SerializationException', `The request body is ${error.message}.`, {
      cause: error,
    });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AwsJsonError('SerializationException', 'The request body must be a JSON object.');
  return input as JsonObject;
}

function sendError(api: AwsJsonApi, res: ServerResponse, requestId: string, error: AwsJsonError): void {
  const body = { __type: error.type, [api.messageMember]: error.message, ...error.bodyMembers() };
  sendAwsJson(res, api.contentTypes[0], error.statusCode, requestId, JSON.stringify(body), error.type);
}
