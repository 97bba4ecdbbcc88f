import { isDeepStrictEqual } from 'node:util';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AttachPolicyCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DuplicatePolicyAttachmentException,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  type OrganizationsClient,
  PolicyNotFoundException,
  PolicyTypeAlreadyEnabledException,
  PolicyTypeNotEnabledException,
  paginateListPoliciesForTarget,
  RootNotFoundException,
  TargetNotFoundException,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { z } from 'zod';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { findPolicies, idOfPath } from '../../_shared/organization-lookup';
import { tagsOf } from '../../_shared/organization-snapshot';
import { matchesPrincipal } from '../../_shared/principals';
import { publishEvent } from '../../_shared/publish-event';
import {
  isOrganizationalUnitId,
  type PolicyType,
  PolicyTypeSchema,
  pathSegments,
} from '../../_shared/schemas';
import type { Guardrail, ReactionsConfig } from '../reactions-config';

const UserIdentitySchema = z.looseObject({
  type: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
});

const drift = {
  eventID: z.string().min(1),
  eventTime: z.string().min(1),
  userIdentity: UserIdentitySchema.default({}),
};

/**
 * The three changes that can take a guardrail out of shape (events/samples/organizations-detach-policy.json,
 * -update-policy.json, -disable-policy-type.json), as the rule events/rules/revert-guardrail-drift.json
 * delivers them: successful calls only.
 */
export const DriftEventSchema = z.object({
  source: z.literal('aws.organizations'),
  detail: z.discriminatedUnion('eventName', [
    z.looseObject({
      eventName: z.literal('DetachPolicy'),
      ...drift,
      requestParameters: z.looseObject({ policyId: z.string().min(1), targetId: z.string().min(1) }),
    }),
    z.looseObject({
      eventName: z.literal('UpdatePolicy'),
      ...drift,
      requestParameters: z.looseObject({ policyId: z.string().min(1), content: z.string().optional() }),
    }),
    z.looseObject({
      eventName: z.literal('DisablePolicyType'),
      ...drift,
      requestParameters: z.looseObject({ rootId: z.string().min(1), policyType: z.string().min(1) }),
    }),
  ]),
});
export type DriftEvent = z.infer<typeof DriftEventSchema>;

export interface RevertPorts {
  organizations: OrganizationsClient;
  directory: OrganizationDirectory;
  config: ReactionsConfig;
  events: EventBridgeClient;
  eventBusName: string;
}

/** Who changed what, and when: what `Guardrail Drift Reverted` reports, from the CloudTrail record. */
export interface Drift {
  eventName: DriftEvent['detail']['eventName'];
  eventId: string;
  eventTime: string;
  by: { arn: string | undefined; type: string | undefined; accountId: string | undefined };
  policyId?: string;
  policyName?: string;
  targetId?: string;
  rootId?: string;
  policyType?: string;
}

/** One call orgflow made to put a guardrail back. */
export type RevertAction =
  | { action: 'AttachPolicy'; policyId: string; policyName: string; targetId: string }
  | { action: 'UpdatePolicy'; policyId: string; policyName: string }
  | { action: 'EnablePolicyType'; rootId: string; policyType: string };

/** Why a drift event changed nothing (one of a few names, for logs and metrics). */
export type NoRevertReason =
  | 'own-change'
  | 'policy-not-found'
  | 'not-a-guardrail'
  | 'not-a-guardrail-target'
  | 'management-account'
  | 'target-not-found'
  | 'already-attached'
  | 'policy-type-disabled'
  | 'approved-content'
  | 'no-approved-content'
  | 'conflicting-approved-content'
  | 'type-not-guarded'
  | 'in-shape';

export type RevertOutcome =
  | { reverted: true; drift: Drift; actions: RevertAction[] }
  | { reverted: false; drift: Drift; reason: NoRevertReason; detail: string };

/** The event announcing a revert; `Guardrail Drift Detected` reports an update it could not revert. */
export const REVERTED_DETAIL_TYPE = 'Guardrail Drift Reverted';
export const DETECTED_DETAIL_TYPE = 'Guardrail Drift Detected';

/**
 * Revert Guardrail Drift: a guardrail of the configuration (a policy selected by id, name or tag) detached from
 * a target the configuration names is attached again; its content updated away from `approvedContent` is
 * restored; its type disabled on the root is enabled again and every guardrail of that type re-attached where
 * configured. It compares the organization as it is now with the configuration before each call, so a
 * duplicate, a replay, a late event or orgflow's own restoring `UpdatePolicy` changes nothing; a change by one
 * of `ownPrincipals` is never reverted. Only configured guardrails are touched, never on the management
 * account. Throttling and concurrent modification are thrown, for the delivery to be retried.
 */
