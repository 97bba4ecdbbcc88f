import type { CallerIdentity } from '../organizations/cloudtrail';
import type { OrganizationsEmulator } from '../organizations/emulator';
import type { AccountRow } from '../organizations/model';
import { newSecretAccessKey, newSessionAccessKeyId, roleIdOf, sessionTokenFor } from './credentials';
import { accessDenied, validationError } from './errors';
import { type ParameterRule, validateParameters } from './validation';
import type { XmlTree } from './xml';

export interface StsRequest {
  emulator: OrganizationsEmulator;
  caller: CallerIdentity;
  params: URLSearchParams;
}

const defaultDurationSeconds = 3600;
// the roles the emulator knows are those Organizations creates, whose MaxSessionDuration is IAM's default hour
const roleMaxSessionSeconds = 3600;
const roleChainingMaxSeconds = 3600;

/** The caller's ARN as GetCallerIdentity and AccessDenied messages show it. */
export function callerArn(caller: CallerIdentity): string {
  if (!caller.assumedRole) return `arn:aws:iam::${caller.accountId}:root`;
  const { roleArn, sessionName } = caller.assumedRole;
  return `arn:aws:sts::${caller.accountId}:assumed-role/${roleNameOf(roleArn)}/${sessionName}`;
}

function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** ISO 8601 without milliseconds, as STS writes Expiration. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function getCallerIdentity({ caller }: StsRequest): XmlTree {
  const userId = caller.assumedRole
    ? `${caller.assumedRole.roleId}:${caller.assumedRole.sessionName}`
    : caller.accountId;
  return { UserId: userId, Account: caller.accountId, Arn: callerArn(caller) };
}

const assumeRoleRules: Record<string, ParameterRule> = {
  RoleArn: { required: true, minLength: 20, maxLength: 2048 },
  RoleSessionName: { required: true, minLength: 2, maxLength: 64, pattern: '[\\w+=,.@-]*' },
  DurationSeconds: { integer: { min: 900, max: 43_200 } },
  ExternalId: { minLength: 2, maxLength: 1224, pattern: '[\\w+=,.@:\\/-]*' },
  Policy: { minLength: 1, pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
};

/** `arn:aws:iam::<account>:role/<name>` at the root path: the only roles the emulator has. */
const roleArnPattern = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]{1,64})$/;

/**
 * The account whose role `roleArn` names, if the caller may assume it: the role must be the account's
 * access role, and the caller the account itself or the management account of its organization.
 */
function assumableAccount(emulator: OrganizationsEmulator, caller: CallerIdentity, roleArn: string) {
  const match = roleArnPattern.exec(roleArn);
  const account: AccountRow | undefined = match ? emulator.store.accounts.get(match[1]!) : undefined;
  if (!account || account.accessRoleName !== match?.[2]) return undefined;
  // a closed (suspended) account's roles can no longer be assumed
  if (account.status === 'SUSPENDED') return undefined;
  const managementAccountId = account.orgId
    ? emulator.store.organizations.get(account.orgId)?.managementAccountId
    : undefined;
  return caller.accountId === account.id || caller.accountId === managementAccountId ? account : undefined;
}

function assumeRole({ emulator, caller, params }: StsRequest): XmlTree {
  validateParameters(params, assumeRoleRules);
  const roleArn = params.get('RoleArn')!;
  const sessionName = params.get('RoleSessionName')!;
  const durationSeconds = Number(params.get('DurationSeconds') ?? defaultDurationSeconds);
  // anything shaped like an ARN that names no assumable role is refused as access denied, as AWS does
  if (!roleArn.startsWith('arn:'))
    throw validationError(
      `Request ARN is invalid: RoleArn '${roleArn}' is not an ARN; use arn:aws:iam::<account-id>:role/<role-name>.`,
    );
  if (caller.assumedRole && durationSeconds > roleChainingMaxSeconds)
    throw validationError(
      `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining (asked for ${durationSeconds}).`,
    );
  const account = assumableAccount(emulator, caller, roleArn);
  if (!account) throw accessDenied(callerArn(caller), 'sts:AssumeRole', roleArn);
  if (durationSeconds > roleMaxSessionSeconds)
    throw validationError(
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (asked for ${durationSeconds}, the role allows ${roleMaxSessionSeconds}).`,
    );

  const { store } = emulator;
  const roleName = account.accessRoleName!;
  const roleId = roleIdOf(account.id, roleName);
  // credentials expire on whole seconds, so the Expiration returned is exactly when they stop working
  const expiresAt = Math.floor(emulator.clock.now() / 1000) * 1000 + durationSeconds * 1000;
  const accessKeyId = newSessionAccessKeyId((id) => store.sessionCredentials.has(id));
  store.transaction(() =>
    store.sessionCredentials.put({
      id: accessKeyId,
      accountId: account.id,
      roleArn: `arn:aws:iam::${account.id}:role/${roleName}`,
      roleId,
      sessionName,
      expiresAt,
    }),
  );
  // PackedPolicySize is left out: session policies and tags are accepted but not applied
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: newSecretAccessKey(),
      SessionToken: sessionTokenFor(store, accessKeyId),
      Expiration: isoSeconds(expiresAt),
    },
    AssumedRoleUser: {
      AssumedRoleId: `${roleId}:${sessionName}`,
      Arn: `arn:aws:sts::${account.id}:assumed-role/${roleName}/${sessionName}`,
    },
  };
}

/** The STS actions the emulator implements; any other is InvalidAction. */
export const actions: Record<string, (request: StsRequest) => XmlTree> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};
