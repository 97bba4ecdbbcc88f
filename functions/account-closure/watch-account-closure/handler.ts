import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { rendezvousPortsFromEnv } from '../../_shared/task-rendezvous';
import { emitMetric, orgflowMetrics } from '../../_shared/telemetry';
import { WatchAccountClosureInputSchema } from '../closure-step-inputs';
import { answerClosure, lookAtClosure, registerClosureWaiter } from '../closure-watch';

const organizations = organizationsClient();
const ports = rendezvousPortsFromEnv();

/**
 * Wait For Closure (`.waitForTaskToken`): `{ batchId, accountId, taskToken, look }` → the token is answered now
 * if the closure's result is known (or a look finds the account closed), else by Complete Account Closure.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { accountId, taskToken, look, batchId } = parseOrThrow(WatchAccountClosureInputSchema, event);
  let result = await registerClosureWaiter(ports, { accountId, taskToken });
  if (!result && look) result = await lookAtClosure(organizations, accountId);
  const woke = result ? await answerClosure(ports, taskToken, accountId, result) : false;
  logger.info(result ? 'account closure already finished' : 'waiting for the account closure', {
    batchId,
    accountId,
    ...(result ? { result } : {}),
  });
  // counted as its execution is told, once: Complete Account Closure counts the ones it tells
  if (woke && result?.state === 'FAILED')
    emitMetric(orgflowMetrics.closeAccountFailures, 1, result.failureReason);
  return { answered: result !== undefined };
};
