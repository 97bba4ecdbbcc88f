import { types } from 'node:util';

/** The payload of a failed invocation, as Lambda returns it with `X-Amz-Function-Error: Unhandled`. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/**
 * What the Node.js runtime reports for a value a handler threw, rejected with or passed to its callback
 * (`formatError` of aws-lambda-nodejs-runtime-interface-client): an Error gives its `name`, `message` and
 * stack lines, so Step Functions' `ErrorEquals` matches the error class that sets `this.name`; anything
 * else gives its `typeof` (`"string"`, `"object"`…) and `String(value)`.
 */
export function functionErrorOf(thrown: unknown): FunctionError {
  try {
    if (thrown instanceof Error || types.isNativeError(thrown))
      return {
        errorType: thrown.name,
        errorMessage: thrown.message,
        trace: typeof thrown.stack === 'string' ? thrown.stack.split('\n') : [],
      };
    return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** The errors of the Node.js runtime itself, named as it names them. */
export class RuntimeError extends Error {
  constructor(
    type: 'ImportModuleError' | 'HandlerNotFound' | 'UserCodeSyntaxError' | 'JSONStringifyError',
    message: string,
  ) {
    super(message);
    this.name = `Runtime.${type}`;
  }
}

export type LambdaServiceErrorName =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'RequestEntityTooLargeException'
  | 'InvalidRequestContentException';

/**
 * An Invoke that Lambda refuses before any code runs (unknown function, payload too large or not JSON).
 * The invocation promise rejects with it; a caller such as Step Functions reports it as `Lambda.<name>`.
 */
export class LambdaServiceError extends Error {
  readonly statusCode: number;

  constructor(name: LambdaServiceErrorName, message: string, statusCode: number) {
    super(message);
    this.name = name;
    this.statusCode = statusCode;
  }
}
