import { parseEnv } from '../../_shared/env';
import { CreateAccountPoolEnvSchema, createAccountPool } from '../../governor/pools';
import { releaseSlotHandler } from '../../governor/slot-handlers';

/** Release Create Slot: `{ requestId }` → `{ released }`, the slot handed to the next request in line. */
export const handler = releaseSlotHandler(createAccountPool(parseEnv(CreateAccountPoolEnvSchema)));
