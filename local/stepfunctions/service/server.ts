import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAwsJson } from '../../aws-http';
import { type RunningServer, serveHttp } from '../../http-server';
import { accountKeys, identifyRequest, jsonErrorTypes, type KeyOwners } from '../../identity';
import { JsonTextError, parseJsonText } from '../../json-body';
import { StepFunctionsServiceError } from './errors';
import type { Caller, StepFunctionsService } from './service';

// The Step Functions API over HTTP: AWS JSON 1.0 (`X-Amz-Target: AWSStepFunctions.<Operation>`), errors
// as `{ __type, message }`, timestamps as epoch seconds. Callers are identified as in every local service
// (local/identity.ts): an unsigned request is refused with 403.

const targetPrefix = 'AWSStepFunctions.';
const contentType = 'application/x-amz-json-1.0';
const maxBodyBytes = 1024 * 1024;

export type { RunningServer };

export interface StepFunctionsServerOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  host?: string;
  /** called for every request that fails with a 5xx, for the operator's log */
  onInternalError?: (error: unknown) => void;
  /** who owns the access keys (local/identity.ts; the emulator's `keyOwners` in the stack); default: account keys, any other key the service's account */
  keyOwners?: KeyOwners;
}

type Input = Record<string, unknown>;
type Operation = (service: StepFunctionsService, input: Input, caller: Caller) => unknown;

const operations: Record<string, Operation> = {
  CreateStateMachine: (service, input, caller) =>
    service.createStateMachine(
      {
        name: text(input, 'name', { required: true }),
        definition: text(input, 'definition', { required: true, max: 1_048_576 }),
        roleArn: text(input, 'roleArn', { required: true }),
        type: text(input, 'type'),
        description: text(input, 'description', { max: 256 }),
      },
      caller,
    ),
  UpdateStateMachine: (service, input) =>
    service.updateStateMachine({
      stateMachineArn: text(input, 'stateMachineArn', { required: true }),
      definition: text(input, 'definition', { max: 1_048_576 }),
      roleArn: text(input, 'roleArn'),
    }),
  DeleteStateMachine: async (service, input) => {
    await service.deleteStateMachine({ stateMachineArn: text(input, 'stateMachineArn', { required: true }) });
    return {};
  },
  DescribeStateMachine: (service, input) =>
    service.describeStateMachine({ stateMachineArn: text(input, 'stateMachineArn', { required: true }) }),
  DescribeStateMachineForExecution: (service, input) =>
    service.describeStateMachineForExecution({
      executionArn: text(input, 'executionArn', { required: true }),
    }),
  ListStateMachines: (service, input, caller) =>
    service.listStateMachines(
      { maxResults: whole(input, 'maxResults'), nextToken: text(input, 'nextToken', { max: 1024 }) },
      caller,
    ),
  StartExecution: (service, input) =>
    service.startExecution({
      stateMachineArn: text(input, 'stateMachineArn', { required: true }),
      name: text(input, 'name'),
      input: text(input, 'input'),
    }),
  DescribeExecution: (service, input) =>
    service.describeExecution({ executionArn: text(input, 'executionArn', { required: true }) }),
  ListExecutions: (service, input) =>
    service.listExecutions({
      stateMachineArn: text(input, 'stateMachineArn', { required: true }),
      statusFilter: text(input, 'statusFilter'),
      maxResults: whole(input, 'maxResults'),
      nextToken: text(input, 'nextToken', { max: 3096 }),
    }),
  GetExecutionHistory: (service, input) =>
    service.getExecutionHistory({
      executionArn: text(input, 'executionArn', { required: true }),
      maxResults: whole(input, 'maxResults'),
      reverseOrder: flag(input, 'reverseOrder'),
      nextToken: text(input, 'nextToken', { max: 3096 }),
      includeExecutionData: flag(input, 'includeExecutionData'),
    }),
  StopExecution: (service, input) =>
    service.stopExecution({
      executionArn: text(input, 'executionArn', { required: true }),
      error: text(input, 'error', { max: 256 }),
      cause: text(input, 'cause', { max: 32_768 }),
    }),
  SendTaskSuccess: async (service, input) => {
    await service.sendTaskSuccess({
      taskToken: text(input, 'taskToken', { required: true, max: 2048 }),
      output: text(input, 'output', { required: true }),
    });
    return {};
  },
  SendTaskFailure: async (service, input) => {
    await service.sendTaskFailure({
      taskToken: text(input, 'taskToken', { required: true, max: 2048 }),
      error: text(input, 'error', { max: 256 }),
      cause: text(input, 'cause', { max: 32_768 }),
    });
    return {};
  },
  SendTaskHeartbeat: async (service, input) => {
    await service.sendTaskHeartbeat({ taskToken: text(input, 'taskToken', { required: true, max: 2048 }) });
    return {};
  },
};

