import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { organizationsReadClient, sfnClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { oncePerEvent } from '../../_shared/idempotency';
import { logger } from '../../_shared/logger';
import { OrganizationDirectory } from '../../_shared/organization-directory';
import { parseOrThrow } from '../../_shared/schemas';
import { ClosureConfigEnvSchema, closureConfigReader } from '../closure-config';
import { MoveAccountEventSchema, startDecommission } from './start-decommission';

const env = parseEnv(
  ClosureConfigEnvSchema.extend({
    CLOSURE_BATCH_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
    GOVERNOR_TABLE_NAME: z.string().min(1),
  }),
);
const config = closureConfigReader(env);
const ports = {
  sfn: sfnClient(),
  // no state machine retries these reads: the SDK's own retries absorb throttling
  directory: new OrganizationDirectory(organizationsReadClient()),
  stateMachineArn: env.CLOSURE_BATCH_STATE_MACHINE_ARN,
};

/**
 * Start Decommission, the target of events/rules/decommission-account.json: a MoveAccount into the decommission
 * OU → the account's closure batch started, once per CloudTrail event (as every reaction); the batch's name,
 * from the event's id, keeps a start after the idempotency record expired from starting a second batch. A
 * failure is thrown to be tried again.
 */
export const handler = oncePerEvent(
  'StartDecommission',
  env.GOVERNOR_TABLE_NAME,
  async (event, context: Context) => {
    logger.addContext(context);
    const outcome = await startDecommission(
      { ...ports, config: await config() },
      parseOrThrow(MoveAccountEventSchema, event),
    );
    logger.info(outcome.started ? 'decommission started' : 'no decommission started', { ...outcome });
    return outcome;
  },
);
