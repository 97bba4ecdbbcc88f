import { z } from 'zod';
import { type ConfigurationSources, configurationReader, loadConfiguration } from '../_shared/configuration';
import { PolicyTypeSchema } from '../_shared/schemas';

/**
 * The enable-all-features configuration (JSON in the SSM parameter `ALL_FEATURES_CONFIG_PARAMETER` names on AWS;
 * locally in `ALL_FEATURES_CONFIG`, or the file `ALL_FEATURES_CONFIG_FILE`). It comes from the deployment, never from a request or an execution's input:
 *
 * ```json
 * {
 *   "approvalRoleName": "OrganizationAccountAccessRole",
 *   "maxRounds": 3,
 *   "lookIntervalSeconds": 3600,
 *   "maxLookIntervalSeconds": 86400,
 *   "reminderIntervalDays": 3,
 *   "afterRoundEnds": "new-round",
 *   "policyTypesToEnable": ["SERVICE_CONTROL_POLICY"]
 * }
 * ```
 *
 * - `approvalRoleName`: the role orgflow assumes in an invited member to approve as the member (created
 *   accounts have `OrganizationAccountAccessRole`; invited ones often lack it). The functions' IAM policies
 *   name this role as the deployment gave it: changing it takes a deploy, not only the parameter.
 * - `callers`: principals (`*` matches any characters) who may start a migration and read it; nobody by default
 *   (the API then falls back to the closure configuration's callers).
 * - `maxRounds`: how many rounds (EnableAllFeatures, approvals, then a decline, cancellation or expiry) a
 *   migration runs before it fails with `MaxRoundsReachedError`.
 * - `lookIntervalSeconds`: how long a wait for approvals lasts without news before orgflow looks at the
 *   round's handshakes itself (ListHandshakesForOrganization); events wake it sooner where they reach the bus.
 * - `maxLookIntervalSeconds`: while looks find nothing new, each wait lasts twice the one before, up to this
 *   (never less than `lookIntervalSeconds`); news (an answer, a resend) brings it back to `lookIntervalSeconds`.
 *   It keeps a migration's execution history within Step Functions' 25,000 events: at a steady hourly look,
 *   3 rounds that each run to the 90-day expiry would take about 26,000.
 * - `reminderIntervalDays`: how often a member still waited for gets an `Approval Reminder` event.
 * - `afterRoundEnds`: what a decline, a cancellation or the 90-day expiry leads to. `new-round` (the default):
 *   what is left of the round is cancelled and EnableAllFeatures called again. `wait-for-operator`: the migration
 *   records that it waits for an operator (its status names the members that declined) and waits, looking at
 *   the round as usual, until the operator either resends (`POST /all-features-migrations/{id}/resend`, or
 *   `orgflow migration <id> --resend`: the next round starts, and counts toward `maxRounds`) or removes the
 *   declining accounts from the organization (the round then opens and the migration finishes as usual).
 *   Once `maxRounds` rounds have run, only the removal is left; a round that expired or was cancelled then fails
 *   the migration with `MaxRoundsReachedError`.
 * - `policyTypesToEnable`: policy types enabled on the root once the organization is ALL (none by default;
 *   only CreateOrganization with ALL enables SCPs by itself).
 */
export const MigrationConfigSchema = z.strictObject({
  // principals (`*` matches any characters) who may start a migration and read it, through the API
  callers: z.array(z.string().min(1)).default([]),
  approvalRoleName: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, 'a role name is 1 to 64 letters, digits or +=,.@_-')
    .default('OrganizationAccountAccessRole'),
  maxRounds: z.number().int().min(1).max(20).default(3),
  // at least a minute: each look costs a few state transitions and history events
  lookIntervalSeconds: z.number().int().min(60).max(86_400).default(3600),
  // a day by default: 3 rounds running to their expiry take about 2,400 history events (test/e2e)
  maxLookIntervalSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(86_400),
  reminderIntervalDays: z.number().min(0.01).max(90).default(3),
  afterRoundEnds: z
    .enum(['new-round', 'wait-for-operator'], { error: 'afterRoundEnds is new-round or wait-for-operator' })
    .default('new-round'),
  policyTypesToEnable: z.array(PolicyTypeSchema).default([]),
});
export type MigrationConfig = z.infer<typeof MigrationConfigSchema>;

export const MigrationConfigEnvSchema = z.object({
  ALL_FEATURES_CONFIG: z.string().optional(),
  ALL_FEATURES_CONFIG_FILE: z.string().optional(),
  ALL_FEATURES_CONFIG_PARAMETER: z.string().min(1).optional(),
});

/** The configuration the variables give; none given is every default. */
export function loadMigrationConfig(env: z.infer<typeof MigrationConfigEnvSchema>): MigrationConfig {
  return loadConfiguration(
    'enable-all-features configuration',
    'ALL_FEATURES_CONFIG',
    env,
    MigrationConfigSchema,
  );
}

/** The configuration as it is at each call (functions/_shared/configuration.ts); build it once per environment. */
export function migrationConfigReader(
  env: z.infer<typeof MigrationConfigEnvSchema>,
  sources?: ConfigurationSources,
): () => Promise<MigrationConfig> {
  return configurationReader(
    'enable-all-features configuration',
    'ALL_FEATURES_CONFIG',
    env,
    MigrationConfigSchema,
    sources,
  );
}
