import {
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DeleteOrganizationalUnitCommand,
  DescribeOrganizationalUnitCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  paginateListChildren,
  paginateListOrganizationalUnitsForParent,
  UpdateOrganizationalUnitCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Limits } from '../../local/organizations/config';
import { addMemberRows, OUTSIDER, startWithOrganization } from './harness';

const MEMBER = '222222222222';

type Setup = Awaited<ReturnType<typeof startWithOrganization>> & { rootId: string };

let h: Setup;

async function start(limits: Partial<Limits> = {}): Promise<Setup> {
  const harness = await startWithOrganization({ limits });
  const { Roots } = await harness.org.send(new ListRootsCommand({}));
  return { ...harness, rootId: Roots![0]!.Id! };
}

/** A member account row added straight to the store: account creation is another part of the emulator. */
function addMember(id: string, parentId: string): void {
  addMemberRows(h, h.organization.Id!, [id], { parentId });
}

async function createOu(
  parentId: string,
  name: string,
  client: OrganizationsClient = h.org,
): Promise<string> {
  const { OrganizationalUnit } = await client.send(
    new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }),
  );
  return OrganizationalUnit!.Id!;
}

async function childOuIds(parentId: string): Promise<string[]> {
  const { Children } = await h.org.send(
    new ListChildrenCommand({ ParentId: parentId, ChildType: 'ORGANIZATIONAL_UNIT' }),
  );
  return Children!.map((c) => c.Id!);
}

/** An organization of OUTSIDER's, for "another organization's resource" cases. */
async function otherOrganization(): Promise<{ client: OrganizationsClient; rootId: string }> {
  const client = h.client(OUTSIDER);
  await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const { Roots } = await client.send(new ListRootsCommand({}));
  return { client, rootId: Roots![0]!.Id! };
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

afterEach(async () => {
  await h.close();
});

describe('CreateOrganizationalUnit', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('creates an OU under the root with its id, ARN and path, and attaches FullAWSAccess', async () => {
    // Act
    const { OrganizationalUnit } = await h.org.send(
      new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'Workloads' }),
    );

    // Assess
    const id = OrganizationalUnit!.Id!;
    expect(id).toMatch(new RegExp(`^ou-${h.rootId.slice(2)}-[a-z0-9]{8}$`));
    expect(OrganizationalUnit).toEqual({
      Id: id,
      Arn: `arn:aws:organizations::111111111111:ou/${h.organization.Id}/${id}`,
      Name: 'Workloads',
      Path: `${h.organization.Id}/${h.rootId}/${id}/`,
    });
    expect(await childOuIds(h.rootId)).toEqual([id]);
    const attached = h.emulator.store.attachments.by('byTarget', id).map((a) => a.policyId);
    expect(attached).toEqual(['p-FullAWSAccess']);
  });

  it('creates an OU inside another OU', async () => {
    // Prepare
    const parent = await createOu(h.rootId, 'Workloads');

    // Act
    const child = await createOu(parent, 'Prod');

    // Assess
    expect(await childOuIds(parent)).toEqual([child]);
    expect(await childOuIds(h.rootId)).toEqual([parent]);
  });

  it('applies the tags given on create', async () => {
    // Act
    const { OrganizationalUnit } = await h.org.send(
      new CreateOrganizationalUnitCommand({
        ParentId: h.rootId,
        Name: 'Tagged',
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'cost-center', Value: '' },
        ],
      }),
    );

    // Assess
    const { Tags } = await h.org.send(
      new ListTagsForResourceCommand({ ResourceId: OrganizationalUnit!.Id! }),
    );
    expect(Tags).toEqual([
      { Key: 'team', Value: 'platform' },
      { Key: 'cost-center', Value: '' },
    ]);
  });

  it.each([
    [
      'a system tag key',
      [{ Key: 'aws:owner', Value: 'x' }],
      'InvalidInputException',
      'INVALID_SYSTEM_TAGS_PARAMETER',
    ],
    [
      'a repeated tag key',
      [
        { Key: 'k', Value: '1' },
        { Key: 'k', Value: '2' },
      ],
      'InvalidInputException',
      'DUPLICATE_TAG_KEY',
    ],
    [
      'more than 50 tags',
      Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      'ConstraintViolationException',
      'MAX_TAG_LIMIT_EXCEEDED',
    ],
  ])('refuses %s and creates nothing', async (_case, tags, name, reason) => {
    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'Tagged', Tags: tags })),
    );

    // Assess
    expect(act).toMatchObject({ name, Reason: reason });
    expect(await childOuIds(h.rootId)).toEqual([]);
    expect(h.emulator.store.ous.size).toBe(0);
    expect(h.emulator.store.tags.size).toBe(0);
  });

  it('refuses a parent that does not exist', async () => {
    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: 'ou-abcd-12345678', Name: 'Lost' })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'ParentNotFoundException' });
    expect(h.emulator.store.ous.size).toBe(0);
  });

  it("refuses another organization's root as parent", async () => {
    // Prepare
    const other = await otherOrganization();

    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: other.rootId, Name: 'Intruder' })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'ParentNotFoundException' });
    expect(h.emulator.store.ous.size).toBe(0);
  });

  it('refuses a second OU of the same name under the same parent, but not under another', async () => {
    // Prepare
    const first = await createOu(h.rootId, 'Sandbox');

    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'Sandbox' })),
    );
    const elsewhere = await createOu(first, 'Sandbox');

    // Assess
    expect(act).toMatchObject({ name: 'DuplicateOrganizationalUnitException' });
    expect(await childOuIds(h.rootId)).toEqual([first]);
    expect(await childOuIds(first)).toEqual([elsewhere]);
  });

  it('allows five levels of OUs under the root and refuses a sixth', async () => {
    // Prepare
    let parent = h.rootId;
    for (let level = 1; level <= 5; level++) parent = await createOu(parent, `Level ${level}`);

    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: 'Level 6' })),
    );

    // Assess
    expect(act).toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'OU_DEPTH_LIMIT_EXCEEDED',
    });
    expect(await childOuIds(parent)).toEqual([]);
    expect(h.emulator.store.ous.size).toBe(5);
  });

  it('refuses an OU beyond the per-organization limit', async () => {
    // Prepare
    await h.close();
    h = await start({ ousPerOrganization: 2 });
    const a = await createOu(h.rootId, 'A');
    await createOu(a, 'B');

    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'C' })),
    );

    // Assess
    expect(act).toMatchObject({
      name: 'ConstraintViolationException',
      Reason: 'OU_NUMBER_LIMIT_EXCEEDED',
    });
    expect(await childOuIds(h.rootId)).toEqual([a]);
  });

  it('refuses a name longer than 128 characters', async () => {
    // Act
    const act = await failure(
      h.org.send(new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'x'.repeat(129) })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'InvalidInputException', Reason: 'MAX_LENGTH_EXCEEDED' });
  });
});

