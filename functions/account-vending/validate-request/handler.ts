import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { validateAccountRequest } from '../request-validation/validate-request';
import { VendingConfigEnvSchema, vendingConfigReader } from '../vending-config';

const config = vendingConfigReader(parseEnv(VendingConfigEnvSchema));
const directory = new OrganizationDirectory(organizationsClient());

/** Validate Request: `{ caller, request, resolved? }` → the normalized request, or a ValidationError. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const request = await validateAccountRequest(directory, await config(), event);
  logger.info('account request is valid', {
    organizationalUnit: request.organizationalUnit,
    policies: request.policies.map((p) => p.id),
  });
  return request;
};
