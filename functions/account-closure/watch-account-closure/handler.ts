import type { Context } from 'aws-lambda';
import { organizationsClient } from '../../_shared/clients';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { rendezvousPortsFromEnv } from '../../_shared/task-rendezvous';
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
  if (result) await answerClosure(ports, taskToken, accountId, result);
  logger.info(result ? 'account closure already finished' : 'waiting for the account closure', {
    batchId,
    accountId,
    ...(result ? { result } : {}),
  });
  return { answered: result !== undefined };
};
