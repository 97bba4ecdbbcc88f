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

/**
 * The organization's root id, asked for once (ListRoots allows 1 call per second and the root never changes):
 * a handler keeps one for its lifetime, a lookup without one makes its own. A failed call is not remembered.
 */
export class OrganizationRoot {
  #id: Promise<string | undefined> | undefined;

  constructor(private readonly organizations: OrganizationsClient) {}

  id(): Promise<string | undefined> {
    if (this.#id) return this.#id;
    const pending = this.organizations.send(new ListRootsCommand({})).then(({ Roots }) => Roots?.[0]?.Id);
    this.#id = pending;
    pending.catch(() => {
      if (this.#id === pending) this.#id = undefined;
    });
    return pending;
  }
}

/** An OU by id (`ou-…`, `r-…`) or by path of names from the root; undefined when there is none. */
export async function resolveOrganizationalUnit(
  organizations: OrganizationsClient,
  ref: string,
  root: OrganizationRoot = new OrganizationRoot(organizations),
): Promise<ResolvedOrganizationalUnit | undefined> {
  if (isOrganizationalUnitId(ref))
    return ref.startsWith('r-')
      ? (await root.id()) === ref
        ? { id: ref, path: '' }
        : undefined
      : pathOfId(organizations, ref);
  const id = await idOfPath(organizations, pathSegments(ref), root);
  return id === undefined ? undefined : { id, path: pathSegments(ref).join('/') };
}

/** The id of the OU at a path of names from the root: one listing per level. */
export async function idOfPath(
  organizations: OrganizationsClient,
  names: readonly string[],
  root: OrganizationRoot,
): Promise<string | undefined> {
  let parentId = await root.id();
  for (const name of names) {
    if (parentId === undefined) return undefined;
    parentId = await childNamed(organizations, parentId, name);
  }
  return parentId;
}

/** An OU's name, undefined when there is no such OU: one call. */
export async function nameOfOrganizationalUnit(
  organizations: OrganizationsClient,
  id: string,
): Promise<string | undefined> {
  try {
    const described = await organizations.send(
      new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id }),
    );
    return described.OrganizationalUnit?.Name;
  } catch (error) {
    if (error instanceof OrganizationalUnitNotFoundException) return undefined;
    throw error;
  }
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
