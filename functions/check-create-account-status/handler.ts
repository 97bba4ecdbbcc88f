import type { Context } from 'aws-lambda';
import { organizationsClient } from '../_shared/clients';
import { logger } from '../_shared/logger';
import { parseOrThrow } from '../_shared/schemas';
import { CheckCreateAccountStatusInputSchema } from '../_shared/step-inputs';
import { checkCreateAccountStatus } from './check-create-account-status';

const organizations = organizationsClient();

/** Check Create Account Status: `{ createAccountRequestId, email }` → `{ state, accountId }`; FAILED throws. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(CheckCreateAccountStatusInputSchema, event);
  const progress = await checkCreateAccountStatus(organizations, input);
  logger.info('account creation checked', {
    createAccountRequestId: input.createAccountRequestId,
    ...progress,
  });
  return progress;
};
