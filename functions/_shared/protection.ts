/**
 * The tag that protects an account wherever it is: no workflow or reaction closes, moves or re-tags it. The
 * code checks it before acting, and IAM denies the same actions on a resource carrying it (infra/permissions.ts).
 */
export const PROTECTED_TAG = { key: 'orgflow:protected', value: 'true' } as const;

/** Whether an account's tags protect it (the value compared as IAM's StringEqualsIgnoreCase does). */
export const isProtectedByTag = (tags: Readonly<Record<string, string>>): boolean =>
  tags[PROTECTED_TAG.key]?.toLowerCase() === PROTECTED_TAG.value;

/**
 * The OU that protects an account, among its ancestors (`ancestorsOf`): the first one the protected list names by id
 * or by path (the closure configuration's `protectedOrganizationalUnits`); undefined when none does.
 */
export const protectingOu = <Ou extends { id: string; path: string }>(
  ancestors: readonly Ou[],
  protectedOus: readonly string[],
): Ou | undefined => ancestors.find((ou) => protectedOus.includes(ou.id) || protectedOus.includes(ou.path));
