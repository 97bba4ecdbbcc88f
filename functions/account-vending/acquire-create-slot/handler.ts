import { parseEnv } from '../../_shared/env';
import { CreateAccountPoolEnvSchema, createAccountPool } from '../../governor/pools';
import { acquireSlotHandler } from '../../governor/slot-handlers';

/** Acquire Create Slot (`.waitForTaskToken`): `{ requestId, taskToken }` → in line for a CreateAccount slot. */
export const handler = acquireSlotHandler(createAccountPool(parseEnv(CreateAccountPoolEnvSchema)));
