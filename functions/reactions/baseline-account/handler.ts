import type { Context } from 'aws-lambda';
import { parseEnv } from '../../_shared/env';
import { oncePerEvent } from '../../_shared/idempotency';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { ClosureConfigEnvSchema, closureConfigReader } from '../../account-closure/closure-config';
import { reactionPorts } from '../reaction-ports';
import { baselineAccount, JoinedEventSchema } from './baseline-account';

const { tableName, ports } = reactionPorts();
// the protection of the closure configuration holds here too: no account is moved out of a protected OU
const closureConfig = closureConfigReader(parseEnv(ClosureConfigEnvSchema));

/**
 * Baseline Account, the target of events/rules/baseline-joined-account.json: an account that joined outside
 * orgflow → moved to the landing OU, tagged, given the baseline policies; once per CloudTrail event.
 */
export const handler = oncePerEvent('BaselineAccount', tableName, async (event, context: Context) => {
  logger.addContext(context);
  const { protectedOrganizationalUnits } = await closureConfig();
  const outcome = await baselineAccount(
    { ...(await ports()), protectedOrganizationalUnits },
    parseOrThrow(JoinedEventSchema, event),
  );
  logger.info(outcome.baselined ? 'account baselined' : 'no baseline applied', { ...outcome });
  return outcome;
});
