import {
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  paginateListTagsForResource,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANAGEMENT, OUTSIDER, startWithOrganization } from './harness';

const MEMBER = '222222222222';
const POLICY = 'p-abcd1234';
const RESOURCE_POLICY = 'rp-abcd1234';

type Setup = Awaited<ReturnType<typeof startWithOrganization>> & { rootId: string; ouId: string };

let h: Setup;

/** A member account, a customer managed policy and a resource policy, added straight to the store: other parts of the emulator create them. */
function addRows(): void {
  const { store } = h.emulator;
  const orgId = h.organization.Id!;
  store.transaction(() => {
    store.accounts.put({
      id: MEMBER,
      orgId,
      email: `member-${MEMBER}@example.com`,
      name: `Member ${MEMBER}`,
      status: 'ACTIVE',
      state: 'ACTIVE',
      joinedMethod: 'CREATED',
      joinedAt: h.clock.now(),
      parentId: h.rootId,
      createdAt: h.clock.now(),
      accessRoleName: 'OrganizationAccountAccessRole',
    });
    store.policies.put({
      id: POLICY,
      orgId,
      name: 'Guardrails',
      description: '',
      type: 'SERVICE_CONTROL_POLICY',
      awsManaged: false,
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}',
    });
    store.resourcePolicies.put({
      id: orgId,
      policyId: RESOURCE_POLICY,
      arn: `arn:aws:organizations::${MANAGEMENT}:resourcepolicy/${orgId}/${RESOURCE_POLICY}`,
      content: '{"Version":"2012-10-17","Statement":[]}',
    });
  });
}

const tagsNumbered = (count: number, prefix = 'k'): Tag[] =>
  Array.from({ length: count }, (_, i) => ({
    Key: `${prefix}${String(i).padStart(2, '0')}`,
    Value: `v${i}`,
  }));

async function tagsOf(resourceId: string, client: OrganizationsClient = h.org): Promise<Tag[]> {
  const tags: Tag[] = [];
  for await (const page of paginateListTagsForResource({ client }, { ResourceId: resourceId }))
    tags.push(...page.Tags!);
  return tags;
}

