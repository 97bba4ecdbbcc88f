import 'aws-sdk-client-mock-vitest/extend';
import { DescribeCreateAccountStatusCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkCreateAccountStatus } from '../../functions/check-create-account-status/check-create-account-status';

const organizationsMock = mockClient(OrganizationsClient);
const organizations = new OrganizationsClient({ region: 'us-east-1' });
const input = {
  createAccountRequestId: 'car-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d',
  email: 'payments-prod@orgflow.example',
};

beforeEach(() => organizationsMock.reset());

describe('checkCreateAccountStatus', () => {
  it('reports a creation in progress by AccountCreationInProgressError, for the state to retry later', async () => {
    // Prepare
    organizationsMock
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { State: 'IN_PROGRESS' } });

    // Act
    const check = checkCreateAccountStatus(organizations, input);

    // Assess
    await expect(check).rejects.toMatchObject({ name: 'AccountCreationInProgressError' });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(DescribeCreateAccountStatusCommand, {
      CreateAccountRequestId: input.createAccountRequestId,
    });
  });

  it('reports the account of a creation that succeeded', async () => {
    // Prepare
    organizationsMock
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { State: 'SUCCEEDED', AccountId: '123456789012' } });

    // Act
    const progress = await checkCreateAccountStatus(organizations, input);

    // Assess
    expect(progress).toEqual({ state: 'SUCCEEDED', accountId: '123456789012' });
  });

  it.each([
    ['ACCOUNT_LIMIT_EXCEEDED', 'AccountLimitExceededError', /quota of accounts/],
    [
      'EMAIL_ALREADY_EXISTS',
      'EmailAlreadyExistsError',
      /payments-prod@orgflow\.example already belongs to .* ask again with an address no AWS account uses/,
    ],
    ['INVALID_ADDRESS', 'InvalidAddressError', /postal address/],
    ['INVALID_EMAIL', 'InvalidEmailError', /refused payments-prod@orgflow\.example/],
    ['CONCURRENT_ACCOUNT_MODIFICATION', 'ConcurrentAccountModificationError', /already submitted/],
    ['INTERNAL_FAILURE', 'AccountCreationFailedError', /INTERNAL_FAILURE.*no account was created/],
    ['GOVCLOUD_ACCOUNT_ALREADY_EXISTS', 'AccountCreationFailedError', /GOVCLOUD_ACCOUNT_ALREADY_EXISTS/],
    ['MISSING_BUSINESS_VALIDATION', 'BusinessValidationError', /business validation/],
    ['FAILED_BUSINESS_VALIDATION', 'BusinessValidationError', /FAILED_BUSINESS_VALIDATION/],
    ['PENDING_BUSINESS_VALIDATION', 'BusinessValidationError', /PENDING_BUSINESS_VALIDATION/],
    ['INVALID_IDENTITY_FOR_BUSINESS_VALIDATION', 'BusinessValidationError', /INVALID_IDENTITY/],
    ['UNKNOWN_BUSINESS_VALIDATION', 'BusinessValidationError', /UNKNOWN_BUSINESS_VALIDATION/],
    ['MISSING_PAYMENT_INSTRUMENT', 'PaymentInstrumentError', /payment method/],
    ['INVALID_PAYMENT_INSTRUMENT', 'PaymentInstrumentError', /INVALID_PAYMENT_INSTRUMENT/],
    [
      'UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED',
      'AccountCreationFailedError',
      /UPDATE_EXISTING/,
    ],
    ['A_REASON_AWS_ADDS_LATER', 'AccountCreationFailedError', /A_REASON_AWS_ADDS_LATER/],
  ])('ends a FAILED creation with %s as %s', async (reason, name, message) => {
    // Prepare
    organizationsMock
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { State: 'FAILED', FailureReason: reason as never } });

    // Act
    const check = checkCreateAccountStatus(organizations, input);

    // Assess
    await expect(check).rejects.toMatchObject({
      name,
      failureReason: reason,
      message: expect.stringMatching(message),
    });
  });
});
