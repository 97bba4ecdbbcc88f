import {
  AcceptHandshakeCommand,
  CreateOrganizationCommand,
  DescribeHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  InviteAccountToOrganizationCommand,
  ListAccountsCommand,
  ListHandshakesForAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type Credentials, dataDirs, type Signer } from './stack-process';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const ACCESS_ROLE = 'OrganizationAccountAccessRole';
const memberRoleArn = `arn:aws:iam::${MEMBER}:role/${ACCESS_ROLE}`;

describe('an enable-all-features round over HTTP, with the invited member approving through AssumeRole', () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack;

  const credentialsOf = (signer: Signer): Credentials =>
    typeof signer === 'string' ? { accessKeyId: signer, secretAccessKey: 'secret' } : signer;
  const organizations = (signer: Signer) => {
    const client = new OrganizationsClient({
      endpoint: stack.endpoints.organizations,
      region: 'us-east-1',
      credentials: credentialsOf(signer),
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };
  const sts = (signer: Signer) => {
    const client = new STSClient({
      endpoint: stack.endpoints.sts,
      region: 'us-east-1',
      credentials: credentialsOf(signer),
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    stack = await startLocalStack({
      // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      seed: false,
    });
    stack.emulator.addStandaloneAccount({
      id: MANAGEMENT,
      email: 'management@example.com',
      name: 'Management',
    });
    stack.emulator.addStandaloneAccount({
      id: MEMBER,
      email: 'member@example.com',
      name: 'Member',
      accessRoleName: ACCESS_ROLE,
    });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack.close();
    dirs.removeAll();
  });

  it('moves a consolidated-billing organization with an invited member to all features', async () => {
    // Prepare: the member joins a consolidated-billing organization by invitation, with its own account key
    const management = organizations(MANAGEMENT);
    const { Organization } = await management.send(
      new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }),
    );
    const { Handshake: invitation } = await management.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: MEMBER } }),
    );
    await organizations(MEMBER).send(new AcceptHandshakeCommand({ HandshakeId: invitation!.Id! }));

    // Act: the round starts; the management account approves for the member through the member's role
    const { Handshake: round } = await management.send(new EnableAllFeaturesCommand({}));
    const { Credentials: session } = await sts(MANAGEMENT).send(
      new AssumeRoleCommand({ RoleArn: memberRoleArn, RoleSessionName: 'approve-all-features' }),
    );
    const asMember: Credentials = {
      accessKeyId: session!.AccessKeyId!,
      secretAccessKey: session!.SecretAccessKey!,
      sessionToken: session!.SessionToken!,
    };
    const identity = await sts(asMember).send(new GetCallerIdentityCommand({}));
    const member = organizations(asMember);
    const { Handshakes: requests } = await member.send(
      new ListHandshakesForAccountCommand({ Filter: { ActionType: 'APPROVE_ALL_FEATURES' } }),
    );
    const approval = requests?.[0];
    const { Handshake: approved } = await member.send(
      new AcceptHandshakeCommand({ HandshakeId: approval?.Id }),
    );
    const { Handshake: opened } = await management.send(
      new DescribeHandshakeCommand({ HandshakeId: round!.Id! }),
    );
    const { Handshake: finalized } = await management.send(
      new AcceptHandshakeCommand({ HandshakeId: round!.Id! }),
    );

    // Assess
    expect(Organization).toMatchObject({ FeatureSet: 'CONSOLIDATED_BILLING' });
    expect(round).toMatchObject({ Action: 'ENABLE_ALL_FEATURES', State: 'REQUESTED' });
    expect(identity).toMatchObject({
      Account: MEMBER,
      Arn: `arn:aws:sts::${MEMBER}:assumed-role/${ACCESS_ROLE}/approve-all-features`,
    });
    expect(requests).toHaveLength(1);
    expect(approval).toMatchObject({ Action: 'APPROVE_ALL_FEATURES', State: 'OPEN' });
    expect(approval!.Resources).toContainEqual({ Type: 'PARENT_HANDSHAKE', Value: round!.Id });
    expect(approved).toMatchObject({ Id: approval!.Id, State: 'ACCEPTED' });
    expect(opened).toMatchObject({ Id: round!.Id, State: 'OPEN' });
    expect(finalized).toMatchObject({ Id: round!.Id, State: 'ACCEPTED' });
    const { Organization: after } = await member.send(new DescribeOrganizationCommand({}));
    expect(after).toMatchObject({ Id: Organization!.Id, FeatureSet: 'ALL' });
    const { Accounts } = await management.send(new ListAccountsCommand({}));
    expect(Accounts?.map((a) => [a.Id, a.JoinedMethod]).sort()).toEqual([
      [MANAGEMENT, 'INVITED'],
      [MEMBER, 'INVITED'],
    ]);
    const accepts = stack.emulator.events
      .since(0)
      .map(({ event }) => event.detail)
      .filter((detail) => detail.eventName === 'AcceptHandshake');
    expect(accepts.map((detail) => detail.userIdentity)).toEqual([
      expect.objectContaining({ type: 'Root', accountId: MEMBER }),
      expect.objectContaining({
        type: 'AssumedRole',
        accountId: MEMBER,
        accessKeyId: asMember.accessKeyId,
        arn: identity.Arn,
        sessionContext: expect.objectContaining({
          sessionIssuer: expect.objectContaining({ type: 'Role', arn: memberRoleArn }),
        }),
      }),
      expect.objectContaining({ type: 'Root', accountId: MANAGEMENT }),
    ]);
    expect(accepts[1]).toMatchObject({
      requestParameters: { handshakeId: approval!.Id },
      responseElements: { handshake: { id: approval!.Id, state: 'ACCEPTED' } },
    });
    expect(accepts.every((detail) => detail.errorCode === undefined)).toBe(true);
  });
});
