import { z } from 'zod';
import { type ConfigurationSources, configurationReader, loadConfiguration } from '../_shared/configuration';

const PolicyContentSchema = z
  .string()
  .min(1)
  .refine(
    (text) => {
      try {
        return typeof JSON.parse(text) === 'object';
      } catch {
        return false;
      }
    },
    { message: 'a policy document is a JSON object, given as a string' },
  );

/**
 * A guardrail: the policies it selects (exactly one of `policy`, a name or id, and `policyTag`, `key=value`)
 * stay attached to every target of `attachedTo` and, when `approvedContent` is given, keep that content.
 */
export const GuardrailSchema = z
  .strictObject({
    policy: z.string().min(1).optional(),
    policyTag: z
      .string()
      .regex(/^[^=]{1,128}=.{0,256}$/, 'a tag selector is key=value')
      .optional(),
    // OUs by id (`ou-…`) or path (`Workloads/Prod`), `Root`, or account ids
    attachedTo: z.array(z.string().min(1)).min(1, 'name at least one target the guardrail stays attached to'),
    // the approved document: an UpdatePolicy that changes a guardrail's content is reverted to this text
    approvedContent: PolicyContentSchema.optional(),
  })
  .refine((guardrail) => (guardrail.policy === undefined) !== (guardrail.policyTag === undefined), {
    message: 'select the policies with policy (a name or id) or policyTag (key=value), exactly one of them',
  });
export type Guardrail = z.infer<typeof GuardrailSchema>;

/**
 * The reactions configuration (JSON in the SSM parameter `REACTIONS_CONFIG_PARAMETER` names on AWS; locally in
 * `REACTIONS_CONFIG`, or the file `REACTIONS_CONFIG_FILE`), read by the functions that react to the organization's CloudTrail events. It comes from the deployment, never from an
 * event, so no event can widen what orgflow acts on:
 *
 * ```json
 * {
 *   "baseline": {
 *     "landingOrganizationalUnit": "Sandbox",
 *     "version": "2026-12-01",
 *     "policies": ["DenyLeaveOrganization"],
 *     "movePlacedAccounts": false
 *   },
 *   "guardrails": [{ "policy": "DenyLeaveOrganization", "attachedTo": ["Workloads"] }],
 *   "ownPrincipals": ["arn:aws:sts::111111111111:assumed-role/orgflow-*"]
 * }
 * ```
 *
 * - `baseline`: what an account that joined outside orgflow (created by the console or another tool, or
 *   invited) is given: moved from the root to `landingOrganizationalUnit` (by id or path), tagged
 *   `orgflow:baseline=<version>`, and the `policies` (names or ids) attached to it. An account someone already
 *   placed in an OU stays there unless `movePlacedAccounts`; it is tagged and given the policies all the same.
 *   No baseline: nothing happens to joining accounts.
 * - `guardrails`: policies that stay attached where the configuration says, with their approved content
 *   (functions/reactions/revert-guardrail-drift/): a DetachPolicy from a target of `attachedTo` is undone, an
 *   UpdatePolicy away from `approvedContent` restored (without it: reported as `Guardrail Drift Detected`, not
 *   reverted), a DisablePolicyType of their type on the root re-enabled and every guardrail of the type
 *   re-attached. Policies no guardrail selects, and the management account, are never touched.
 * - `ownPrincipals`: principals (`*` matches any characters) whose changes are orgflow's own and never
 *   reverted; the reverts are safe without it (each compares the organization with the configuration first).
 */
export const ReactionsConfigSchema = z.strictObject({
  baseline: z
    .strictObject({
      landingOrganizationalUnit: z.string().min(1),
      version: z
        .string()
        .regex(/^[\w.:/=+@-]{1,64}$/, 'a version is 1 to 64 letters, digits or ._:/=+@- (a tag value)'),
      policies: z.array(z.string().min(1)).default([]),
      movePlacedAccounts: z.boolean().default(false),
    })
    .optional(),
  guardrails: z.array(GuardrailSchema).default([]),
  ownPrincipals: z.array(z.string().min(1)).default([]),
});
export type ReactionsConfig = z.infer<typeof ReactionsConfigSchema>;

export const ReactionsConfigEnvSchema = z.object({
  REACTIONS_CONFIG: z.string().optional(),
  REACTIONS_CONFIG_FILE: z.string().optional(),
  REACTIONS_CONFIG_PARAMETER: z.string().min(1).optional(),
});

/** The configuration the variables give; none given reacts to nothing (no baseline, no guardrails). */
export function loadReactionsConfig(env: z.infer<typeof ReactionsConfigEnvSchema>): ReactionsConfig {
  return loadConfiguration('reactions configuration', 'REACTIONS_CONFIG', env, ReactionsConfigSchema);
}

/** The configuration as it is at each call (functions/_shared/configuration.ts); build it once per environment. */
export function reactionsConfigReader(
  env: z.infer<typeof ReactionsConfigEnvSchema>,
  sources?: ConfigurationSources,
): () => Promise<ReactionsConfig> {
  return configurationReader(
    'reactions configuration',
    'REACTIONS_CONFIG',
    env,
    ReactionsConfigSchema,
    sources,
  );
}

/** The tag an account baselined by orgflow carries, with the baseline's version. */
export const BASELINE_TAG_KEY = 'orgflow:baseline';
