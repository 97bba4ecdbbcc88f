import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AttachPolicyCommand,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DuplicatePolicyAttachmentException,
  ListParentsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { z } from 'zod';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { ancestorsOf, findPolicies, resolveOrganizationalUnit } from '../../_shared/organization-lookup';
import { tagsOf } from '../../_shared/organization-snapshot';
import { isProtectedByTag, PROTECTED_TAG, protectingOu } from '../../_shared/protection';
import { publishEvent } from '../../_shared/publish-event';
import { PolicyTypeSchema } from '../../_shared/schemas';
import { REQUEST_MARK_TAG_KEY } from '../../account-vending/account-mark';
import { BASELINE_TAG_KEY, type ReactionsConfig } from '../reactions-config';

const AccountIdSchema = z.string().regex(/^\d{12}$/, 'an account id is 12 digits');

/**
 * The three ways AWS tells the management account that an account joined (events/samples/): a creation that
 * succeeded (`CreateAccountResult`, whoever asked for it), `AccountJoinedOrganization` (created or invited),
 * and the invitee's `AcceptHandshake` of an invitation where it reaches this bus. The rule
 * events/rules/baseline-joined-account.json delivers only these; each gives the account's id.
 */
export const JoinedEventSchema = z.object({
  source: z.literal('aws.organizations'),
  detail: z.union([
    z.looseObject({
      eventName: z.literal('CreateAccountResult'),
      eventID: z.string().min(1),
      serviceEventDetails: z.object({
        createAccountStatus: z.looseObject({ state: z.literal('SUCCEEDED'), accountId: AccountIdSchema }),
      }),
    }),
    z.looseObject({
      eventName: z.literal('AccountJoinedOrganization'),
      eventID: z.string().min(1),
      serviceEventDetails: z.looseObject({ accountId: AccountIdSchema }),
    }),
    z.looseObject({
      eventName: z.literal('AcceptHandshake'),
      eventID: z.string().min(1),
      responseElements: z.object({
        handshake: z.looseObject({
          action: z.string().refine((action) => action.toUpperCase() === 'INVITE', 'an invitation'),
          parties: z.array(z.looseObject({ type: z.string(), id: z.string() })),
        }),
      }),
    }),
  ]),
});
export type JoinedEvent = z.infer<typeof JoinedEventSchema>;

/** The account an event says joined; an accepted invitation names it among the handshake's parties. */
export function joinedAccountOf(event: JoinedEvent): string | undefined {
  const { detail } = event;
  if (detail.eventName === 'CreateAccountResult')
    return detail.serviceEventDetails.createAccountStatus.accountId;
  if (detail.eventName === 'AccountJoinedOrganization') return detail.serviceEventDetails.accountId;
  const party = detail.responseElements.handshake.parties.find((p) => p.type.toUpperCase() === 'ACCOUNT');
  return party !== undefined && AccountIdSchema.safeParse(party.id).success ? party.id : undefined;
}

export interface BaselinePorts {
  organizations: OrganizationsClient;
  directory: OrganizationDirectory;
  config: ReactionsConfig;
  /** the closure configuration's protected OUs (ids or paths): an account under one is never moved */
  protectedOrganizationalUnits: readonly string[];
  events: EventBridgeClient;
  eventBusName: string;
}

/** What the reaction did, or why it did nothing (the reason is one of a few names, for logs and metrics). */
export type BaselineOutcome =
  | {
      baselined: true;
      accountId: string;
      version: string;
      /** the OU it was moved into, or where it was left */
      organizationalUnit: string;
      moved: boolean;
      policiesAttached: string[];
    }
  | {
      baselined: false;
      accountId: string | undefined;
      reason:
        | 'no-baseline-configured'
        | 'no-account'
        | 'not-a-member'
        | 'management-account'
        | 'protected-account'
        | 'vended-by-orgflow'
        | 'already-baselined';
      detail: string;
    };

/**
 * Baseline Account: an account that joined outside orgflow is moved from the root to the landing OU, tagged
 * `orgflow:baseline=<version>` and given the baseline policies. It looks at the account as it is now, whatever
 * the event says, so a duplicate, a replay or a late event changes nothing:
 * - an account vended by orgflow (its `orgflow:request-id` mark), the management account, an account tagged
 *   protected, one no longer in the organization, or one already at this baseline's version: left alone;
 * - an account someone placed in an OU stays there unless `movePlacedAccounts`, and one under an OU the closure
 *   configuration protects stays there whatever it says (it would lose its protection in the landing OU).
 * The tag is written last: an account carrying it has its baseline, and a run cut short is completed by the
 * next delivery. `Account Baselined` announces it.
 */
