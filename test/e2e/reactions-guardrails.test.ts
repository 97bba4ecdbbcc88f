import {
  AttachPolicyCommand,
  DescribePolicyCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { sameDocument } from '../../functions/reactions/revert-guardrail-drift/revert-guardrail-drift';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { DEMO_MANAGEMENT_ACCOUNT, DENY_LEAVE_ORGANIZATION } from '../../local/organizations/seed';
import { type ReactionsStack, reactionsStacks, shuffled } from './reactions-harness';

// Issue #14, reaction 2 on the local stack (demo organization, manual clock): the guardrail DenyLeaveOrganization
// taken out of shape with the AWS CLI, as a person would (detach-policy, update-policy --content,
// disable-policy-type), is put back as the reactions configuration says, once per drift, however often and in
// whatever order its events are delivered.

const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

interface Detail {
  eventName: string;
  errorCode?: string;
  requestParameters?: Record<string, string> | null;
}
const detailOf = (event: EventBridgeEvent) => event.detail as Detail;

describe('guardrail drift is reverted (local stack, manual clock)', { timeout: 120_000 }, () => {
  const stacks = reactionsStacks();
  afterEach(() => stacks.stop());

  /** The `Guardrail Drift Reverted` events orgflow publishes, as a consumer's rule on the bus receives them. */
  const guardrailId = async (env: ReactionsStack) => {
    const { Policies } = await env.organizations.send(
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    return Policies!.find((policy) => policy.Name === 'DenyLeaveOrganization')!.Id!;
  };
  const rootId = async (env: ReactionsStack) =>
    (await env.organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const policiesOn = async (env: ReactionsStack, targetId: string) => {
    const { Policies } = await env.organizations.send(
      new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    return (Policies ?? []).map((policy) => policy.Name).sort();
  };
  const contentOf = async (env: ReactionsStack, policyId: string) =>
    (await env.organizations.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy!.Content!;

  /** The successful calls named `eventName` in the organization's CloudTrail after its first `since` events. */
  const successful = (env: ReactionsStack, eventName: string, since = 0) =>
    env
      .cloudTrail()
      .slice(since)
      .filter((event) => detailOf(event).eventName === eventName && detailOf(event).errorCode === undefined);

  it('re-attaches a guardrail detached with the AWS CLI and announces who did it, what and when', async () => {
    // Prepare
    const env = await stacks.start();
    const reverts = env.published('Guardrail Drift Reverted');
    const workloads = await env.ouNamed('Workloads');
    const policyId = await guardrailId(env);
    const since = env.cloudTrail().length;

    // Act
    await env.cli(['detach-policy', '--policy-id', policyId, '--target-id', workloads]);
    await env.advanceUntil(async () => (await policiesOn(env, workloads)).includes('DenyLeaveOrganization'));
    await env.stack.settled();

    // Assess
    expect(await policiesOn(env, workloads)).toEqual(['DenyLeaveOrganization', 'FullAWSAccess']);
    expect(successful(env, 'AttachPolicy', since)).toHaveLength(1);
    const [drift] = successful(env, 'DetachPolicy', since);
    expect(reverts).toEqual([
      {
        eventName: 'DetachPolicy',
        eventId: (drift!.detail as { eventID: string }).eventID,
        eventTime: (drift!.detail as { eventTime: string }).eventTime,
        by: {
          arn: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:root`,
          type: 'Root',
          accountId: DEMO_MANAGEMENT_ACCOUNT,
        },
        policyId,
        policyName: 'DenyLeaveOrganization',
        targetId: workloads,
        actions: [
          { action: 'AttachPolicy', policyId, policyName: 'DenyLeaveOrganization', targetId: workloads },
        ],
        sourceEventId: (drift!.detail as { eventID: string }).eventID,
      },
    ]);
  });

  it('restores the approved content of a guardrail updated with the AWS CLI, and its own restore changes nothing', async () => {
    // Prepare
    const env = await stacks.start();
    const reverts = env.published('Guardrail Drift Reverted');
    const policyId = await guardrailId(env);
    const since = env.cloudTrail().length;

    // Act
    await env.cli(['update-policy', '--policy-id', policyId, '--content', ALLOW_ALL]);
    await env.advanceUntil(async () => sameDocument(await contentOf(env, policyId), DENY_LEAVE_ORGANIZATION));
    await env.stack.settled();

    // Assess: the person's update and orgflow's restore, and nothing after it
    expect(await contentOf(env, policyId)).toBe(DENY_LEAVE_ORGANIZATION);
    const updates = successful(env, 'UpdatePolicy', since);
    expect(updates.map((event) => detailOf(event).requestParameters?.content)).toEqual([
      ALLOW_ALL,
      DENY_LEAVE_ORGANIZATION,
    ]);
    expect(reverts).toMatchObject([
      { eventName: 'UpdatePolicy', actions: [{ action: 'UpdatePolicy', policyId }] },
    ]);
  });

  it('enables SCPs again after disable-policy-type with the AWS CLI and re-attaches the guardrail', async () => {
    // Prepare
    const env = await stacks.start();
    const reverts = env.published('Guardrail Drift Reverted');
    const workloads = await env.ouNamed('Workloads');
    const root = await rootId(env);
    const since = env.cloudTrail().length;

    // Act
    await env.cli(['disable-policy-type', '--root-id', root, '--policy-type', 'SERVICE_CONTROL_POLICY']);
    await env.advanceUntil(async () => (await policiesOn(env, workloads)).includes('DenyLeaveOrganization'));
    await env.stack.settled();

    // Assess
    expect(await policiesOn(env, workloads)).toEqual(['DenyLeaveOrganization', 'FullAWSAccess']);
    expect(successful(env, 'EnablePolicyType', since)).toHaveLength(1);
    expect(successful(env, 'AttachPolicy', since)).toHaveLength(1);
    expect(reverts).toMatchObject([
      {
        eventName: 'DisablePolicyType',
        rootId: root,
        actions: [
          { action: 'EnablePolicyType', rootId: root, policyType: 'SERVICE_CONTROL_POLICY' },
          { action: 'AttachPolicy', targetId: workloads },
        ],
      },
    ]);
  });

  it('reverts each drift once when every drift event is delivered three times, in shuffled order', async () => {
    // Prepare: the guardrail kept on three OUs, attached there (AttachPolicy is no drift)
    const env = await stacks.start({
      reactionsConfig: JSON.stringify({
        guardrails: [
          {
            policy: 'DenyLeaveOrganization',
            attachedTo: ['Workloads', 'Sandbox', 'Workloads/Prod'],
            approvedContent: DENY_LEAVE_ORGANIZATION,
          },
        ],
      }),
    });
    const reverts = env.published('Guardrail Drift Reverted');
    const policyId = await guardrailId(env);
    const targets = [await env.ouNamed('Workloads'), await env.ouNamed('Sandbox')];
    const { OrganizationalUnits } = await env.organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: targets[0]! }),
    );
    targets.push(OrganizationalUnits!.find((ou) => ou.Name === 'Prod')!.Id!);
    for (const target of targets.slice(1))
      await env.organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: target }));
    const since = env.cloudTrail().length;

    // Act: three detaches and an update, each event delivered twice more at once, all six extra deliveries
    // shuffled, while the first deliveries are still being handled
    for (const target of targets)
      await env.cli(['detach-policy', '--policy-id', policyId, '--target-id', target]);
    await env.cli(['update-policy', '--policy-id', policyId, '--content', ALLOW_ALL]);
    // the person's four calls (orgflow's restoring UpdatePolicy may be there already: it is no drift)
    const drifts = [
      ...successful(env, 'DetachPolicy', since),
      ...successful(env, 'UpdatePolicy', since).filter(
        (event) => detailOf(event).requestParameters?.content === ALLOW_ALL,
      ),
    ];
    expect(drifts).toHaveLength(4);
    for (const event of shuffled([...drifts, ...drifts]))
      expect(env.redeliver(event)).toContain('revert-guardrail-drift');
    const inShape = async () =>
      (await Promise.all(targets.map((target) => policiesOn(env, target)))).every((names) =>
        names.includes('DenyLeaveOrganization'),
      ) && sameDocument(await contentOf(env, policyId), DENY_LEAVE_ORGANIZATION);
    await env.advanceUntil(async () => (await inShape()) && reverts.length === 4);
    // a delivery refused while the first was in progress is retried after a backoff (at most 300 s): run them all
    for (let round = 0; round < 5; round++) {
      env.clock.advance(300_000);
      await env.stack.buses.settled();
      await env.stack.settled();
    }

    // Assess: one AttachPolicy per detached target, one restoring UpdatePolicy, one announcement per drift
    expect(await inShape()).toBe(true);
    const attaches = successful(env, 'AttachPolicy', since);
    expect(attaches.map((event) => detailOf(event).requestParameters?.targetId).sort()).toEqual(
      [...targets].sort(),
    );
    expect(successful(env, 'UpdatePolicy', since)).toHaveLength(2);
    expect(reverts.map((revert) => revert.sourceEventId).sort()).toEqual(
      drifts.map((event) => (event.detail as { eventID: string }).eventID).sort(),
    );
  });
});
