import type { OperationContext } from './context';
import type { AccountRow, OrganizationRow, OuRow, PolicyRow, RootRow } from './model';
import { policyTypes } from './policy-types';
import type { Store } from './store';

export type Container = { kind: 'root'; row: RootRow } | { kind: 'ou'; row: OuRow };
export type Target = Container | { kind: 'account'; row: AccountRow };

/** A root or OU of `org` by id. */
export function findContainer(store: Store, org: OrganizationRow, id: string): Container | undefined {
  if (id.startsWith('r-')) {
    const row = store.roots.get(id);
    return row && row.orgId === org.id ? { kind: 'root', row } : undefined;
  }
  const row = store.ous.get(id);
  return row && row.orgId === org.id ? { kind: 'ou', row } : undefined;
}

/** A root, OU or account of `org`: anything a policy attaches to. */
export function findTarget(store: Store, org: OrganizationRow, id: string): Target | undefined {
  if (/^\d{12}$/.test(id)) {
    const row = store.accounts.get(id);
    return row && row.orgId === org.id ? { kind: 'account', row } : undefined;
  }
  return findContainer(store, org, id);
}

export function rootOf(store: Store, org: OrganizationRow): RootRow {
  const root = store.roots.by('byOrg', org.id)[0];
  if (!root) throw new Error(`organization ${org.id} has no root`);
  return root;
}

/** The root a container hangs under. */
export function rootIdOf(store: Store, containerId: string): string {
  let id = containerId;
  while (id.startsWith('ou-')) id = store.ous.get(id)?.parentId ?? '';
  return id;
}

export function enabledPolicyTypes(root: RootRow): string[] {
  return root.policyTypes.filter((t) => t.Status === 'ENABLED').map((t) => t.Type);
}

/** The AWS managed policies (FullAWSAccess, RCPFullAWSAccess), shared by every organization. */
export function managedPolicy(ctx: OperationContext, type: string): PolicyRow | undefined {
  const info = policyTypes[type]?.managedDefault;
  if (!info) return undefined;
  const existing = ctx.store.policies.get(info.id);
  if (existing) return existing;
  const row: PolicyRow = {
    id: info.id,
    orgId: 'aws',
    name: info.name,
    description: info.description,
    type,
    awsManaged: true,
    content: info.content,
  };
  ctx.store.policies.put(row);
  return row;
}

export function attach(
  ctx: OperationContext,
  org: OrganizationRow,
  targetId: string,
  policy: PolicyRow,
): void {
  ctx.store.attachments.put({
    id: `${targetId}|${policy.id}`,
    orgId: org.id,
    targetId,
    policyId: policy.id,
    policyType: policy.type,
    attachedAt: ctx.clock.now(),
  });
}

/** Attaches the managed default of every enabled policy type that has one: what AWS does for a new root, OU or account. */
export function attachManagedDefaults(ctx: OperationContext, org: OrganizationRow, targetId: string): void {
  for (const type of enabledPolicyTypes(rootOf(ctx.store, org))) {
    const policy = managedPolicy(ctx, type);
    if (policy) attach(ctx, org, targetId, policy);
  }
}

/** Removes every trace a root, OU or account leaves in the attachment and tag tables. */
export function forgetTarget(store: Store, targetId: string): void {
  for (const attachment of store.attachments.by('byTarget', targetId))
    store.attachments.delete(attachment.id);
  store.tags.delete(targetId);
}