export async function revertGuardrailDrift(ports: RevertPorts, event: DriftEvent): Promise<RevertOutcome> {
  const { detail } = event;
  const identity = detail.userIdentity;
  const report: Drift = {
    eventName: detail.eventName,
    eventId: detail.eventID,
    eventTime: detail.eventTime,
    by: { arn: identity.arn, type: identity.type, accountId: identity.accountId },
  };
  const own = ownPrincipal(ports.config, identity);
  if (own !== undefined)
    return { reverted: false, drift: report, reason: 'own-change', detail: `made by ${own}, orgflow's own` };

  let outcome: RevertOutcome;
  if (detail.eventName === 'DisablePolicyType') {
    report.rootId = detail.requestParameters.rootId;
    report.policyType = detail.requestParameters.policyType;
    outcome = await restorePolicyType(ports, report, detail.requestParameters);
  } else {
    report.policyId = detail.requestParameters.policyId;
    if (detail.eventName === 'DetachPolicy') report.targetId = detail.requestParameters.targetId;
    const policy = await describePolicy(ports.organizations, detail.requestParameters.policyId);
    if (policy === undefined)
      return {
        reverted: false,
        drift: report,
        reason: 'policy-not-found',
        detail: `policy ${detail.requestParameters.policyId} no longer exists`,
      };
    report.policyName = policy.name;
    const guardrails = await guardrailsSelecting(ports, policy);
    if (guardrails.length === 0)
      return {
        reverted: false,
        drift: report,
        reason: 'not-a-guardrail',
        detail: `${policy.name} is not a guardrail of the configuration`,
      };
    outcome =
      detail.eventName === 'DetachPolicy'
        ? await reattach(ports, report, policy, guardrails, detail.requestParameters.targetId)
        : await restoreContent(ports, report, policy, guardrails, detail.requestParameters.content);
  }
  // the event's own id names the fact, for consumers that drop a duplicate publication
  if (outcome.reverted)
    await publishEvent(ports.events, ports.eventBusName, REVERTED_DETAIL_TYPE, {
      ...outcome.drift,
      actions: outcome.actions,
      sourceEventId: detail.eventID,
    });
  else if (outcome.reason === 'no-approved-content')
    await publishEvent(ports.events, ports.eventBusName, DETECTED_DETAIL_TYPE, {
      ...outcome.drift,
      reason: outcome.reason,
      detail: outcome.detail,
      sourceEventId: detail.eventID,
    });
  return outcome;
}

const noRevert =
  (drift: Drift) =>
  (reason: NoRevertReason, detail: string): RevertOutcome => ({ reverted: false, drift, reason, detail });

interface Policy {
  id: string;
  name: string;
  type: string;
  content: string;
}

async function reattach(
  ports: RevertPorts,
  report: Drift,
  policy: Policy,
  guardrails: readonly Guardrail[],
  targetId: string,
): Promise<RevertOutcome> {
  const no = noRevert(report);
  const refs = guardrails.flatMap((guardrail) => guardrail.attachedTo);
  if (!(await anyRefersTo(ports.directory, refs, targetId)))
    return no('not-a-guardrail-target', `the configuration does not keep ${policy.name} on ${targetId}`);
  if (await isManagementAccount(ports.organizations, targetId))
    return no('management-account', `${targetId} is the management account, which orgflow never targets`);
  const attach = await attachIfMissing(ports.organizations, policy, targetId);
  if (attach !== 'attached') return no(attach, `${policy.name} on ${targetId}: ${attach}`);
  return {
    reverted: true,
    drift: report,
    actions: [{ action: 'AttachPolicy', policyId: policy.id, policyName: policy.name, targetId }],
  };
}