describe('UpdateOrganizationalUnit', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('renames an OU', async () => {
    // Prepare
    const id = await createOu(h.rootId, 'Dev');

    // Act
    const { OrganizationalUnit } = await h.org.send(
      new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: id, Name: 'Development' }),
    );

    // Assess
    expect(OrganizationalUnit).toMatchObject({ Id: id, Name: 'Development' });
    const described = await h.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id }));
    expect(described.OrganizationalUnit!.Name).toBe('Development');
  });

  it('returns the OU unchanged when no name is given or the name is its own', async () => {
    // Prepare
    const id = await createOu(h.rootId, 'Dev');

    // Act
    const unnamed = await h.org.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: id }));
    const same = await h.org.send(
      new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: id, Name: 'Dev' }),
    );

    // Assess
    expect(unnamed.OrganizationalUnit).toMatchObject({ Id: id, Name: 'Dev' });
    expect(same.OrganizationalUnit).toMatchObject({ Id: id, Name: 'Dev' });
  });

  it("refuses a rename to a sibling's name", async () => {
    // Prepare
    await createOu(h.rootId, 'Prod');
    const dev = await createOu(h.rootId, 'Dev');

    // Act
    const act = await failure(
      h.org.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: dev, Name: 'Prod' })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'DuplicateOrganizationalUnitException' });
    const described = await h.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: dev }));
    expect(described.OrganizationalUnit!.Name).toBe('Dev');
  });

  it('refuses an OU that does not exist', async () => {
    // Act
    const act = await failure(
      h.org.send(
        new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-abcd-12345678', Name: 'Nope' }),
      ),
    );

    // Assess
    expect(act).toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
  });

  it("refuses another organization's OU", async () => {
    // Prepare
    const other = await otherOrganization();
    const theirs = await createOu(other.rootId, 'Theirs', other.client);

    // Act
    const act = await failure(
      h.org.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: theirs, Name: 'Mine' })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
    expect(h.emulator.store.ous.get(theirs)!.name).toBe('Theirs');
  });
});

