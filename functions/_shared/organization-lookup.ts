import type { OrganizationalUnit } from '@aws-sdk/client-organizations';
import { type OrganizationDirectory, RECHECK_MISSES_AFTER_MS } from './organization-directory';
import {
  isOrganizationalUnitId,
  type PolicyType,
  pathSegments,
  type ResolvedOrganizationalUnit,
  type ResolvedPolicy,
} from './schemas';

/** An OU by id (`ou-…`, `r-…`) or by path of names from the root; undefined when there is none. */
export async function resolveOrganizationalUnit(
  directory: OrganizationDirectory,
  ref: string,
): Promise<ResolvedOrganizationalUnit | undefined> {
  if (isOrganizationalUnitId(ref))
    return ref.startsWith('r-')
      ? (await directory.rootId()) === ref
        ? { id: ref, path: '' }
        : undefined
      : pathOfId(directory, ref);
  const id = await idOfPath(directory, pathSegments(ref));
  return id === undefined ? undefined : { id, path: pathSegments(ref).join('/') };
}

/** The id of the OU at a path of names from the root: one listing per level (shared while fresh). */
export async function idOfPath(
  directory: OrganizationDirectory,
  names: readonly string[],
): Promise<string | undefined> {
  let parentId = await directory.rootId();
  for (const name of names) {
    if (parentId === undefined) return undefined;
    parentId = await childNamed(directory, parentId, name);
  }
  return parentId;
}

/** An OU's name, undefined when there is no such OU: one call (shared while fresh). */
export async function nameOfOrganizationalUnit(
  directory: OrganizationDirectory,
  id: string,
): Promise<string | undefined> {
  const ou =
    (await directory.organizationalUnit(id)) ??
    (await directory.organizationalUnit(id, RECHECK_MISSES_AFTER_MS));
  return ou?.name;
}

async function childNamed(directory: OrganizationDirectory, parentId: string, name: string) {
  const named = (ous: OrganizationalUnit[]) => ous.find((ou) => ou.Name === name)?.Id;
  return (
    named(await directory.childOrganizationalUnits(parentId)) ??
    named(await directory.childOrganizationalUnits(parentId, RECHECK_MISSES_AFTER_MS))
  );
}

/** The OUs above an account or OU, from the root down, with their paths of names (shared while fresh). */
export async function ancestorsOf(
  directory: OrganizationDirectory,
  childId: string,
): Promise<{ id: string; path: string }[]> {
  const ids: string[] = [];
  for (
    let id = await directory.parentOrganizationalUnit(childId);
    id;
    id = await directory.parentOrganizationalUnit(id)
  )
    ids.unshift(id);
  const names: string[] = [];
  const ancestors: { id: string; path: string }[] = [];
  for (const id of ids) {
    names.push((await directory.organizationalUnit(id))?.name ?? id);
    ancestors.push({ id, path: names.join('/') });
  }
  return ancestors;
}

/** Walks up from an OU to the root, naming each level: 2 calls per level. */
async function pathOfId(directory: OrganizationDirectory, id: string) {
  const names: string[] = [];
  let current: string | undefined = id;
  while (current) {
    const name = await nameOfOrganizationalUnit(directory, current);
    if (name === undefined) return undefined;
    names.unshift(name);
    current = await directory.parentOrganizationalUnit(current);
  }
  return { id, path: names.join('/') };
}

/** Every policy of `types` whose id or name is one of `refs`: one ListPolicies listing per type. */
export async function findPolicies(
  directory: OrganizationDirectory,
  refs: readonly string[],
  types: readonly PolicyType[],
): Promise<ResolvedPolicy[]> {
  const wanted = new Set(refs);
  const collect = async (fresherThanMs?: number) => {
    const found: ResolvedPolicy[] = [];
    for (const type of types)
      for (const policy of await directory.policies(type, fresherThanMs))
        if (
          policy.Id &&
          policy.Name &&
          (wanted.has(policy.Id) || wanted.has(policy.Name)) &&
          !found.some((known) => known.id === policy.Id)
        )
          found.push({ id: policy.Id, name: policy.Name, type });
    return found;
  };
  const found = await collect();
  const missing = refs.some((ref) => !found.some((policy) => policy.id === ref || policy.name === ref));
  return missing ? collect(RECHECK_MISSES_AFTER_MS) : found;
}
