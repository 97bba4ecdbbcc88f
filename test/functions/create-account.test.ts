import 'aws-sdk-client-mock-vitest/extend';
import {
  ConstraintViolationException,
  CreateAccountCommand,
  InvalidInputException,
  ListCreateAccountStatusCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AccountCreationRateLimitedError,
  AccountLimitExceededError,
  ValidationError,
} from '../../functions/_shared/errors';
import {
  type CreateAccountPorts,
  createAccountOnce,
} from '../../functions/account-vending/create-account/create-account';
import { governorTableOnDynalite } from '../governor-table';

// Organizations is mocked; the request's record is kept in the governor table on dynalite.

const organizationsMock = mockClient(OrganizationsClient);
const table = governorTableOnDynalite();
let now: number;
let ports: CreateAccountPorts;

const input = {
  requestId: 'ar-0123456789abcdef0123456789abcdef',
  request: {
    accountName: 'payments-prod',
    email: 'payments-prod@orgflow.example',
    tags: [{ key: 'team', value: 'payments' }],
    roleName: 'OrgAdmin',
  },
};
const record = () => table.item(`request#${input.requestId}`, 'account-creation');

beforeEach(() => {
  organizationsMock.reset();
  now = Date.UTC(2026, 2, 1, 10, 0, 0);
  ports = {
    organizations: new OrganizationsClient({ region: 'us-east-1' }),
    db: table.db,
    table: table.name,
    now: () => now,
  };
});

