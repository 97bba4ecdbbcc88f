import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The closure configuration (JSON in `CLOSURE_CONFIG`, or the file `CLOSURE_CONFIG_FILE`): the OUs under which
 * no account is ever closed, by id (`ou-…`) or path (`Security`, `Workloads/Prod`). It comes from the
 * deployment, never from a request or an execution's input, so crafted input cannot unprotect an account.
 */
export const ClosureConfigSchema = z.strictObject({
  protectedOrganizationalUnits: z.array(z.string().min(1)).default([]),
});
export type ClosureConfig = z.infer<typeof ClosureConfigSchema>;

export const ClosureConfigEnvSchema = z.object({
  CLOSURE_CONFIG: z.string().optional(),
  CLOSURE_CONFIG_FILE: z.string().optional(),
});

/** The configuration the variables give; none given protects no OU (accounts tagged protected still are). */
export function loadClosureConfig(env: z.infer<typeof ClosureConfigEnvSchema>): ClosureConfig {
  const text =
    env.CLOSURE_CONFIG ?? (env.CLOSURE_CONFIG_FILE ? readFileSync(env.CLOSURE_CONFIG_FILE, 'utf8') : '{}');
  const parsed = ClosureConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `the closure configuration is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