function invalid(field: string, constraint: string, value: unknown): StepFunctionsServiceError {
  const shown = value === undefined ? 'null' : `'${String(value)}'`;
  return new StepFunctionsServiceError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function text(input: Input, field: string, rule: { required: true; max?: number }): string;
function text(input: Input, field: string, rule?: { max?: number }): string | undefined;
function text(
  input: Input,
  field: string,
  rule: { required?: boolean; max?: number } = {},
): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    if (rule.required) throw invalid(field, 'Member must not be null', undefined);
    return undefined;
  }
  if (typeof value !== 'string')
    throw new StepFunctionsServiceError(
      'SerializationException',
      `${field} must be a string, not ${JSON.stringify(value)}`,
    );
  if (rule.max !== undefined && value.length > rule.max)
    throw invalid(
      field,
      `Member must have length less than or equal to ${rule.max}`,
      `${value.slice(0, 40)}…`,
    );
  return value;
}

function whole(input: Input, field: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new StepFunctionsServiceError(
      'SerializationException',
      `${field} must be an integer, not ${JSON.stringify(value)}`,
    );
  return value;
}

function flag(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new StepFunctionsServiceError(
      'SerializationException',
      `${field} must be a boolean, not ${JSON.stringify(value)}`,
    );
  return value;
}

/** JSON with every Date as epoch seconds, as the AWS JSON protocols send timestamps. */
export function toWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : item;
  });
}

const send = (res: ServerResponse, status: number, requestId: string, body: string) =>
  sendAwsJson(res, contentType, status, requestId, body);

function sendError(res: ServerResponse, requestId: string, error: StepFunctionsServiceError): void {
  send(res, error.statusCode, requestId, JSON.stringify({ __type: error.code, message: error.message }));
}

/** Answers one HTTP request with one service call. */
export async function handleRequest(
  service: StepFunctionsService,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  onInternalError: (error: unknown) => void,
  keyOwners: KeyOwners = accountKeys(service.accountId),
): Promise<void> {
  const requestId = randomUUID();
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const name = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
    const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (req.method !== 'POST' || !operation)
      throw new StepFunctionsServiceError(
        'UnknownOperationException',
        `AWS Step Functions has no operation '${target || '(no X-Amz-Target)'}' for ${req.method}: POST with X-Amz-Target ${targetPrefix}<Operation>`,
      );
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== contentType && type !== 'application/json')
      throw new StepFunctionsServiceError(
        'SerializationException',
        `Content-Type must be ${contentType}, not '${type || '(none)'}'`,
      );
    const identified = identifyRequest(req.headers, keyOwners);
    if ('refusal' in identified)
      throw new StepFunctionsServiceError(
        jsonErrorTypes[identified.refusal.reason],
        identified.refusal.message,
        403,
      );
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = parseJsonText(body.toString('utf8'));
      } catch (error) {
        if (!(error instanceof JsonTextError)) throw error;
        throw new StepFunctionsServiceError('SerializationException', `the request body is ${error.message}`);
      }
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new StepFunctionsServiceError('SerializationException', 'the request body must be a JSON object');
    const caller = { accountId: identified.caller.accountId };
    const output = await operation(service, input as Input, caller);
    send(res, 200, requestId, toWire(output ?? {}));
  } catch (error) {
    if (error instanceof StepFunctionsServiceError) {
      if (error.statusCode >= 500) onInternalError(error);
      sendError(res, requestId, error);
      return;
    }
    onInternalError(error);
    sendError(res, requestId, new StepFunctionsServiceError('InternalFailure', 'internal error'));
  }
}

/** Serves the service on loopback; `port: 0` picks a free port. */
export function startStepFunctionsServer(
  service: StepFunctionsService,
  options: StepFunctionsServerOptions = {},
): Promise<RunningServer> {
  const onInternalError = options.onInternalError ?? ((error) => console.error('step functions:', error));
  return serveHttp(
    (req, body, res) => {
      void handleRequest(service, req, body, res, onInternalError, options.keyOwners);
    },
    {
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
      maxBodyBytes,
      tooLarge: (_req, res) =>
        sendError(
          res,
          randomUUID(),
          new StepFunctionsServiceError(
            'ValidationException',
            `the request body is larger than ${maxBodyBytes} bytes`,
            413,
          ),
        ),
    },
  );
}
