import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocumentClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { ExecutionStatusChangeEventSchema, recordEndedExecution } from './record-ended-execution';

const env = parseEnv(
  z.object({
    GOVERNOR_TABLE_NAME: z.string().min(1),
    ACCOUNT_VENDING_STATE_MACHINE_ARN: z.string().min(1),
  }),
);
const ports = {
  db: dynamoDocumentClient(),
  table: env.GOVERNOR_TABLE_NAME,
  vendingStateMachineArn: env.ACCOUNT_VENDING_STATE_MACHINE_ARN,
  now: () => Date.now(),
};

/**
 * Record Ended Execution, the target of events/rules/record-ended-request.json: a vending execution that timed
 * out, was stopped or failed → its request recorded FAILED unless it already ended. A failure is thrown to be
 * tried again (the local bus per the rule's retry policy; on AWS Lambda's asynchronous retries, then the DLQ).
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const outcome = await recordEndedExecution(ports, parseOrThrow(ExecutionStatusChangeEventSchema, event));
  logger.info('ended execution', { ...outcome });
  return outcome;
};
