import {
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DescribeEffectivePolicyCommand,
  type DescribeEffectivePolicyCommandInput,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  type EffectivePolicyType,
  EnablePolicyTypeCommand,
  ListAccountsWithInvalidEffectivePolicyCommand,
  ListEffectivePolicyValidationErrorsCommand,
  ListRootsCommand,
  type OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMemberRows, MANAGEMENT, OUTSIDER, startWithOrganization } from './harness';

type Setup = Awaited<ReturnType<typeof startWithOrganization>> & { rootId: string; ouId: string };

const MEMBER = '222222222222';
const SIBLING = '333333333333';

let h: Setup;

beforeEach(async () => {
  const harness = await startWithOrganization();
  const { Roots } = await harness.org.send(new ListRootsCommand({}));
  const rootId = Roots![0]!.Id!;
  const { OrganizationalUnit } = await harness.org.send(
    new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }),
  );
  h = { ...harness, rootId, ouId: OrganizationalUnit!.Id! };
  addMember(MEMBER, h.ouId);
  addMember(SIBLING, h.ouId);
});

afterEach(async () => {
  await h.close();
});

/** A member account row added straight to the store: account creation is another part of the emulator. */
function addMember(id: string, parentId: string): void {
  addMemberRows(h, h.organization.Id!, [id], { parentId });
}

async function enable(...types: PolicyType[]): Promise<void> {
  for (const type of types)
    await h.org.send(new EnablePolicyTypeCommand({ RootId: h.rootId, PolicyType: type }));
}

let policyCount = 0;

/** Creates a policy of `type` with `document` and attaches it to each of `targets`, in that order. */
async function attached(type: PolicyType, document: unknown, ...targets: string[]): Promise<string> {
  policyCount++;
  const { Policy } = await h.org.send(
    new CreatePolicyCommand({
      Name: `policy-${policyCount}`,
      Description: 'for effective policy tests',
      Type: type,
      Content: JSON.stringify(document),
    }),
  );
  const policyId = Policy!.PolicySummary!.Id!;
  for (const target of targets)
    await h.org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: target }));
  return policyId;
}

async function effective(
  input: DescribeEffectivePolicyCommandInput,
  client: OrganizationsClient = h.org,
): Promise<{ content: unknown; updatedAt: Date | undefined; targetId: string | undefined }> {
  const { EffectivePolicy } = await client.send(new DescribeEffectivePolicyCommand(input));
  return {
    content: JSON.parse(EffectivePolicy!.PolicyContent!),
    updatedAt: EffectivePolicy!.LastUpdatedTimestamp,
    targetId: EffectivePolicy!.TargetId,
  };
}

const costCenter = (values: string[]) => ({
  tags: { costcenter: { tag_key: { '@@assign': 'CostCenter' }, tag_value: { '@@assign': values } } },
});
const lockedKey = {
  tags: {
    project: {
      tag_key: { '@@operators_allowed_for_child_policies': ['@@none'], '@@assign': 'Project' },
    },
  },
};
const renamedKey = { tags: { project: { tag_key: { '@@assign': 'PROJECT' } } } };

