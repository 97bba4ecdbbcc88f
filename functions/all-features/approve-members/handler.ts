import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { migrationPortsFromEnv } from '../migration-ports';
import { RoundInputSchema } from '../step-inputs';
import { approveMembers } from './approve-members';

const ports = migrationPortsFromEnv();

/** Approve Members: `{ migrationId, round, handshakeId }` → `{ approved, unreachable, remaining }`. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(RoundInputSchema, event);
  const result = await approveMembers(await ports(), input);
  logger.info('members approved', { ...input, ...result });
  return result;
};
