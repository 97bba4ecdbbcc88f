import { dynamoDocumentClient } from '../../_shared/clients';
import { parseEnv } from '../../_shared/env';
import { parseOrThrow } from '../../_shared/schemas';
import { CloseAccountPoolEnvSchema, closeAccountPool } from '../../governor/pools';
import { acquireSlotHandler } from '../../governor/slot-handlers';
import { setAccountState } from '../batch-store';
import { ClosureStepInputSchema } from '../closure-step-inputs';

const env = parseEnv(CloseAccountPoolEnvSchema);
const store = { db: dynamoDocumentClient(), table: env.GOVERNOR_TABLE_NAME };

/**
 * Acquire Close Slot (`.waitForTaskToken`): `{ requestId, taskToken, batchId, accountId }` → the account waits
 * in line for one of the 3 closures AWS allows in flight, across every batch.
 */
export const handler = acquireSlotHandler(closeAccountPool(env), async (event) => {
  const { batchId, accountId } = parseOrThrow(ClosureStepInputSchema, event);
  await setAccountState(store, batchId, accountId, 'waiting-for-slot', Date.now());
});
