import { DescribeCreateAccountStatusCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  AccountCreationFailedError,
  AccountCreationInProgressError,
  AccountLimitExceededError,
  BusinessValidationError,
  ConcurrentAccountModificationError,
  EmailAlreadyExistsError,
  InvalidAddressError,
  InvalidEmailError,
  PaymentInstrumentError,
} from '../_shared/errors';

/**
 * One look at a creation: SUCCEEDED gives the account id; IN_PROGRESS throws AccountCreationInProgressError, which
 * the state's Retry turns into a poll with backoff (one transition per look, no loop of states); FAILED throws
 * the named error of its FailureReason.
 */
export async function checkCreateAccountStatus(
  organizations: OrganizationsClient,
  input: { createAccountRequestId: string; email: string },
): Promise<{ state: 'SUCCEEDED'; accountId: string }> {
  const { CreateAccountStatus: status } = await organizations.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: input.createAccountRequestId }),
  );
  if (status?.State === 'SUCCEEDED' && status.AccountId)
    return { state: 'SUCCEEDED', accountId: status.AccountId };
  if (status?.State === 'FAILED') throw creationFailure(status.FailureReason ?? 'UNKNOWN', input.email);
  throw new AccountCreationInProgressError(input.createAccountRequestId);
}

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