async function restoreContent(
  ports: RevertPorts,
  report: Drift,
  policy: Policy,
  guardrails: readonly Guardrail[],
  updatedContent: string | undefined,
): Promise<RevertOutcome> {
  const no = noRevert(report);
  const approved = guardrails.flatMap((guardrail) =>
    guardrail.approvedContent === undefined ? [] : [guardrail.approvedContent],
  );
  const [first, ...others] = approved;
  if (first === undefined)
    return no(
      'no-approved-content',
      updatedContent === undefined
        ? `${policy.name} was updated (not its content) and has no approved content`
        : `${policy.name}'s content was changed and the configuration approves no content for it: not reverted`,
    );
  if (others.some((content) => !sameDocument(content, first)))
    return no('conflicting-approved-content', `guardrails approve different contents for ${policy.name}`);
  if (sameDocument(policy.content, first))
    return no('approved-content', `${policy.name} has its approved content`);
  try {
    await ports.organizations.send(new UpdatePolicyCommand({ PolicyId: policy.id, Content: first }));
  } catch (error) {
    if (error instanceof PolicyNotFoundException)
      return no('policy-not-found', `policy ${policy.id} no longer exists`);
    throw error;
  }
  return {
    reverted: true,
    drift: report,
    actions: [{ action: 'UpdatePolicy', policyId: policy.id, policyName: policy.name }],
  };
}

async function restorePolicyType(
  ports: RevertPorts,
  report: Drift,
  { rootId, policyType }: { rootId: string; policyType: string },
): Promise<RevertOutcome> {
  const no = noRevert(report);
  const type = PolicyTypeSchema.safeParse(policyType);
  const guarded = type.success ? await guardrailPoliciesOfType(ports, type.data) : [];
  if (!type.success || guarded.length === 0)
    return no('type-not-guarded', `no guardrail of the configuration is a ${policyType}`);
  const actions: RevertAction[] = [];
  const { organizations } = ports;
  const { Roots } = await organizations.send(new ListRootsCommand({}));
  const root = Roots?.find((candidate) => candidate.Id === rootId);
  if (root === undefined) return no('target-not-found', `root ${rootId} is not this organization's root`);
  if (
    !root.PolicyTypes?.some((enabled) => enabled.Type === policyType && enabled.Status !== 'PENDING_DISABLE')
  )
    try {
      await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type.data }));
      actions.push({ action: 'EnablePolicyType', rootId, policyType });
    } catch (error) {
      if (error instanceof RootNotFoundException)
        return no('target-not-found', `root ${rootId} no longer exists`);
      // enabled meanwhile by someone else: what the guardrails want
      if (!(error instanceof PolicyTypeAlreadyEnabledException)) throw error;
    }
  const toAccounts = guarded.some(({ attachedTo }) => attachedTo.some(isAccountId));
  const management = toAccounts ? await managementAccountOf(organizations) : undefined;
  for (const { policy, attachedTo } of guarded)
    for (const ref of attachedTo) {
      const targetId = await targetIdOf(ports.directory, ref);
      // a target that is gone, or the management account, is skipped; the others are still put back
      if (targetId === undefined || targetId === management) continue;
      // a type enabled a moment ago may still be PENDING_ENABLE: PolicyTypeNotEnabledException is retried
      const attach = await attachIfMissing(organizations, policy, targetId, { typeMayBePending: true });
      if (attach === 'attached')
        actions.push({ action: 'AttachPolicy', policyId: policy.id, policyName: policy.name, targetId });
    }
  if (actions.length === 0)
    return no('in-shape', `${policyType} is enabled and every guardrail of that type is attached`);
  return { reverted: true, drift: report, actions };
}

/** `attached`, or why it was not: already there (by anyone, even concurrently), or its target or policy gone. */
async function attachIfMissing(
  organizations: OrganizationsClient,
  policy: { id: string; type: string },
  targetId: string,
  options: { typeMayBePending?: boolean } = {},
): Promise<
  'attached' | 'already-attached' | 'target-not-found' | 'policy-not-found' | 'policy-type-disabled'
> {
  try {
    for await (const page of paginateListPoliciesForTarget(
      { client: organizations },
      { TargetId: targetId, Filter: policy.type as PolicyType },
    ))
      if (page.Policies?.some((attached) => attached.Id === policy.id)) return 'already-attached';
    await organizations.send(new AttachPolicyCommand({ PolicyId: policy.id, TargetId: targetId }));
    return 'attached';
  } catch (error) {
    if (error instanceof DuplicatePolicyAttachmentException) return 'already-attached';
    if (error instanceof TargetNotFoundException) return 'target-not-found';
    if (error instanceof PolicyNotFoundException) return 'policy-not-found';
    // the type was disabled after the detach: the DisablePolicyType event's revert re-attaches it
    if (error instanceof PolicyTypeNotEnabledException && !options.typeMayBePending)
      return 'policy-type-disabled';
    throw error;
  }
}

