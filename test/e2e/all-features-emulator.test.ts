import {
  AcceptHandshakeCommand,
  CancelHandshakeCommand,
  DeclineHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  type Handshake,
  ListAccountsCommand,
  ListHandshakesForAccountCommand,
  ListHandshakesForOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  consolidatedBillingDemo,
  DEMO_ACCESS_ROLE,
  DEMO_MANAGEMENT_ACCOUNT,
} from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type Credentials, dataDirs, killAll, type Signer, spawnStack } from './stack-process';

// The consolidated-billing demo on the local stack, and what the enable-all-features workflow relies on of the
// emulator there: requests to the invited members only, members answering through the access role or their own
// key, and their answers reaching the management account's default bus.

const invited = consolidatedBillingDemo.invited.map((a) => a.id);
const reachable = consolidatedBillingDemo.invited.filter((a) => a.accessRole).map((a) => a.id);
const unreachable = consolidatedBillingDemo.invited.filter((a) => !a.accessRole).map((a) => a.id);

describe('the consolidated-billing demo organization on the local stack', () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack;

  const credentialsOf = (signer: Signer): Credentials =>
    typeof signer === 'string' ? { accessKeyId: signer, secretAccessKey: 'local' } : signer;
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
  /** AssumeRole into the member's access role as the management account: the member's credentials, or the error */
  const throughRole = async (accountId: string): Promise<Credentials | Error> => {
    const sts = new STSClient({
      endpoint: stack.endpoints.sts,
      region: 'us-east-1',
      credentials: credentialsOf(DEMO_MANAGEMENT_ACCOUNT),
      maxAttempts: 1,
    });
    clients.push(sts);
    try {
      const { Credentials: session } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/${DEMO_ACCESS_ROLE}`,
          RoleSessionName: 'orgflow-approve',
        }),
      );
      return {
        accessKeyId: session!.AccessKeyId!,
        secretAccessKey: session!.SecretAccessKey!,
        sessionToken: session!.SessionToken!,
      };
    } catch (error) {
      return error as Error;
    }
  };
  const management = () => organizations(DEMO_MANAGEMENT_ACCOUNT);

  /** The member's request of `round`, as the member lists it. */
  async function requestOf(member: OrganizationsClient, round: Handshake): Promise<Handshake> {
    const { Handshakes } = await member.send(
      new ListHandshakesForAccountCommand({ Filter: { ParentHandshakeId: round.Id } }),
    );
    return Handshakes![0]!;
  }

  /** The CloudTrail records delivered to the management account's default bus, from now on. */
  function observeManagementBus(): () => Record<string, unknown>[] {
    const delivered = vi.fn();
    const bus = stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT);
    bus.putRule({
      name: 'all-features-observer',
      eventPattern: JSON.stringify({
        source: ['aws.organizations'],
        detail: { eventName: ['AcceptHandshake', 'DeclineHandshake'] },
      }),
    });
    bus.putTargets('all-features-observer', [
      { id: 'observer', arn: 'arn:aws:local:observer', deliver: delivered },
    ]);
    return () => delivered.mock.calls.map(([input]) => JSON.parse(input as string));
  }

  beforeEach(async () => {
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      demoOrganization: 'consolidated-billing',
    });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack.close();
    dirs.removeAll();
  });

  it('is seeded with consolidated billing only, created members and invited ones, some reachable', async () => {
    // Act
    const { Organization } = await management().send(new DescribeOrganizationCommand({}));
    const { Accounts } = await management().send(new ListAccountsCommand({}));
    const { Roots } = await management().send(new ListRootsCommand({}));
    const { Handshakes } = await management().send(new ListHandshakesForOrganizationCommand({}));
    const sessions = await Promise.all(invited.map(throughRole));

    // Assess
    expect(stack.seeded).toBe(true);
    expect(Organization).toMatchObject({
      FeatureSet: 'CONSOLIDATED_BILLING',
      MasterAccountId: DEMO_MANAGEMENT_ACCOUNT,
    });
    expect(Roots![0]!.PolicyTypes).toEqual([]);
    const joined = (method: string) =>
      Accounts!.filter((a) => a.JoinedMethod === method && a.Id !== DEMO_MANAGEMENT_ACCOUNT);
    expect(joined('CREATED').map((a) => a.Name)).toEqual(consolidatedBillingDemo.created.map((a) => a.name));
    expect(
      joined('INVITED')
        .map((a) => a.Id)
        .sort(),
    ).toEqual([...invited].sort());
    // the invitations were accepted: all that is listed of them
    expect(Handshakes!.map((x) => [x.Action, x.State])).toEqual(invited.map(() => ['INVITE', 'ACCEPTED']));
    const reached = invited.filter((_, i) => !(sessions[i] instanceof Error));
    expect(reached).toEqual(reachable);
    expect(sessions.filter((s) => s instanceof Error)).toEqual(
      unreachable.map(() => expect.objectContaining({ name: 'AccessDenied' })),
    );
    for (const created of joined('CREATED')) expect(await throughRole(created.Id!)).not.toBeInstanceOf(Error);
  });

  it('runs to ALL: a decline and a new round, members answering through the role or their own key, every answer on the management bus', async () => {
    // Prepare
    const answers = observeManagementBus();
    const [decliner] = unreachable;

    // Act: the first round is declined by a member the management account cannot reach
    const { Handshake: first } = await management().send(new EnableAllFeaturesCommand({}));
    const { Handshakes: asked } = await management().send(
      new ListHandshakesForOrganizationCommand({ Filter: { ParentHandshakeId: first!.Id } }),
    );
    const declined = await requestOf(organizations(decliner!), first!);
    await organizations(decliner!).send(new DeclineHandshakeCommand({ HandshakeId: declined.Id }));
    await management().send(new CancelHandshakeCommand({ HandshakeId: first!.Id }));
    // the second round: orgflow approves where the role lets it, the others approve with their own keys
    const { Handshake: second } = await management().send(new EnableAllFeaturesCommand({}));
    for (const id of reachable) {
      const member = organizations((await throughRole(id)) as Credentials);
      const request = await requestOf(member, second!);
      await member.send(new AcceptHandshakeCommand({ HandshakeId: request.Id }));
    }
    for (const id of unreachable) {
      const member = organizations(id);
      const request = await requestOf(member, second!);
      await member.send(new AcceptHandshakeCommand({ HandshakeId: request.Id }));
    }
    const { Handshake: finished } = await management().send(
      new AcceptHandshakeCommand({ HandshakeId: second!.Id }),
    );
    await stack.buses.settled();

    // Assess
    expect(asked!.map((r) => r.Parties!.find((p) => p.Type === 'ACCOUNT')!.Id).sort()).toEqual(
      [...invited].sort(),
    );
    expect(finished!.State).toBe('ACCEPTED');
    const { Organization } = await management().send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('ALL');
    const seen = answers().map((event) => {
      const detail = event.detail as {
        eventName: string;
        userIdentity: { accountId: string; type: string };
        responseElements: { handshake: { action: string; state: string } };
      };
      return [
        event.account,
        detail.eventName,
        detail.userIdentity.accountId,
        detail.userIdentity.type,
        detail.responseElements.handshake.action,
        detail.responseElements.handshake.state,
      ];
    });
    expect(seen).toEqual([
      [DEMO_MANAGEMENT_ACCOUNT, 'DeclineHandshake', decliner, 'Root', 'approve_all_features', 'DECLINED'],
      ...reachable.map((id) => [
        DEMO_MANAGEMENT_ACCOUNT,
        'AcceptHandshake',
        id,
        'AssumedRole',
        'approve_all_features',
        'ACCEPTED',
      ]),
      ...unreachable.map((id) => [
        DEMO_MANAGEMENT_ACCOUNT,
        'AcceptHandshake',
        id,
        'Root',
        'approve_all_features',
        'ACCEPTED',
      ]),
      [
        DEMO_MANAGEMENT_ACCOUNT,
        'AcceptHandshake',
        DEMO_MANAGEMENT_ACCOUNT,
        'Root',
        'enable_all_features',
        'ACCEPTED',
      ],
    ]);
  });
});

describe('npm start -- --demo-organization', () => {
  const dirs = dataDirs();

  afterAll(async () => {
    await killAll();
    dirs.removeAll();
  });

  it('consolidated-billing: seeds it and shows the command that starts the migration', async () => {
    // Act
    const child = await spawnStack(dirs.fresh(), ['--demo-organization', 'consolidated-billing']);

    // Assess
    expect(child.output).toContain('npx orgflow enable-all-features --follow');
    expect(child.output).not.toContain('npx orgflow vend');
    const { Organization } = await child
      .organizations(DEMO_MANAGEMENT_ACCOUNT)
      .send(new DescribeOrganizationCommand({}));
    expect(Organization!.FeatureSet).toBe('CONSOLIDATED_BILLING');
    await child.kill('SIGTERM');
  });

  it('refuses a name it does not know, saying which it knows', async () => {
    // Act
    const started = spawnStack(dirs.fresh(), ['--demo-organization', 'all']);

    // Assess
    await expect(started).rejects.toThrow(
      "--demo-organization must be all-features or consolidated-billing, not 'all'",
    );
  });
});
