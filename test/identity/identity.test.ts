import { describe, expect, it } from 'vitest';
import { accountKeys, identify, identifyRequest, type KeyOwners, signatureOf } from '../../local/identity';

const MEMBER = '222233334444';
const MANAGEMENT = '111111111111';
const SESSION_KEY = 'ASIAEXAMPLESESSION01';
const TOKEN = 'session-token';
const EXPIRES_AT = Date.UTC(2026, 0, 1, 1);

const assumedRole = {
  roleArn: `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
  sessionName: 'orgflow',
  roleId: 'AROAEXAMPLEROLEID0001',
};

/** One issued session of MEMBER, the default account MANAGEMENT (unless told none), a clock set to `now`. */
const owners = (now: number, { withDefault = true } = {}): KeyOwners => ({
  sessionOf: (accessKeyId) =>
    accessKeyId === SESSION_KEY
      ? { accountId: MEMBER, assumedRole, expiresAt: EXPIRES_AT, sessionToken: TOKEN }
      : undefined,
  defaultAccountId: withDefault ? MANAGEMENT : undefined,
  now: () => now,
});

const authorization = (accessKeyId: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`;

describe('who is calling', () => {
  it('is the account a 12-digit access key names', () => {
    // Act
    const identified = identify(
      { accessKeyId: MEMBER, securityToken: undefined },
      owners(0, { withDefault: false }),
    );

    // Assess
    expect(identified).toEqual({ caller: { accountId: MEMBER, accessKeyId: MEMBER } });
  });

  it('is the assumed role in its account for an unexpired session signed with its token', () => {
    // Act
    const identified = identify({ accessKeyId: SESSION_KEY, securityToken: TOKEN }, owners(EXPIRES_AT - 1));

    // Assess
    expect(identified).toEqual({ caller: { accountId: MEMBER, accessKeyId: SESSION_KEY, assumedRole } });
  });

  it('is the default account for any other key, and refused where there is none', () => {
    // Act
    const withDefault = identify({ accessKeyId: 'local', securityToken: undefined }, owners(0));
    const withoutDefault = identify(
      { accessKeyId: 'local', securityToken: undefined },
      owners(0, { withDefault: false }),
    );

    // Assess
    expect(withDefault).toEqual({ caller: { accountId: MANAGEMENT, accessKeyId: 'local' } });
    expect(withoutDefault).toMatchObject({
      refusal: { reason: 'UnknownKey', message: expect.stringContaining('local maps to no account') },
    });
  });

  it('refuses a key in the shape STS issues that the local STS did not issue, whatever the default', () => {
    // Act
    const identified = identify({ accessKeyId: 'ASIAEXAMPLEFORGED001', securityToken: TOKEN }, owners(0));

    // Assess
    expect(identified).toMatchObject({ refusal: { reason: 'UnknownKey' } });
  });

  it('refuses an expired session, from the instant it expires', () => {
    // Act
    const identified = identify({ accessKeyId: SESSION_KEY, securityToken: TOKEN }, owners(EXPIRES_AT));

    // Assess
    expect(identified).toEqual({
      refusal: {
        reason: 'ExpiredSession',
        message: expect.stringContaining(`expired at ${new Date(EXPIRES_AT).toISOString()}`),
      },
    });
  });

  it('refuses a session key without its token or with another', () => {
    // Act
    const without = identify({ accessKeyId: SESSION_KEY, securityToken: undefined }, owners(0));
    const other = identify({ accessKeyId: SESSION_KEY, securityToken: 'not-the-token' }, owners(0));

    // Assess
    expect(without).toMatchObject({
      refusal: { reason: 'WrongSecurityToken', message: expect.stringContaining('SessionToken') },
    });
    expect(other).toMatchObject({ refusal: { reason: 'WrongSecurityToken' } });
  });

  it('refuses a request without a SigV4 Authorization header', () => {
    // Act
    const unsigned = identifyRequest({}, owners(0));
    const bearer = identifyRequest({ authorization: 'Bearer abc' }, owners(0));

    // Assess
    expect(unsigned).toMatchObject({ refusal: { reason: 'MissingAuthentication' } });
    expect(bearer).toMatchObject({ refusal: { reason: 'MissingAuthentication' } });
  });

  it('reads the key from Authorization and the token from X-Amz-Security-Token', () => {
    // Act
    const signature = signatureOf({
      authorization: authorization(SESSION_KEY),
      'x-amz-security-token': TOKEN,
    });

    // Assess
    expect(signature).toEqual({ accessKeyId: SESSION_KEY, securityToken: TOKEN });
  });

  it('knows account keys only, without an issuer of sessions', () => {
    // Act
    const session = identify({ accessKeyId: SESSION_KEY, securityToken: TOKEN }, accountKeys(MANAGEMENT));
    const other = identify({ accessKeyId: 'AKIAEXAMPLE', securityToken: undefined }, accountKeys(MANAGEMENT));

    // Assess
    expect(session).toMatchObject({ refusal: { reason: 'UnknownKey' } });
    expect(other).toEqual({ caller: { accountId: MANAGEMENT, accessKeyId: 'AKIAEXAMPLE' } });
  });
});
