import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { eventBridgeClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { PublishAccountVendedInputSchema } from '../step-inputs';
import { publishAccountVended } from './publish-account-vended';

const env = parseEnv(z.object({ EVENT_BUS_NAME: z.string().min(1).default('default') }));
const events = eventBridgeClient();

/** Publish Account Vended: `{ requestId, caller, request, accountId, adopted }` → `{ eventId }`. */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const input = parseOrThrow(PublishAccountVendedInputSchema, event);
  const result = await publishAccountVended(events, env.EVENT_BUS_NAME, input);
  logger.info('account vended event published', { requestId: input.requestId, ...result });
  emitMetric(orgflowMetrics.accountsVended, 1);
  return result;
};
