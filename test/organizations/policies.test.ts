import {
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  type CreatePolicyCommandInput,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  type OrganizationsClient,
  type PolicyType,
  paginateListPolicies,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, MANAGEMENT, startHarness, startWithOrganization } from './harness';

type OrgHarness = Awaited<ReturnType<typeof startWithOrganization>>;

const MEMBER = '222222222222';
const OTHER_MANAGEMENT = '333333333333';
const FULL_ACCESS = 'p-FullAWSAccess';
const RCP_FULL_ACCESS = 'p-RCPFullAWSAccess';

const denyS3 = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}';
const tagDocument = '{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}';

const allPolicyTypes: PolicyType[] = [
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'BACKUP_POLICY',
  'TAG_POLICY',
  'CHATBOT_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'SECURITYHUB_POLICY',
  'INSPECTOR_POLICY',
  'UPGRADE_ROLLOUT_POLICY',
  'BEDROCK_POLICY',
  'S3_POLICY',
  'NETWORK_SECURITY_DIRECTOR_POLICY',
];
const isAuthorization = (type: PolicyType) =>
  type === 'SERVICE_CONTROL_POLICY' || type === 'RESOURCE_CONTROL_POLICY';
const validContent = (type: PolicyType) => (isAuthorization(type) ? denyS3 : tagDocument);

/** `document` padded with trailing whitespace (still valid JSON) to exactly `length` characters. */
const padded = (document: string, length: number) => document + ' '.repeat(length - document.length);

async function createPolicy(
  client: OrganizationsClient,
  name: string,
  overrides: Partial<CreatePolicyCommandInput> = {},
): Promise<string> {
  const { Policy } = await client.send(
    new CreatePolicyCommand({
      Name: name,
      Description: `${name} for tests`,
      Type: 'SERVICE_CONTROL_POLICY',
      Content: denyS3,
      ...overrides,
    }),
  );
  return Policy!.PolicySummary!.Id!;
}

async function rootIdOf(client: OrganizationsClient): Promise<string> {
  const { Roots } = await client.send(new ListRootsCommand({}));
  return Roots![0]!.Id!;
}

async function createOu(client: OrganizationsClient, name: string): Promise<string> {
  const { OrganizationalUnit } = await client.send(
    new CreateOrganizationalUnitCommand({ ParentId: await rootIdOf(client), Name: name }),
  );
  return OrganizationalUnit!.Id!;
}

/** Puts a member account row straight into the store: CreateAccount belongs to another area. */
function addMember(harness: OrgHarness, id = MEMBER): void {
  const store = harness.emulator.store;
  const rootId = [...store.roots.values()][0]!.id;
  store.transaction(() =>
    store.accounts.put({
      id,
      orgId: harness.organization.Id!,
      email: `member-${id}@example.com`,
      name: `Member ${id}`,
      status: 'ACTIVE',
      state: 'ACTIVE',
      joinedMethod: 'CREATED',
      joinedAt: harness.clock.now(),
      parentId: rootId,
      createdAt: harness.clock.now(),
      accessRoleName: 'OrganizationAccountAccessRole',
    }),
  );
}

async function attachedIds(
  client: OrganizationsClient,
  targetId: string,
  filter: PolicyType = 'SERVICE_CONTROL_POLICY',
) {
  const { Policies } = await client.send(
    new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: filter }),
  );
  return Policies!.map((p) => p.Id);
}

async function policyIds(client: OrganizationsClient, filter: PolicyType = 'SERVICE_CONTROL_POLICY') {
  const { Policies } = await client.send(new ListPoliciesCommand({ Filter: filter }));
  return Policies!.map((p) => p.Id);
}

async function consolidatedBillingOrganization(): Promise<Harness> {
  const harness = await startHarness();
  await harness
    .client(MANAGEMENT)
    .send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
  return harness;
}

