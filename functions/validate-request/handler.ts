import type { Context } from 'aws-lambda';
import { organizationsClient } from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { logger } from '../_shared/logger';
import { loadVendingConfig, VendingConfigEnvSchema } from '../_shared/vending-config';
import { OrganizationRoot } from './organization-lookup';
import { validateAccountRequest } from './validate-request';

const config = loadVendingConfig(parseEnv(VendingConfigEnvSchema));
const organizations = organizationsClient();
const root = new OrganizationRoot(organizations);

/** Validate Request: `{ caller, request, resolved? }` → the normalized request, or a ValidationError. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const request = await validateAccountRequest(organizations, config, event, root);
  logger.info('account request is valid', {
    organizationalUnit: request.organizationalUnit,
    policies: request.policies.map((p) => p.id),
  });
  return request;
};
