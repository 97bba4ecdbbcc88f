import { createHash } from 'node:crypto';
import { HttpError } from '../_shared/errors';
import { ownerOf } from '../_shared/principals';
import type { Caller } from '../_shared/schemas';
import type { ApiEvent } from './http';

/** The IAM principal API Gateway authenticated; a request without one never reaches a method with IAM auth. */
export function callerOf(event: ApiEvent): Caller {
  const { userArn, accountId } = event.requestContext.identity;
  if (!userArn || !accountId || !/^\d{12}$/.test(accountId))
    throw new HttpError(403, 'sign the request with AWS credentials (SigV4): the API uses IAM authorization');
  return { arn: userArn, accountId };
}

/**
 * The request id, and so the execution name: a hash of who asked and their idempotency key. An assumed-role
 * session counts as its role, so a portal that signs each call with a new session keeps its keys.
 */
export function requestIdFor(caller: Caller, idempotencyKey: string): string {
  return `ar-${digestOf(caller, idempotencyKey)}`;
}

/** A closure batch's id (its execution name), derived as {@link requestIdFor} derives a request's. */
export function closureBatchIdFor(caller: Caller, idempotencyKey: string): string {
  return `cb-${digestOf(caller, idempotencyKey)}`;
}

function digestOf(caller: Caller, idempotencyKey: string): string {
  return createHash('sha256')
    .update(`${ownerOf(caller)}\n${idempotencyKey}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * A migration to all features' id (its execution name): the organization and the count of its migrations, so
 * that callers asking at the same time name the same one, and one runs at a time.
 */
export function migrationIdFor(organizationId: string, attempt: number): string {
  return `afm-${organizationId}-${attempt}`;
}