describe('policies', () => {
  let harness: Harness;
  afterEach(async () => harness?.close());

  async function start(): Promise<OrgHarness> {
    const started = await startWithOrganization();
    harness = started;
    return started;
  }

  describe('CreatePolicy', () => {
    it('creates a service control policy that DescribePolicy returns with its tags', async () => {
      const { org, organization } = await start();

      const { Policy } = await org.send(
        new CreatePolicyCommand({
          Name: 'DenyS3',
          Description: 'no S3',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: denyS3,
          Tags: [{ Key: 'team', Value: 'platform' }],
        }),
      );

      const id = Policy!.PolicySummary!.Id!;
      expect(id).toMatch(/^p-[0-9a-z]{8}$/);
      expect(Policy).toEqual({
        Content: denyS3,
        PolicySummary: {
          Id: id,
          Arn: `arn:aws:organizations::${MANAGEMENT}:policy/${organization.Id}/service_control_policy/${id}`,
          Name: 'DenyS3',
          Description: 'no S3',
          Type: 'SERVICE_CONTROL_POLICY',
          AwsManaged: false,
        },
      });
      expect((await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy).toEqual(Policy);
      expect((await org.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags).toEqual([
        { Key: 'team', Value: 'platform' },
      ]);
    });

    it.each(allPolicyTypes)('creates a %s', async (type) => {
      const { org } = await start();

      const id = await createPolicy(org, `policy-${type}`, { Type: type, Content: validContent(type) });

      const { Policy } = await org.send(new DescribePolicyCommand({ PolicyId: id }));
      expect(Policy!.PolicySummary).toMatchObject({ Type: type, AwsManaged: false });
      expect(Policy!.PolicySummary!.Arn).toContain(`/${type.toLowerCase()}/${id}`);
    });

    it('refuses every policy type in a consolidated-billing organization', async () => {
      harness = await consolidatedBillingOrganization();
      const org = harness.client(MANAGEMENT);

      for (const type of allPolicyTypes)
        await expect(
          createPolicy(org, 'p', { Type: type, Content: validContent(type) }),
        ).rejects.toMatchObject({
          name: 'PolicyTypeNotAvailableForOrganizationException',
        });

      expect(await policyIds(org, 'TAG_POLICY')).toEqual([]);
    });

    it.each([
      ['text that is not JSON', 'SERVICE_CONTROL_POLICY', 'Deny everything'],
      ['a JSON array', 'TAG_POLICY', '[{"tags":{}}]'],
      ['a JSON string', 'BACKUP_POLICY', '"plans"'],
      ['an SCP without a Statement', 'SERVICE_CONTROL_POLICY', '{"Version":"2012-10-17"}'],
      [
        'an RCP with an empty Statement list',
        'RESOURCE_CONTROL_POLICY',
        '{"Version":"2012-10-17","Statement":[]}',
      ],
      [
        'an SCP statement without an Effect',
        'SERVICE_CONTROL_POLICY',
        '{"Statement":{"Action":"*","Resource":"*"}}',
      ],
    ] as const)('refuses %s as MalformedPolicyDocumentException', async (_, type, content) => {
      const { org } = await start();

      await expect(createPolicy(org, 'bad', { Type: type, Content: content })).rejects.toMatchObject({
        name: 'MalformedPolicyDocumentException',
      });

      expect(await policyIds(org, type)).toEqual(isAuthorization(type) ? [expect.any(String)] : []);
    });

    it('accepts an SCP of 10,240 characters and refuses one of 10,241', async () => {
      const { org } = await start();

      const accepted = await createPolicy(org, 'max', { Content: padded(denyS3, 10_240) });
      const refused = createPolicy(org, 'too-big', { Content: padded(denyS3, 10_241) });

      await expect(refused).rejects.toMatchObject({
        name: 'ConstraintViolationException',
        Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED',
      });
      expect(await policyIds(org)).toEqual([FULL_ACCESS, accepted]);
    });

    it('applies the size limit of the policy type (AI opt-out: 2,500)', async () => {
      const { org } = await start();

      const refused = createPolicy(org, 'ai', {
        Type: 'AISERVICES_OPT_OUT_POLICY',
        Content: padded(tagDocument, 2501),
      });

      await expect(refused).rejects.toMatchObject({ Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED' });
      await createPolicy(org, 'ai', {
        Type: 'AISERVICES_OPT_OUT_POLICY',
        Content: padded(tagDocument, 2500),
      });
    });

    it('refuses the 1,001st policy of a management type', async () => {
      const { org } = await start();
      const type = 'AISERVICES_OPT_OUT_POLICY';
      for (let batch = 0; batch < 10; batch++)
        await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            createPolicy(org, `ai-${batch}-${i}`, { Type: type, Content: '{}' }),
          ),
        );

      const refused = createPolicy(org, 'one-too-many', { Type: type, Content: '{}' });

      await expect(refused).rejects.toMatchObject({
        name: 'ConstraintViolationException',
        Reason: 'POLICY_NUMBER_LIMIT_EXCEEDED',
      });
      const other = await createPolicy(org, 'one-too-many', { Type: 'TAG_POLICY', Content: '{}' });
      expect(other).toMatch(/^p-/);
    });

    it('refuses a duplicate name within a policy type but allows it in another type', async () => {
      const { org } = await start();
      await createPolicy(org, 'Baseline');

      const duplicate = createPolicy(org, 'Baseline');

      await expect(duplicate).rejects.toMatchObject({ name: 'DuplicatePolicyException' });
      expect(await policyIds(org)).toHaveLength(2);
      await createPolicy(org, 'Baseline', { Type: 'TAG_POLICY', Content: tagDocument });
    });

    it('creates nothing when its tags are refused', async () => {
      const { org } = await start();

      const refused = createPolicy(org, 'tagged', { Tags: [{ Key: 'aws:reserved', Value: 'x' }] });

      await expect(refused).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'INVALID_SYSTEM_TAGS_PARAMETER',
      });
      expect(await policyIds(org)).toEqual([FULL_ACCESS]);
    });

    it('refuses a member account', async () => {
      const started = await start();
      addMember(started);

      const refused = createPolicy(started.client(MEMBER), 'from-member');

      await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(await policyIds(started.org)).toEqual([FULL_ACCESS]);
    });
  });

  describe('UpdatePolicy', () => {
    it('changes name, description and content', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'old');
      const content = '{"Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}';

      const { Policy } = await org.send(
        new UpdatePolicyCommand({ PolicyId: id, Name: 'new', Description: 'new text', Content: content }),
      );

      expect(Policy).toMatchObject({
        Content: content,
        PolicySummary: { Name: 'new', Description: 'new text' },
      });
      expect((await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy).toEqual(Policy);
    });

    it('keeps what the request leaves out', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'kept');

      const { Policy } = await org.send(new UpdatePolicyCommand({ PolicyId: id, Description: 'only this' }));

      expect(Policy).toMatchObject({
        Content: denyS3,
        PolicySummary: { Name: 'kept', Description: 'only this' },
      });
    });

    it.each([FULL_ACCESS, RCP_FULL_ACCESS])('refuses to change the AWS managed %s', async (policyId) => {
      const { org } = await start();

      const refused = org.send(new UpdatePolicyCommand({ PolicyId: policyId, Name: 'Mine' }));

      await expect(refused).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'IMMUTABLE_POLICY',
      });
      expect(
        (await org.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy!.PolicySummary!.Name,
      ).not.toBe('Mine');
    });

    it.each([
      ['malformed content', { Content: '{"Statement":' }, { name: 'MalformedPolicyDocumentException' }],
      [
        'content over the size limit',
        { Content: padded(denyS3, 10_241) },
        { Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED' },
      ],
      ['the name of another policy of the type', { Name: 'other' }, { name: 'DuplicatePolicyException' }],
    ])('refuses %s and changes nothing', async (_, change, error) => {
      const { org } = await start();
      const id = await createPolicy(org, 'mine');
      await createPolicy(org, 'other');
      const before = (await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy;

      const refused = org.send(new UpdatePolicyCommand({ PolicyId: id, Description: 'changed', ...change }));

      await expect(refused).rejects.toMatchObject(error);
      expect((await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy).toEqual(before);
    });

    it('lets a policy keep its own name', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'same');

      const { Policy } = await org.send(new UpdatePolicyCommand({ PolicyId: id, Name: 'same' }));

      expect(Policy!.PolicySummary!.Name).toBe('same');
    });

    it('refuses an unknown policy', async () => {
      const { org } = await start();

      const refused = org.send(new UpdatePolicyCommand({ PolicyId: 'p-unknown1', Name: 'x' }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyNotFoundException' });
    });
  });

  describe('DeletePolicy', () => {
    it('deletes a detached policy and its tags', async () => {
      const started = await start();
      const { org } = started;
      const id = await createPolicy(org, 'gone', { Tags: [{ Key: 'k', Value: 'v' }] });

      await org.send(new DeletePolicyCommand({ PolicyId: id }));

      await expect(org.send(new DescribePolicyCommand({ PolicyId: id }))).rejects.toMatchObject({
        name: 'PolicyNotFoundException',
      });
      expect(await policyIds(org)).toEqual([FULL_ACCESS]);
      expect(started.emulator.store.tags.has(id)).toBe(false);
    });

    it('refuses a policy that is attached and keeps it', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'in-use');
      await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: MANAGEMENT }));

      const refused = org.send(new DeletePolicyCommand({ PolicyId: id }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyInUseException' });
      expect(await attachedIds(org, MANAGEMENT)).toEqual([FULL_ACCESS, id]);
    });

    it('refuses an AWS managed policy', async () => {
      const { org } = await start();

      const refused = org.send(new DeletePolicyCommand({ PolicyId: FULL_ACCESS }));

      await expect(refused).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'IMMUTABLE_POLICY',
      });
    });

    it('refuses an unknown policy', async () => {
      const { org } = await start();

      await expect(org.send(new DeletePolicyCommand({ PolicyId: 'p-unknown1' }))).rejects.toMatchObject({
        name: 'PolicyNotFoundException',
      });
    });
  });

  describe('DescribePolicy', () => {
    it('describes FullAWSAccess as an AWS managed policy', async () => {
      const { org } = await start();

      const { Policy } = await org.send(new DescribePolicyCommand({ PolicyId: FULL_ACCESS }));

      expect(Policy).toEqual({
        Content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        PolicySummary: {
          Id: FULL_ACCESS,
          Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
          Name: 'FullAWSAccess',
          Description: 'Allows access to every operation',
          Type: 'SERVICE_CONTROL_POLICY',
          AwsManaged: true,
        },
      });
    });

    it('describes RCPFullAWSAccess before resource control policies are enabled', async () => {
      const { org } = await start();

      const { Policy } = await org.send(new DescribePolicyCommand({ PolicyId: RCP_FULL_ACCESS }));

      expect(Policy!.PolicySummary).toMatchObject({
        Arn: 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess',
        Type: 'RESOURCE_CONTROL_POLICY',
        AwsManaged: true,
      });
    });

    it("does not show another organization's policy", async () => {
      const started = await start();
      const other = started.client(OTHER_MANAGEMENT);
      await other.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
      const foreign = await createPolicy(other, 'theirs');

      const refused = started.org.send(new DescribePolicyCommand({ PolicyId: foreign }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyNotFoundException' });
    });

    it('refuses a caller outside any organization', async () => {
      const started = await start();

      const refused = started
        .client('444444444444')
        .send(new DescribePolicyCommand({ PolicyId: FULL_ACCESS }));

      await expect(refused).rejects.toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
    });
  });

  describe('AttachPolicy and DetachPolicy', () => {
    it('keeps attachment order, and a re-attached policy goes last', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);
      const first = await createPolicy(org, 'first');
      const second = await createPolicy(org, 'second');
      await org.send(new AttachPolicyCommand({ PolicyId: first, TargetId: rootId }));
      await org.send(new AttachPolicyCommand({ PolicyId: second, TargetId: rootId }));

      await org.send(new DetachPolicyCommand({ PolicyId: first, TargetId: rootId }));
      await org.send(new AttachPolicyCommand({ PolicyId: first, TargetId: rootId }));

      expect(await attachedIds(org, rootId)).toEqual([FULL_ACCESS, second, first]);
    });

    it.each([
      ['an unknown OU', 'ou-abcd-abcdefgh'],
      ['an account outside the organization', '123456789012'],
      ['an unknown root', 'r-zzzz'],
    ])('refuses %s as TargetNotFoundException', async (_, targetId) => {
      const { org } = await start();
      const id = await createPolicy(org, 'p');

      await expect(
        org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: targetId })),
      ).rejects.toMatchObject({
        name: 'TargetNotFoundException',
      });
      await expect(
        org.send(new DetachPolicyCommand({ PolicyId: id, TargetId: targetId })),
      ).rejects.toMatchObject({
        name: 'TargetNotFoundException',
      });
    });

    it('refuses an unknown policy', async () => {
      const { org } = await start();

      const refused = org.send(new AttachPolicyCommand({ PolicyId: 'p-unknown1', TargetId: MANAGEMENT }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyNotFoundException' });
    });

    it('refuses a policy whose type is not enabled in the root', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'tags', { Type: 'TAG_POLICY', Content: tagDocument });

      const refused = org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: MANAGEMENT }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyTypeNotEnabledException' });
      expect(await attachedIds(org, MANAGEMENT, 'TAG_POLICY')).toEqual([]);
    });

    it('refuses to attach a policy twice', async () => {
      const { org } = await start();

      const refused = org.send(new AttachPolicyCommand({ PolicyId: FULL_ACCESS, TargetId: MANAGEMENT }));

      await expect(refused).rejects.toMatchObject({ name: 'DuplicatePolicyAttachmentException' });
      expect(await attachedIds(org, MANAGEMENT)).toEqual([FULL_ACCESS]);
    });

    it('refuses the 11th SCP on a target', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);
      for (let i = 1; i <= 9; i++)
        await org.send(
          new AttachPolicyCommand({ PolicyId: await createPolicy(org, `scp-${i}`), TargetId: rootId }),
        );
      const eleventh = await createPolicy(org, 'scp-11');

      const refused = org.send(new AttachPolicyCommand({ PolicyId: eleventh, TargetId: rootId }));

      await expect(refused).rejects.toMatchObject({
        name: 'ConstraintViolationException',
        Reason: 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
      });
      expect(await attachedIds(org, rootId)).toHaveLength(10);
      await org.send(new AttachPolicyCommand({ PolicyId: eleventh, TargetId: MANAGEMENT }));
    });

    it('counts RCPFullAWSAccess toward the five RCPs of a target', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);
      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
      const rcp = { Type: 'RESOURCE_CONTROL_POLICY' as const };
      for (let i = 1; i <= 4; i++)
        await org.send(
          new AttachPolicyCommand({
            PolicyId: await createPolicy(org, `rcp-${i}`, rcp),
            TargetId: MANAGEMENT,
          }),
        );

      const refused = org.send(
        new AttachPolicyCommand({ PolicyId: await createPolicy(org, 'rcp-5', rcp), TargetId: MANAGEMENT }),
      );

      await expect(refused).rejects.toMatchObject({ Reason: 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED' });
    });

    it('refuses to detach a policy that is not attached', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'loose');

      const refused = org.send(new DetachPolicyCommand({ PolicyId: id, TargetId: MANAGEMENT }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyNotAttachedException' });
    });

    it('refuses to detach the last SCP, and detaches FullAWSAccess once a replacement is attached', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);

      const refused = org.send(new DetachPolicyCommand({ PolicyId: FULL_ACCESS, TargetId: rootId }));

      await expect(refused).rejects.toMatchObject({
        name: 'ConstraintViolationException',
        Reason: 'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
      });
      expect(await attachedIds(org, rootId)).toEqual([FULL_ACCESS]);
      const replacement = await createPolicy(org, 'allow-list');
      await org.send(new AttachPolicyCommand({ PolicyId: replacement, TargetId: rootId }));
      await org.send(new DetachPolicyCommand({ PolicyId: FULL_ACCESS, TargetId: rootId }));
      expect(await attachedIds(org, rootId)).toEqual([replacement]);
    });

    it('refuses to detach RCPFullAWSAccess', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);
      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
      const custom = await createPolicy(org, 'rcp', { Type: 'RESOURCE_CONTROL_POLICY' });
      await org.send(new AttachPolicyCommand({ PolicyId: custom, TargetId: rootId }));

      const refused = org.send(new DetachPolicyCommand({ PolicyId: RCP_FULL_ACCESS, TargetId: rootId }));

      await expect(refused).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'NON_DETACHABLE_POLICY',
      });
      expect(await attachedIds(org, rootId, 'RESOURCE_CONTROL_POLICY')).toEqual([RCP_FULL_ACCESS, custom]);
      await org.send(new DetachPolicyCommand({ PolicyId: custom, TargetId: rootId }));
    });

    it('detaches a management policy down to none', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);
      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }));
      const id = await createPolicy(org, 'tags', { Type: 'TAG_POLICY', Content: tagDocument });
      await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId }));

      await org.send(new DetachPolicyCommand({ PolicyId: id, TargetId: rootId }));

      expect(await attachedIds(org, rootId, 'TAG_POLICY')).toEqual([]);
    });

    it('refuses a member account', async () => {
      const started = await start();
      addMember(started);
      const id = await createPolicy(started.org, 'p');

      const refused = started
        .client(MEMBER)
        .send(new AttachPolicyCommand({ PolicyId: id, TargetId: MEMBER }));

      await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(await attachedIds(started.org, MEMBER)).toEqual([]);
    });
  });

  describe('EnablePolicyType and DisablePolicyType', () => {
    it('enables tag policies, which can then be attached to an OU', async () => {
      const { org, organization } = await start();
      const rootId = await rootIdOf(org);
      const ouId = await createOu(org, 'Workloads');

      const { Root } = await org.send(
        new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }),
      );
      const id = await createPolicy(org, 'tags', { Type: 'TAG_POLICY', Content: tagDocument });
      await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: ouId }));
      const { Targets } = await org.send(new ListTargetsForPolicyCommand({ PolicyId: id }));

      expect(Root!.PolicyTypes).toEqual([
        { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
        { Type: 'TAG_POLICY', Status: 'ENABLED' },
      ]);
      expect((await org.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes).toEqual(Root!.PolicyTypes);
      expect(Targets).toEqual([
        {
          TargetId: ouId,
          Arn: `arn:aws:organizations::${MANAGEMENT}:ou/${organization.Id}/${ouId}`,
          Name: 'Workloads',
          Type: 'ORGANIZATIONAL_UNIT',
        },
      ]);
    });

    it('attaches RCPFullAWSAccess to the root, every OU and every account', async () => {
      const started = await start();
      const { org, organization } = started;
      const rootId = await rootIdOf(org);
      const ouId = await createOu(org, 'Sandbox');
      addMember(started);

      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' }));

      const { Targets } = await org.send(new ListTargetsForPolicyCommand({ PolicyId: RCP_FULL_ACCESS }));
      expect(Targets).toEqual([
        {
          TargetId: rootId,
          Arn: `arn:aws:organizations::${MANAGEMENT}:root/${organization.Id}/${rootId}`,
          Name: 'Root',
          Type: 'ROOT',
        },
        expect.objectContaining({ TargetId: ouId, Type: 'ORGANIZATIONAL_UNIT' }),
        {
          TargetId: MANAGEMENT,
          Arn: `arn:aws:organizations::${MANAGEMENT}:account/${organization.Id}/${MANAGEMENT}`,
          Name: expect.any(String),
          Type: 'ACCOUNT',
        },
        expect.objectContaining({ TargetId: MEMBER, Type: 'ACCOUNT' }),
      ]);
    });

    it('disabling SCPs detaches every SCP; enabling again leaves only FullAWSAccess everywhere', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);
      const ouId = await createOu(org, 'Guarded');
      const guardrail = await createPolicy(org, 'guardrail');
      for (const target of [rootId, ouId, MANAGEMENT])
        await org.send(new AttachPolicyCommand({ PolicyId: guardrail, TargetId: target }));

      const { Root: disabled } = await org.send(
        new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
      );

      expect(disabled!.PolicyTypes).toEqual([]);
      for (const target of [rootId, ouId, MANAGEMENT]) expect(await attachedIds(org, target)).toEqual([]);
      await expect(
        org.send(new AttachPolicyCommand({ PolicyId: guardrail, TargetId: ouId })),
      ).rejects.toMatchObject({ name: 'PolicyTypeNotEnabledException' });

      const { Root: enabled } = await org.send(
        new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
      );

      expect(enabled!.PolicyTypes).toEqual([{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
      for (const target of [rootId, ouId, MANAGEMENT])
        expect(await attachedIds(org, target)).toEqual([FULL_ACCESS]);
      expect((await org.send(new ListTargetsForPolicyCommand({ PolicyId: guardrail }))).Targets).toEqual([]);
    });

    it('refuses to enable a type that is already enabled', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);

      const refused = org.send(
        new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
      );

      await expect(refused).rejects.toMatchObject({ name: 'PolicyTypeAlreadyEnabledException' });
      expect(await attachedIds(org, rootId)).toEqual([FULL_ACCESS]);
    });

    it('refuses to disable a type that is not enabled', async () => {
      const { org } = await start();
      const rootId = await rootIdOf(org);

      const refused = org.send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'BACKUP_POLICY' }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyTypeNotEnabledException' });
    });

    it.each([
      ['EnablePolicyType', EnablePolicyTypeCommand],
      ['DisablePolicyType', DisablePolicyTypeCommand],
    ] as const)('%s refuses an unknown root', async (_, Command) => {
      const { org } = await start();

      const refused = org.send(new Command({ RootId: 'r-zzzz', PolicyType: 'SERVICE_CONTROL_POLICY' }));

      await expect(refused).rejects.toMatchObject({ name: 'RootNotFoundException' });
    });

    it('refuses to enable or disable a type in a consolidated-billing organization', async () => {
      harness = await consolidatedBillingOrganization();
      const org = harness.client(MANAGEMENT);
      const rootId = await rootIdOf(org);

      const refused = org.send(
        new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
      );

      await expect(refused).rejects.toMatchObject({ name: 'PolicyTypeNotAvailableForOrganizationException' });
      expect((await org.send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes).toEqual([]);
      // the model lists no PolicyTypeNotAvailableForOrganizationException for DisablePolicyType: nothing is enabled
      await expect(
        org.send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })),
      ).rejects.toMatchObject({ name: 'PolicyTypeNotEnabledException' });
    });

    it('refuses a member account', async () => {
      const started = await start();
      addMember(started);
      const rootId = await rootIdOf(started.org);

      const refused = started
        .client(MEMBER)
        .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }));

      await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });
  });

  describe('listings', () => {
    it('lists FullAWSAccess and the organization’s SCPs, page by page', async () => {
      const { org } = await start();
      const created = [];
      for (let i = 0; i < 4; i++) created.push(await createPolicy(org, `scp-${i}`));
      await createPolicy(org, 'tags', { Type: 'TAG_POLICY', Content: tagDocument });

      const pages = [];
      for await (const page of paginateListPolicies(
        { client: org, pageSize: 2 },
        { Filter: 'SERVICE_CONTROL_POLICY' },
      ))
        pages.push(page.Policies!.map((p) => p.Id));

      expect(pages).toEqual([[FULL_ACCESS, created[0]], [created[1], created[2]], [created[3]]]);
    });

    it('lists only customer policies for a type without an AWS managed policy', async () => {
      const { org } = await start();
      const id = await createPolicy(org, 'tags', { Type: 'TAG_POLICY', Content: tagDocument });
      await createPolicy(org, 'backup', { Type: 'BACKUP_POLICY', Content: '{}' });

      expect(await policyIds(org, 'TAG_POLICY')).toEqual([id]);
    });

    it('refuses a token from another listing', async () => {
      const { org } = await start();
      for (let i = 0; i < 2; i++) await createPolicy(org, `scp-${i}`);
      const { NextToken } = await org.send(
        new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY', MaxResults: 1 }),
      );

      const refused = org.send(new ListPoliciesCommand({ Filter: 'TAG_POLICY', NextToken }));

      await expect(refused).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'INVALID_NEXT_TOKEN',
      });
    });

    it('lists the policies of a target by type, page by page', async () => {
      const { org } = await start();
      const attached = [FULL_ACCESS];
      for (let i = 0; i < 2; i++) {
        const id = await createPolicy(org, `scp-${i}`);
        await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: MANAGEMENT }));
        attached.push(id);
      }

      const first = await org.send(
        new ListPoliciesForTargetCommand({
          TargetId: MANAGEMENT,
          Filter: 'SERVICE_CONTROL_POLICY',
          MaxResults: 2,
        }),
      );
      const second = await org.send(
        new ListPoliciesForTargetCommand({
          TargetId: MANAGEMENT,
          Filter: 'SERVICE_CONTROL_POLICY',
          NextToken: first.NextToken,
        }),
      );

      expect([...first.Policies!, ...second.Policies!].map((p) => p.Id)).toEqual(attached);
      expect(second.NextToken).toBeUndefined();
      expect(first.Policies![0]).toMatchObject({ Name: 'FullAWSAccess', AwsManaged: true });
    });

    it('refuses policies for an unknown target', async () => {
      const { org } = await start();

      const refused = org.send(
        new ListPoliciesForTargetCommand({ TargetId: '123456789012', Filter: 'SERVICE_CONTROL_POLICY' }),
      );

      await expect(refused).rejects.toMatchObject({ name: 'TargetNotFoundException' });
    });

    it('lists targets of an unknown policy as PolicyNotFoundException', async () => {
      const { org } = await start();

      const refused = org.send(new ListTargetsForPolicyCommand({ PolicyId: 'p-unknown1' }));

      await expect(refused).rejects.toMatchObject({ name: 'PolicyNotFoundException' });
    });

    it("lists only this organization's targets of FullAWSAccess, page by page", async () => {
      const started = await start();
      const { org } = started;
      const rootId = await rootIdOf(org);
      await started.client(OTHER_MANAGEMENT).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));

      const first = await org.send(new ListTargetsForPolicyCommand({ PolicyId: FULL_ACCESS, MaxResults: 1 }));
      const second = await org.send(
        new ListTargetsForPolicyCommand({ PolicyId: FULL_ACCESS, NextToken: first.NextToken }),
      );

      expect([...first.Targets!, ...second.Targets!].map((t) => t.TargetId)).toEqual([rootId, MANAGEMENT]);
      expect(second.NextToken).toBeUndefined();
    });
  });
});
