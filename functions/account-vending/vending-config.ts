import { z } from 'zod';
import { type ConfigurationSources, configurationReader, loadConfiguration } from '../_shared/configuration';
import { globOf } from '../_shared/glob';
import { matchesPrincipal } from '../_shared/principals';
import {
  type Caller,
  PolicyTypeSchema,
  type ResolvedOrganizationalUnit,
  type ResolvedPolicy,
} from '../_shared/schemas';

/**
 * Who may ask for accounts where, and which policies requesters may ask for. Given to the API handler and to
 * Validate Request as JSON: on AWS in the SSM parameter `VENDING_CONFIG_PARAMETER` names (`/orgflow/config/vending`,
 * re-read within a minute of a change), locally in `VENDING_CONFIG` or in the file `VENDING_CONFIG_FILE` names
 * (one of them):
 *
 * ```json
 * {
 *   "selfServicePolicies": ["DenyLeaveOrganization", "p-examplescp1"],
 *   "policyTypes": ["SERVICE_CONTROL_POLICY", "TAG_POLICY"],
 *   "callers": [
 *     { "principal": "arn:aws:iam::222233334444:role/PortalRole", "organizationalUnits": ["Workloads/*", "Sandbox"] },
 *     { "principal": "arn:aws:sts::222233334444:assumed-role/PlatformAdmin/*", "organizationalUnits": ["*"] }
 *   ],
 *   "readers": ["arn:aws:iam::111111111111:role/PlatformTeam"]
 * }
 * ```
 *
 * - `selfServicePolicies`: policy ids or names a request may list; anything else is refused.
 * - `policyTypes`: the policy types a name or id is looked up in (default SCP and tag policies).
 * - `callers`: a `principal` (`*` matches any characters) matched against the caller's ARN, the role ARN
 *   behind an assumed-role session (`arn:aws:iam::<account>:role/<name>`, without the role's path) and the
 *   caller's account id; `organizationalUnits` are OU ids, paths from the root (`Workloads/Prod`) or path
 *   patterns (`Workloads/*`: every OU below Workloads; `*`: anywhere). A caller may use the OUs of every entry
 *   it matches.
 * - `readers`: principals (matched the same way) who may read every request; anyone else reads only the
 *   requests it made (an assumed-role session reads those of every session of its role).
 *
 * With no variable set nobody may ask for an account: refusing is the safe default.
 */
export const VendingConfigSchema = z.strictObject({
  selfServicePolicies: z.array(z.string().min(1)).default([]),
  policyTypes: z.array(PolicyTypeSchema).min(1).default(['SERVICE_CONTROL_POLICY', 'TAG_POLICY']),
  callers: z
    .array(
      z.strictObject({
        principal: z.string().min(1),
        organizationalUnits: z.array(z.string().min(1)).min(1),
      }),
    )
    .default([]),
  readers: z.array(z.string().min(1)).default([]),
});
export type VendingConfig = z.infer<typeof VendingConfigSchema>;

/** The variables that carry the configuration; add to a function's env schema with `.extend()`. */
export const VendingConfigEnvSchema = z.object({
  VENDING_CONFIG: z.string().min(1).optional(),
  VENDING_CONFIG_FILE: z.string().min(1).optional(),
  VENDING_CONFIG_PARAMETER: z.string().min(1).optional(),
});
export type VendingConfigEnv = z.infer<typeof VendingConfigEnvSchema>;

export function loadVendingConfig(env: VendingConfigEnv, readFile?: (path: string) => string): VendingConfig {
  return loadConfiguration('vending configuration', 'VENDING_CONFIG', env, VendingConfigSchema, readFile);
}

/** The configuration as it is at each call (functions/_shared/configuration.ts); build it once per environment. */
export function vendingConfigReader(env: VendingConfigEnv, sources?: ConfigurationSources) {
  return configurationReader('vending configuration', 'VENDING_CONFIG', env, VendingConfigSchema, sources);
}

/** The OU patterns of every configuration entry the caller matches; none means it may not ask at all. */
export function organizationalUnitsFor(config: VendingConfig, caller: Caller): string[] {
  return config.callers
    .filter((entry) => matchesPrincipal(entry.principal, caller))
    .flatMap((entry) => entry.organizationalUnits);
}

/** Whether the caller may read every request, not only its own. */
export function readsEveryRequest(config: VendingConfig, caller: Caller): boolean {
  return config.readers.some((pattern) => matchesPrincipal(pattern, caller));
}

export function organizationalUnitAllowed(
  patterns: readonly string[],
  ou: ResolvedOrganizationalUnit,
): boolean {
  return patterns.some((pattern) => pattern === ou.id || globOf(pattern).test(ou.path));
}

export function isSelfServicePolicy(config: VendingConfig, policy: ResolvedPolicy): boolean {
  return config.selfServicePolicies.some((entry) => entry === policy.id || entry === policy.name);
}
