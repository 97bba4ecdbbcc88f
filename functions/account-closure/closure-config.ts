import { z } from 'zod';
import { type ConfigurationSources, configurationReader, loadConfiguration } from '../_shared/configuration';
import { matchesPrincipal } from '../_shared/principals';
import type { Caller } from '../_shared/schemas';
import { type ClosureQuotaProfile, closureQuota } from '../governor/closure-window';

/**
 * The closure configuration (JSON in the SSM parameter `CLOSURE_CONFIG_PARAMETER` names on AWS; locally in
 * `CLOSURE_CONFIG`, or the file `CLOSURE_CONFIG_FILE`). It comes from the deployment, never from a request or an execution's input, so crafted input cannot unprotect an account:
 *
 * ```json
 * {
 *   "callers": ["arn:aws:iam::111111111111:role/CloudOps"],
 *   "protectedOrganizationalUnits": ["Security", "ou-a1b2-c3d4e5f6"],
 *   "decommissionOrganizationalUnit": "Decommission",
 *   "closedOrganizationalUnit": "Closed",
 *   "quotaProfile": "current"
 * }
 * ```
 *
 * - `callers`: principals (`*` matches any characters) who may ask for closure batches and read them; nobody
 *   by default.
 * - `protectedOrganizationalUnits`: OUs, by id (`ou-…`) or path (`Workloads/Prod`), under which no account is
 *   ever closed (accounts tagged `orgflow:protected=true` are protected wherever they are).
 * - `decommissionOrganizationalUnit`: an account moved into this OU enters closure by itself; none by default.
 * - `closedOrganizationalUnit`: where a closed account is moved; it stays where it was by default.
 * - `quotaProfile`: how AWS computes the 30-day closure quota for this organization (`current`: the higher of
 *   250 and 20 % of the members, at most 1,000; `legacy`: 10 %, between 10 and 1,000); `quotaLimit` gives the
 *   number itself instead (a quota raised through AWS Support).
 */
export const ClosureConfigSchema = z.strictObject({
  callers: z.array(z.string().min(1)).default([]),
  protectedOrganizationalUnits: z.array(z.string().min(1)).default([]),
  decommissionOrganizationalUnit: z.string().min(1).optional(),
  closedOrganizationalUnit: z.string().min(1).optional(),
  quotaProfile: z.enum(['current', 'legacy']).default('current') satisfies z.ZodType<ClosureQuotaProfile>,
  quotaLimit: z.number().int().min(1).max(10_000).optional(),
});
export type ClosureConfig = z.infer<typeof ClosureConfigSchema>;

export const ClosureConfigEnvSchema = z.object({
  CLOSURE_CONFIG: z.string().optional(),
  CLOSURE_CONFIG_FILE: z.string().optional(),
  CLOSURE_CONFIG_PARAMETER: z.string().min(1).optional(),
});

/** The configuration the variables give; none given protects no OU (accounts tagged protected still are). */
export function loadClosureConfig(env: z.infer<typeof ClosureConfigEnvSchema>): ClosureConfig {
  return loadConfiguration('closure configuration', 'CLOSURE_CONFIG', env, ClosureConfigSchema);
}

/** The configuration as it is at each call (functions/_shared/configuration.ts); build it once per environment. */
export function closureConfigReader(
  env: z.infer<typeof ClosureConfigEnvSchema>,
  sources?: ConfigurationSources,
): () => Promise<ClosureConfig> {
  return configurationReader('closure configuration', 'CLOSURE_CONFIG', env, ClosureConfigSchema, sources);
}

/** Whether the configuration lets the caller ask for closure batches and read them. */
export function mayClose(config: ClosureConfig, caller: Caller): boolean {
  return config.callers.some((pattern) => matchesPrincipal(pattern, caller));
}

/** The organization's 30-day closure quota: the configured number, or AWS's formula for its member accounts. */
export function quotaLimitFor(config: ClosureConfig, memberAccounts: number): number {
  return config.quotaLimit ?? closureQuota(config.quotaProfile, memberAccounts);
}
