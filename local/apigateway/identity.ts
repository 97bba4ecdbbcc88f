import type { Caller, Signature } from '../identity';

/** The IAM principal behind a request's access key, as an AWS_IAM-authorised method sees it. */
export interface ApiCaller {
  accountId: string;
  accessKeyId: string;
  /** `arn:aws:iam::<acct>:root`, `arn:aws:iam::<acct>:user/<name>` or `arn:aws:sts::<acct>:assumed-role/<role>/<session>` */
  userArn: string;
  /** what `caller` and `user` show: the account id for root, `AIDA…` for a user, `AROA…:<session>` for a role session */
  principalId: string;
  /** the caller's organization (`aws:PrincipalOrgID`), null when its account is in none */
  principalOrgId: string | null;
}

/** Turns the caller (local/identity.ts) into the API's: the account's root, or the session of an assumed role. */
export function apiCallerOf(owner: Caller, principalOrgId: string | null): ApiCaller {
  if (owner.assumedRole) {
    const { roleArn, sessionName, roleId } = owner.assumedRole;
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    return {
      accountId: owner.accountId,
      accessKeyId: owner.accessKeyId,
      userArn: `arn:aws:sts::${owner.accountId}:assumed-role/${roleName}/${sessionName}`,
      principalId: `${roleId}:${sessionName}`,
      principalOrgId,
    };
  }
  return {
    accountId: owner.accountId,
    accessKeyId: owner.accessKeyId,
    userArn: `arn:aws:iam::${owner.accountId}:root`,
    principalId: owner.accountId,
    principalOrgId,
  };
}

/** Why a request's signature cannot be read, in the words API Gateway uses; undefined when it can. */
export type SignatureProblem = {
  errorType: 'IncompleteSignatureException' | 'InvalidSignatureException';
  message: string;
};

/**
 * The access key id a request is signed with, from a SigV4 `Authorization` header or a presigned URL's
 * `X-Amz-Credential`, and its session token. The signature itself is not verified (local keys have no
 * secret to check against).
 */
export function signingKeyOf(
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams,
  region: string,
): Signature | SignatureProblem | undefined {
  const authorization = headers.authorization;
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  let credential: string | undefined;
  if (header !== undefined) {
    const parameters = new Map<string, string>();
    for (const part of header.replace(/^AWS4-HMAC-SHA256\s+/, '').split(/,\s*/)) {
      const equals = part.indexOf('=');
      if (equals > 0) parameters.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
    }
    const missing = [
      parameters.has('Credential') ? '' : "Authorization header requires 'Credential' parameter.",
      parameters.has('Signature') ? '' : "Authorization header requires 'Signature' parameter.",
      parameters.has('SignedHeaders') ? '' : "Authorization header requires 'SignedHeaders' parameter.",
      headers['x-amz-date'] !== undefined || headers.date !== undefined
        ? ''
        : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ].filter(Boolean);
    if (!header.startsWith('AWS4-HMAC-SHA256 ') || missing.length > 0)
      return {
        errorType: 'IncompleteSignatureException',
        message: `${missing.join(' ')} Authorization=${header}`.trim(),
      };
    credential = parameters.get('Credential');
  } else {
    credential = query.get('X-Amz-Credential') ?? undefined;
  }
  if (credential === undefined) return undefined;
  // <access key id>/<yyyymmdd>/<region>/<service>/aws4_request
  const [accessKeyId, , scopeRegion, service, terminator] = credential.split('/');
  if (!accessKeyId || terminator !== 'aws4_request')
    return { errorType: 'IncompleteSignatureException', message: `Credential ${credential} is malformed.` };
  if (service !== 'execute-api')
    return {
      errorType: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'execute-api'. ",
    };
  if (scopeRegion !== region)
    return {
      errorType: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region, not '${scopeRegion}'. `,
    };
  const token = headers['x-amz-security-token'];
  const securityToken =
    (Array.isArray(token) ? token[0] : token) ?? query.get('X-Amz-Security-Token') ?? undefined;
  return { accessKeyId, securityToken };
}
