import type { Refusal, RefusalReason } from '../identity';

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

const refusalCodes: Record<RefusalReason, string> = {
  MissingAuthentication: 'MissingAuthenticationToken',
  UnknownKey: 'InvalidClientTokenId',
  WrongSecurityToken: 'InvalidClientTokenId',
  ExpiredSession: 'ExpiredToken',
};

/** A caller the rule of local/identity.ts refuses, in STS's words (all 403). */
export const refused = (refusal: Refusal) => new StsError(refusalCodes[refusal.reason], refusal.message, 403);

export const validationError = (message: string) => new StsError('ValidationError', message);

export const accessDenied = (callerArn: string, action: string, resource: string) =>
  new StsError(
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`,
    403,
  );
