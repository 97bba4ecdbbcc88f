import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeCreateAccountStatusCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTableInput, governorTable } from '../../catalog/tables';
import {
  CreateAccountResultEventSchema,
  completeAccountCreation,
} from '../../functions/account-vending/complete-account-creation/complete-account-creation';
import { watchAccountCreation } from '../../functions/account-vending/watch-account-creation/watch-account-creation';
import { type RunningDynamoDb, startDynamoDb } from '../../local/dynamodb/server';

// The two halves of the wait for a CreateAccount (functions/account-vending/creation-watch.ts) against a real DynamoDB
// implementation (dynalite); Step Functions and Organizations are mocked.

const sfnMock = mockClient(SFNClient);
const organizationsMock = mockClient(OrganizationsClient);
let dynamo: RunningDynamoDb;
let ports: {
  db: DynamoDBDocumentClient;
  sfn: SFNClient;
  organizations: OrganizationsClient;
  table: string;
  now: () => number;
};

const sample = (name: string) =>
  CreateAccountResultEventSchema.parse(
    JSON.parse(readFileSync(`events/samples/organizations-create-account-result-${name}.json`, 'utf8')),
  );
const succeeded = sample('succeeded');
const failed = sample('failed');
const idOf = (event: typeof succeeded) => event.detail.serviceEventDetails.createAccountStatus.id;
const email = 'payments-prod@orgflow.example';

beforeAll(async () => {
  dynamo = await startDynamoDb({
    tables: [
      {
        table: createTableInput('orgflow', governorTable),
        timeToLiveAttribute: governorTable.timeToLiveAttribute,
      },
    ],
  });
  ports = {
    db: DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamo.url,
        region: 'us-east-1',
        credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
      }),
    ),
    sfn: new SFNClient({ region: 'us-east-1' }),
    organizations: new OrganizationsClient({ region: 'us-east-1' }),
    table: createTableInput('orgflow', governorTable).TableName as string,
    now: () => Date.UTC(2026, 2, 1, 10, 0, 0),
  };
});
afterAll(async () => {
  ports.db.destroy();
  await dynamo.close();
});
beforeEach(() => {
  sfnMock.reset();
  organizationsMock.reset();
});

describe('waiting for a CreateAccount without polling', () => {
  it('wakes the waiting execution when the CreateAccountResult event arrives', async () => {
    // Prepare
    const createAccountRequestId = `${idOf(succeeded)}-a`;
    const event = structuredClone(succeeded);
    event.detail.serviceEventDetails.createAccountStatus.id = createAccountRequestId;

    // Act
    const waiting = await watchAccountCreation(ports, {
      createAccountRequestId,
      email,
      taskToken: 'token-1',
      look: false,
    });
    const reported = await completeAccountCreation(ports, event);

    // Assess
    expect(waiting).toEqual({ answered: false });
    expect(reported).toEqual({ createAccountRequestId, state: 'SUCCEEDED', woke: true });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({
        state: 'SUCCEEDED',
        accountId: event.detail.serviceEventDetails.createAccountStatus.accountId,
      }),
    });
    expect(organizationsMock).not.toHaveReceivedCommand(DescribeCreateAccountStatusCommand);
  });

  it('answers at once an execution that starts waiting after the event came', async () => {
    // Prepare
    const createAccountRequestId = `${idOf(failed)}-b`;
    const event = structuredClone(failed);
    event.detail.serviceEventDetails.createAccountStatus.id = createAccountRequestId;

    // Act
    const reported = await completeAccountCreation(ports, event);
    const waiting = await watchAccountCreation(ports, {
      createAccountRequestId,
      email,
      taskToken: 'token-2',
      look: false,
    });

    // Assess
    expect(reported.woke).toBe(false);
    expect(waiting).toMatchObject({ answered: true, result: { state: 'FAILED' } });
    const failure = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(failure).toMatchObject({ taskToken: 'token-2', error: 'EmailAlreadyExistsError' });
    expect(JSON.parse(failure?.cause ?? '{}').errorMessage).toMatch(
      /payments-prod@orgflow\.example already belongs to .* ask again with an address no AWS account uses/,
    );
  });

  it('looks with DescribeCreateAccountStatus only on a wait retried after a timeout', async () => {
    // Prepare
    organizationsMock
      .on(DescribeCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatus: { State: 'IN_PROGRESS' } })
      .resolves({ CreateAccountStatus: { State: 'SUCCEEDED', AccountId: '123456789012' } });
    const input = { createAccountRequestId: 'car-lost-event', email };

    // Act
    const first = await watchAccountCreation(ports, { ...input, taskToken: 't-1', look: false });
    const second = await watchAccountCreation(ports, { ...input, taskToken: 't-2', look: true });
    const third = await watchAccountCreation(ports, { ...input, taskToken: 't-3', look: true });

    // Assess
    expect([first.answered, second.answered, third.answered]).toEqual([false, false, true]);
    expect(organizationsMock).toHaveReceivedCommandTimes(DescribeCreateAccountStatusCommand, 2);
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 't-3',
      output: JSON.stringify({ state: 'SUCCEEDED', accountId: '123456789012' }),
    });
  });

  it('wakes the newest token of a retried wait, and takes a token no longer waiting calmly', async () => {
    // Prepare
    const createAccountRequestId = 'car-retried-wait';
    const event = structuredClone(succeeded);
    event.detail.serviceEventDetails.createAccountStatus.id = createAccountRequestId;
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await watchAccountCreation(ports, { createAccountRequestId, email, taskToken: 'old', look: false });
    await watchAccountCreation(ports, { createAccountRequestId, email, taskToken: 'new', look: false });

    // Act
    const reported = await completeAccountCreation(ports, event);

    // Assess
    expect(reported.woke).toBe(false);
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'new',
      output: expect.any(String),
    });
  });

  it.each([
    ['ACCOUNT_LIMIT_EXCEEDED', 'AccountLimitExceededError', /quota of accounts/],
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
  ])('ends a creation FAILED with %s by %s', async (reason, name, message) => {
    // Prepare
    const createAccountRequestId = `car-failed-${reason}`;
    const event = structuredClone(failed);
    event.detail.serviceEventDetails.createAccountStatus.id = createAccountRequestId;
    event.detail.serviceEventDetails.createAccountStatus.failureReason = reason;
    await watchAccountCreation(ports, { createAccountRequestId, email, taskToken: reason, look: false });

    // Act
    await completeAccountCreation(ports, event);

    // Assess
    const failure = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(failure).toMatchObject({ taskToken: reason, error: name });
    expect(JSON.parse(failure?.cause ?? '{}')).toEqual({
      errorType: name,
      errorMessage: expect.stringMatching(message),
    });
  });

  it('refuses an event that is not a CreateAccountResult', () => {
    // Act
    const parsed = CreateAccountResultEventSchema.safeParse({ detail: { eventName: 'CloseAccountResult' } });

    // Assess
    expect(parsed.success).toBe(false);
  });
});
