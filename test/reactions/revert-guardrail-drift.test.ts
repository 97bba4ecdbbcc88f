import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AttachPolicyCommand,
  ConcurrentModificationException,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DuplicatePolicyAttachmentException,
  EnablePolicyTypeCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  PolicyNotFoundException,
  TooManyRequestsException,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import { ReactionsConfigSchema } from '../../functions/reactions/reactions-config';
import {
  type DriftEvent,
  DriftEventSchema,
  type RevertPorts,
  revertGuardrailDrift,
  sameDocument,
} from '../../functions/reactions/revert-guardrail-drift/revert-guardrail-drift';
import { matches } from '../../local/eventbridge/pattern';

// Revert Guardrail Drift with Organizations and EventBridge mocked. The events are the samples of
// events/samples/: DetachPolicy of p-hhe2a0ko from ou-a1b2-f6g7h8i9, UpdatePolicy of p-hhe2a0ko to allow-all,
// DisablePolicyType of SERVICE_CONTROL_POLICY on r-a1b2, each made by the console session of role Admin.

const raw = (name: string) => JSON.parse(readFileSync(`events/samples/${name}.json`, 'utf8')) as unknown;
const sample = (name: string): DriftEvent => DriftEventSchema.parse(raw(name));
const detached = () => sample('organizations-detach-policy');
const updated = () => sample('organizations-update-policy');
const disabled = () => sample('organizations-disable-policy-type');
const MANAGEMENT = '111111111111';
const ROOT = 'r-a1b2';
const WORKLOADS = 'ou-a1b2-f6g7h8i9';
const SANDBOX = 'ou-a1b2-sandbox1';
const POLICY = 'p-hhe2a0ko';
const TAGGED = 'p-tagged01';
const ADMIN = 'arn:aws:sts::111111111111:assumed-role/Admin/console-admin';
const APPROVED =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}';
const ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

const organizationsMock = mockClient(OrganizationsClient);
const eventsMock = mockClient(EventBridgeClient);

function portsWith(config: unknown): RevertPorts {
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  return {
    organizations,
    directory: new OrganizationDirectory(organizations),
    config: ReactionsConfigSchema.parse(config),
    events: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'default',
  };
}
const guardrail = { guardrails: [{ policy: 'DenyLeaveOrganization', attachedTo: ['Workloads'] }] };
const approved = {
  guardrails: [{ policy: 'DenyLeaveOrganization', attachedTo: ['Workloads'], approvedContent: APPROVED }],
};

const attachedTo = (targetId: string, ...policyIds: string[]) =>
  organizationsMock
    .on(ListPoliciesForTargetCommand, { TargetId: targetId })
    .resolves({ Policies: ['p-FullAWSAccess', ...policyIds].map((Id) => ({ Id })) });
const published = (detailType: string) =>
  eventsMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .filter((entry) => entry.DetailType === detailType)
    .map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);