export async function baselineAccount(ports: BaselinePorts, event: JoinedEvent): Promise<BaselineOutcome> {
  const accountId = joinedAccountOf(event);
  const baseline = ports.config.baseline;
  if (baseline === undefined)
    return {
      baselined: false,
      accountId,
      reason: 'no-baseline-configured',
      detail: 'no baseline is configured',
    };
  if (accountId === undefined)
    return { baselined: false, accountId, reason: 'no-account', detail: 'the event names no account' };
  const { organizations } = ports;

  const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
  if (Organization?.MasterAccountId === accountId)
    return { baselined: false, accountId, reason: 'management-account', detail: 'the management account' };
  const account = await describeMember(organizations, accountId);
  // State is the current field; Status the one it replaces (deprecated, still answered)
  const state = account?.State ?? account?.Status;
  if (account === undefined || state !== 'ACTIVE')
    return {
      baselined: false,
      accountId,
      reason: 'not-a-member',
      detail: account === undefined ? 'not in the organization' : `its state is ${state}`,
    };
  const tags = await tagsOf(organizations, accountId);
  if (isProtectedByTag(tags))
    return {
      baselined: false,
      accountId,
      reason: 'protected-account',
      detail: `tagged ${PROTECTED_TAG.key}=${PROTECTED_TAG.value}`,
    };
  const requestId = tags[REQUEST_MARK_TAG_KEY];
  if (requestId !== undefined)
    return {
      baselined: false,
      accountId,
      reason: 'vended-by-orgflow',
      detail: `vended by request ${requestId}`,
    };
  if (tags[BASELINE_TAG_KEY] === baseline.version)
    return {
      baselined: false,
      accountId,
      reason: 'already-baselined',
      detail: `already at baseline ${baseline.version}`,
    };

  const landing = await resolveOrganizationalUnit(ports.directory, baseline.landingOrganizationalUnit);
  if (landing === undefined)
    // a configuration naming an OU that is gone: thrown, so the delivery is retried and then dead-lettered
    throw new Error(`the landing OU ${baseline.landingOrganizationalUnit} of the baseline does not exist`);
  const rootId = await ports.directory.rootId();
  const parentId = await parentOf(organizations, accountId);
  let organizationalUnit = landing.path || 'Root';
  let moved = false;
  const movable =
    parentId === rootId || (baseline.movePlacedAccounts && !(await underProtectedOu(ports, accountId)));
  if (parentId !== landing.id && movable) {
    await organizations.send(
      new MoveAccountCommand({
        AccountId: accountId,
        SourceParentId: parentId,
        DestinationParentId: landing.id,
      }),
    );
    moved = true;
  } else if (parentId !== landing.id) organizationalUnit = parentId;

  const policies = await findPolicies(ports.directory, baseline.policies, PolicyTypeSchema.options);
  const missing = baseline.policies.filter((ref) => !policies.some((p) => p.id === ref || p.name === ref));
  if (missing.length > 0) throw new Error(`the baseline's policies ${missing.join(', ')} do not exist`);
  for (const policy of policies)
    try {
      await organizations.send(new AttachPolicyCommand({ PolicyId: policy.id, TargetId: accountId }));
    } catch (error) {
      // attached by an earlier delivery cut short, or by hand: what the baseline wants
      if (!(error instanceof DuplicatePolicyAttachmentException)) throw error;
    }
  await organizations.send(
    new TagResourceCommand({
      ResourceId: accountId,
      Tags: [{ Key: BASELINE_TAG_KEY, Value: baseline.version }],
    }),
  );
  const outcome = {
    baselined: true as const,
    accountId,
    version: baseline.version,
    organizationalUnit,
    moved,
    policiesAttached: policies.map((policy) => policy.name),
  };
  // the event's own id names the fact, for consumers that drop a duplicate publication
  await publishEvent(ports.events, ports.eventBusName, 'Account Baselined', {
    ...outcome,
    joinedBy: event.detail.eventName,
    sourceEventId: event.detail.eventID,
  });
  return outcome;
}

async function describeMember(organizations: OrganizationsClient, accountId: string) {
  try {
    return (await organizations.send(new DescribeAccountCommand({ AccountId: accountId }))).Account;
  } catch (error) {
    if ((error as Error).name === 'AccountNotFoundException') return undefined;
    throw error;
  }
}

/**
 * Whether the account is under an OU the closure configuration protects (the rule Check Account applies). A
 * protection that names no OU of the organization stops the baseline rather than let it guess.
 */
async function underProtectedOu(ports: BaselinePorts, accountId: string): Promise<boolean> {
  for (const ref of ports.protectedOrganizationalUnits)
    if ((await resolveOrganizationalUnit(ports.directory, ref)) === undefined)
      throw new Error(`the closure configuration protects ${ref}, which names no OU of the organization`);
  if (ports.protectedOrganizationalUnits.length === 0) return false;
  return (
    protectingOu(await ancestorsOf(ports.directory, accountId), ports.protectedOrganizationalUnits) !==
    undefined
  );
}

async function parentOf(organizations: OrganizationsClient, accountId: string): Promise<string> {
  const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
  const parentId = Parents?.[0]?.Id;
  if (parentId === undefined) throw new Error(`ListParents gave no parent for account ${accountId}`);
  return parentId;
}
