import type {
  AttachPolicyRequest,
  CreatePolicyRequest,
  DeletePolicyRequest,
  DescribePolicyRequest,
  DetachPolicyRequest,
  DisablePolicyTypeRequest,
  EnablePolicyTypeRequest,
  ListPoliciesForTargetRequest,
  ListPoliciesRequest,
  ListTargetsForPolicyRequest,
  UpdatePolicyRequest,
} from '@aws-sdk/client-organizations';
import { arn } from '../arns';
import { type Limits, policyTypeLimits } from '../config';
import { managedOrganization, type OperationContext } from '../context';
import { attach, enabledPolicyTypes, findTarget, managedPolicy, rootOf, type Target } from '../entities';
import { constraintViolation, invalidInput, notFound, refuse } from '../errors';
import { newId } from '../ids';
import type { OrganizationRow, PolicyRow, RootRow, Tag } from '../model';
import { paginate } from '../pagination';
import { checkPolicyContent } from '../policy-content';
import { type PolicyTypeInfo, policyTypes } from '../policy-types';
import type { Store } from '../store';
import { policySummaryView, policyView, rootView } from '../views';
import { op } from './define';
import { setTags } from './tags';

/** The limits of a policy type the organization may use; consolidated-billing organizations may use none. */
function availableType(limits: Limits, org: OrganizationRow, type: string): PolicyTypeInfo {
  if (org.featureSet !== 'ALL')
    throw refuse(
      'PolicyTypeNotAvailableForOrganizationException',
      `Organization ${org.id} has only consolidated billing features; enable all features to use ${type}.`,
    );
  const info = policyTypeLimits(limits, type);
  if (!info)
    throw refuse(
      'PolicyTypeNotAvailableForOrganizationException',
      `The emulator does not support ${type} yet.`,
    );
  return info;
}

const managedDefaultType = (policyId: string): string | undefined =>
  Object.keys(policyTypes).find((type) => policyTypes[type]?.managedDefault?.id === policyId);

/** A policy of `org`, or an AWS managed policy (visible to every organization). */
function findPolicy(ctx: OperationContext, org: OrganizationRow, policyId: string): PolicyRow {
  const managedType = managedDefaultType(policyId);
  const policy = managedType ? managedPolicy(ctx, managedType) : ctx.store.policies.get(policyId);
  if (!policy || (!policy.awsManaged && policy.orgId !== org.id))
    throw notFound('PolicyNotFoundException', policyId);
  return policy;
}

function customerPolicy(ctx: OperationContext, org: OrganizationRow, policyId: string): PolicyRow {
  const policy = findPolicy(ctx, org, policyId);
  if (policy.awsManaged)
    throw invalidInput('IMMUTABLE_POLICY', `${policy.name} (${policy.id}) is an AWS managed policy.`);
  return policy;
}

function findPolicyTarget(ctx: OperationContext, org: OrganizationRow, targetId: string): Target {
  const target = findTarget(ctx.store, org, targetId);
  if (!target) throw notFound('TargetNotFoundException', targetId);
  return target;
}

function findRoot(ctx: OperationContext, org: OrganizationRow, rootId: string): RootRow {
  const root = ctx.store.roots.get(rootId);
  if (!root || root.orgId !== org.id) throw notFound('RootNotFoundException', rootId);
  return root;
}

// UNVERIFIED scope: names are unique per policy type within the organization (an SCP and a tag policy may
// share a name); AWS managed policy names do not take part
function requireUniqueName(
  ctx: OperationContext,
  org: OrganizationRow,
  type: string,
  name: string,
  self?: string,
) {
  const clash = ctx.store.policies
    .by('byOrg', org.id)
    .find((p) => p.type === type && p.name === name && p.id !== self);
  if (clash)
    throw refuse(
      'DuplicatePolicyException',
      `${type} ${clash.id} is already named '${name}'; choose another name.`,
    );
}

function requireRoomForPolicy(
  ctx: OperationContext,
  org: OrganizationRow,
  type: string,
  info: PolicyTypeInfo,
) {
  const count = ctx.store.policies.by('byOrg', org.id).filter((p) => p.type === type).length;
  if (count >= info.maxPoliciesPerOrganization)
    throw constraintViolation(
      'POLICY_NUMBER_LIMIT_EXCEEDED',
      `Organization ${org.id} already has ${count} policies of type ${type}; delete one first.`,
    );
}

