import { z } from 'zod';
import type { SlotPool } from './plan';

/** The governor pool of CreateAccount calls in progress; AWS allows 5 at a time (reference §3.1). */
export const CREATE_ACCOUNT_POOL = 'create-account';

export const CreateAccountPoolEnvSchema = z.object({
  GOVERNOR_TABLE_NAME: z.string().min(1),
  CREATE_ACCOUNT_SLOTS: z.coerce.number().int().min(1).max(100).default(5),
  // longer than a request holds its slot: CreateAccount's retries while AWS has 5 creations in progress
  // (about 27 minutes at worst) and Wait For Account (about 22 minutes) — an hour
  CREATE_ACCOUNT_SLOT_LEASE_SECONDS: z.coerce.number().int().min(60).default(3600),
  // AWS throttles CreateAccount at 0.1 call per second with a burst of 3 (reference §3.2)
  CREATE_ACCOUNT_CALLS_PER_SECOND: z.coerce.number().positive().max(100).default(0.1),
  CREATE_ACCOUNT_CALL_BURST: z.coerce.number().int().min(1).max(100).default(3),
});
export type CreateAccountPoolEnv = z.infer<typeof CreateAccountPoolEnvSchema>;

export function createAccountPool(env: CreateAccountPoolEnv): SlotPool {
  return {
    table: env.GOVERNOR_TABLE_NAME,
    name: CREATE_ACCOUNT_POOL,
    slots: env.CREATE_ACCOUNT_SLOTS,
    leaseMs: env.CREATE_ACCOUNT_SLOT_LEASE_SECONDS * 1000,
    pace: { perSecond: env.CREATE_ACCOUNT_CALLS_PER_SECOND, burst: env.CREATE_ACCOUNT_CALL_BURST },
  };
}

/** How far apart AWS lets CloseAccount calls come once its burst of 1 is spent (0.05 per second, reference §3.2). */
export const CLOSE_ACCOUNT_INTERVAL_MS = 20_000;

/** The governor pool of CloseAccount calls in flight; AWS allows 3 at a time (reference §3.1). */
export const CLOSE_ACCOUNT_POOL = 'close-account';

export const CloseAccountPoolEnvSchema = z.object({
  GOVERNOR_TABLE_NAME: z.string().min(1),
  CLOSE_ACCOUNT_SLOTS: z.coerce.number().int().min(1).max(100).default(3),
  // longer than a closure holds its slot: Close Account retried while 3 closures made outside orgflow are in
  // flight (about 80 minutes at worst) and Wait For Closure (about 2 hours) — four hours
  CLOSE_ACCOUNT_SLOT_LEASE_SECONDS: z.coerce.number().int().min(60).default(14_400),
  // AWS throttles CloseAccount at 0.05 call per second with a burst of 1 (reference §3.2)
  CLOSE_ACCOUNT_CALLS_PER_SECOND: z.coerce.number().positive().max(100).default(0.05),
  CLOSE_ACCOUNT_CALL_BURST: z.coerce.number().int().min(1).max(100).default(1),
});
export type CloseAccountPoolEnv = z.infer<typeof CloseAccountPoolEnvSchema>;

export function closeAccountPool(env: CloseAccountPoolEnv): SlotPool {
  return {
    table: env.GOVERNOR_TABLE_NAME,
    name: CLOSE_ACCOUNT_POOL,
    slots: env.CLOSE_ACCOUNT_SLOTS,
    leaseMs: env.CLOSE_ACCOUNT_SLOT_LEASE_SECONDS * 1000,
    pace: { perSecond: env.CLOSE_ACCOUNT_CALLS_PER_SECOND, burst: env.CLOSE_ACCOUNT_CALL_BURST },
  };
}
