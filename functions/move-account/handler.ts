import type { Context } from 'aws-lambda';
import { organizationsClient } from '../_shared/clients';
import { logger } from '../_shared/logger';
import { parseOrThrow } from '../_shared/schemas';
import { MoveAccountInputSchema } from '../_shared/step-inputs';
import { moveAccount } from './move-account';

const organizations = organizationsClient();

/** Move Account: `{ accountId, organizationalUnitId }` → `{ moved, from }`; already there is done. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(MoveAccountInputSchema, event);
  const result = await moveAccount(organizations, input);
  logger.info(result.moved ? 'account moved' : 'account already in place', { ...input, ...result });
  return result;
};