/** Policies of `type` attached directly to a target, in attachment order. */
const attachedOfType = (store: Store, targetId: string, type: string) =>
  store.attachments.by('byTarget', targetId).filter((a) => a.policyType === type);

/** Every root, OU and account of the organization. */
function targetIdsOf(store: Store, org: OrganizationRow): string[] {
  return [
    rootOf(store, org).id,
    ...store.ous.by('byOrg', org.id).map((ou) => ou.id),
    ...store.accounts.by('byOrg', org.id).map((account) => account.id),
  ];
}

const targetKinds = {
  root: { Type: 'ROOT', arn: arn.root },
  ou: { Type: 'ORGANIZATIONAL_UNIT', arn: arn.ou },
  account: { Type: 'ACCOUNT', arn: arn.account },
} as const;

function targetView(org: OrganizationRow, { kind, row }: Target) {
  const { Type, arn: arnOf } = targetKinds[kind];
  return { TargetId: row.id, Arn: arnOf(org, row.id), Name: row.name, Type };
}

export const policyOperations = {
  CreatePolicy: op<CreatePolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const type = input.Type!;
    const info = availableType(ctx.limits, org, type);
    checkPolicyContent(type, info, input.Content!);
    requireRoomForPolicy(ctx, org, type, info);
    requireUniqueName(ctx, org, type, input.Name!);
    const policy: PolicyRow = {
      id: newId.policy(),
      orgId: org.id,
      name: input.Name!,
      description: input.Description!,
      type,
      awsManaged: false,
      content: input.Content!,
    };
    ctx.store.policies.put(policy);
    if (input.Tags) setTags(ctx, org.id, policy.id, input.Tags as Tag[]);
    return { Policy: policyView(org, policy) };
  }),

  UpdatePolicy: op<UpdatePolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const policy = customerPolicy(ctx, org, input.PolicyId!);
    if (input.Content !== undefined)
      checkPolicyContent(policy.type, availableType(ctx.limits, org, policy.type), input.Content);
    if (input.Name !== undefined) requireUniqueName(ctx, org, policy.type, input.Name, policy.id);
    const updated: PolicyRow = {
      ...policy,
      name: input.Name ?? policy.name,
      description: input.Description ?? policy.description,
      content: input.Content ?? policy.content,
    };
    ctx.store.policies.put(updated);
    return { Policy: policyView(org, updated) };
  }),

  DeletePolicy: op<DeletePolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const policy = customerPolicy(ctx, org, input.PolicyId!);
    const attachments = ctx.store.attachments.countBy('byPolicy', policy.id);
    if (attachments > 0)
      throw refuse(
        'PolicyInUseException',
        `${policy.id} is attached to ${attachments} target(s); ListTargetsForPolicy names them.`,
      );
    ctx.store.policies.delete(policy.id);
    ctx.store.tags.delete(policy.id);
    return undefined;
  }),

  DescribePolicy: op<DescribePolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    return { Policy: policyView(org, findPolicy(ctx, org, input.PolicyId!)) };
  }),

  ListPolicies: op<ListPoliciesRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const type = input.Filter!;
    // the type's AWS managed policy is listed whether or not the type is enabled, as FullAWSAccess is on AWS
    const managed = managedPolicy(ctx, type);
    const own = ctx.store.policies.by('byOrg', org.id).filter((p) => p.type === type);
    const { page, NextToken } = paginate(ctx, managed ? [managed, ...own] : own, input, type);
    return { Policies: page.map((p) => policySummaryView(org, p)), NextToken };
  }),

  ListPoliciesForTarget: op<ListPoliciesForTargetRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const target = findPolicyTarget(ctx, org, input.TargetId!);
    const policies = attachedOfType(ctx.store, target.row.id, input.Filter!).map(
      (a) => ctx.store.policies.get(a.policyId)!,
    );
    const { page, NextToken } = paginate(ctx, policies, input, `${target.row.id}:${input.Filter}`);
    return { Policies: page.map((p) => policySummaryView(org, p)), NextToken };
  }),

  ListTargetsForPolicy: op<ListTargetsForPolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const policy = findPolicy(ctx, org, input.PolicyId!);
    // AWS managed policies are attached in every organization: list only this one's targets
    const targets = ctx.store.attachments
      .by('byPolicy', policy.id)
      .filter((a) => a.orgId === org.id)
      .flatMap((a) => findTarget(ctx.store, org, a.targetId) ?? []);
    const { page, NextToken } = paginate(ctx, targets, input, policy.id);
    return { Targets: page.map((t) => targetView(org, t)), NextToken };
  }),

  AttachPolicy: op<AttachPolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const policy = findPolicy(ctx, org, input.PolicyId!);
    const target = findPolicyTarget(ctx, org, input.TargetId!);
    const root = rootOf(ctx.store, org);
    if (!enabledPolicyTypes(root).includes(policy.type))
      throw refuse(
        'PolicyTypeNotEnabledException',
        `${policy.type} is not enabled in root ${root.id}; call EnablePolicyType first.`,
      );
    const attached = attachedOfType(ctx.store, target.row.id, policy.type);
    if (attached.some((a) => a.policyId === policy.id))
      throw refuse(
        'DuplicatePolicyAttachmentException',
        `${policy.id} is already attached to ${target.row.id}.`,
      );
    const max = policyTypeLimits(ctx.limits, policy.type)?.maxAttachedPerTarget ?? 0;
    if (attached.length >= max)
      throw constraintViolation(
        'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
        `${target.row.id} already has ${attached.length} ${policy.type} policies attached (the maximum); detach one first.`,
      );
    attach(ctx, org, target.row.id, policy);
    return undefined;
  }),

  DetachPolicy: op<DetachPolicyRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const policy = findPolicy(ctx, org, input.PolicyId!);
    const target = findPolicyTarget(ctx, org, input.TargetId!);
    const attached = attachedOfType(ctx.store, target.row.id, policy.type);
    const attachment = attached.find((a) => a.policyId === policy.id);
    if (!attachment)
      throw refuse('PolicyNotAttachedException', `${policy.id} is not attached to ${target.row.id}.`);
    const info = policyTypes[policy.type];
    // UNVERIFIED mapping: AWS documents the NON_DETACHABLE_POLICY reason without naming the exception
    if (info?.managedDefault?.id === policy.id && !info.managedDefault.detachable)
      throw invalidInput(
        'NON_DETACHABLE_POLICY',
        `You can't detach this AWS Managed Policy: ${policy.name} stays attached while ${policy.type} is enabled.`,
      );
    // every target keeps at least one authorization policy (SCP, RCP) of each enabled type
    if (info?.authorization && attached.length === 1)
      throw constraintViolation(
        'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
        `${policy.id} is the last ${policy.type} attached to ${target.row.id}; attach its replacement first.`,
      );
    ctx.store.attachments.delete(attachment.id);
    return undefined;
  }),

  EnablePolicyType: op<EnablePolicyTypeRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const root = findRoot(ctx, org, input.RootId!);
    const type = input.PolicyType!;
    availableType(ctx.limits, org, type);
    if (root.policyTypes.some((t) => t.Type === type))
      throw refuse('PolicyTypeAlreadyEnabledException', `${type} is already enabled in root ${root.id}.`);
    // AWS reports PENDING_ENABLE for a moment; the emulator enables the type at once
    const updated: RootRow = {
      ...root,
      policyTypes: [...root.policyTypes, { Type: type, Status: 'ENABLED' }],
    };
    ctx.store.roots.put(updated);
    const managed = managedPolicy(ctx, type);
    if (managed) for (const targetId of targetIdsOf(ctx.store, org)) attach(ctx, org, targetId, managed);
    return { Root: rootView(org, updated) };
  }),

  DisablePolicyType: op<DisablePolicyTypeRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const root = findRoot(ctx, org, input.RootId!);
    const type = input.PolicyType!;
    if (!root.policyTypes.some((t) => t.Type === type))
      throw refuse('PolicyTypeNotEnabledException', `${type} is not enabled in root ${root.id}.`);
    const updated: RootRow = { ...root, policyTypes: root.policyTypes.filter((t) => t.Type !== type) };
    ctx.store.roots.put(updated);
    for (const targetId of targetIdsOf(ctx.store, org))
      for (const attachment of attachedOfType(ctx.store, targetId, type))
        ctx.store.attachments.delete(attachment.id);
    return { Root: rootView(org, updated) };
  }),
};