describe('DeleteOrganizationalUnit', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('deletes an empty OU with its policy attachments and tags', async () => {
    // Prepare
    const { OrganizationalUnit } = await h.org.send(
      new CreateOrganizationalUnitCommand({
        ParentId: h.rootId,
        Name: 'Old',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    const id = OrganizationalUnit!.Id!;

    // Act
    await h.org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: id }));

    // Assess
    expect(await childOuIds(h.rootId)).toEqual([]);
    await expect(
      h.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id })),
    ).rejects.toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
    expect(h.emulator.store.attachments.by('byTarget', id)).toEqual([]);
    expect(h.emulator.store.tags.has(id)).toBe(false);
  });

  it('refuses an OU that still holds an OU', async () => {
    // Prepare
    const parent = await createOu(h.rootId, 'Parent');
    const child = await createOu(parent, 'Child');

    // Act
    const act = await failure(
      h.org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: parent })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'OrganizationalUnitNotEmptyException' });
    expect(await childOuIds(parent)).toEqual([child]);
  });

  it('refuses an OU that still holds an account', async () => {
    // Prepare
    const ou = await createOu(h.rootId, 'Holds');
    addMember(MEMBER, ou);

    // Act
    const act = await failure(h.org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: ou })));

    // Assess
    expect(act).toMatchObject({ name: 'OrganizationalUnitNotEmptyException' });
    expect(await childOuIds(h.rootId)).toEqual([ou]);
  });

  it('refuses an OU that does not exist, or belongs to another organization', async () => {
    // Prepare
    const other = await otherOrganization();
    const theirs = await createOu(other.rootId, 'Theirs', other.client);

    // Act
    const unknown = await failure(
      h.org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-abcd-12345678' })),
    );
    const foreign = await failure(
      h.org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: theirs })),
    );

    // Assess
    expect(unknown).toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
    expect(foreign).toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
    expect(h.emulator.store.ous.has(theirs)).toBe(true);
  });
});

describe('DescribeOrganizationalUnit', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('describes a nested OU with its full path', async () => {
    // Prepare
    const a = await createOu(h.rootId, 'A');
    const b = await createOu(a, 'B');

    // Act
    const { OrganizationalUnit } = await h.org.send(
      new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: b }),
    );

    // Assess
    expect(OrganizationalUnit).toEqual({
      Id: b,
      Arn: `arn:aws:organizations::111111111111:ou/${h.organization.Id}/${b}`,
      Name: 'B',
      Path: `${h.organization.Id}/${h.rootId}/${a}/${b}/`,
    });
  });

  it('refuses an OU that does not exist, or belongs to another organization', async () => {
    // Prepare
    const other = await otherOrganization();
    const theirs = await createOu(other.rootId, 'Theirs', other.client);

    // Act
    const unknown = await failure(
      h.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-abcd-12345678' })),
    );
    const foreign = await failure(
      h.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: theirs })),
    );

    // Assess
    expect(unknown).toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
    expect(foreign).toMatchObject({ name: 'OrganizationalUnitNotFoundException' });
  });

  it('refuses an id that is not an OU id', async () => {
    // Act
    const act = await failure(
      h.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: h.rootId })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_PATTERN' });
  });
});

describe('ListOrganizationalUnitsForParent', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('lists the direct child OUs of a parent, page by page', async () => {
    // Prepare
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createOu(h.rootId, `OU ${i}`));
    await createOu(ids[0]!, 'Grandchild');

    // Act
    const first = await h.org.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: h.rootId, MaxResults: 3 }),
    );
    const all = [];
    for await (const page of paginateListOrganizationalUnitsForParent(
      { client: h.org, pageSize: 2 },
      { ParentId: h.rootId },
    ))
      all.push(...page.OrganizationalUnits!);

    // Assess
    expect(first.OrganizationalUnits!.map((ou) => ou.Id)).toEqual(ids.slice(0, 3));
    expect(first.NextToken).toBeDefined();
    expect(all.map((ou) => ou.Id)).toEqual(ids);
    expect(all[0]).toEqual({
      Id: ids[0],
      Arn: `arn:aws:organizations::111111111111:ou/${h.organization.Id}/${ids[0]}`,
      Name: 'OU 0',
      Path: `${h.organization.Id}/${h.rootId}/${ids[0]}/`,
    });
  });

  it('returns an empty list and no token for a parent without OUs', async () => {
    // Act
    const result = await h.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: h.rootId }));

    // Assess
    expect(result.OrganizationalUnits).toEqual([]);
    expect(result.NextToken).toBeUndefined();
  });

  it('refuses a parent that does not exist', async () => {
    // Act
    const act = await failure(
      h.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-zzzz' })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'ParentNotFoundException' });
  });
});

