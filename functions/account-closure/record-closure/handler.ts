import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { CloseAccountEventSchema, recordClosureOf } from './record-closure';

const env = parseEnv(z.object({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
const ports = { db: dynamoDocumentClient(), table: env.GOVERNOR_TABLE_NAME };

/** Record Closure, the target of events/rules/record-closure.json: a CloseAccount event → the closure ledger. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const outcome = await recordClosureOf(ports, parseOrThrow(CloseAccountEventSchema, event));
  logger.info(outcome.recorded ? 'closure recorded' : 'closure already recorded', outcome);
  return outcome;
};
