/**
 * The named errors of orgflow's functions. Lambda reports an error by its `name`, so each class sets it and
 * the ASL's `Retry`/`Catch` match it; the message is written for the person who asked for the account.
 * AWS errors (throttling, concurrent modification) are never wrapped: they keep their SDK names for `Retry`.
 */

/** One bad field: where it is (`tags[2].key`, empty for the body itself), the rule it broke, and why. */
export interface FieldIssue {
  path: string;
  rule: string;
  message: string;
}

/** Bad input: never retried; 400 at the API; `Fail` in the workflow. Lists every bad field. */
export class ValidationError extends Error {
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[], options?: ErrorOptions) {
    const listed = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super(`the request is not valid: ${listed}`, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** The same idempotency key was used for a different request. */
export class ConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

export class NotFoundError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

/** The function's environment or vending configuration is wrong: a deployment problem, not the requester's. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** An HTTP answer: `expose` says whether its message may be shown (never for 5xx). */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly expose: boolean;

  constructor(statusCode: number, message: string, options?: ErrorOptions & { expose?: boolean }) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.expose = options?.expose ?? statusCode < 500;
  }
}

/** Every CreateAccountStatus FailureReason AWS documents (seed 004), for the errors that carry one. */
export type CreateAccountFailureReason =
  | 'ACCOUNT_LIMIT_EXCEEDED'
  | 'EMAIL_ALREADY_EXISTS'
  | 'INVALID_ADDRESS'
  | 'INVALID_EMAIL'
  | 'CONCURRENT_ACCOUNT_MODIFICATION'
  | 'INTERNAL_FAILURE'
  | 'GOVCLOUD_ACCOUNT_ALREADY_EXISTS'
  | 'MISSING_BUSINESS_VALIDATION'
  | 'FAILED_BUSINESS_VALIDATION'
  | 'PENDING_BUSINESS_VALIDATION'
  | 'INVALID_IDENTITY_FOR_BUSINESS_VALIDATION'
  | 'UNKNOWN_BUSINESS_VALIDATION'
  | 'MISSING_PAYMENT_INSTRUMENT'
  | 'INVALID_PAYMENT_INSTRUMENT'
  | 'UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED';

/** A CreateAccount request that ended FAILED; `failureReason` is AWS's own word for it. */
abstract class CreateAccountFailure extends Error {
  readonly failureReason: string;

  constructor(failureReason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.failureReason = failureReason;
  }
}

export class EmailAlreadyExistsError extends CreateAccountFailure {
  readonly email: string;

  /** `whose` says whose account it is when known, e.g. "account 123456789012 of this organization, which is closed" */
  constructor(email: string, whose = 'an account outside this organization', options?: ErrorOptions) {
    super(
      'EMAIL_ALREADY_EXISTS',
      `the email address ${email} already belongs to ${whose}, so no account was created; ask again with an address no AWS account uses (a new mailbox or alias) and a new Idempotency-Key`,
      options,
    );
    this.name = 'EmailAlreadyExistsError';
    this.email = email;
  }
}

export class AccountLimitExceededError extends CreateAccountFailure {
  constructor(detail: string, options?: ErrorOptions) {
    super(
      'ACCOUNT_LIMIT_EXCEEDED',
      `the organization has reached its quota of accounts (${detail}); the platform team must raise the "Default maximum number of accounts" quota in Service Quotas or remove unused accounts, then you can ask again`,
      options,
    );
    this.name = 'AccountLimitExceededError';
  }
}

export class InvalidEmailError extends CreateAccountFailure {
  constructor(email: string, options?: ErrorOptions) {
    super(
      'INVALID_EMAIL',
      `AWS refused ${email} as the account's email address; ask again with an address that can receive mail`,
      options,
    );
    this.name = 'InvalidEmailError';
  }
}

export class InvalidAddressError extends CreateAccountFailure {
  constructor(options?: ErrorOptions) {
    super(
      'INVALID_ADDRESS',
      "AWS could not create the account because the management account's postal address is not valid; the platform team must correct it in the management account's contact information, then you can ask again",
      options,
    );
    this.name = 'InvalidAddressError';
  }
}

/** CONCURRENT_ACCOUNT_MODIFICATION: AWS saw the same creation submitted twice. */
export class ConcurrentAccountModificationError extends CreateAccountFailure {
  constructor(options?: ErrorOptions) {
    super(
      'CONCURRENT_ACCOUNT_MODIFICATION',
      'AWS refused the account because a creation with the same details was already submitted; look for your earlier request before asking again',
      options,
    );
    this.name = 'ConcurrentAccountModificationError';
  }
}

/** The business validation of the management account (AWS India and similar) is missing or failed. */
export class BusinessValidationError extends CreateAccountFailure {
  constructor(failureReason: string, options?: ErrorOptions) {
    super(
      failureReason,
      `AWS could not create the account because the management account's business validation is not complete (${failureReason}); the platform team must finish it with AWS, then you can ask again`,
      options,
    );
    this.name = 'BusinessValidationError';
  }
}

export class PaymentInstrumentError extends CreateAccountFailure {
  constructor(failureReason: string, options?: ErrorOptions) {
    super(
      failureReason,
      `AWS could not create the account because the management account has no valid payment method (${failureReason}); the platform team must add one, then you can ask again`,
      options,
    );
    this.name = 'PaymentInstrumentError';
  }
}

/** INTERNAL_FAILURE and every other reason: nothing was created. */
export class AccountCreationFailedError extends CreateAccountFailure {
  constructor(failureReason: string, options?: ErrorOptions) {
    super(
      failureReason,
      `AWS could not create the account (${failureReason}) and no account was created; ask again with a new Idempotency-Key, and tell the platform team if it happens again`,
      options,
    );
    this.name = 'AccountCreationFailedError';
  }
}

