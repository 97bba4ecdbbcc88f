import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { RecordRequestInputSchema } from '../step-inputs';
import { recordRequest } from './record-request';
import { refusalMetricLine } from './refusal-metric';

const env = parseEnv(z.object({ GOVERNOR_TABLE_NAME: z.string().min(1) }));
const ports = {
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  now: () => Date.now(),
  // off where Powertools Metrics is off (POWERTOOLS_METRICS_DISABLED, as the tests set it), like every metric
  countRefusal: (error: string) => {
    if (process.env.POWERTOOLS_METRICS_DISABLED !== 'true')
      process.stdout.write(`${refusalMetricLine(error, Date.now())}\n`);
  },
};

/** Record Account / Record Success / Record Failure: `{ requestId, caller, request, state, … }` → `{ state, refused, recorded }`. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(RecordRequestInputSchema, event);
  const result = await recordRequest(ports, input);
  logger.info('account request recorded', {
    requestId: input.requestId,
    ...result,
    ...(input.error ? { error: input.error } : {}),
  });
  return result;
};
