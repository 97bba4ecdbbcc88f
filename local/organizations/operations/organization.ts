import type { CreateOrganizationRequest, ListRootsRequest } from '@aws-sdk/client-organizations';
import { membershipEvent } from '../cloudtrail';
import { callerAccount, callerOrganization, managedOrganization } from '../context';
import { attachManagedDefaults, forgetTarget, rootOf } from '../entities';
import { constraintViolation, OrganizationsError } from '../errors';
import { newId } from '../ids';
import type { OrganizationRow, RootRow } from '../model';
import { paginate } from '../pagination';
import { organizationView, rootView } from '../views';
import { op } from './define';
import { completeHandshake, isPending } from './handshake-rows';
import { hasActiveResponsibilityTransfer } from './transfers';

export const organizationOperations = {
  CreateOrganization: op<CreateOrganizationRequest>((ctx, input) => {
    const account = callerAccount(ctx);
    if (account.orgId !== null) throw new OrganizationsError('AlreadyInOrganizationException');
    const now = ctx.clock.now();
    const org: OrganizationRow = {
      id: newId.organization(),
      featureSet: input.FeatureSet ?? 'ALL',
      managementAccountId: account.id,
      createdAt: now,
    };
    ctx.store.organizations.put(org);
    const rootId = newId.root();
    const root: RootRow = {
      id: rootId,
      orgId: org.id,
      name: 'Root',
      // only an organization created with all features gets SCPs enabled in its root
      policyTypes: org.featureSet === 'ALL' ? [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
    };
    ctx.store.roots.put(root);
    // the management account's JoinedMethod reads INVITED on AWS (reference §6.2)
    ctx.store.accounts.put({
      ...account,
      orgId: org.id,
      parentId: root.id,
      joinedMethod: 'INVITED',
      joinedAt: now,
    });
    attachManagedDefaults(ctx, org, root.id);
    attachManagedDefaults(ctx, org, account.id);
    // the model's CreateOrganization documentation: the management account joins, INVITED
    ctx.emit(
      membershipEvent({
        managementAccountId: account.id,
        accountId: account.id,
        change: { joinedMethod: 'INVITED' },
        now,
      }),
    );
    return { Organization: organizationView(ctx.store, org) };
  }),

  DescribeOrganization: op((ctx) => ({ Organization: organizationView(ctx.store, callerOrganization(ctx)) })),

  DeleteOrganization: op((ctx) => {
    const org = managedOrganization(ctx);
    const members = ctx.store.accounts.by('byOrg', org.id).filter((a) => a.id !== org.managementAccountId);
    if (members.length > 0)
      throw new OrganizationsError(
        'OrganizationNotEmptyException',
        `The organization still has ${members.length} member account(s); remove them first.`,
      );
    const store = ctx.store;
    if (hasActiveResponsibilityTransfer(store, org.id, ctx.clock.now()))
      throw constraintViolation(
        'ACTIVE_RESPONSIBILITY_TRANSFER_PROCESS',
        'The organization takes part in a responsibility transfer; terminate it first.',
      );
    // invitations and rounds the organization sent can no longer be accepted
    for (const handshake of store.handshakes.by('byOrg', org.id))
      if (isPending(handshake)) completeHandshake(ctx, handshake, 'CANCELED');
    for (const table of [
      store.ous,
      store.policies,
      store.createAccountStatuses,
      store.delegatedAdmins,
      store.serviceAccess,
      store.closures,
    ]) {
      for (const row of table.by('byOrg', org.id)) {
        forgetTarget(store, row.id);
        table.delete(row.id);
      }
    }
    for (const attachment of store.attachments.values())
      if (attachment.orgId === org.id) store.attachments.delete(attachment.id);
    const root = rootOf(store, org);
    forgetTarget(store, root.id);
    store.roots.delete(root.id);
    const resourcePolicy = store.resourcePolicies.get(org.id);
    if (resourcePolicy) forgetTarget(store, resourcePolicy.policyId);
    store.resourcePolicies.delete(org.id);
    const management = store.accounts.get(org.managementAccountId)!;
    forgetTarget(store, management.id);
    store.accounts.put({ ...management, orgId: null, parentId: null, joinedMethod: null, joinedAt: null });
    store.organizations.delete(org.id);
    // the model's DeleteOrganization documentation: the management account departs, LEFT
    ctx.emit(
      membershipEvent({
        managementAccountId: management.id,
        accountId: management.id,
        change: { departureMethod: 'LEFT' },
        now: ctx.clock.now(),
      }),
    );
    return undefined;
  }),

  ListRoots: op<ListRootsRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const { page, NextToken } = paginate(ctx, ctx.store.roots.by('byOrg', org.id), input, org.id);
    return { Roots: page.map((root) => rootView(org, root)), NextToken };
  }),
};