beforeEach(() => {
  organizationsMock.reset();
  eventsMock.reset();
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { MasterAccountId: MANAGEMENT } });
  organizationsMock.on(DescribePolicyCommand, { PolicyId: POLICY }).resolves({
    Policy: {
      PolicySummary: { Id: POLICY, Name: 'DenyLeaveOrganization', Type: 'SERVICE_CONTROL_POLICY' },
      Content: APPROVED,
    },
  });
  organizationsMock.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  organizationsMock.on(ListRootsCommand).resolves({
    Roots: [{ Id: ROOT, PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] }],
  });
  organizationsMock.on(ListOrganizationalUnitsForParentCommand, { ParentId: ROOT }).resolves({
    OrganizationalUnits: [
      { Id: SANDBOX, Name: 'Sandbox' },
      { Id: WORKLOADS, Name: 'Workloads' },
    ],
  });
  organizationsMock.on(ListPoliciesCommand).resolves({ Policies: [] });
  organizationsMock.on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' }).resolves({
    Policies: [
      { Id: 'p-FullAWSAccess', Name: 'FullAWSAccess', AwsManaged: true },
      { Id: POLICY, Name: 'DenyLeaveOrganization' },
      { Id: TAGGED, Name: 'DenyRootUser' },
    ],
  });
  organizationsMock.on(ListPoliciesForTargetCommand).resolves({ Policies: [{ Id: 'p-FullAWSAccess' }] });
  organizationsMock.on(AttachPolicyCommand).resolves({});
  organizationsMock.on(UpdatePolicyCommand).resolves({});
  organizationsMock.on(EnablePolicyTypeCommand).resolves({});
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('the rule events/rules/revert-guardrail-drift.json', () => {
  const { eventPattern } = JSON.parse(readFileSync('events/rules/revert-guardrail-drift.json', 'utf8')) as {
    eventPattern: unknown;
  };

  it('matches the three drifts, and neither a failed call nor the calls a revert makes', () => {
    for (const name of ['detach-policy', 'update-policy', 'disable-policy-type'])
      expect(matches(eventPattern, raw(`organizations-${name}`)), name).toBe(true);
    const failed = raw('organizations-detach-policy') as { detail: Record<string, unknown> };
    failed.detail.errorCode = 'PolicyNotAttachedException';
    expect(matches(eventPattern, failed)).toBe(false);
    for (const name of ['AttachPolicy', 'EnablePolicyType']) {
      const revert = raw('organizations-detach-policy') as { detail: Record<string, unknown> };
      revert.detail.eventName = name;
      expect(matches(eventPattern, revert), name).toBe(false);
    }
  });
});

