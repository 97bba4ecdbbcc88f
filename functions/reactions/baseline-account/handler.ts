import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { eventBridgeClient, organizationsReadClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { oncePerEvent } from '../../_shared/idempotency';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { parseOrThrow } from '../../_shared/schemas';
import { loadReactionsConfig, ReactionsConfigEnvSchema } from '../reactions-config';
import { baselineAccount, JoinedEventSchema } from './baseline-account';

const env = parseEnv(
  ReactionsConfigEnvSchema.extend({
    GOVERNOR_TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1).default('default'),
  }),
);
// a function target, not a step: nothing retries its calls but the SDK (then Lambda, then the dead letters)
const organizations = organizationsReadClient();
const ports = {
  organizations,
  directory: new OrganizationDirectory(organizations),
  config: loadReactionsConfig(env),
  events: eventBridgeClient(),
  eventBusName: env.EVENT_BUS_NAME,
};

/**
 * Baseline Account, the target of events/rules/baseline-joined-account.json: an account that joined outside
 * orgflow → moved to the landing OU, tagged, given the baseline policies; once per CloudTrail event.
 */
export const handler = oncePerEvent(
  'BaselineAccount',
  env.GOVERNOR_TABLE_NAME,
  async (event, context: Context) => {
    logger.addContext(context);
    const outcome = await baselineAccount(ports, parseOrThrow(JoinedEventSchema, event));
    logger.info(outcome.baselined ? 'account baselined' : 'no baseline applied', { ...outcome });
    return outcome;
  },
);
