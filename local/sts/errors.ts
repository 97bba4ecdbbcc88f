/** An error STS answers with: an AWS Query `<ErrorResponse>` whose `Code` the SDK turns into the error's name. */
export class StsError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode = 400) {
    super(message);
    this.name = 'StsError';
    this.code = code;
    this.statusCode = statusCode;
  }

  /** `Sender` for the caller's mistakes, `Receiver` for the service's own failures, as AWS Query reports them. */
  get faultType(): 'Sender' | 'Receiver' {
    return this.statusCode >= 500 ? 'Receiver' : 'Sender';
  }
}

export const missingAuthenticationToken = () =>
  new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);

export const invalidClientTokenId = (detail: string) =>
  new StsError(
    'InvalidClientTokenId',
    `The security token included in the request is invalid. ${detail}`,
    403,
  );

export const expiredToken = (accessKeyId: string, expiredAt: string) =>
  new StsError(
    'ExpiredToken',
    `The security token included in the request is expired (access key ${accessKeyId} expired at ${expiredAt}; call AssumeRole again).`,
    403,
  );

export const validationError = (message: string) => new StsError('ValidationError', message);

export const accessDenied = (callerArn: string, action: string, resource: string) =>
  new StsError(
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`,
    403,
  );
