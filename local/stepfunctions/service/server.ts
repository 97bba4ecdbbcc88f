import {
  type AwsJsonDialect,
  type AwsJsonServerOptions,
  type OperationsOn,
  operationsOn,
  type RunningServer,
  serveAwsJson,
} from '../../aws-json';
import { accountKeys, type KeyOwners } from '../../identity';
import { StepFunctionsServiceError } from './errors';
import type { StepFunctionsService } from './service';
import { validateDefinition } from './validation';

// The Step Functions API over HTTP (local/aws-json.ts): AWS JSON 1.0, timestamps as epoch seconds.

/** `X-Amz-Target: AWSStepFunctions.<Operation>`, errors as `{ __type, message }`; plain JSON accepted too */
const stepFunctions: AwsJsonDialect = {
  service: 'AWS Step Functions',
  targetPrefix: 'AWSStepFunctions',
  contentTypes: ['application/x-amz-json-1.0', 'application/json'],
  messageMember: 'message',
  errorTypes: { internal: 'InternalFailure', tooLarge: 'ValidationException' },
};

export type { RunningServer };

export interface StepFunctionsServerOptions extends AwsJsonServerOptions {
  /** who owns the access keys (local/identity.ts; the emulator's `keyOwners` in the stack); default: account keys, any other key the service's account */
  keyOwners?: KeyOwners;
}

type Input = Record<string, unknown>;

const operations: OperationsOn<StepFunctionsService> = {
  CreateStateMachine: (service, input, { caller }) =>
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
  ListStateMachines: (service, input, { caller }) =>
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
  StartSyncExecution: (service, input) =>
    service.startSyncExecution({ stateMachineArn: text(input, 'stateMachineArn', { required: true }) }),
  ListTagsForResource: (service, input) =>
    service.listTagsForResource({ resourceArn: text(input, 'resourceArn', { required: true, max: 256 }) }),
  ValidateStateMachineDefinition: (_service, input) => {
    const definition = text(input, 'definition', { required: true, max: 1_048_576 });
    oneOf(input, 'type', ['STANDARD', 'EXPRESS']);
    oneOf(input, 'severity', ['ERROR', 'WARNING']);
    const maxResults = whole(input, 'maxResults') ?? 0;
    if (maxResults < 0 || maxResults > 100)
      throw invalid('maxResults', 'Member must have value between 0 and 100', maxResults);
    return validateDefinition(definition, maxResults);
  },
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

function oneOf(input: Input, field: string, values: readonly string[]): string | undefined {
  const value = text(input, field);
  if (value !== undefined && !values.includes(value))
    throw invalid(field, `Member must satisfy enum value set: [${values.join(', ')}]`, value);
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

/** Serves the service on loopback; `port: 0` picks a free port. */
export function startStepFunctionsServer(
  service: StepFunctionsService,
  options: StepFunctionsServerOptions = {},
): Promise<RunningServer> {
  const keyOwners = options.keyOwners ?? accountKeys(service.accountId);
  return serveAwsJson(
    { ...stepFunctions, operations: operationsOn(operations, () => service), keyOwners },
    options,
  );
}
