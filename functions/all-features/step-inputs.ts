import { z } from 'zod';

// What statemachines/all-features-migration.asl.json hands its steps (Arguments).

export const MigrationIdSchema = z
  .string()
  .regex(/^[\w-]{1,80}$/, 'a migration id is 1 to 80 letters, digits, _ or -');
export const HandshakeIdSchema = z
  .string()
  .regex(/^h-[0-9a-z]{8,64}$/, 'a handshake id is h- and 8 to 64 letters or digits');

/**
 * Preflight: the migration, who asked and with which Idempotency-Key (recorded on its first run; null when the
 * execution's input does not say).
 */
export const PreflightInputSchema = z.object({
  migrationId: MigrationIdSchema,
  requestedBy: z.string().max(2048).nullish(),
  idempotencyKey: z.string().max(256).nullish(),
});
export type PreflightInput = z.infer<typeof PreflightInputSchema>;

/** Every step of a round names the migration, the round and its ENABLE_ALL_FEATURES handshake. */
export const RoundInputSchema = z.object({
  migrationId: MigrationIdSchema,
  round: z.number().int().min(1),
  handshakeId: HandshakeIdSchema,
});
export type RoundInput = z.infer<typeof RoundInputSchema>;

/**
 * Wait For Approvals (`.waitForTaskToken`): every attempt looks at the round, so no `look` flag; how long this
 * wait lasts without news (its TimeoutSeconds), to say when the next look is due (absent from executions started
 * before the look interval grew: the configured one).
 */
export const WatchApprovalsInputSchema = RoundInputSchema.extend({
  taskToken: z.string().min(1).max(2048),
  lookIntervalSeconds: z.number().int().min(1).nullish(),
});
export type WatchApprovalsInput = z.infer<typeof WatchApprovalsInputSchema>;

/** Cancel Round: why the round ends. */
export const CancelRoundInputSchema = RoundInputSchema.extend({
  end: z.enum(['declined', 'canceled', 'expired']),
});
export type CancelRoundInput = z.infer<typeof CancelRoundInputSchema>;

/** Finish Migration: the round to finish (none when the organization was ALL already), or the failure. */
export const FinishMigrationInputSchema = z.object({
  migrationId: MigrationIdSchema,
  handshakeId: HandshakeIdSchema.nullish(),
  outcome: z.enum(['enabled', 'failed']),
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }).nullish(),
});
export type FinishMigrationInput = z.infer<typeof FinishMigrationInputSchema>;