/** CreateAccount refused because AWS already has as many creations in progress as it allows: retried by ASL. */
export class AccountCreationRateLimitedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AccountCreationRateLimitedError';
  }
}

export class AccountNotFoundError extends Error {
  constructor(accountId: string, options?: ErrorOptions) {
    super(`account ${accountId} is not a member of the organization (it was removed or closed)`, options);
    this.name = 'AccountNotFoundError';
  }
}

/** How AWS says an account departed (`AccountDepartedOrganization`'s `departureMethod`). */
export type DepartureMethod = 'LEFT' | 'REMOVED' | 'CLEANED';

const DEPARTED: Record<DepartureMethod, string> = {
  LEFT: 'left the organization',
  REMOVED: 'was removed from the organization',
  CLEANED: 'was removed from the organization by AWS at the end of its post-closure period',
};

/**
 * The account a workflow was working on is no longer in the organization (it left, was removed, or AWS removed
 * it 90 days after its closure): the workflow stopped and did nothing more to it. Not retried.
 */
export class AccountDepartedError extends Error {
  readonly accountId: string;
  readonly departureMethod: DepartureMethod | undefined;

  constructor(
    accountId: string,
    departure: { method?: DepartureMethod | undefined; at?: string | undefined } = {},
    options?: ErrorOptions,
  ) {
    const how = departure.method ? DEPARTED[departure.method] : 'left or was removed from the organization';
    super(
      `account ${accountId} ${how}${departure.at ? ` (${departure.at})` : ''} while orgflow was working on it, so orgflow stopped and did nothing more to it; if it should be in the organization, ask the platform team to invite it back, then ask again with a new Idempotency-Key`,
      options,
    );
    this.name = 'AccountDepartedError';
    this.accountId = accountId;
    this.departureMethod = departure.method;
  }
}

export class OrganizationalUnitNotFoundError extends Error {
  constructor(ou: string, options?: ErrorOptions) {
    super(`organizational unit ${ou} no longer exists; ask again with an existing one`, options);
    this.name = 'OrganizationalUnitNotFoundError';
  }
}

export class PolicyNotFoundError extends Error {
  constructor(policyId: string, options?: ErrorOptions) {
    super(`policy ${policyId} no longer exists; ask again without it or with an existing one`, options);
    this.name = 'PolicyNotFoundError';
  }
}

/** EventBridge refused the event (its entry failed): retried by the state machine. */
export class EventNotPublishedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventNotPublishedError';
  }
}

/** The governor's items changed under every attempt in a row (many executions at once): retried by ASL. */
export class GovernorBusyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GovernorBusyError';
  }
}

/** Raised by the state machine itself when the account is still being created after every wait. */
export const CREATE_ACCOUNT_TIMEOUT_ERROR = 'CreateAccountTimeoutError';

/** Raised by the state machine itself when no CreateAccount slot came after every wait in line. */
export const CREATE_SLOT_TIMEOUT_ERROR = 'CreateSlotTimeoutError';

/**
 * The errors whose message is written for the requester: the API shows these as the reason of a FAILED
 * request; any other error (an AWS fault, a bug) is shown as an internal failure without its details.
 */
export const requesterFacingErrors: ReadonlySet<string> = new Set([
  'ValidationError',
  'EmailAlreadyExistsError',
  'AccountLimitExceededError',
  'InvalidEmailError',
  'InvalidAddressError',
  'ConcurrentAccountModificationError',
  'BusinessValidationError',
  'PaymentInstrumentError',
  'AccountCreationFailedError',
  'AccountNotFoundError',
  'AccountDepartedError',
  'OrganizationalUnitNotFoundError',
  'PolicyNotFoundError',
  CREATE_ACCOUNT_TIMEOUT_ERROR,
  CREATE_SLOT_TIMEOUT_ERROR,
]);

/** The named error of each FailureReason of CreateAccountStatus (seed 004). */
export function creationFailure(reason: string, email: string): Error {
  switch (reason) {
    case 'EMAIL_ALREADY_EXISTS':
      return new EmailAlreadyExistsError(email);
    case 'ACCOUNT_LIMIT_EXCEEDED':
      return new AccountLimitExceededError('CreateAccount ended with ACCOUNT_LIMIT_EXCEEDED');
    case 'INVALID_EMAIL':
      return new InvalidEmailError(email);
    case 'INVALID_ADDRESS':
      return new InvalidAddressError();
    case 'CONCURRENT_ACCOUNT_MODIFICATION':
      return new ConcurrentAccountModificationError();
    case 'MISSING_BUSINESS_VALIDATION':
    case 'FAILED_BUSINESS_VALIDATION':
    case 'PENDING_BUSINESS_VALIDATION':
    case 'INVALID_IDENTITY_FOR_BUSINESS_VALIDATION':
    case 'UNKNOWN_BUSINESS_VALIDATION':
      return new BusinessValidationError(reason);
    case 'MISSING_PAYMENT_INSTRUMENT':
    case 'INVALID_PAYMENT_INSTRUMENT':
      return new PaymentInstrumentError(reason);
    default:
      // INTERNAL_FAILURE, GOVCLOUD_ACCOUNT_ALREADY_EXISTS, UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED, and any new reason
      return new AccountCreationFailedError(reason);
  }
}

/**
 * The words of an error's Cause: a Lambda error's is its JSON (`{"errorMessage": …}`), any other is the text
 * itself; none for an empty or missing Cause.
 */
export function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
