import type {
  ListTagsForResourceRequest,
  TagResourceRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-organizations';
import { managedOrganization, type OperationContext } from '../context';
import { findTarget } from '../entities';
import { constraintViolation, invalidInput, notFound } from '../errors';
import type { OrganizationRow, Tag } from '../model';
import { paginate } from '../pagination';
import type { Store } from '../store';
import { op } from './define';

/** The tags on a resource, in the order they were first set. */
export function tagsOf(store: Store, resourceId: string): Tag[] {
  return store.tags.get(resourceId)?.tags ?? [];
}

// AWS reserves the prefix in any letter case
const isSystemKey = (key: string): boolean => key.toLowerCase().startsWith('aws:');

function refuseSystemKeys(keys: readonly string[]): void {
  const system = keys.find(isSystemKey);
  if (system !== undefined)
    throw invalidInput(
      'INVALID_SYSTEM_TAGS_PARAMETER',
      `Tag key '${system}' starts with 'aws:'; choose another key.`,
    );
}

/**
 * Checks `tags` against the tag rules and returns `existing` with them merged in (a key already there gets
 * the new value). Throws the error AWS answers with; nothing is stored.
 */
export function mergeTags(ctx: OperationContext, existing: readonly Tag[], tags: readonly Tag[]): Tag[] {
  refuseSystemKeys(tags.map((t) => t.Key));
  const seen = new Set<string>();
  for (const { Key } of tags) {
    if (seen.has(Key))
      throw invalidInput('DUPLICATE_TAG_KEY', `Tag key '${Key}' appears more than once in the request.`);
    seen.add(Key);
  }
  const merged = existing.map((t) => ({
    Key: t.Key,
    Value: tags.find((n) => n.Key === t.Key)?.Value ?? t.Value,
  }));
  const known = new Set(existing.map((t) => t.Key));
  for (const { Key, Value } of tags) if (!known.has(Key)) merged.push({ Key, Value });
  if (merged.length > ctx.limits.tagsPerResource)
    throw constraintViolation(
      'MAX_TAG_LIMIT_EXCEEDED',
      `The resource would have ${merged.length} tags; the limit is ${ctx.limits.tagsPerResource}. Remove some tags first.`,
    );
  return merged;
}

function storeTags(store: Store, orgId: string, resourceId: string, tags: Tag[]): void {
  if (tags.length === 0) store.tags.delete(resourceId);
  else store.tags.put({ id: resourceId, orgId, tags });
}

/** Validates `tags`, merges them into the resource's tags and stores the result: TagResource, and tags given on create. */
export function setTags(
  ctx: OperationContext,
  orgId: string,
  resourceId: string,
  tags: readonly Tag[],
): void {
  storeTags(ctx.store, orgId, resourceId, mergeTags(ctx, tagsOf(ctx.store, resourceId), tags));
}

/**
 * Refuses ids that are not a taggable resource of `org`: its root, OUs, accounts, customer managed policies
 * and resource policy. AWS managed policies belong to no organization, so they count as not found.
 */
function requireTaggable(ctx: OperationContext, org: OrganizationRow, resourceId: string): void {
  if (resourceId.startsWith('p-')) {
    const policy = ctx.store.policies.get(resourceId);
    if (policy && policy.orgId === org.id && !policy.awsManaged) return;
  } else if (resourceId.startsWith('rp-')) {
    if (ctx.store.resourcePolicies.get(org.id)?.policyId === resourceId) return;
  } else if (findTarget(ctx.store, org, resourceId)) return;
  throw notFound('TargetNotFoundException', resourceId);
}

export const tagOperations = {
  TagResource: op<TagResourceRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    requireTaggable(ctx, org, input.ResourceId!);
    setTags(ctx, org.id, input.ResourceId!, input.Tags as Tag[]);
    return undefined;
  }),

  UntagResource: op<UntagResourceRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const resourceId = input.ResourceId!;
    requireTaggable(ctx, org, resourceId);
    const keys = input.TagKeys!;
    refuseSystemKeys(keys);
    // keys the resource does not carry are ignored, as on AWS
    const current = tagsOf(ctx.store, resourceId);
    const remaining = current.filter((t) => !keys.includes(t.Key));
    if (remaining.length !== current.length) storeTags(ctx.store, org.id, resourceId, remaining);
    return undefined;
  }),

  ListTagsForResource: op<ListTagsForResourceRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const resourceId = input.ResourceId!;
    requireTaggable(ctx, org, resourceId);
    const { page, NextToken } = paginate(ctx, tagsOf(ctx.store, resourceId), input, resourceId);
    return { Tags: page, NextToken };
  }),
};
