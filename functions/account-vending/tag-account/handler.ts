import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { TagAccountInputSchema } from '../step-inputs';
import { tagAccount } from './tag-account';

const organizations = organizationsClient();

/** Tag Account: `{ accountId, tags }` → `{ tagged }`. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(TagAccountInputSchema, event);
  const result = await tagAccount(organizations, input);
  logger.info('account tagged', { accountId: input.accountId, ...result });
  return result;
};
