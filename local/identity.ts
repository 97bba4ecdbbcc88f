import type { IncomingHttpHeaders } from 'node:http';
import { accessKeyIdOf } from './aws-http';

// Who is calling, by one rule in every local service (Organizations, STS, Step Functions, EventBridge, the
// API gateway, the emulator's admin endpoint). A request must carry a SigV4 signature; its access key id is
//   - a 12-digit account id: that account (its root);
//   - a key the local STS issued: the assumed role's session in its account, while it is unexpired and
//     only with the session token issued with it;
//   - a key in STS's shape (ASIA…) that the local STS did not issue: refused;
//   - any other key: the default account (the demo management account in the local stack), refused where
//     there is none.
// Signatures are read, never verified: local keys have no secret to check them against.

/** The role a session of the local STS acts as. */
export interface AssumedRole {
  roleArn: string;
  sessionName: string;
  roleId: string;
}

/** Who signed a request: an account's root, or a role session in the account. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
  assumedRole?: AssumedRole;
}

/** Temporary credentials the local STS issued. */
export interface IssuedSession {
  accountId: string;
  assumedRole: AssumedRole;
  /** epoch ms */
  expiresAt: number;
  /** the token issued with the key: every request signed with the key carries it */
  sessionToken: string;
}

/** What the rule needs to know of keys; the Organizations emulator's `keyOwners` knows its STS sessions. */
export interface KeyOwners {
  sessionOf(accessKeyId: string): IssuedSession | undefined;
  /** the account of keys that are neither 12 digits nor STS-issued; undefined refuses them */
  readonly defaultAccountId: string | undefined;
  /** epoch ms, on the clock sessions expire by */
  now(): number;
}

/** The credentials a request is signed with, as read from its headers (or a presigned URL). */
export interface Signature {
  accessKeyId: string | undefined;
  securityToken: string | undefined;
}

export type RefusalReason = 'MissingAuthentication' | 'UnknownKey' | 'ExpiredSession' | 'WrongSecurityToken';

/** Why a request's caller is refused, and a message that says how to sign instead. */
export interface Refusal {
  reason: RefusalReason;
  message: string;
}

export type Identified = { caller: Caller } | { refusal: Refusal };

/**
 * The default account of the local services: that of keys that are neither an account id nor STS-issued where
 * a service has one, and the account of ARNs no caller named. In the local stack it is the demo organization's
 * management account.
 */
export const DEFAULT_ACCOUNT_ID = '111111111111';

const STS_KEY = /^ASIA/;

/** Keys without an issuer: 12-digit keys are their account, any other key is `defaultAccountId` (if any). */
export function accountKeys(defaultAccountId?: string): KeyOwners {
  return { sessionOf: () => undefined, defaultAccountId, now: Date.now };
}

/** The access key id of the `Authorization` header and the session token of `X-Amz-Security-Token`. */
export function signatureOf(headers: IncomingHttpHeaders): Signature {
  const token = headers['x-amz-security-token'];
  return {
    accessKeyId: accessKeyIdOf(headers.authorization),
    securityToken: Array.isArray(token) ? token[0] : token,
  };
}

const refusal = (reason: RefusalReason, message: string): Identified => ({ refusal: { reason, message } });

/** Applies the rule (see the top of this file) to a request's signature. */
export function identify(signature: Signature, owners: KeyOwners): Identified {
  const { accessKeyId, securityToken } = signature;
  if (accessKeyId === undefined)
    return refusal(
      'MissingAuthentication',
      'Missing Authentication Token: sign the request with AWS SigV4 (any AWS SDK or CLI does; locally, a 12-digit account id as the access key id calls as that account).',
    );
  if (/^\d{12}$/.test(accessKeyId)) return { caller: { accountId: accessKeyId, accessKeyId } };
  const session = owners.sessionOf(accessKeyId);
  if (session) {
    if (session.expiresAt <= owners.now())
      return refusal(
        'ExpiredSession',
        `The security token included in the request is expired: access key ${accessKeyId} expired at ${new Date(session.expiresAt).toISOString()} (call AssumeRole again).`,
      );
    if (securityToken !== session.sessionToken)
      return refusal(
        'WrongSecurityToken',
        `The security token included in the request is invalid: access key ${accessKeyId} is temporary, sign with the SessionToken AssumeRole returned with it.`,
      );
    return { caller: { accountId: session.accountId, accessKeyId, assumedRole: session.assumedRole } };
  }
  if (STS_KEY.test(accessKeyId) || owners.defaultAccountId === undefined)
    return refusal(
      'UnknownKey',
      `The security token included in the request is invalid: access key ${accessKeyId} maps to no account (use a 12-digit account id as the access key id, or unexpired credentials from the local STS).`,
    );
  return { caller: { accountId: owners.defaultAccountId, accessKeyId } };
}

/** Applies the rule to the signature in a request's headers. */
export function identifyRequest(headers: IncomingHttpHeaders, owners: KeyOwners): Identified {
  return identify(signatureOf(headers), owners);
}

/** The error types of a refusal in the AWS JSON protocols (Organizations, Step Functions, EventBridge); all 403. */
export type JsonRefusalType =
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException'
  | 'ExpiredTokenException';

export const jsonErrorTypes: Record<RefusalReason, JsonRefusalType> = {
  MissingAuthentication: 'MissingAuthenticationTokenException',
  UnknownKey: 'UnrecognizedClientException',
  WrongSecurityToken: 'UnrecognizedClientException',
  ExpiredSession: 'ExpiredTokenException',
};
