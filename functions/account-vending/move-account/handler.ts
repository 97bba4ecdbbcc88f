import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { parseOrThrow } from '../../_shared/schemas';
import { MoveAccountInputSchema } from '../step-inputs';
import { moveAccount } from './move-account';

const organizations = organizationsClient();
// the root id, asked for once per instance
const directory = new OrganizationDirectory(organizations);

/** Move Account: `{ accountId, organizationalUnitId, inRoot? }` → `{ moved, from }`; already there is done. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { inRoot, ...input } = parseOrThrow(MoveAccountInputSchema, event);
  const expectedParentId = inRoot ? await directory.rootId() : undefined;
  const result = await moveAccount(organizations, { ...input, expectedParentId });
  logger.info(result.moved ? 'account moved' : 'account already in place', { ...input, ...result });
  return result;
};
