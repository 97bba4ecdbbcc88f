import { parseEnv } from '../../_shared/env';
import { CloseAccountPoolEnvSchema, closeAccountPool } from '../../governor/pools';
import { releaseSlotHandler } from '../../governor/slot-handlers';

/** Release Close Slot: `{ requestId }` → `{ released }`, the slot handed to the next closure in line. */
export const handler = releaseSlotHandler(closeAccountPool(parseEnv(CloseAccountPoolEnvSchema)));
