import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { migrationPortsFromEnv } from '../migration-ports';
import { WatchApprovalsInputSchema } from '../step-inputs';
import { watchApprovals } from './watch-approvals';

const ports = migrationPortsFromEnv();

/**
 * Wait For Approvals (`.waitForTaskToken`): `{ migrationId, round, handshakeId, taskToken }` → the token is
 * answered now if the round is decided, else by Complete Approval or the next look.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(WatchApprovalsInputSchema, event);
  const result = await watchApprovals(await ports(), input);
  const { migrationId, round, handshakeId } = input;
  logger.info('all-features round looked at', {
    migrationId,
    round,
    handshakeId,
    ...result.decision,
    reminded: result.reminded,
  });
  return { answered: result.answered };
};
