import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { type ReactionsStack, reactionsStacks, shuffled } from './reactions-harness';

// Issue #14, reaction 1 on the local stack (demo organization and reactions configuration, manual clock): an
// account created outside orgflow, with the AWS CLI as a person would, lands in Sandbox with the baseline's tag
// and policy, once, however often and in whatever order its events are delivered.

describe('accounts that join outside orgflow get the baseline (local stack, manual clock)', {
  timeout: 120_000,
}, () => {
  const stacks = reactionsStacks();
  afterEach(() => stacks.stop());

  const createWithCli = async (env: ReactionsStack, name: string) => {
    const { CreateAccountStatus } = (await env.cli([
      'create-account',
      '--email',
      `${name.toLowerCase().replace(/\W+/g, '-')}@outside.example`,
      '--account-name',
      name,
    ])) as { CreateAccountStatus: { Id: string } };
    return CreateAccountStatus.Id;
  };

  const accountOf = async (env: ReactionsStack, requestId: string) => {
    const { CreateAccountStatus } = await env.organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
    );
    return CreateAccountStatus?.State === 'SUCCEEDED' ? CreateAccountStatus.AccountId : undefined;
  };

  const shapeOf = async (env: ReactionsStack, accountId: string) => {
    const { Parents } = await env.organizations.send(new ListParentsCommand({ ChildId: accountId }));
    const { Tags } = await env.organizations.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
    const { Policies } = await env.organizations.send(
      new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    return {
      parent: Parents?.[0]?.Id,
      tags: Object.fromEntries((Tags ?? []).map((tag) => [tag.Key, tag.Value])),
      policies: (Policies ?? []).map((policy) => policy.Name).sort(),
    };
  };

  /** The calls orgflow made on `accountId` (whoever the caller, for counting: the test makes none of these). */
  const actionsOn = (env: ReactionsStack, accountId: string) =>
    ['MoveAccount', 'TagResource', 'AttachPolicy'].map(
      (name) =>
        env.cloudTrail(name).filter((event) => {
          const detail = event.detail as { requestParameters?: Record<string, string>; errorCode?: string };
          const p = detail.requestParameters ?? {};
          return detail.errorCode === undefined && (p.accountId ?? p.resourceId ?? p.targetId) === accountId;
        }).length,
    );

  it('moves an account created with the AWS CLI from the root to Sandbox, tags it and attaches the baseline policy', async () => {
    // Prepare
    const env = await stacks.start();
    const sandbox = await env.ouNamed('Sandbox');

    // Act
    const requestId = await createWithCli(env, 'Console Made');
    let accountId: string | undefined;
    await env.advanceUntil(async () => {
      accountId ??= await accountOf(env, requestId);
      return (
        accountId !== undefined && (await shapeOf(env, accountId)).tags['orgflow:baseline'] !== undefined
      );
    });

    // Assess
    expect(await shapeOf(env, accountId!)).toEqual({
      parent: sandbox,
      tags: { 'orgflow:baseline': '2026-12-01' },
      policies: ['DenyLeaveOrganization', 'FullAWSAccess'],
    });
    expect(actionsOn(env, accountId!)).toEqual([1, 1, 1]);
  });

  it('baselines an account invited with the AWS CLI once it accepts, as AccountJoinedOrganization reports', async () => {
    // Prepare: a standalone account, invited by the management account
    const env = await stacks.start();
    const invitee = '210987654321';
    env.stack.emulator.addStandaloneAccount({
      id: invitee,
      email: 'partner@outside.example',
      name: 'Partner',
    });
    const { Handshake } = (await env.cli([
      'invite-account-to-organization',
      '--target',
      `Type=ACCOUNT,Id=${invitee}`,
    ])) as { Handshake: { Id: string } };
    await env.stack.settled();
    const beforeAccepting = env.cloudTrail('MoveAccount').length;

    // Act: the member accepts with its own credentials, as a person in that account would
    await env.cli(['accept-handshake', '--handshake-id', Handshake.Id], invitee);
    await env.advanceUntil(async () => (await shapeOf(env, invitee)).tags['orgflow:baseline'] !== undefined);

    // Assess: nothing moved before the acceptance; then Sandbox, the tag and the policy, once
    expect(beforeAccepting).toBe(env.cloudTrail('MoveAccount').length - 1);
    expect(await shapeOf(env, invitee)).toEqual({
      parent: await env.ouNamed('Sandbox'),
      tags: { 'orgflow:baseline': '2026-12-01' },
      policies: ['DenyLeaveOrganization', 'FullAWSAccess'],
    });
    expect(actionsOn(env, invitee)).toEqual([1, 1, 1]);
    const joined = env.cloudTrail('AccountJoinedOrganization').at(-1)!;
    expect(joined.detail).toMatchObject({
      serviceEventDetails: { accountId: invitee, joinedMethod: 'INVITED' },
    });
  });

  it('acts once per account when every joining event is delivered three times, in shuffled order', async () => {
    // Prepare: three accounts created outside orgflow and baselined
    const env = await stacks.start();
    const requests: string[] = [];
    for (const name of ['Outside One', 'Outside Two', 'Outside Three'])
      requests.push(await createWithCli(env, name));
    const ids: string[] = [];
    await env.advanceUntil(async () => {
      ids.splice(0, ids.length, ...((await Promise.all(requests.map((r) => accountOf(env, r)))) as string[]));
      if (ids.some((id) => id === undefined)) return false;
      const shapes = await Promise.all(ids.map((id) => shapeOf(env, id)));
      return shapes.every((shape) => shape.tags['orgflow:baseline'] !== undefined);
    });
    const before = await Promise.all(ids.map((id) => shapeOf(env, id)));
    const results = env.cloudTrail('CreateAccountResult').filter((event) => {
      const details = (
        event.detail as { serviceEventDetails: { createAccountStatus: { accountId?: string } } }
      ).serviceEventDetails;
      return ids.includes(details.createAccountStatus.accountId ?? '');
    });
    expect(results).toHaveLength(3);

    // Act: each result delivered twice more, the six deliveries shuffled
    const deliveries: EventBridgeEvent[] = shuffled([...results, ...results]);
    for (const event of deliveries) expect(env.redeliver(event)).toContain('baseline-joined-account');
    await env.stack.settled();

    // Assess: nothing moved, tagged or attached a second time
    expect(await Promise.all(ids.map((id) => shapeOf(env, id)))).toEqual(before);
    for (const id of ids) expect(actionsOn(env, id)).toEqual([1, 1, 1]);
  });

  it('leaves an account vended by orgflow alone: it carries the request mark', async () => {
    // Prepare
    const env = await stacks.start();
    const { CreateAccountStatus } = await env.organizations.send(
      new CreateAccountCommand({
        Email: 'vended@orgflow.example',
        AccountName: 'Vended',
        Tags: [{ Key: 'orgflow:request-id', Value: 'req-0123456789abcdef' }],
      }),
    );

    // Act
    let accountId: string | undefined;
    await env.advanceUntil(async () => {
      accountId ??= await accountOf(env, CreateAccountStatus!.Id!);
      return accountId !== undefined;
    });
    await env.stack.settled();

    // Assess: still in the root, no baseline tag (vending moves it itself)
    const shape = await shapeOf(env, accountId!);
    expect(shape.parent).toMatch(/^r-/);
    expect(shape.tags).toEqual({ 'orgflow:request-id': 'req-0123456789abcdef' });
    expect(actionsOn(env, accountId!)).toEqual([0, 0, 0]);
  });
});
