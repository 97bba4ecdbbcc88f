import type {
  CreateOrganizationalUnitRequest,
  DeleteOrganizationalUnitRequest,
  DescribeOrganizationalUnitRequest,
  ListChildrenRequest,
  ListOrganizationalUnitsForParentRequest,
  ListParentsRequest,
  UpdateOrganizationalUnitRequest,
} from '@aws-sdk/client-organizations';
import { managedOrganization, type OperationContext } from '../context';
import { attachManagedDefaults, type Container, findContainer, forgetTarget, rootIdOf } from '../entities';
import { constraintViolation, notFound, OrganizationsError } from '../errors';
import { newId } from '../ids';
import type { OrganizationRow, OuRow, Tag } from '../model';
import { paginate } from '../pagination';
import type { Store } from '../store';
import { ouView } from '../views';
import { op } from './define';
import { setTags } from './tags';

function parentOf(ctx: OperationContext, org: OrganizationRow, parentId: string): Container {
  const parent = findContainer(ctx.store, org, parentId);
  if (!parent) throw notFound('ParentNotFoundException', parentId);
  return parent;
}

function ouOf(ctx: OperationContext, org: OrganizationRow, ouId: string): OuRow {
  const ou = ctx.store.ous.get(ouId);
  if (!ou || ou.orgId !== org.id) throw notFound('OrganizationalUnitNotFoundException', ouId);
  return ou;
}

/** How many OUs deep a container sits: 0 for a root, 1 for an OU directly under it. */
function depthOf(store: Store, containerId: string): number {
  let depth = 0;
  for (let id = containerId; id.startsWith('ou-'); id = store.ous.get(id)?.parentId ?? '') depth++;
  return depth;
}

// names compare exactly (case-sensitive): whether AWS folds case here is not documented
function refuseDuplicateName(store: Store, parentId: string, name: string, self?: string): void {
  if (store.ous.by('byParent', parentId).some((ou) => ou.name === name && ou.id !== self))
    throw new OrganizationsError(
      'DuplicateOrganizationalUnitException',
      `An OU named '${name}' already exists in ${parentId}; choose another name.`,
    );
}

export const ouOperations = {
  CreateOrganizationalUnit: op<CreateOrganizationalUnitRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const parent = parentOf(ctx, org, input.ParentId!);
    const name = input.Name!;
    refuseDuplicateName(ctx.store, parent.row.id, name);
    if (depthOf(ctx.store, parent.row.id) + 1 > ctx.limits.ouDepth)
      throw constraintViolation(
        'OU_DEPTH_LIMIT_EXCEEDED',
        `${parent.row.id} is already ${ctx.limits.ouDepth} levels below the root; create the OU higher up.`,
      );
    if (ctx.store.ous.countBy('byOrg', org.id) >= ctx.limits.ousPerOrganization)
      throw constraintViolation(
        'OU_NUMBER_LIMIT_EXCEEDED',
        `The organization already has ${ctx.limits.ousPerOrganization} OUs; delete one first.`,
      );
    const ou: OuRow = {
      id: newId.ou(rootIdOf(ctx.store, parent.row.id)),
      orgId: org.id,
      name,
      parentId: parent.row.id,
      createdAt: ctx.clock.now(),
    };
    ctx.store.ous.put(ou);
    attachManagedDefaults(ctx, org, ou.id);
    if (input.Tags) setTags(ctx, org.id, ou.id, input.Tags as Tag[]);
    return { OrganizationalUnit: ouView(ctx.store, org, ou) };
  }),

  UpdateOrganizationalUnit: op<UpdateOrganizationalUnitRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    let ou = ouOf(ctx, org, input.OrganizationalUnitId!);
    if (input.Name !== undefined && input.Name !== ou.name) {
      refuseDuplicateName(ctx.store, ou.parentId, input.Name, ou.id);
      ou = { ...ou, name: input.Name };
      ctx.store.ous.put(ou);
    }
    return { OrganizationalUnit: ouView(ctx.store, org, ou) };
  }),

  DeleteOrganizationalUnit: op<DeleteOrganizationalUnitRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const ou = ouOf(ctx, org, input.OrganizationalUnitId!);
    const childOus = ctx.store.ous.countBy('byParent', ou.id);
    const accounts = ctx.store.accounts.countBy('byParent', ou.id);
    if (childOus + accounts > 0)
      throw new OrganizationsError(
        'OrganizationalUnitNotEmptyException',
        `${ou.id} still holds ${childOus} OU(s) and ${accounts} account(s); move or delete them first.`,
      );
    forgetTarget(ctx.store, ou.id);
    ctx.store.ous.delete(ou.id);
    return undefined;
  }),

  DescribeOrganizationalUnit: op<DescribeOrganizationalUnitRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    return { OrganizationalUnit: ouView(ctx.store, org, ouOf(ctx, org, input.OrganizationalUnitId!)) };
  }),

  ListOrganizationalUnitsForParent: op<ListOrganizationalUnitsForParentRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const parent = parentOf(ctx, org, input.ParentId!);
    const ous = ctx.store.ous.by('byParent', parent.row.id);
    const { page, NextToken } = paginate(ctx, ous, input, parent.row.id);
    return { OrganizationalUnits: page.map((ou) => ouView(ctx.store, org, ou)), NextToken };
  }),

  ListChildren: op<ListChildrenRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const parent = parentOf(ctx, org, input.ParentId!);
    const type = input.ChildType!;
    const table = type === 'ACCOUNT' ? ctx.store.accounts : ctx.store.ous;
    const children = table.by('byParent', parent.row.id).map((row) => ({ Id: row.id, Type: type }));
    const { page, NextToken } = paginate(ctx, children, input, `${parent.row.id}:${type}`);
    return { Children: page, NextToken };
  }),

  ListParents: op<ListParentsRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const childId = input.ChildId!;
    const child = childId.startsWith('ou-') ? ctx.store.ous.get(childId) : ctx.store.accounts.get(childId);
    const parentId = child?.orgId === org.id ? child.parentId : null;
    if (!parentId) throw notFound('ChildNotFoundException', childId);
    const parents = [{ Id: parentId, Type: parentId.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }];
    const { page, NextToken } = paginate(ctx, parents, input, childId);
    return { Parents: page, NextToken };
  }),
};
