import type { Context } from 'aws-lambda';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { migrationPortsFromEnv } from '../migration-ports';
import { PreflightInputSchema } from '../step-inputs';
import { preflight } from './preflight';

const ports = migrationPortsFromEnv();

/** Preflight: `{ migrationId, requestedBy?, idempotencyKey? }` → the round opened (or adopted), or `already-all`. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(PreflightInputSchema, event);
  const result = await preflight(await ports(), input);
  logger.info('migration preflight', { migrationId: input.migrationId, ...result });
  return result;
};
