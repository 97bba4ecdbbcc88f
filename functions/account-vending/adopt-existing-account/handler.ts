import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { AdoptExistingAccountInputSchema } from '../step-inputs';
import { adoptExistingAccount } from './adopt-existing-account';

const organizations = organizationsClient();

/** Adopt Existing Account: `{ requestId, email, organizationalUnitId }` → `{ accountId, adopted }`, or EmailAlreadyExistsError. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(AdoptExistingAccountInputSchema, event);
  const result = await adoptExistingAccount(organizations, input);
  logger.info('existing account adopted', result);
  return result;
};