describe('a guardrail detached', () => {
  it('is attached again to the OU the configuration names by path, and the revert is announced with who did what and when', async () => {
    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), detached());

    // Assess
    expect(outcome).toMatchObject({
      reverted: true,
      actions: [
        {
          action: 'AttachPolicy',
          policyId: POLICY,
          policyName: 'DenyLeaveOrganization',
          targetId: WORKLOADS,
        },
      ],
    });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(AttachPolicyCommand, {
      PolicyId: POLICY,
      TargetId: WORKLOADS,
    });
    expect(published('Guardrail Drift Reverted')).toEqual([
      {
        eventName: 'DetachPolicy',
        eventId: '6b1f7d3c-0e2a-4bd1-9d7e-9f8a7b6c5d4e',
        eventTime: '2024-02-06T14:03:51Z',
        by: { arn: ADMIN, type: 'AssumedRole', accountId: MANAGEMENT },
        policyId: POLICY,
        policyName: 'DenyLeaveOrganization',
        targetId: WORKLOADS,
        actions: [
          {
            action: 'AttachPolicy',
            policyId: POLICY,
            policyName: 'DenyLeaveOrganization',
            targetId: WORKLOADS,
          },
        ],
        sourceEventId: '6b1f7d3c-0e2a-4bd1-9d7e-9f8a7b6c5d4e',
      },
    ]);
  });

  it('is selected by its tag as well as by name or id', async () => {
    // Prepare
    organizationsMock.on(ListTagsForResourceCommand, { ResourceId: POLICY }).resolves({
      Tags: [{ Key: 'guardrail', Value: 'true' }],
    });
    const byTag = { guardrails: [{ policyTag: 'guardrail=true', attachedTo: [WORKLOADS] }] };

    // Act
    const outcome = await revertGuardrailDrift(portsWith(byTag), detached());

    // Assess
    expect(outcome.reverted).toBe(true);
    expect(organizationsMock).toHaveReceivedCommandTimes(AttachPolicyCommand, 1);
  });

  it('already attached again (an earlier delivery, a person, a concurrent revert): nothing', async () => {
    // Prepare
    attachedTo(WORKLOADS, POLICY);

    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), detached());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'already-attached' });
    expect(organizationsMock).not.toHaveReceivedCommand(AttachPolicyCommand);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('attached by someone between the look and the attach: DuplicatePolicyAttachment is what it wants', async () => {
    // Prepare
    organizationsMock
      .on(AttachPolicyCommand)
      .rejects(new DuplicatePolicyAttachmentException({ message: 'attached', $metadata: {} }));

    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), detached());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'already-attached' });
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it.each([
    [
      'a policy the configuration does not mark',
      { guardrails: [{ policy: 'Other', attachedTo: ['Workloads'] }] },
      'not-a-guardrail',
    ],
    [
      'a target the configuration does not name',
      { guardrails: [{ policy: POLICY, attachedTo: ['Sandbox'] }] },
      'not-a-guardrail-target',
    ],
    [
      'a change by one of ownPrincipals',
      { ...guardrail, ownPrincipals: ['arn:aws:iam::111111111111:role/Admin'] },
      'own-change',
    ],
  ])('is left alone when it is %s', async (_, config, reason) => {
    // Act
    const outcome = await revertGuardrailDrift(portsWith(config), detached());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason });
    expect(organizationsMock).not.toHaveReceivedCommand(AttachPolicyCommand);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('a policy that no longer exists: a named no-op', async () => {
    // Prepare
    organizationsMock
      .on(DescribePolicyCommand)
      .rejects(new PolicyNotFoundException({ message: 'gone', $metadata: {} }));

    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), detached());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'policy-not-found' });
    expect(organizationsMock).not.toHaveReceivedCommand(AttachPolicyCommand);
  });

  it('never targets the management account, even when the configuration names it', async () => {
    // Prepare
    const event = detached();
    event.detail.requestParameters = { policyId: POLICY, targetId: MANAGEMENT };

    // Act
    const outcome = await revertGuardrailDrift(
      portsWith({ guardrails: [{ policy: POLICY, attachedTo: [MANAGEMENT] }] }),
      event,
    );

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'management-account' });
    expect(organizationsMock).not.toHaveReceivedCommand(AttachPolicyCommand);
  });

  it.each([
    ['throttling', new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })],
    ['concurrent modification', new ConcurrentModificationException({ message: 'busy', $metadata: {} })],
  ])('throws %s by its AWS name, for the delivery to be retried', async (_, error) => {
    // Prepare
    organizationsMock.on(AttachPolicyCommand).rejects(error);

    // Act
    const revert = revertGuardrailDrift(portsWith(guardrail), detached());

    // Assess
    await expect(revert).rejects.toHaveProperty('name', error.name);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

describe('a guardrail updated', () => {
  it('gets its approved content back when its content differs', async () => {
    // Prepare
    organizationsMock.on(DescribePolicyCommand).resolves({
      Policy: {
        PolicySummary: { Id: POLICY, Name: 'DenyLeaveOrganization', Type: 'SERVICE_CONTROL_POLICY' },
        Content: ALLOW_ALL,
      },
    });

    // Act
    const outcome = await revertGuardrailDrift(portsWith(approved), updated());

    // Assess
    expect(outcome).toMatchObject({
      reverted: true,
      actions: [{ action: 'UpdatePolicy', policyId: POLICY, policyName: 'DenyLeaveOrganization' }],
    });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(UpdatePolicyCommand, {
      PolicyId: POLICY,
      Content: APPROVED,
    });
    expect(published('Guardrail Drift Reverted')).toHaveLength(1);
  });

  it('with the approved document (whitespace and key order aside), as after its own restore: nothing', async () => {
    // Prepare
    const reordered = JSON.stringify(
      {
        Statement: [{ Resource: '*', Action: 'organizations:LeaveOrganization', Effect: 'Deny' }],
        Version: '2012-10-17',
      },
      null,
      2,
    );
    organizationsMock.on(DescribePolicyCommand).resolves({
      Policy: {
        PolicySummary: { Id: POLICY, Name: 'DenyLeaveOrganization', Type: 'SERVICE_CONTROL_POLICY' },
        Content: reordered,
      },
    });

    // Act
    const outcome = await revertGuardrailDrift(portsWith(approved), updated());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'approved-content' });
    expect(organizationsMock).not.toHaveReceivedCommand(UpdatePolicyCommand);
  });

  it('without approved content: reported as detected, not guessed at', async () => {
    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), updated());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'no-approved-content' });
    expect(organizationsMock).not.toHaveReceivedCommand(UpdatePolicyCommand);
    expect(published('Guardrail Drift Reverted')).toEqual([]);
    expect(published('Guardrail Drift Detected')).toMatchObject([
      { eventName: 'UpdatePolicy', policyId: POLICY, by: { arn: ADMIN }, reason: 'no-approved-content' },
    ]);
  });
});

