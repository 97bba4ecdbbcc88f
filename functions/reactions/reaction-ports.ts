import { z } from 'zod';
import { eventBridgeClient, organizationsReadClient } from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { OrganizationDirectory } from '../_shared/organization-directory';
import { ReactionsConfigEnvSchema, reactionsConfigReader } from './reactions-config';

/**
 * What a reaction's handler builds once per execution environment: its environment (the governor table for
 * its idempotency records, the bus, the reactions configuration) and the ports its logic takes, with the
 * configuration as it is at each call of `ports` (once per invocation: a changed parameter applies without a
 * deploy). A function target, not a step: nothing retries its calls but the SDK (then Lambda, then the dead
 * letters).
 */
export function reactionPorts() {
  const env = parseEnv(
    ReactionsConfigEnvSchema.extend({
      GOVERNOR_TABLE_NAME: z.string().min(1),
      EVENT_BUS_NAME: z.string().min(1).default('default'),
    }),
  );
  const organizations = organizationsReadClient();
  const config = reactionsConfigReader(env);
  const ports = {
    organizations,
    directory: new OrganizationDirectory(organizations),
    events: eventBridgeClient(),
    eventBusName: env.EVENT_BUS_NAME,
  };
  return {
    tableName: env.GOVERNOR_TABLE_NAME,
    ports: async () => ({ ...ports, config: await config() }),
  };
}