/** The error a call fails with; a call that succeeds fails the test. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

beforeEach(async () => {
  const harness = await startWithOrganization();
  const { Roots } = await harness.org.send(new ListRootsCommand({}));
  const rootId = Roots![0]!.Id!;
  const { OrganizationalUnit } = await harness.org.send(
    new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }),
  );
  h = { ...harness, rootId, ouId: OrganizationalUnit!.Id! };
  addRows();
});

afterEach(async () => {
  await h.close();
});

describe('TagResource', () => {
  it.each([
    ['the root', () => h.rootId],
    ['an OU', () => h.ouId],
    ['the management account', () => MANAGEMENT],
    ['a member account', () => MEMBER],
    ['a customer managed policy', () => POLICY],
    ['the resource policy', () => RESOURCE_POLICY],
  ])('tags %s', async (_case, id) => {
    // Act
    await h.org.send(
      new TagResourceCommand({
        ResourceId: id(),
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'empty', Value: '' },
        ],
      }),
    );

    // Assess
    expect(await tagsOf(id())).toEqual([
      { Key: 'team', Value: 'platform' },
      { Key: 'empty', Value: '' },
    ]);
  });

  it("adds new keys and overwrites existing keys' values", async () => {
    // Prepare
    await h.org.send(
      new TagResourceCommand({
        ResourceId: h.ouId,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );

    // Act
    await h.org.send(
      new TagResourceCommand({
        ResourceId: h.ouId,
        Tags: [
          { Key: 'b', Value: 'two' },
          { Key: 'c', Value: '3' },
        ],
      }),
    );

    // Assess
    expect(await tagsOf(h.ouId)).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two' },
      { Key: 'c', Value: '3' },
    ]);
  });

  it('allows exactly 50 tags, counting overwritten keys once', async () => {
    // Prepare
    await h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: tagsNumbered(49) }));

    // Act
    await h.org.send(
      new TagResourceCommand({
        ResourceId: h.ouId,
        Tags: [
          { Key: 'k00', Value: 'changed' },
          { Key: 'fiftieth', Value: 'x' },
        ],
      }),
    );

    // Assess
    const tags = await tagsOf(h.ouId);
    expect(tags).toHaveLength(50);
    expect(tags[0]).toEqual({ Key: 'k00', Value: 'changed' });
  });

  it('refuses a 51st tag and keeps the tags as they were', async () => {
    // Prepare
    await h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: tagsNumbered(49) }));

    // Act
    const error = await failure(
      h.org.send(
        new TagResourceCommand({
          ResourceId: h.ouId,
          Tags: [
            { Key: 'k00', Value: 'changed' },
            { Key: 'new1', Value: 'x' },
            { Key: 'new2', Value: 'x' },
          ],
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ConstraintViolationException', Reason: 'MAX_TAG_LIMIT_EXCEEDED' });
    expect(await tagsOf(h.ouId)).toEqual(tagsNumbered(49));
  });

  it.each([['aws:createdBy'], ['AWS:createdBy']])(
    'refuses the system tag key %s and changes nothing',
    async (key) => {
      // Prepare
      await h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: [{ Key: 'keep', Value: 'me' }] }));

      // Act
      const error = await failure(
        h.org.send(
          new TagResourceCommand({
            ResourceId: h.ouId,
            Tags: [
              { Key: 'ok', Value: 'x' },
              { Key: key, Value: 'x' },
            ],
          }),
        ),
      );

      // Assess
      expect(error).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_SYSTEM_TAGS_PARAMETER' });
      expect(await tagsOf(h.ouId)).toEqual([{ Key: 'keep', Value: 'me' }]);
    },
  );

  it('refuses a key given twice in one request', async () => {
    // Act
    const error = await failure(
      h.org.send(
        new TagResourceCommand({
          ResourceId: h.ouId,
          Tags: [
            { Key: 'dup', Value: '1' },
            { Key: 'dup', Value: '2' },
          ],
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputException', Reason: 'DUPLICATE_TAG_KEY' });
    expect(await tagsOf(h.ouId)).toEqual([]);
  });

  it('refuses keys and values that break the model constraints', async () => {
    // Act
    const longKey = await failure(
      h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: [{ Key: 'k'.repeat(129), Value: '' }] })),
    );
    const badValue = await failure(
      h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: [{ Key: 'k', Value: 'semi;colon' }] })),
    );

    // Assess
    expect(longKey).toMatchObject({ name: 'InvalidInputException', Reason: 'MAX_LENGTH_EXCEEDED' });
    expect(badValue).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_PATTERN' });
    expect(await tagsOf(h.ouId)).toEqual([]);
  });

  it("refuses resources that do not exist, AWS managed policies and other organizations' resources", async () => {
    // Prepare
    const outsider = h.client(OUTSIDER);
    await outsider.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const { Roots } = await outsider.send(new ListRootsCommand({}));
    const tags = [{ Key: 'k', Value: 'v' }];

    // Act
    const errors = [];
    for (const ResourceId of [
      'ou-abcd-12345678',
      '333333333333',
      'p-zzzz9999',
      'rp-zzzz9999',
      'p-FullAWSAccess',
      Roots![0]!.Id!,
      OUTSIDER,
    ])
      errors.push(await failure(h.org.send(new TagResourceCommand({ ResourceId, Tags: tags }))));

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'TargetNotFoundException' });
    expect(h.emulator.store.tags.size).toBe(0);
  });
});

describe('UntagResource', () => {
  beforeEach(async () => {
    await h.org.send(
      new TagResourceCommand({
        ResourceId: h.ouId,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
          { Key: 'c', Value: '3' },
        ],
      }),
    );
  });

  it('removes the given keys and ignores keys the resource does not carry', async () => {
    // Act
    await h.org.send(new UntagResourceCommand({ ResourceId: h.ouId, TagKeys: ['a', 'c', 'never-there'] }));

    // Assess
    expect(await tagsOf(h.ouId)).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('drops the stored row when the last tag goes', async () => {
    // Act
    await h.org.send(new UntagResourceCommand({ ResourceId: h.ouId, TagKeys: ['a', 'b', 'c'] }));

    // Assess
    expect(await tagsOf(h.ouId)).toEqual([]);
    expect(h.emulator.store.tags.has(h.ouId)).toBe(false);
  });

  it('accepts untagging a resource that has no tags', async () => {
    // Act
    await h.org.send(new UntagResourceCommand({ ResourceId: MEMBER, TagKeys: ['a'] }));

    // Assess
    expect(await tagsOf(MEMBER)).toEqual([]);
  });

  it('refuses system tag keys and removes nothing', async () => {
    // Act
    const error = await failure(
      h.org.send(
        new UntagResourceCommand({ ResourceId: h.ouId, TagKeys: ['a', 'aws:cloudformation:stack-name'] }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_SYSTEM_TAGS_PARAMETER' });
    expect(await tagsOf(h.ouId)).toHaveLength(3);
  });

  it('refuses a resource that does not exist', async () => {
    // Act
    const error = await failure(
      h.org.send(new UntagResourceCommand({ ResourceId: 'r-zzzz', TagKeys: ['a'] })),
    );

    // Assess
    expect(error).toMatchObject({ name: 'TargetNotFoundException' });
  });
});

describe('ListTagsForResource', () => {
  it('pages 50 tags in pages of 20 with NextToken', async () => {
    // Prepare
    await h.org.send(new TagResourceCommand({ ResourceId: POLICY, Tags: tagsNumbered(50) }));

    // Act
    const sizes: number[] = [];
    const all: Tag[] = [];
    let NextToken: string | undefined;
    do {
      const page = await h.org.send(new ListTagsForResourceCommand({ ResourceId: POLICY, NextToken }));
      sizes.push(page.Tags!.length);
      all.push(...page.Tags!);
      NextToken = page.NextToken;
    } while (NextToken);

    // Assess
    expect(sizes).toEqual([20, 20, 10]);
    expect(all).toEqual(tagsNumbered(50));
  });

  it('returns an empty list and no token for an untagged resource', async () => {
    // Act
    const result = await h.org.send(new ListTagsForResourceCommand({ ResourceId: h.rootId }));

    // Assess
    expect(result.Tags).toEqual([]);
    expect(result.NextToken).toBeUndefined();
  });

  it("refuses a tampered token and another resource's token", async () => {
    // Prepare
    await h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: tagsNumbered(25) }));
    await h.org.send(new TagResourceCommand({ ResourceId: h.rootId, Tags: tagsNumbered(25) }));
    const { NextToken } = await h.org.send(new ListTagsForResourceCommand({ ResourceId: h.ouId }));
    const [, signature] = JSON.parse(Buffer.from(NextToken!, 'base64url').toString('utf8')) as [
      number,
      string,
    ];
    const tampered = Buffer.from(JSON.stringify([5, signature])).toString('base64url');

    // Act
    const tamperedError = await failure(
      h.org.send(new ListTagsForResourceCommand({ ResourceId: h.ouId, NextToken: tampered })),
    );
    const borrowed = await failure(
      h.org.send(new ListTagsForResourceCommand({ ResourceId: h.rootId, NextToken })),
    );

    // Assess
    expect(tamperedError).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_NEXT_TOKEN' });
    expect(borrowed).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_NEXT_TOKEN' });
  });

  it('refuses a resource that does not exist', async () => {
    // Act
    const error = await failure(h.org.send(new ListTagsForResourceCommand({ ResourceId: '333333333333' })));

    // Assess
    expect(error).toMatchObject({ name: 'TargetNotFoundException' });
  });
});

describe('who may call', () => {
  async function everyOperation(client: OrganizationsClient): Promise<unknown[]> {
    return [
      await failure(
        client.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: [{ Key: 'k', Value: 'v' }] })),
      ),
      await failure(client.send(new UntagResourceCommand({ ResourceId: h.ouId, TagKeys: ['keep'] }))),
      await failure(client.send(new ListTagsForResourceCommand({ ResourceId: h.ouId }))),
    ];
  }

  it('refuses member accounts with AccessDeniedException and changes nothing', async () => {
    // Prepare
    await h.org.send(new TagResourceCommand({ ResourceId: h.ouId, Tags: [{ Key: 'keep', Value: 'me' }] }));

    // Act
    const errors = await everyOperation(h.client(MEMBER));

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'AccessDeniedException' });
    expect(await tagsOf(h.ouId)).toEqual([{ Key: 'keep', Value: 'me' }]);
  });

  it('refuses accounts outside any organization with AWSOrganizationsNotInUseException', async () => {
    // Act
    const errors = await everyOperation(h.client(OUTSIDER));

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
  });
});