describe('ListChildren', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('pages through 26 child OUs with MaxResults and with the SDK paginator', async () => {
    // Prepare
    const ids: string[] = [];
    for (let i = 0; i < 26; i++) ids.push(await createOu(h.rootId, `OU ${String(i).padStart(2, '0')}`));

    // Act
    const pages: string[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await h.org.send(
        new ListChildrenCommand({
          ParentId: h.rootId,
          ChildType: 'ORGANIZATIONAL_UNIT',
          MaxResults: 10,
          NextToken,
        }),
      );
      pages.push(page.Children!.map((c) => c.Id!));
      NextToken = page.NextToken;
    } while (NextToken);
    const viaPaginator = [];
    for await (const page of paginateListChildren(
      { client: h.org, pageSize: 7 },
      { ParentId: h.rootId, ChildType: 'ORGANIZATIONAL_UNIT' },
    ))
      viaPaginator.push(...page.Children!);
    const defaultPage = await h.org.send(
      new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ORGANIZATIONAL_UNIT' }),
    );

    // Assess
    expect(pages.map((p) => p.length)).toEqual([10, 10, 6]);
    expect(pages.flat()).toEqual(ids);
    expect(viaPaginator).toEqual(ids.map((Id) => ({ Id, Type: 'ORGANIZATIONAL_UNIT' })));
    expect(defaultPage.Children).toHaveLength(20);
    expect(defaultPage.NextToken).toBeDefined();
  });

  it('lists child accounts', async () => {
    // Prepare
    const ou = await createOu(h.rootId, 'Members');
    addMember(MEMBER, ou);

    // Act
    const atRoot = await h.org.send(new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ACCOUNT' }));
    const inOu = await h.org.send(new ListChildrenCommand({ ParentId: ou, ChildType: 'ACCOUNT' }));

    // Assess
    expect(atRoot.Children).toEqual([{ Id: '111111111111', Type: 'ACCOUNT' }]);
    expect(inOu.Children).toEqual([{ Id: MEMBER, Type: 'ACCOUNT' }]);
  });

  it('refuses a forged NextToken, and a token from another listing', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await createOu(h.rootId, `OU ${i}`);
    const { NextToken } = await h.org.send(
      new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ORGANIZATIONAL_UNIT', MaxResults: 1 }),
    );
    const [offset] = JSON.parse(Buffer.from(NextToken!, 'base64url').toString('utf8')) as [number, string];
    const forged = Buffer.from(JSON.stringify([offset + 1, 'not-a-signature-at-all'])).toString('base64url');

    // Act
    const withForged = await failure(
      h.org.send(
        new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ORGANIZATIONAL_UNIT', NextToken: forged }),
      ),
    );
    const withGarbage = await failure(
      h.org.send(
        new ListChildrenCommand({
          ParentId: h.rootId,
          ChildType: 'ORGANIZATIONAL_UNIT',
          NextToken: 'garbage',
        }),
      ),
    );
    const otherType = await failure(
      h.org.send(new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ACCOUNT', NextToken })),
    );

    // Assess
    for (const act of [withForged, withGarbage, otherType])
      expect(act).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_NEXT_TOKEN' });
  });

  it('refuses a parent that does not exist, and an unknown child type', async () => {
    // Act
    const unknownParent = await failure(
      h.org.send(new ListChildrenCommand({ ParentId: 'ou-abcd-12345678', ChildType: 'ACCOUNT' })),
    );
    const badType = await failure(
      h.org.send(
        new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'POLICY' as unknown as 'ACCOUNT' }),
      ),
    );

    // Assess
    expect(unknownParent).toMatchObject({ name: 'ParentNotFoundException' });
    expect(badType).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_ENUM' });
  });

  it('refuses MaxResults above 20', async () => {
    // Act
    const act = await failure(
      h.org.send(new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ACCOUNT', MaxResults: 21 })),
    );

    // Assess
    expect(act).toMatchObject({ name: 'InvalidInputException', Reason: 'MAX_VALUE_EXCEEDED' });
  });
});

