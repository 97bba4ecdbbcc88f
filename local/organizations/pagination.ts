import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OperationContext } from './context';
import { invalidInput } from './errors';

export interface PageInput {
  NextToken?: string | undefined;
  MaxResults?: number | undefined;
}

function secret(ctx: OperationContext): string {
  const meta = ctx.store.meta.get('meta');
  if (meta) return meta.tokenSecret;
  const tokenSecret = crypto.randomUUID();
  ctx.store.meta.put({ id: 'meta', tokenSecret });
  return tokenSecret;
}

function sign(ctx: OperationContext, payload: string): string {
  return createHmac('sha256', secret(ctx)).update(payload).digest('base64url').slice(0, 22);
}

/** A token resuming the listing at `offset`; `afterEmpty` marks one handed out with an injected empty page. */
function token(ctx: OperationContext, scope: string, offset: number, afterEmpty: boolean): string {
  const signature = sign(ctx, payload(`${ctx.operation}:${scope}`, offset, afterEmpty));
  return Buffer.from(JSON.stringify(afterEmpty ? [offset, signature, 1] : [offset, signature])).toString(
    'base64url',
  );
}

const payload = (scope: string, offset: number, afterEmpty: boolean) =>
  `${scope}:${offset}${afterEmpty ? ':empty' : ''}`;

/**
 * One page of `items`. The token is opaque to callers but signed, and bound to the operation and its
 * query (`scope`), so a forged token or one from another listing is refused with INVALID_NEXT_TOKEN.
 * Listings are in insertion order, which is stable.
 *
 * The `emptyPage` fault answers, while results remain, an empty page whose token resumes at the same place
 * (AWS: List operations "can occasionally return an empty set of results even when there are more results
 * available"). The page after an injected empty one is always real, so a paginator ends even at probability 1.
 */
export function paginate<T>(
  ctx: OperationContext,
  items: readonly T[],
  input: PageInput,
  scope: string,
  pageSize = input.MaxResults ?? ctx.limits.defaultPageSize,
): { page: T[]; NextToken: string | undefined } {
  let offset = 0;
  let afterEmpty = false;
  if (input.NextToken !== undefined && input.NextToken !== null) {
    ({ offset, afterEmpty } = decode(ctx, input.NextToken, `${ctx.operation}:${scope}`));
  }
  if (offset < items.length && !afterEmpty && ctx.faults.strikes(ctx.operation, 'emptyPage'))
    return { page: [], NextToken: token(ctx, scope, offset, true) };
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  if (next >= items.length) return { page, NextToken: undefined };
  return { page, NextToken: token(ctx, scope, next, false) };
}

function decode(
  ctx: OperationContext,
  nextToken: string,
  scope: string,
): { offset: number; afterEmpty: boolean } {
  const refuse = () =>
    invalidInput('INVALID_NEXT_TOKEN', 'Use the NextToken from the previous response of the same request.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parsed) || parsed.length < 2 || parsed.length > 3) throw refuse();
  const [offset, signature, empty] = parsed as [unknown, unknown, unknown];
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || typeof signature !== 'string')
    throw refuse();
  if (parsed.length === 3 && empty !== 1) throw refuse();
  const afterEmpty = empty === 1;
  const expected = Buffer.from(sign(ctx, payload(scope, offset, afterEmpty)));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refuse();
  return { offset, afterEmpty };
}
