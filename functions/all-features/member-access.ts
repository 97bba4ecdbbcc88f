import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';

/** orgflow could not act as the member: no such role, or it may not assume it. */
export class MemberUnreachableError extends Error {
  constructor(accountId: string, roleArn: string, reason: string, options?: ErrorOptions) {
    super(`orgflow cannot act as account ${accountId} through ${roleArn}: ${reason}`, options);
    this.name = 'MemberUnreachableError';
  }
}

/** Organizations as a member account: its client, to destroy once done. */
export type MemberOrganizations = (accountId: string) => Promise<OrganizationsClient>;

/** STS's refusals that mean the role is missing or not ours to assume (AccessDenied is not in STS's model). */
const UNREACHABLE = new Set(['AccessDenied', 'AccessDeniedException', 'RegionDisabledException']);

/**
 * Organizations as `accountId`, through the configured role in it (AssumeRole from the management account, one
 * session per approval). Throws MemberUnreachableError when STS refuses the role.
 */
export function memberOrganizationsThroughRole(
  sts: STSClient,
  roleName: string,
  partition = 'aws',
): MemberOrganizations {
  return async (accountId) => {
    const roleArn = `arn:${partition}:iam::${accountId}:role/${roleName}`;
    let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    try {
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'orgflow-approve-all-features',
          DurationSeconds: 900,
        }),
      );
      credentials = {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
      };
    } catch (error) {
      if (UNREACHABLE.has((error as Error).name))
        throw new MemberUnreachableError(accountId, roleArn, (error as Error).message, { cause: error });
      throw error;
    }
    return new OrganizationsClient({ region: 'us-east-1', maxAttempts: 1, credentials });
  };
}
