import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { rendezvousPortsFromEnv } from '../../_shared/task-rendezvous';
import { completeApproval, HandshakeCallEventSchema } from './complete-approval';

const ports = rendezvousPortsFromEnv();

/**
 * Complete Approval, the target of events/rules/wake-all-features-round.json: a handshake call of a round →
 * the migration waiting on it woken to look. A failure is thrown to be tried again.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const outcome = await completeApproval(ports, parseOrThrow(HandshakeCallEventSchema, event));
  logger.info('all-features handshake reported', { ...outcome });
  return outcome;
};
