import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { migrationPortsFromEnv } from '../migration-ports';
import { FinishMigrationInputSchema } from '../step-inputs';
import { finishMigration } from './finish-migration';

const ports = migrationPortsFromEnv();

/** Finish Migration: `{ migrationId, handshakeId, outcome, failure? }` → enabled (and announced), or the failure recorded. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const result = await finishMigration(await ports(), parseOrThrow(FinishMigrationInputSchema, event));
  logger.info('migration finished', { ...result });
  return result;
};
