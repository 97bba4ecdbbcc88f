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

/**
 * One page of `items`. The token is opaque to callers but signed, and bound to the operation and its
 * query (`scope`), so a forged token or one from another listing is refused with INVALID_NEXT_TOKEN.
 * Listings are in insertion order, which is stable.
 */
export function paginate<T>(
  ctx: OperationContext,
  items: readonly T[],
  input: PageInput,
  scope: string,
  pageSize = input.MaxResults ?? ctx.limits.defaultPageSize,
): { page: T[]; NextToken: string | undefined } {
  let offset = 0;
  if (input.NextToken !== undefined && input.NextToken !== null) {
    offset = decode(ctx, input.NextToken, `${ctx.operation}:${scope}`);
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  if (next >= items.length) return { page, NextToken: undefined };
  const payload = `${ctx.operation}:${scope}:${next}`;
  const token = Buffer.from(JSON.stringify([next, sign(ctx, payload)])).toString('base64url');
  return { page, NextToken: token };
}

function decode(ctx: OperationContext, token: string, scope: string): number {
  const refuse = () =>
    invalidInput('INVALID_NEXT_TOKEN', 'Use the NextToken from the previous response of the same request.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw refuse();
  const [offset, signature] = parsed as [unknown, unknown];
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || typeof signature !== 'string')
    throw refuse();
  const expected = Buffer.from(sign(ctx, `${scope}:${offset}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refuse();
  return offset;
}
