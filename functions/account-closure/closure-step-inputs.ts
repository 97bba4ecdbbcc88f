import { z } from 'zod';

// What the account closure state machine hands its steps (statemachines/account-closure.asl.json, Arguments).

const AccountIdSchema = z.string().regex(/^\d{12}$/, 'an account id is 12 digits');
export const BatchIdSchema = z
  .string()
  .regex(/^[\w-]{1,64}$/, 'a batch id is 1 to 64 letters, digits, _ or -');

/** Every step names the batch and the account. */
export const ClosureStepInputSchema = z.object({ batchId: BatchIdSchema, accountId: AccountIdSchema });

/** Wait For Closure (`.waitForTaskToken`). */
export const WatchAccountClosureInputSchema = ClosureStepInputSchema.extend({
  taskToken: z.string().min(1).max(2048),
  look: z.boolean().default(false),
});

/** Finish Closure: how the closure ended, and why it was asked for. */
export const FinishClosureInputSchema = ClosureStepInputSchema.extend({
  reason: z.string().max(256),
  outcome: z.enum(['closed', 'skipped', 'failed', 'departed']),
  // a refusal carries the plan's reason (`protected-account`…); an error only its name and words
  failure: z
    .object({ Error: z.string(), Cause: z.string().optional(), reason: z.string().optional() })
    .nullish(),
});
export type FinishClosureInput = z.infer<typeof FinishClosureInputSchema>;
