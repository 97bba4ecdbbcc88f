import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { AttachPoliciesInputSchema } from '../step-inputs';
import { attachPolicies } from './attach-policies';

const organizations = organizationsClient();

/** Attach Policies: `{ accountId, policies }` → `{ attached, alreadyAttached }`. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(AttachPoliciesInputSchema, event);
  const result = await attachPolicies(organizations, input);
  logger.info('policies attached', { accountId: input.accountId, ...result });
  return result;
};
