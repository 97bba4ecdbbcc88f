import { AwsJsonError } from '../../aws-json';
import type { JsonRefusalType } from '../../identity';

/** The exceptions of the Step Functions API, by the names AWS gives them (the `__type` of an error answer). */
export type StepFunctionsErrorCode =
  | JsonRefusalType
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionLimitExceeded'
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'MissingRequiredParameter'
  | 'ResourceNotFound'
  | 'StateMachineAlreadyExists'
  | 'StateMachineDeleting'
  | 'StateMachineDoesNotExist'
  | 'StateMachineTypeNotSupported'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'InternalFailure';

/**
 * An API call the service refuses, as AWS refuses it: `code` is the exception name the SDK maps to its
 * error class, the message says what was wrong and, where it helps, how to fix it.
 */
export class StepFunctionsServiceError extends AwsJsonError {
  declare readonly type: StepFunctionsErrorCode;

  constructor(
    code: StepFunctionsErrorCode,
    message: string,
    statusCode = code === 'InternalFailure' ? 500 : 400,
  ) {
    super(code, message, { statusCode });
    this.name = code;
  }

  get code(): StepFunctionsErrorCode {
    return this.type;
  }
}

/** The service was closed: API calls and transitions of its executions are refused from then on. */
export class ServiceClosedError extends Error {
  constructor() {
    super('the Step Functions service is closed');
    this.name = 'ServiceClosedError';
  }
}