describe('DescribeEffectivePolicy', () => {
  it('merges the policies of the root, the OU and the account, operators stripped', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Development', 'Support']), h.rootId);
    h.clock.advance(1_000);
    await attached(
      'TAG_POLICY',
      { tags: { CostCenter: { tag_value: { '@@append': ['Marketing'] } } } },
      h.ouId,
    );
    h.clock.advance(1_000);
    const lastAttachment = h.clock.now();
    await attached(
      'TAG_POLICY',
      {
        tags: { costcenter: { tag_value: { '@@remove': ['Development'] }, enforced_for: ['ec2:instance'] } },
      },
      MEMBER,
    );
    h.clock.advance(1_000);

    // Act
    const policy = await effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER });

    // Assess
    expect(policy.content).toEqual({
      tags: {
        costcenter: {
          tag_key: 'CostCenter',
          tag_value: ['Support', 'Marketing'],
          enforced_for: ['ec2:instance'],
        },
      },
    });
    expect(policy.targetId).toBe(MEMBER);
    expect(policy.updatedAt?.getTime()).toBe(lastAttachment);
  });

  it('keeps policy types apart: a backup policy merges with backup policies only', async () => {
    // Prepare
    await enable('TAG_POLICY', 'BACKUP_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), h.rootId);
    await attached(
      'BACKUP_POLICY',
      {
        plans: {
          Daily: {
            regions: { '@@assign': ['us-east-1'] },
            rules: { Nightly: { vault: { '@@assign': 'A' } } },
          },
        },
      },
      h.rootId,
    );
    await attached('BACKUP_POLICY', { plans: { Daily: { regions: { '@@append': ['eu-west-1'] } } } }, h.ouId);

    // Act
    const backup = await effective({ PolicyType: 'BACKUP_POLICY', TargetId: SIBLING });
    const tags = await effective({ PolicyType: 'TAG_POLICY', TargetId: SIBLING });

    // Assess
    expect(backup.content).toEqual({
      plans: { Daily: { regions: ['us-east-1', 'eu-west-1'], rules: { nightly: { vault: 'A' } } } },
    });
    expect(tags.content).toEqual({ tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Support'] } } });
  });

  it('applies the policies of one entity in attachment order: detach and reattach changes which comes first', async () => {
    // Prepare
    await enable('TAG_POLICY');
    const upper = await attached(
      'TAG_POLICY',
      { tags: { project: { tag_key: { '@@assign': 'PROJECT' } } } },
      h.rootId,
    );
    await attached('TAG_POLICY', { tags: { project: { tag_key: { '@@assign': 'Project' } } } }, h.rootId);
    const before = await effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER });

    // Act
    await h.org.send(new DetachPolicyCommand({ PolicyId: upper, TargetId: h.rootId }));
    await h.org.send(new AttachPolicyCommand({ PolicyId: upper, TargetId: h.rootId }));
    const after = await effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER });

    // Assess
    expect(before.content).toEqual({ tags: { project: { tag_key: 'PROJECT' } } });
    expect(after.content).toEqual({ tags: { project: { tag_key: 'Project' } } });
  });

  it('ignores a child change a parent forbids', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', lockedKey, h.rootId);
    await attached('TAG_POLICY', renamedKey, MEMBER);

    // Act
    const policy = await effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER });

    // Assess
    expect(policy.content).toEqual({ tags: { project: { tag_key: 'Project' } } });
  });

  it("describes the caller's own account when TargetId is omitted", async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), h.rootId);

    // Act
    const policy = await effective({ PolicyType: 'TAG_POLICY' });

    // Assess
    expect(policy.targetId).toBe(MANAGEMENT);
    expect(policy.content).toEqual({
      tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Support'] } },
    });
  });

  it('lets a member account describe its own effective policy, with or without TargetId', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), h.ouId);
    await attached('TAG_POLICY', costCenter(['Sandbox']), MEMBER);
    const member = h.client(MEMBER);

    // Act
    const implicit = await effective({ PolicyType: 'TAG_POLICY' }, member);
    const explicit = await effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER }, member);

    // Assess
    expect(implicit).toEqual(explicit);
    expect(implicit.targetId).toBe(MEMBER);
    expect(implicit.content).toEqual({
      tags: { costcenter: { tag_key: 'CostCenter', tag_value: ['Sandbox'] } },
    });
  });

  it("refuses a member account another account's effective policy", async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), h.rootId);

    // Act
    const call = effective({ PolicyType: 'TAG_POLICY', TargetId: SIBLING }, h.client(MEMBER));

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('answers EffectivePolicyNotFoundException while the type is not enabled in the root', async () => {
    // Act
    const call = effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER });

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'EffectivePolicyNotFoundException' });
  });

  it('answers EffectivePolicyNotFoundException when no policy of the type reaches the account', async () => {
    // Prepare
    await enable('TAG_POLICY', 'BACKUP_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), MEMBER);

    // Act
    const otherAccount = effective({ PolicyType: 'TAG_POLICY', TargetId: SIBLING });
    const otherType = effective({ PolicyType: 'BACKUP_POLICY', TargetId: MEMBER });

    // Assess
    await expect(otherAccount).rejects.toMatchObject({ name: 'EffectivePolicyNotFoundException' });
    await expect(otherType).rejects.toMatchObject({ name: 'EffectivePolicyNotFoundException' });
  });

  it('has no effective policy once the type is disabled', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), h.rootId);

    // Act
    await h.org.send(new DisablePolicyTypeCommand({ RootId: h.rootId, PolicyType: 'TAG_POLICY' }));

    // Assess
    await expect(effective({ PolicyType: 'TAG_POLICY', TargetId: MEMBER })).rejects.toMatchObject({
      name: 'EffectivePolicyNotFoundException',
    });
  });

  it('refuses a root or OU target with TARGET_NOT_SUPPORTED', async () => {
    // Prepare
    await enable('TAG_POLICY');

    // Act
    const root = effective({ PolicyType: 'TAG_POLICY', TargetId: h.rootId });
    const ou = effective({ PolicyType: 'TAG_POLICY', TargetId: h.ouId });

    // Assess
    await expect(root).rejects.toMatchObject({
      name: 'InvalidInputException',
      Reason: 'TARGET_NOT_SUPPORTED',
    });
    await expect(ou).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'TARGET_NOT_SUPPORTED' });
  });

  it('answers TargetNotFoundException for an account outside the organization', async () => {
    // Prepare
    await enable('TAG_POLICY');

    // Act
    const call = effective({ PolicyType: 'TAG_POLICY', TargetId: OUTSIDER });

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'TargetNotFoundException' });
  });

  it('refuses authorization policy types and callers outside any organization', async () => {
    // Act
    // the SDK's type forbids it; the wire does not
    const scp = effective({ PolicyType: 'SERVICE_CONTROL_POLICY' as EffectivePolicyType, TargetId: MEMBER });
    const outsider = effective({ PolicyType: 'TAG_POLICY' }, h.client(OUTSIDER));

    // Assess
    await expect(scp).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(outsider).rejects.toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
  });
});

