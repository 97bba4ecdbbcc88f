import {
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationalUnitNotFoundException,
  type OrganizationsClient,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
} from '@aws-sdk/client-organizations';
import {
  isOrganizationalUnitId,
  type PolicyType,
  pathSegments,
  type ResolvedOrganizationalUnit,
  type ResolvedPolicy,
} from '../_shared/schemas';

/** An OU by id (`ou-…`, `r-…`) or by path of names from the root; undefined when there is none. */
export async function resolveOrganizationalUnit(
  organizations: OrganizationsClient,
  ref: string,
): Promise<ResolvedOrganizationalUnit | undefined> {
  if (isOrganizationalUnitId(ref))
    return ref.startsWith('r-') ? rootById(organizations, ref) : pathOfId(organizations, ref);
  const { Roots } = await organizations.send(new ListRootsCommand({}));
  let parentId = Roots?.[0]?.Id;
  const names: string[] = [];
  for (const name of pathSegments(ref)) {
    if (parentId === undefined) return undefined;
    parentId = await childNamed(organizations, parentId, name);
    names.push(name);
  }
  return parentId === undefined ? undefined : { id: parentId, path: names.join('/') };
}

async function rootById(organizations: OrganizationsClient, id: string) {
  const { Roots } = await organizations.send(new ListRootsCommand({}));
  return Roots?.some((root) => root.Id === id) ? { id, path: '' } : undefined;
}

async function childNamed(organizations: OrganizationsClient, parentId: string, name: string) {
  for await (const page of paginateListOrganizationalUnitsForParent(
    { client: organizations },
    { ParentId: parentId },
  )) {
    const match = page.OrganizationalUnits?.find((ou) => ou.Name === name);
    if (match?.Id) return match.Id;
  }
  return undefined;
}

/** Walks up from an OU to the root, naming each level: 2 calls per level. */
async function pathOfId(organizations: OrganizationsClient, id: string) {
  const names: string[] = [];
  let current = id;
  for (;;) {
    let name: string | undefined;
    try {
      const described = await organizations.send(
        new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: current }),
      );
      name = described.OrganizationalUnit?.Name;
    } catch (error) {
      if (error instanceof OrganizationalUnitNotFoundException) return undefined;
      throw error;
    }
    names.unshift(name ?? current);
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: current }));
    const parent = Parents?.[0];
    if (!parent?.Id || parent.Type !== 'ORGANIZATIONAL_UNIT') break;
    current = parent.Id;
  }
  return { id, path: names.join('/') };
}

/** Every policy of `types` whose id or name is one of `refs`: one ListPolicies listing per type. */
export async function findPolicies(
  organizations: OrganizationsClient,
  refs: readonly string[],
  types: readonly PolicyType[],
): Promise<ResolvedPolicy[]> {
  const wanted = new Set(refs);
  const found: ResolvedPolicy[] = [];
  for (const type of types)
    for await (const page of paginateListPolicies({ client: organizations }, { Filter: type }))
      for (const policy of page.Policies ?? [])
        if (
          policy.Id &&
          policy.Name &&
          (wanted.has(policy.Id) || wanted.has(policy.Name)) &&
          !found.some((known) => known.id === policy.Id)
        )
          found.push({ id: policy.Id, name: policy.Name, type });
  return found;
}
