import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  ConstraintViolationException,
  CreateAccountCommand,
  InvalidInputException,
  type OrganizationsClient,
  OrganizationsServiceException,
  paginateListCreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { conditional } from '../../_shared/conditional-write';
import {
  AccountCreationRateLimitedError,
  AccountLimitExceededError,
  ValidationError,
} from '../../_shared/errors';
import { requestMark } from '../account-mark';
import type { CreateAccountStepInput } from '../step-inputs';

export interface CreateAccountPorts {
  organizations: OrganizationsClient;
  db: DynamoDBDocumentClient;
  table: string;
  now: () => number;
}

/** How the CreateAccountRequestId was found: recorded by an earlier attempt, found in progress, or new. */
export type CreationSource = 'recorded' | 'in-progress' | 'new';

export interface CreateAccountResult {
  createAccountRequestId: string;
  source: CreationSource;
}

// the request's record in the governor table: pk request#<id>, sk account-creation
const RECORD_SK = 'account-creation';
const RECORD_TTL_MS = 90 * 24 * 60 * 60 * 1000;
// how far AWS's RequestedTimestamp may be before our clock's attempt time and still be that attempt
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const RecordSchema = z.object({
  createAccountRequestId: z.string().optional(),
  attemptedAt: z.number().optional(),
});

/**
 * Starts the creation of the request's account exactly once. The CreateAccountRequestId is recorded before
 * this returns, so a retry (of the Lambda, the state, or a restarted engine) reads it back instead of
 * calling CreateAccount again. An attempt is marked before CreateAccount is called: if a retry finds the
 * mark without an id, the earlier attempt may have reached AWS, so a creation IN_PROGRESS with the same
 * account name, requested since the mark, is adopted. A creation that already finished is caught later:
 * the new CreateAccount fails with EMAIL_ALREADY_EXISTS and the workflow adopts the account by its email,
 * but only because the account carries this request's mark (the `orgflow:request-id` tag set here).
 */
export async function createAccountOnce(
  ports: CreateAccountPorts,
  input: CreateAccountStepInput,
): Promise<CreateAccountResult> {
  const { db, table, organizations } = ports;
  const key = { pk: `request#${input.requestId}`, sk: RECORD_SK };
  const stored = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  const record = RecordSchema.parse(stored.Item ?? {});
  if (record.createAccountRequestId)
    return { createAccountRequestId: record.createAccountRequestId, source: 'recorded' };

  if (record.attemptedAt !== undefined) {
    const inFlight = await creationInProgress(organizations, input.request.accountName, record.attemptedAt);
    if (inFlight)
      return { createAccountRequestId: await recordId(ports, key, inFlight), source: 'in-progress' };
  }

  const now = ports.now();
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression:
        'SET attemptedAt = if_not_exists(attemptedAt, :now), accountName = :name, email = :email, expiresAt = :expires',
      ExpressionAttributeValues: {
        ':now': now,
        ':name': input.request.accountName,
        ':email': input.request.email,
        ':expires': Math.floor((now + RECORD_TTL_MS) / 1000),
      },
    }),
  );
  let id: string;
  try {
    id = await callCreateAccount(organizations, input.requestId, input.request);
  } catch (error) {
    // AWS answered and refused: nothing was created, so the retry need not look for a creation in progress
    // (unless an earlier attempt, whose mark this one kept, may have created one)
    if (record.attemptedAt === undefined && isRefusal(error)) await unmark(ports, key, now);
    throw error;
  }
  return { createAccountRequestId: await recordId(ports, key, id), source: 'new' };
}

async function unmark(ports: CreateAccountPorts, key: Record<string, string>, markedAt: number) {
  await conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: key,
        UpdateExpression: 'REMOVE attemptedAt',
        ConditionExpression: 'attemptedAt = :mine',
        ExpressionAttributeValues: { ':mine': markedAt },
      }),
    ),
  );
}

/** An answer from AWS that refuses the call (throttled, a quota, bad input), as opposed to no answer at all. */
function isRefusal(error: unknown): boolean {
  const refused = (e: unknown) => e instanceof OrganizationsServiceException && e.$fault === 'client';
  return refused(error) || (error instanceof Error && refused(error.cause));
}

async function callCreateAccount(
  organizations: OrganizationsClient,
  requestId: string,
  request: CreateAccountStepInput['request'],
) {
  try {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({
        AccountName: request.accountName,
        Email: request.email,
        // tagged as it is created (no TagResource for a new account), with the mark that proves it is this
        // request's should its result be lost
        Tags: [...request.tags.map((t) => ({ Key: t.key, Value: t.value })), requestMark(requestId)],
        ...(request.roleName === undefined ? {} : { RoleName: request.roleName }),
        ...(request.iamUserAccessToBilling === undefined
          ? {}
          : { IamUserAccessToBilling: request.iamUserAccessToBilling }),
      }),
    );
    if (!CreateAccountStatus?.Id) throw new Error('CreateAccount answered without a CreateAccountStatus.Id');
    return CreateAccountStatus.Id;
  } catch (error) {
    if (error instanceof ConstraintViolationException) {
      if (error.Reason === 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED')
        throw new AccountCreationRateLimitedError(error.message, { cause: error });
      if (error.Reason === 'ACCOUNT_NUMBER_LIMIT_EXCEEDED')
        throw new AccountLimitExceededError(error.message, { cause: error });
    }
    if (error instanceof InvalidInputException)
      throw new ValidationError([{ path: '', rule: 'refused-by-aws', message: error.message }], {
        cause: error,
      });
    throw error;
  }
}

/**
 * The creation IN_PROGRESS for `accountName` requested since `since` (less clock skew), when there is exactly
 * one: with two, another request may have asked for the same name, so none is adopted (the new CreateAccount
 * then fails with EMAIL_ALREADY_EXISTS if ours finished, and the account is adopted by its email instead).
 */
async function creationInProgress(organizations: OrganizationsClient, accountName: string, since: number) {
  const candidates: string[] = [];
  for await (const page of paginateListCreateAccountStatus(
    { client: organizations },
    { States: ['IN_PROGRESS'] },
  ))
    for (const status of page.CreateAccountStatuses ?? [])
      if (
        status.Id &&
        status.AccountName === accountName &&
        (status.RequestedTimestamp?.getTime() ?? 0) >= since - CLOCK_SKEW_MS
      )
        candidates.push(status.Id);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Records the id unless an attempt racing this one recorded its own first; returns the one recorded. */
async function recordId(ports: CreateAccountPorts, key: Record<string, string>, id: string): Promise<string> {
  try {
    await ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: key,
        UpdateExpression: 'SET createAccountRequestId = :id, recordedAt = :now',
        ConditionExpression: 'attribute_not_exists(createAccountRequestId)',
        ExpressionAttributeValues: { ':id': id, ':now': ports.now() },
      }),
    );
    return id;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const stored = await ports.db.send(
      new GetCommand({ TableName: ports.table, Key: key, ConsistentRead: true }),
    );
    const recorded = RecordSchema.parse(stored.Item ?? {}).createAccountRequestId;
    if (!recorded) throw error;
    return recorded;
  }
}