describe('ListAccountsWithInvalidEffectivePolicy', () => {
  it('lists the accounts whose effective policy has validation errors, page by page', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', lockedKey, h.rootId);
    await attached('TAG_POLICY', renamedKey, MEMBER, MANAGEMENT);

    // Act
    const first = await h.org.send(
      new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: 'TAG_POLICY', MaxResults: 1 }),
    );
    const second = await h.org.send(
      new ListAccountsWithInvalidEffectivePolicyCommand({
        PolicyType: 'TAG_POLICY',
        MaxResults: 1,
        NextToken: first.NextToken!,
      }),
    );

    // Assess
    expect(first.PolicyType).toBe('TAG_POLICY');
    expect([...first.Accounts!, ...second.Accounts!].map((a) => a.Id)).toEqual([MANAGEMENT, MEMBER]);
    expect(second.Accounts![0]).toMatchObject({ Id: MEMBER, Email: `member-${MEMBER}@example.com` });
    expect(second.NextToken).toBeUndefined();
  });

  it('lists nobody when every effective policy is valid', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), h.rootId);

    // Act
    const { Accounts } = await h.org.send(
      new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: 'TAG_POLICY' }),
    );

    // Assess
    expect(Accounts).toEqual([]);
  });

  it('answers EffectivePolicyNotFoundException for a type not enabled, and refuses members', async () => {
    // Act
    const disabled = h.org.send(
      new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: 'TAG_POLICY' }),
    );
    const member = h
      .client(MEMBER)
      .send(new ListAccountsWithInvalidEffectivePolicyCommand({ PolicyType: 'TAG_POLICY' }));

    // Assess
    await expect(disabled).rejects.toMatchObject({ name: 'EffectivePolicyNotFoundException' });
    await expect(member).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('ListEffectivePolicyValidationErrors', () => {
  it('names each error, its path and the policies behind it', async () => {
    // Prepare
    await enable('TAG_POLICY');
    const locking = await attached('TAG_POLICY', lockedKey, h.rootId);
    h.clock.advance(5_000);
    const renaming = await attached('TAG_POLICY', renamedKey, MEMBER);

    // Act
    const listed = await h.org.send(
      new ListEffectivePolicyValidationErrorsCommand({ AccountId: MEMBER, PolicyType: 'TAG_POLICY' }),
    );

    // Assess
    expect(listed).toMatchObject({
      AccountId: MEMBER,
      PolicyType: 'TAG_POLICY',
      Path: `${h.organization.Id}/${h.rootId}/${h.ouId}/${MEMBER}/`,
      EffectivePolicyValidationErrors: [
        {
          ErrorCode: 'OPERATOR_NOT_ALLOWED',
          PathToError: 'tags.project.tag_key',
          ContributingPolicies: [locking, renaming],
        },
      ],
    });
    expect(listed.EffectivePolicyValidationErrors![0]!.ErrorMessage).toContain(renaming);
    expect(listed.EvaluationTimestamp?.getTime()).toBe(h.clock.now());
  });

  it('reports ELEMENTS_TOO_MANY when inherited lists grow past the limit', async () => {
    // Prepare
    await enable('TAG_POLICY');
    const values = (prefix: string) => Array.from({ length: 60 }, (_, i) => `${prefix}${i}`);
    const root = await attached('TAG_POLICY', costCenter(values('r')), h.rootId);
    const ou = await attached(
      'TAG_POLICY',
      { tags: { costcenter: { tag_value: { '@@append': values('o') } } } },
      h.ouId,
    );

    // Act
    const { EffectivePolicyValidationErrors } = await h.org.send(
      new ListEffectivePolicyValidationErrorsCommand({ AccountId: SIBLING, PolicyType: 'TAG_POLICY' }),
    );

    // Assess
    expect(EffectivePolicyValidationErrors).toMatchObject([
      {
        ErrorCode: 'ELEMENTS_TOO_MANY',
        PathToError: 'tags.costcenter.tag_value',
        ContributingPolicies: [root, ou],
      },
    ]);
  });

  it('lists no errors for an account with a valid or no effective policy', async () => {
    // Prepare
    await enable('TAG_POLICY');
    await attached('TAG_POLICY', costCenter(['Support']), MEMBER);

    // Act
    const valid = await h.org.send(
      new ListEffectivePolicyValidationErrorsCommand({ AccountId: MEMBER, PolicyType: 'TAG_POLICY' }),
    );
    const none = await h.org.send(
      new ListEffectivePolicyValidationErrorsCommand({ AccountId: SIBLING, PolicyType: 'TAG_POLICY' }),
    );

    // Assess
    expect(valid.EffectivePolicyValidationErrors).toEqual([]);
    expect(none.EffectivePolicyValidationErrors).toEqual([]);
    expect(none.EvaluationTimestamp).toBeUndefined();
  });

  it('answers AccountNotFoundException, EffectivePolicyNotFoundException and AccessDeniedException', async () => {
    // Act
    const outsider = h.org.send(
      new ListEffectivePolicyValidationErrorsCommand({ AccountId: OUTSIDER, PolicyType: 'TAG_POLICY' }),
    );
    const disabled = h.org.send(
      new ListEffectivePolicyValidationErrorsCommand({ AccountId: MEMBER, PolicyType: 'TAG_POLICY' }),
    );
    const member = h
      .client(MEMBER)
      .send(new ListEffectivePolicyValidationErrorsCommand({ AccountId: MEMBER, PolicyType: 'TAG_POLICY' }));

    // Assess
    await expect(outsider).rejects.toMatchObject({ name: 'AccountNotFoundException' });
    await expect(disabled).rejects.toMatchObject({ name: 'EffectivePolicyNotFoundException' });
    await expect(member).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