/** The patterns of `ownPrincipals` that name the caller, if any. */
function ownPrincipal(config: ReactionsConfig, identity: z.infer<typeof UserIdentitySchema>) {
  const { arn, accountId } = identity;
  if (arn === undefined) return undefined;
  const caller = { arn, accountId: accountId ?? '' };
  return config.ownPrincipals.find((pattern) => matchesPrincipal(pattern, caller));
}

async function describePolicy(
  organizations: OrganizationsClient,
  policyId: string,
): Promise<Policy | undefined> {
  try {
    const { Policy } = await organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
    const summary = Policy?.PolicySummary;
    if (!summary?.Id || !summary.Name || !summary.Type) return undefined;
    return { id: summary.Id, name: summary.Name, type: summary.Type, content: Policy?.Content ?? '' };
  } catch (error) {
    if (error instanceof PolicyNotFoundException) return undefined;
    throw error;
  }
}

/** A `policyTag` selector `key=value` as its two parts. */
function tagSelector(selector: string): { key: string; value: string } {
  const at = selector.indexOf('=');
  return { key: selector.slice(0, at), value: selector.slice(at + 1) };
}

/** The guardrails that select a policy: by its id, its name, or a tag it carries (its tags read only then). */
async function guardrailsSelecting(ports: RevertPorts, policy: Policy): Promise<Guardrail[]> {
  const { guardrails } = ports.config;
  const tagged = guardrails.some((guardrail) => guardrail.policyTag !== undefined);
  const tags = tagged ? await tagsOf(ports.organizations, policy.id) : {};
  return guardrails.filter((guardrail) => {
    if (guardrail.policy !== undefined)
      return guardrail.policy === policy.id || guardrail.policy === policy.name;
    const { key, value } = tagSelector(guardrail.policyTag ?? '=');
    return tags[key] === value;
  });
}

/** Every guardrail policy of one type, with the targets the configuration keeps it on. */
async function guardrailPoliciesOfType(
  ports: RevertPorts,
  type: PolicyType,
): Promise<{ policy: Policy; attachedTo: string[] }[]> {
  const found = new Map<string, { policy: Policy; attachedTo: string[] }>();
  const add = (policy: { id: string; name: string }, attachedTo: readonly string[]) => {
    const known = found.get(policy.id) ?? { policy: { ...policy, type, content: '' }, attachedTo: [] };
    known.attachedTo.push(...attachedTo.filter((ref) => !known.attachedTo.includes(ref)));
    found.set(policy.id, known);
  };
  for (const guardrail of ports.config.guardrails) {
    if (guardrail.policy !== undefined) {
      for (const policy of await findPolicies(ports.directory, [guardrail.policy], [type]))
        add(policy, guardrail.attachedTo);
      continue;
    }
    const { key, value } = tagSelector(guardrail.policyTag ?? '=');
    for (const summary of await ports.directory.policies(type))
      if (summary.Id && summary.Name && !summary.AwsManaged)
        if ((await tagsOf(ports.organizations, summary.Id))[key] === value)
          add({ id: summary.Id, name: summary.Name }, guardrail.attachedTo);
  }
  return [...found.values()];
}

/** A configured target as an id: `Root`, an OU by id or path, an account id; undefined when it does not exist. */
async function targetIdOf(directory: OrganizationDirectory, ref: string): Promise<string | undefined> {
  if (ref === 'Root') return directory.rootId();
  if (isAccountId(ref) || isOrganizationalUnitId(ref)) return ref;
  return idOfPath(directory, pathSegments(ref));
}

/** Whether a configured target is `targetId`; paths (and `Root`) are resolved only when no id names it. */
async function anyRefersTo(
  directory: OrganizationDirectory,
  refs: readonly string[],
  targetId: string,
): Promise<boolean> {
  if (refs.includes(targetId)) return true;
  for (const ref of refs)
    if (!isAccountId(ref) && !isOrganizationalUnitId(ref) && (await targetIdOf(directory, ref)) === targetId)
      return true;
  return false;
}

async function managementAccountOf(organizations: OrganizationsClient): Promise<string | undefined> {
  const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
  return Organization?.MasterAccountId;
}

/** Only an account can be the management account: OUs and the root cost no call. */
async function isManagementAccount(organizations: OrganizationsClient, targetId: string): Promise<boolean> {
  return isAccountId(targetId) && (await managementAccountOf(organizations)) === targetId;
}

const isAccountId = (ref: string) => /^\d{12}$/.test(ref);

/** Two policy documents with the same JSON (whitespace and key order aside). */
export function sameDocument(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
}
