import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
} from '@aws-sdk/client-organizations';
import {
  AssumeRoleCommand,
  type AssumeRoleRequest,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { startStsServer } from '../../local/sts/server';
import { MANAGEMENT } from '../organizations/harness';
import { type Credentials, type Signer, type StsHarness, startStsHarness } from './harness';

const ACCESS_ROLE = 'OrganizationAccountAccessRole';
const STANDALONE = '222222222222';

const roleArn = (accountId: string, roleName = ACCESS_ROLE) => `arn:aws:iam::${accountId}:role/${roleName}`;

/** Creates a member account and waits (on the manual clock) until its creation has succeeded. */
async function createMember(h: StsHarness, name: string, roleName?: string): Promise<string> {
  const { CreateAccountStatus } = await h.org.send(
    new CreateAccountCommand({
      AccountName: name,
      Email: `${name}@example.com`,
      ...(roleName ? { RoleName: roleName } : {}),
    }),
  );
  let status = CreateAccountStatus!;
  for (let polls = 0; status.State === 'IN_PROGRESS' && polls < 10; polls++) {
    h.clock.advance(60_000);
    ({ CreateAccountStatus: status } = (await h.org.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id }),
    )) as { CreateAccountStatus: typeof status });
  }
  expect(status.State).toBe('SUCCEEDED');
  return status.AccountId!;
}

async function assume(
  h: StsHarness,
  signer: Signer,
  input: Partial<AssumeRoleRequest> & { RoleArn: string },
) {
  const output = await h.sts(signer).send(new AssumeRoleCommand({ RoleSessionName: 'orgflow', ...input }));
  const { AccessKeyId, SecretAccessKey, SessionToken } = output.Credentials!;
  const credentials: Credentials = {
    accessKeyId: AccessKeyId!,
    secretAccessKey: SecretAccessKey!,
    sessionToken: SessionToken!,
  };
  return { output, credentials };
}

