import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { eventBridgeClient, organizationsReadClient, sfnClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { oncePerEvent } from '../../_shared/idempotency';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { rendezvousPortsFromEnv } from '../../_shared/task-rendezvous';
import { CloseAccountPoolEnvSchema, closeAccountPool } from '../../governor/pools';
import { accountDeparted, DepartedEventSchema } from './account-departed';

const env = parseEnv(
  CloseAccountPoolEnvSchema.extend({
    ACCOUNT_CLOSURE_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
    EVENT_BUS_NAME: z.string().min(1).default('default'),
  }),
);
// a function target, not a step: nothing retries its calls but the SDK (then Lambda, then the dead letters)
const ports = {
  organizations: organizationsReadClient(),
  sfn: sfnClient(),
  rendezvous: rendezvousPortsFromEnv(),
  closePool: closeAccountPool(env),
  closureStateMachineArn: env.ACCOUNT_CLOSURE_STATE_MACHINE_ARN,
  events: eventBridgeClient(),
  eventBusName: env.EVENT_BUS_NAME,
};

/**
 * Account Departed, the target of events/rules/account-departed.json: an account that left the organization or
 * was removed → the orgflow workflows working on it ended (or woken) with a named outcome, `Account Departed`
 * published; once per CloudTrail event.
 */
export const handler = oncePerEvent(
  'AccountDeparted',
  env.GOVERNOR_TABLE_NAME,
  async (event, context: Context) => {
    logger.addContext(context);
    const outcome = await accountDeparted(ports, parseOrThrow(DepartedEventSchema, event));
    logger.info(outcome.acted ? 'account departed' : 'departure not acted on', { ...outcome });
    return outcome;
  },
);
