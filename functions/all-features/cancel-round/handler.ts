import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { migrationPortsFromEnv } from '../migration-ports';
import { CancelRoundInputSchema } from '../step-inputs';
import { cancelRound } from './cancel-round';

const ports = migrationPortsFromEnv();

/** Cancel Round: `{ migrationId, round, handshakeId, end }` → what was left of the round cancelled and recorded. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(CancelRoundInputSchema, event);
  const result = await cancelRound(await ports(), input);
  logger.info('all-features round ended', { migrationId: input.migrationId, ...result });
  return result;
};