/** A raw STS request, for what the SDK never sends (no signature, unknown actions, wrong content types). */
async function rawRequest(h: StsHarness, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.stsServer.url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=${MANAGEMENT}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0`,
      ...headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('STS', () => {
  let h: StsHarness;
  beforeEach(async () => {
    h = await startStsHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  describe('GetCallerIdentity', () => {
    it('answers an account key as that account root', async () => {
      // Act
      const identity = await h.sts(MANAGEMENT).send(new GetCallerIdentityCommand({}));

      // Assess
      expect(identity).toMatchObject({
        UserId: MANAGEMENT,
        Account: MANAGEMENT,
        Arn: `arn:aws:iam::${MANAGEMENT}:root`,
      });
      expect(identity.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers session credentials as the assumed role', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      const { output, credentials } = await assume(h, MANAGEMENT, { RoleArn: roleArn(member) });

      // Act
      const identity = await h.sts(credentials).send(new GetCallerIdentityCommand({}));

      // Assess
      expect(identity).toMatchObject({
        UserId: output.AssumedRoleUser!.AssumedRoleId,
        Account: member,
        Arn: `arn:aws:sts::${member}:assumed-role/${ACCESS_ROLE}/orgflow`,
      });
    });

    it('refuses an unsigned request, an unknown key and a session key without its token', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      const { credentials } = await assume(h, MANAGEMENT, { RoleArn: roleArn(member) });
      const { sessionToken: _, ...withoutToken } = credentials;

      // Act
      const unsigned = await rawRequest(h, 'Action=GetCallerIdentity&Version=2011-06-15', {
        authorization: '',
      });

      // Assess
      expect(unsigned.status).toBe(403);
      expect(unsigned.text).toContain('<Code>MissingAuthenticationToken</Code>');
      await expect(
        h.sts('AKIAEXAMPLEUNKNOWN01').send(new GetCallerIdentityCommand({})),
      ).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
        $metadata: { httpStatusCode: 403 },
      });
      await expect(h.sts(withoutToken).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
        message: expect.stringContaining('SessionToken'),
      });
    });
  });

  describe('AssumeRole', () => {
    it('lets the management account act as a created member through Organizations', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      const issuedAt = h.clock.now();

      // Act
      const { output, credentials } = await assume(h, MANAGEMENT, { RoleArn: roleArn(member) });

      // Assess
      expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
      expect(credentials.secretAccessKey).toHaveLength(40);
      expect(output.Credentials!.Expiration!.getTime()).toBe(issuedAt + 3600_000);
      expect(output.AssumedRoleUser).toEqual({
        AssumedRoleId: expect.stringMatching(/^AROA[A-Z0-9]{17}:orgflow$/),
        Arn: `arn:aws:sts::${member}:assumed-role/${ACCESS_ROLE}/orgflow`,
      });
      expect(h.emulator.store.sessionCredentials.get(credentials.accessKeyId)).toMatchObject({
        accountId: member,
        roleArn: roleArn(member),
        sessionName: 'orgflow',
        expiresAt: issuedAt + 3600_000,
      });
      const asMember = h.orgs(credentials);
      const { Organization } = await asMember.send(new DescribeOrganizationCommand({}));
      expect(Organization!.Id).toBe(h.organization.Id);
      await expect(asMember.send(new ListAccountsCommand({}))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    });

    it('gives one role the same role id in every session', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');

      // Act
      const first = await assume(h, MANAGEMENT, { RoleArn: roleArn(member), RoleSessionName: 'first' });
      const second = await assume(h, MANAGEMENT, { RoleArn: roleArn(member), RoleSessionName: 'second' });

      // Assess
      const roleIdOf = (o: typeof first) => o.output.AssumedRoleUser!.AssumedRoleId!.split(':')[0];
      expect(roleIdOf(first)).toBe(roleIdOf(second));
      expect(first.credentials.accessKeyId).not.toBe(second.credentials.accessKeyId);
    });

    it('refuses a member assuming a role in another member', async () => {
      // Prepare
      const [a, b] = [await createMember(h, 'alpha'), await createMember(h, 'beta')];
      const { credentials } = await assume(h, MANAGEMENT, { RoleArn: roleArn(a) });
      const sessionsBefore = h.emulator.store.sessionCredentials.size;

      // Act
      const assumed = h
        .sts(credentials)
        .send(new AssumeRoleCommand({ RoleArn: roleArn(b), RoleSessionName: 'hop' }));
      const byAccountKey = h
        .sts(a)
        .send(new AssumeRoleCommand({ RoleArn: roleArn(b), RoleSessionName: 'hop' }));

      // Assess
      await expect(assumed).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
        message: `User: arn:aws:sts::${a}:assumed-role/${ACCESS_ROLE}/orgflow is not authorized to perform: sts:AssumeRole on resource: ${roleArn(b)}`,
      });
      await expect(byAccountKey).rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: arn:aws:iam::${a}:root is not authorized to perform: sts:AssumeRole on resource: ${roleArn(b)}`,
      });
      expect(h.emulator.store.sessionCredentials.size).toBe(sessionsBefore);
    });

    it('lets a session of the management account chain into a member for at most an hour', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      const { credentials: mine } = await assume(h, MANAGEMENT, { RoleArn: roleArn(member) });

      // Act
      const chained = await assume(h, mine, { RoleArn: roleArn(member), RoleSessionName: 'again' });

      // Assess
      expect(chained.output.AssumedRoleUser!.Arn).toBe(
        `arn:aws:sts::${member}:assumed-role/${ACCESS_ROLE}/again`,
      );
      await expect(
        h.sts(mine).send(
          new AssumeRoleCommand({
            RoleArn: roleArn(member),
            RoleSessionName: 'long',
            DurationSeconds: 7200,
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('role chaining') });
    });

    it('refuses a role name that is not the account access role', async () => {
      // Prepare
      const member = await createMember(h, 'custom', 'PlatformAdmin');

      // Act
      const wrongName = h
        .sts(MANAGEMENT)
        .send(new AssumeRoleCommand({ RoleArn: roleArn(member), RoleSessionName: 'orgflow' }));

      // Assess
      await expect(wrongName).rejects.toMatchObject({ name: 'AccessDenied' });
      const { output } = await assume(h, MANAGEMENT, { RoleArn: roleArn(member, 'PlatformAdmin') });
      expect(output.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${member}:assumed-role/PlatformAdmin/orgflow`);
    });

    it('lets a standalone account assume its own role but not the management account of another org', async () => {
      // Prepare
      h.emulator.addStandaloneAccount({
        id: STANDALONE,
        email: 'standalone@example.com',
        name: 'Standalone',
        accessRoleName: ACCESS_ROLE,
      });

      // Act
      const own = await assume(h, STANDALONE, { RoleArn: roleArn(STANDALONE) });

      // Assess
      expect(own.output.AssumedRoleUser!.Arn).toBe(
        `arn:aws:sts::${STANDALONE}:assumed-role/${ACCESS_ROLE}/orgflow`,
      );
      await expect(
        h
          .sts(MANAGEMENT)
          .send(new AssumeRoleCommand({ RoleArn: roleArn(STANDALONE), RoleSessionName: 'x1' })),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    });

    it('refuses roles of unknown accounts and ARNs that name no role', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      const arns = [
        roleArn('333333333333'),
        `arn:aws:iam:${member}:role/${ACCESS_ROLE}`,
        `arn:aws:iam::${member}:role/team/${ACCESS_ROLE}`,
        `arn:aws:iam::${member}:user/${ACCESS_ROLE}`,
      ];

      // Act
      const attempts = arns.map((arn) =>
        h.sts(MANAGEMENT).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'orgflow' })),
      );

      // Assess
      for (const attempt of attempts) await expect(attempt).rejects.toMatchObject({ name: 'AccessDenied' });
    });

    it('refuses the roles of a closed account', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      await h.org.send(new CloseAccountCommand({ AccountId: member }));
      h.clock.advance(h.emulator.limits.closeAccountDurationMs);

      // Act
      const attempt = h
        .sts(MANAGEMENT)
        .send(new AssumeRoleCommand({ RoleArn: roleArn(member), RoleSessionName: 'orgflow' }));

      // Assess
      await expect(attempt).rejects.toMatchObject({ name: 'AccessDenied' });
    });

    it('issues credentials that expire after DurationSeconds on the emulator clock', async () => {
      // Prepare
      const member = await createMember(h, 'workloads');
      const { output, credentials } = await assume(h, MANAGEMENT, {
        RoleArn: roleArn(member),
        DurationSeconds: 900,
      });
      expect(output.Credentials!.Expiration!.getTime()).toBe(h.clock.now() + 900_000);

      // Act
      h.clock.advance(899_999);
      const justBefore = await h.sts(credentials).send(new GetCallerIdentityCommand({}));
      h.clock.advance(1);

      // Assess
      expect(justBefore.Account).toBe(member);
      await expect(h.sts(credentials).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
        $metadata: { httpStatusCode: 403 },
      });
      await expect(h.orgs(credentials).send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
    });

    it.each([
      [
        { RoleSessionName: 'x' },
        "Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
      ],
      [
        { RoleSessionName: 'a/b' },
        "Value 'a/b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      ],
      [{ RoleSessionName: 's'.repeat(65) }, 'Member must have length less than or equal to 64'],
      [
        { DurationSeconds: 899 },
        "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      ],
      [{ DurationSeconds: 43_201 }, 'Member must have value less than or equal to 43200'],
      [
        { RoleArn: undefined },
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
      ],
      [{ RoleArn: 'OrganizationAccountAccessRole' }, 'Request ARN is invalid'],
      [{ ExternalId: 'a b' }, "at 'externalId' failed to satisfy constraint"],
      [{ DurationSeconds: 7200 }, 'exceeds the MaxSessionDuration set for this role'],
    ] as [Partial<AssumeRoleRequest>, string][])(
      'refuses %o with ValidationError',
      async (input, message) => {
        // Prepare
        const member = await createMember(h, 'workloads');
        const sessionsBefore = h.emulator.store.sessionCredentials.size;

        // Act
        const attempt = h
          .sts(MANAGEMENT)
          .send(new AssumeRoleCommand({ RoleArn: roleArn(member), RoleSessionName: 'orgflow', ...input }));

        // Assess
        await expect(attempt).rejects.toMatchObject({
          name: 'ValidationError',
          $metadata: { httpStatusCode: 400 },
          message: expect.stringContaining(message),
        });
        expect(h.emulator.store.sessionCredentials.size).toBe(sessionsBefore);
      },
    );

    it('reports every violation of one request together', async () => {
      // Act
      const attempt = h
        .sts(MANAGEMENT)
        .send(
          new AssumeRoleCommand({ RoleArn: roleArn(MANAGEMENT), RoleSessionName: 'x', DurationSeconds: 60 }),
        );

      // Assess
      await expect(attempt).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(
          /^2 validation errors detected: .*roleSessionName.*; .*durationSeconds/,
        ),
      });
    });
  });

  describe('protocol', () => {
    it.each([
      ['Action=GetSessionToken&Version=2011-06-15', 'InvalidAction', 'GetSessionToken'],
      ['Action=GetCallerIdentity&Version=2010-01-01', 'InvalidAction', 'version 2010-01-01'],
      ['Action=GetCallerIdentity', 'InvalidAction', 'NO_VERSION_SPECIFIED'],
      ['Version=2011-06-15', 'MissingAction', 'Action'],
    ])('answers %s with %s', async (body, code, detail) => {
      // Act
      const { status, text } = await rawRequest(h, body);

      // Assess
      expect(status).toBe(400);
      expect(text).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
      expect(text).toContain('<Type>Sender</Type>');
      expect(text).toContain(`<Code>${code}</Code>`);
      expect(text).toContain(detail);
      expect(text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    });

    it('refuses a body that is not a form', async () => {
      // Act
      const { status, text } = await rawRequest(h, '{"Action":"GetCallerIdentity"}', {
        'content-type': 'application/x-amz-json-1.1',
      });

      // Assess
      expect(status).toBe(400);
      expect(text).toContain('<Code>InvalidQueryParameter</Code>');
      expect(text).toContain('application/x-www-form-urlencoded');
    });

    it('answers in the 2011-06-15 namespace with the result wrapped as the SDK expects', async () => {
      // Act
      const { status, text } = await rawRequest(h, 'Action=GetCallerIdentity&Version=2011-06-15');

      // Assess
      expect(status).toBe(200);
      expect(text).toMatch(
        new RegExp(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>${MANAGEMENT}</UserId><Account>${MANAGEMENT}</Account><Arn>arn:aws:iam::${MANAGEMENT}:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        ),
      );
    });

    it('says clearly when its port is taken', async () => {
      // Act
      const second = startStsServer(h.emulator, { port: h.stsServer.port });

      // Assess
      await expect(second).rejects.toThrow(`port ${h.stsServer.port} on 127.0.0.1 is already in use`);
    });
  });

  it('keeps issued credentials valid across a restart of the emulator', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-sts-'));
    const clock = new ManualClock();
    const signIn = (url: string, credentials: Credentials) =>
      new STSClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials });
    const first = new OrganizationsEmulator({ dataDir: dir, clock });
    first.addStandaloneAccount({
      id: STANDALONE,
      email: 's@example.com',
      name: 'S',
      accessRoleName: ACCESS_ROLE,
    });
    const firstServer = await startStsServer(first, { port: 0 });
    const issuing = signIn(firstServer.url, { accessKeyId: STANDALONE, secretAccessKey: 'secret' });
    const { Credentials: issued } = await issuing.send(
      new AssumeRoleCommand({ RoleArn: roleArn(STANDALONE), RoleSessionName: 'before-restart' }),
    );
    issuing.destroy();
    await firstServer.close();
    first.close();

    // Act
    const second = new OrganizationsEmulator({ dataDir: dir, clock });
    const secondServer = await startStsServer(second, { port: 0 });
    const using = signIn(secondServer.url, {
      accessKeyId: issued!.AccessKeyId!,
      secretAccessKey: issued!.SecretAccessKey!,
      sessionToken: issued!.SessionToken!,
    });
    const identity = await using.send(new GetCallerIdentityCommand({}));

    // Assess
    expect(identity.Arn).toBe(`arn:aws:sts::${STANDALONE}:assumed-role/${ACCESS_ROLE}/before-restart`);
    using.destroy();
    await secondServer.close();
    second.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