describe('a guardrail type disabled on the root', () => {
  it('is enabled again and every guardrail of the type re-attached where configured, the management account skipped', async () => {
    // Prepare: the type is off, so nothing is attached anywhere
    organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT, PolicyTypes: [] }] });
    organizationsMock.on(ListPoliciesForTargetCommand).resolves({ Policies: [] });
    organizationsMock.on(ListTagsForResourceCommand, { ResourceId: TAGGED }).resolves({
      Tags: [{ Key: 'guardrail', Value: 'true' }],
    });
    const config = {
      guardrails: [
        { policy: 'DenyLeaveOrganization', attachedTo: ['Workloads', 'Root', MANAGEMENT] },
        { policyTag: 'guardrail=true', attachedTo: ['Sandbox'] },
      ],
    };

    // Act
    const outcome = await revertGuardrailDrift(portsWith(config), disabled());

    // Assess
    expect(outcome).toMatchObject({
      reverted: true,
      actions: [
        { action: 'EnablePolicyType', rootId: ROOT, policyType: 'SERVICE_CONTROL_POLICY' },
        { action: 'AttachPolicy', policyId: POLICY, targetId: WORKLOADS },
        { action: 'AttachPolicy', policyId: POLICY, targetId: ROOT },
        { action: 'AttachPolicy', policyId: TAGGED, targetId: SANDBOX },
      ],
    });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(EnablePolicyTypeCommand, {
      RootId: ROOT,
      PolicyType: 'SERVICE_CONTROL_POLICY',
    });
    expect(organizationsMock).not.toHaveReceivedCommandWith(AttachPolicyCommand, { TargetId: MANAGEMENT });
    expect(published('Guardrail Drift Reverted')).toMatchObject([
      { eventName: 'DisablePolicyType', rootId: ROOT, policyType: 'SERVICE_CONTROL_POLICY' },
    ]);
  });

  it('already enabled again with the guardrails attached (a duplicate after the revert): nothing', async () => {
    // Prepare
    attachedTo(WORKLOADS, POLICY);

    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), disabled());

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'in-shape' });
    expect(organizationsMock).not.toHaveReceivedCommand(EnablePolicyTypeCommand);
    expect(organizationsMock).not.toHaveReceivedCommand(AttachPolicyCommand);
  });

  it('of a type no guardrail has: nothing', async () => {
    // Prepare
    const event = disabled();
    event.detail.requestParameters = { rootId: ROOT, policyType: 'TAG_POLICY' };

    // Act
    const outcome = await revertGuardrailDrift(portsWith(guardrail), event);

    // Assess
    expect(outcome).toMatchObject({ reverted: false, reason: 'type-not-guarded' });
    expect(organizationsMock).not.toHaveReceivedCommand(EnablePolicyTypeCommand);
  });
});

describe('sameDocument', () => {
  it('compares policy documents as parsed JSON', () => {
    expect(sameDocument(APPROVED, JSON.stringify(JSON.parse(APPROVED), null, 4))).toBe(true);
    expect(sameDocument(APPROVED, ALLOW_ALL)).toBe(false);
    expect(sameDocument('not json', 'not json')).toBe(true);
  });
});
