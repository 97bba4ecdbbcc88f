import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';

/** One account as the snapshot saw it. */
export interface SnapshotAccount {
  id: string;
  name: string;
  state: string;
  /** the root or OU the account is directly in */
  parentId: string;
}

/** One OU: its name, parent and path of names from the root. */
export interface SnapshotOrganizationalUnit {
  id: string;
  name: string;
  parentId: string;
  path: string;
}

/**
 * The whole organization read at once, for work on many accounts (a closure batch of hundreds): walking the
 * tree costs one listing per OU and one page of 20 accounts per call, where asking per account would cost a
 * ListParents each (5 calls per second at most) and more per level.
 */
export interface OrganizationSnapshot {
  managementAccountId: string;
  rootId: string;
  accounts: ReadonlyMap<string, SnapshotAccount>;
  organizationalUnits: ReadonlyMap<string, SnapshotOrganizationalUnit>;
}

/** Reads the organization's tree: every OU and every account with its state and parent. */
export async function readOrganization(organizations: OrganizationsClient): Promise<OrganizationSnapshot> {
  const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
  const { Roots } = await organizations.send(new ListRootsCommand({}));
  const rootId = Roots?.[0]?.Id;
  if (!Organization?.MasterAccountId || !rootId) throw new Error('the organization has no root');
  const accounts = new Map<string, SnapshotAccount>();
  const organizationalUnits = new Map<string, SnapshotOrganizationalUnit>();
  const parents: { id: string; path: string }[] = [{ id: rootId, path: '' }];
  for (let parent = parents.shift(); parent; parent = parents.shift()) {
    for await (const page of paginateListAccountsForParent(
      { client: organizations },
      { ParentId: parent.id },
    ))
      for (const account of page.Accounts ?? [])
        if (account.Id)
          accounts.set(account.Id, {
            id: account.Id,
            name: account.Name ?? '',
            state: account.State ?? account.Status ?? 'ACTIVE',
            parentId: parent.id,
          });
    for await (const page of paginateListOrganizationalUnitsForParent(
      { client: organizations },
      { ParentId: parent.id },
    ))
      for (const ou of page.OrganizationalUnits ?? []) {
        if (!ou.Id) continue;
        const path = parent.path ? `${parent.path}/${ou.Name}` : (ou.Name ?? ou.Id);
        organizationalUnits.set(ou.Id, { id: ou.Id, name: ou.Name ?? '', parentId: parent.id, path });
        parents.push({ id: ou.Id, path });
      }
  }
  return { managementAccountId: Organization.MasterAccountId, rootId, accounts, organizationalUnits };
}

/** The OUs above an account (or an OU), from the root down. */
export function ancestorsIn(
  snapshot: OrganizationSnapshot,
  parentId: string,
): { id: string; path: string }[] {
  const ancestors: { id: string; path: string }[] = [];
  for (
    let ou = snapshot.organizationalUnits.get(parentId);
    ou;
    ou = snapshot.organizationalUnits.get(ou.parentId)
  )
    ancestors.unshift({ id: ou.id, path: ou.path });
  return ancestors;
}

/** An OU of the snapshot by id or by path of names. */
export function organizationalUnitIn(
  snapshot: OrganizationSnapshot,
  ref: string,
): SnapshotOrganizationalUnit | undefined {
  const byId = snapshot.organizationalUnits.get(ref);
  if (byId) return byId;
  const path = ref.replace(/^\/+|\/+$/g, '');
  return [...snapshot.organizationalUnits.values()].find((ou) => ou.path === path);
}

/** The accounts directly in an OU, or also in the OUs below it. */
export function accountsUnder(
  snapshot: OrganizationSnapshot,
  organizationalUnitId: string,
  includeDescendants: boolean,
): SnapshotAccount[] {
  return [...snapshot.accounts.values()].filter((account) =>
    includeDescendants
      ? account.parentId === organizationalUnitId ||
        ancestorsIn(snapshot, account.parentId).some((ou) => ou.id === organizationalUnitId)
      : account.parentId === organizationalUnitId,
  );
}

/** An account's tags: one call per page of them. */
export async function tagsOf(
  organizations: OrganizationsClient,
  resourceId: string,
): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListTagsForResource({ client: organizations }, { ResourceId: resourceId }))
    for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return tags;
}