describe('ListParents', () => {
  beforeEach(async () => {
    h = await start();
  });

  it('names the root or OU directly above an OU or account', async () => {
    // Prepare
    const top = await createOu(h.rootId, 'Top');
    const nested = await createOu(top, 'Nested');
    addMember(MEMBER, nested);

    // Act
    const ofTop = await h.org.send(new ListParentsCommand({ ChildId: top }));
    const ofNested = await h.org.send(new ListParentsCommand({ ChildId: nested }));
    const ofMember = await h.org.send(new ListParentsCommand({ ChildId: MEMBER }));
    const ofManagement = await h.org.send(new ListParentsCommand({ ChildId: '111111111111', MaxResults: 1 }));

    // Assess
    expect(ofTop.Parents).toEqual([{ Id: h.rootId, Type: 'ROOT' }]);
    expect(ofNested.Parents).toEqual([{ Id: top, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(ofMember.Parents).toEqual([{ Id: nested, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(ofManagement).toMatchObject({ Parents: [{ Id: h.rootId, Type: 'ROOT' }] });
    expect(ofManagement.NextToken).toBeUndefined();
  });

  it('refuses a child that does not exist, or belongs to another organization', async () => {
    // Prepare
    const other = await otherOrganization();
    const theirs = await createOu(other.rootId, 'Theirs', other.client);

    // Act
    const unknownOu = await failure(h.org.send(new ListParentsCommand({ ChildId: 'ou-abcd-12345678' })));
    const unknownAccount = await failure(h.org.send(new ListParentsCommand({ ChildId: '333333333333' })));
    const foreignOu = await failure(h.org.send(new ListParentsCommand({ ChildId: theirs })));
    const foreignAccount = await failure(h.org.send(new ListParentsCommand({ ChildId: OUTSIDER })));

    // Assess
    for (const act of [unknownOu, unknownAccount, foreignOu, foreignAccount])
      expect(act).toMatchObject({ name: 'ChildNotFoundException' });
  });

  it('refuses a root as child', async () => {
    // Act
    const act = await failure(h.org.send(new ListParentsCommand({ ChildId: h.rootId })));

    // Assess
    expect(act).toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_PATTERN' });
  });
});

describe('who may call', () => {
  beforeEach(async () => {
    h = await start();
  });

  /** Every operation of this area, called one after the other; their errors, in order. */
  async function everyOperation(client: OrganizationsClient, ou: string): Promise<unknown[]> {
    return [
      await failure(
        client.send(new CreateOrganizationalUnitCommand({ ParentId: h.rootId, Name: 'Member-made' })),
      ),
      await failure(
        client.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: ou, Name: 'Renamed' })),
      ),
      await failure(client.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: ou }))),
      await failure(client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: ou }))),
      await failure(client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: h.rootId }))),
      await failure(
        client.send(new ListChildrenCommand({ ParentId: h.rootId, ChildType: 'ORGANIZATIONAL_UNIT' })),
      ),
      await failure(client.send(new ListParentsCommand({ ChildId: ou }))),
    ];
  }

  it('refuses member accounts with AccessDeniedException and changes nothing', async () => {
    // Prepare
    const ou = await createOu(h.rootId, 'Guarded');
    addMember(MEMBER, h.rootId);

    // Act
    const errors = await everyOperation(h.client(MEMBER), ou);

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'AccessDeniedException' });
    expect(await childOuIds(h.rootId)).toEqual([ou]);
    expect(h.emulator.store.ous.get(ou)!.name).toBe('Guarded');
  });

  it('refuses accounts outside any organization with AWSOrganizationsNotInUseException', async () => {
    // Prepare
    const ou = await createOu(h.rootId, 'Guarded');

    // Act
    const errors = await everyOperation(h.client(OUTSIDER), ou);

    // Assess
    for (const error of errors) expect(error).toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
  });
});
