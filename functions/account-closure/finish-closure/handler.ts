import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { eventBridgeClient, organizationsClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { closurePortsFromEnv } from '../closure-ports';
import { FinishClosureInputSchema } from '../closure-step-inputs';
import { finishClosure } from './finish-closure';

const env = parseEnv(z.object({ EVENT_BUS_NAME: z.string().min(1).default('default') }));
const closurePorts = closurePortsFromEnv(organizationsClient());
const events = eventBridgeClient();

/** Finish Closure: `{ batchId, accountId, reason, outcome, failure }` → the outcome recorded (and announced). */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const ports = { ...(await closurePorts()), events, eventBusName: env.EVENT_BUS_NAME };
  const result = await finishClosure(ports, parseOrThrow(FinishClosureInputSchema, event));
  logger.info('account closure finished', { ...result });
  return result;
};