describe('createAccountOnce', () => {
  it('calls CreateAccount and records the CreateAccountRequestId before returning', async () => {
    // Prepare
    organizationsMock.on(CreateAccountCommand).resolves({
      CreateAccountStatus: { Id: 'car-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d', State: 'IN_PROGRESS' },
    });

    // Act
    const result = await createAccountOnce(ports, input);

    // Assess
    expect(result).toEqual({ createAccountRequestId: 'car-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d', source: 'new' });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(CreateAccountCommand, {
      AccountName: 'payments-prod',
      Email: 'payments-prod@orgflow.example',
      // the request's tags, and the mark that proves the account is this request's should the result be lost
      Tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'orgflow:request-id', Value: input.requestId },
      ],
      RoleName: 'OrgAdmin',
    });
    expect(await record()).toMatchObject({
      createAccountRequestId: 'car-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d',
      attemptedAt: now,
      email: 'payments-prod@orgflow.example',
    });
  });

  it('reads the recorded id back on a retry instead of creating a second account', async () => {
    // Prepare
    await table.put({
      pk: `request#${input.requestId}`,
      sk: 'account-creation',
      createAccountRequestId: 'car-recorded00',
      attemptedAt: now,
    });

    // Act
    const result = await createAccountOnce(ports, input);

    // Assess
    expect(result).toEqual({ createAccountRequestId: 'car-recorded00', source: 'recorded' });
    expect(organizationsMock).not.toHaveReceivedCommand(CreateAccountCommand);
  });

  it('adopts the creation an earlier attempt started but did not record (it died in between)', async () => {
    // Prepare
    await table.put({ pk: `request#${input.requestId}`, sk: 'account-creation', attemptedAt: now - 30_000 });
    organizationsMock.on(ListCreateAccountStatusCommand).resolves({
      CreateAccountStatuses: [
        {
          Id: 'car-older',
          AccountName: 'payments-prod',
          State: 'IN_PROGRESS',
          RequestedTimestamp: new Date(now - 3_600_000),
        },
        {
          Id: 'car-other',
          AccountName: 'billing',
          State: 'IN_PROGRESS',
          RequestedTimestamp: new Date(now - 20_000),
        },
        {
          Id: 'car-ours',
          AccountName: 'payments-prod',
          State: 'IN_PROGRESS',
          RequestedTimestamp: new Date(now - 29_000),
        },
      ],
    });

    // Act
    const result = await createAccountOnce(ports, input);

    // Assess
    expect(result).toEqual({ createAccountRequestId: 'car-ours', source: 'in-progress' });
    expect(organizationsMock).toHaveReceivedCommandWith(ListCreateAccountStatusCommand, {
      States: ['IN_PROGRESS'],
    });
    expect(organizationsMock).not.toHaveReceivedCommand(CreateAccountCommand);
    expect((await record())?.createAccountRequestId).toBe('car-ours');
  });

  it('adopts nothing when two creations in progress have the name, and asks AWS again', async () => {
    // Prepare
    await table.put({ pk: `request#${input.requestId}`, sk: 'account-creation', attemptedAt: now - 30_000 });
    organizationsMock.on(ListCreateAccountStatusCommand).resolves({
      CreateAccountStatuses: [
        {
          Id: 'car-a',
          AccountName: 'payments-prod',
          State: 'IN_PROGRESS',
          RequestedTimestamp: new Date(now - 29_000),
        },
        {
          Id: 'car-b',
          AccountName: 'payments-prod',
          State: 'IN_PROGRESS',
          RequestedTimestamp: new Date(now - 10_000),
        },
      ],
    });
    organizationsMock
      .on(CreateAccountCommand)
      .resolves({ CreateAccountStatus: { Id: 'car-c', State: 'IN_PROGRESS' } });

    // Act
    const result = await createAccountOnce(ports, input);

    // Assess
    expect(result).toEqual({ createAccountRequestId: 'car-c', source: 'new' });
  });

  it('calls CreateAccount again when the earlier attempt left nothing in progress', async () => {
    // Prepare
    await table.put({ pk: `request#${input.requestId}`, sk: 'account-creation', attemptedAt: now - 30_000 });
    organizationsMock.on(ListCreateAccountStatusCommand).resolves({ CreateAccountStatuses: [] });
    organizationsMock
      .on(CreateAccountCommand)
      .resolves({ CreateAccountStatus: { Id: 'car-second', State: 'IN_PROGRESS' } });

    // Act
    const result = await createAccountOnce(ports, input);

    // Assess
    expect(result).toEqual({ createAccountRequestId: 'car-second', source: 'new' });
    expect((await record())?.attemptedAt).toBe(now - 30_000);
  });

  it('keeps the id a racing attempt recorded first', async () => {
    // Prepare: the other attempt records while CreateAccount is in flight
    organizationsMock.on(CreateAccountCommand).callsFake(async () => {
      await table.put({ ...(await record()), createAccountRequestId: 'car-first' });
      return { CreateAccountStatus: { Id: 'car-second', State: 'IN_PROGRESS' } };
    });

    // Act
    const result = await createAccountOnce(ports, input);

    // Assess
    expect(result.createAccountRequestId).toBe('car-first');
    expect((await record())?.createAccountRequestId).toBe('car-first');
  });

  it.each([
    ['ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED', AccountCreationRateLimitedError],
    ['ACCOUNT_NUMBER_LIMIT_EXCEEDED', AccountLimitExceededError],
  ] as const)('turns ConstraintViolationException %s into %o', async (reason, errorClass) => {
    // Prepare
    organizationsMock
      .on(CreateAccountCommand)
      .rejects(new ConstraintViolationException({ message: 'refused', Reason: reason, $metadata: {} }));

    // Act
    const attempt = createAccountOnce(ports, input);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(errorClass);
    expect((await record())?.createAccountRequestId).toBeUndefined();
  });

  it('refuses input AWS finds invalid with a ValidationError', async () => {
    // Prepare
    organizationsMock.on(CreateAccountCommand).rejects(
      new InvalidInputException({
        message: 'Email is not valid',
        Reason: 'INVALID_PATTERN',
        $metadata: {},
      }),
    );

    // Act
    const attempt = createAccountOnce(ports, input);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });

  it('lets throttling propagate by its AWS name for the state machine to retry', async () => {
    // Prepare
    organizationsMock
      .on(CreateAccountCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    // Act
    const attempt = createAccountOnce(ports, input);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });

  it('forgets an attempt AWS refused, so the retry calls CreateAccount without looking for it', async () => {
    // Prepare
    organizationsMock
      .on(CreateAccountCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ CreateAccountStatus: { Id: 'car-after-throttle', State: 'IN_PROGRESS' } });

    // Act
    await expect(createAccountOnce(ports, input)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    const unmarked = (await record())?.attemptedAt;
    const retry = await createAccountOnce(ports, input);

    // Assess
    expect(unmarked).toBeUndefined();
    expect(retry).toEqual({ createAccountRequestId: 'car-after-throttle', source: 'new' });
    expect(organizationsMock).not.toHaveReceivedCommand(ListCreateAccountStatusCommand);
  });

  it('keeps the mark of an attempt that got no answer, and of an earlier attempt', async () => {
    // Prepare
    organizationsMock.on(CreateAccountCommand).rejects(new Error('socket hang up'));
    const earlier = now - 30_000;

    // Act
    await expect(createAccountOnce(ports, input)).rejects.toThrow('socket hang up');
    const afterNoAnswer = (await record())?.attemptedAt;
    await table.put({ pk: `request#${input.requestId}`, sk: 'account-creation', attemptedAt: earlier });
    organizationsMock.on(ListCreateAccountStatusCommand).resolves({ CreateAccountStatuses: [] });
    organizationsMock
      .on(CreateAccountCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(createAccountOnce(ports, input)).rejects.toMatchObject({ name: 'TooManyRequestsException' });

    // Assess
    expect(afterNoAnswer).toBe(now);
    expect((await record())?.attemptedAt).toBe(earlier);
  });
});
