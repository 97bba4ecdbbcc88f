import type {
  AcceptHandshakeRequest,
  CancelHandshakeRequest,
  DeclineHandshakeRequest,
  DescribeHandshakeRequest,
  HandshakeFilter,
  InviteAccountToOrganizationRequest,
  ListHandshakesForAccountRequest,
  ListHandshakesForOrganizationRequest,
} from '@aws-sdk/client-organizations';
import { arn } from '../arns';
import { membershipEvent } from '../cloudtrail';
import {
  administeredOrganization,
  callerAccount,
  managedOrganization,
  type OperationContext,
  type TimerHandler,
} from '../context';
import { attachManagedDefaults, rootOf } from '../entities';
import {
  accessDenied,
  constraintViolation,
  handshakeConstraintViolation,
  invalidInput,
  notFound,
  OrganizationsError,
} from '../errors';
import { newId } from '../ids';
import type { AccountRow, HandshakeRow, OrganizationRow, Tag } from '../model';
import { paginate } from '../pagination';
import { accountQuotaUsage } from './accounts';
import { op } from './define';
import {
  accountOfParty,
  addHandshake,
  checkTargetParty,
  completeHandshake,
  type FinalState,
  handshakeLifetimes,
  handshakeTimerKinds,
  handshakeView,
  invalidTransition,
  isPending,
  isRecipient,
  type Party,
} from './handshake-rows';
import { mergeTags, setTags } from './tags';
import { acceptTransferHandshake, settleTransferHandshake } from './transfers';

const DAY = 24 * 60 * 60 * 1000;
// invitations per rolling 24 hours: the higher of 20 and the account quota; accepted ones give their slot
// back (reference §3.1). Not in Limits (config.ts belongs to the lifecycle work): derived from accountQuota.
const invitationsPerDay = (accountQuota: number): number => Math.max(20, accountQuota);
// "Standard migration limited to orgs with < 5000 accounts" (reference §3.1, ConstraintViolation docs)
const allFeaturesMigrationMaxAccounts = 5000;

// ---- who may see and act on a handshake ----

/**
 * A handshake the caller may see: one sent to it, or one its organization sent. DescribeHandshake "can be called
 * from any account in the organization" (seed reference), and the invitee, outside it, must see its invitation.
 * Anyone else gets HandshakeNotFoundException: AWS does not reveal other organizations' handshakes.
 */
function visibleHandshake(ctx: OperationContext, id: string): HandshakeRow {
  const h = ctx.store.handshakes.get(id);
  const caller = ctx.store.accounts.get(ctx.callerAccountId);
  if (!h) throw notFound('HandshakeNotFoundException', id);
  if (
    isRecipient(h, ctx.callerAccountId, caller?.email) ||
    h.senderAccountId === ctx.callerAccountId ||
    (caller?.orgId && caller.orgId === h.orgId)
  )
    return h;
  throw notFound('HandshakeNotFoundException', id);
}

// a party acting outside its role (the sender accepting, the recipient cancelling) is refused as AWS refuses a
// principal it does not authorize for that handshake: UNVERIFIED, AWS documents only who may call
function requireRecipient(ctx: OperationContext, h: HandshakeRow): AccountRow {
  const account = callerAccount(ctx);
  if (!isRecipient(h, account.id, account.email))
    throw accessDenied(
      `Only the recipient of handshake ${h.id} can ${ctx.operation === 'AcceptHandshake' ? 'accept' : 'decline'} it; its sender can cancel it with CancelHandshake.`,
    );
  return account;
}

function requireSender(ctx: OperationContext, h: HandshakeRow): void {
  if (h.senderAccountId !== ctx.callerAccountId)
    throw accessDenied(
      `Only account ${h.senderAccountId}, which sent handshake ${h.id}, can cancel it; its recipient can decline it with DeclineHandshake.`,
    );
}

const allowedFrom: Record<Exclude<FinalState, 'EXPIRED'>, HandshakeRow['state'][]> = {
  ACCEPTED: ['OPEN'],
  DECLINED: ['OPEN', 'REQUESTED'],
  CANCELED: ['OPEN', 'REQUESTED'],
};

function requireTransition(ctx: OperationContext, h: HandshakeRow, to: Exclude<FinalState, 'EXPIRED'>): void {
  if (h.state === to)
    throw new OrganizationsError(
      'HandshakeAlreadyInStateException',
      `The specified handshake is already in the requested state: ${h.id} is already ${to}.`,
    );
  if (allowedFrom[to].includes(h.state)) return;
  if (h.state === 'REQUESTED' && h.action === 'ENABLE_ALL_FEATURES')
    // no HandshakeConstraintViolation reason fits; the handshake simply is not open for acceptance yet
    throw invalidTransition(
      h,
      `it opens once every invited member account has approved; still waiting for ${waitingFor(ctx, h).join(', ')}.`,
    );
  throw invalidTransition(h, `only ${allowedFrom[to].join(' or ')} handshakes can become ${to}.`);
}

// ---- enable all features ----

function pendingAllFeaturesRound(ctx: OperationContext, org: OrganizationRow): HandshakeRow | undefined {
  return ctx.store.handshakes
    .by('byOrg', org.id)
    .find((h) => h.action === 'ENABLE_ALL_FEATURES' && isPending(h));
}

/**
 * Member accounts whose approval an ENABLE_ALL_FEATURES round still lacks (an open or declined request); accounts
 * that left don't count, nor `departing`, which is leaving now.
 */
function waitingFor(ctx: OperationContext, parent: HandshakeRow, departing?: string): string[] {
  return ctx.store.handshakes
    .by('byParent', parent.id)
    .filter((child) => child.state !== 'ACCEPTED')
    .map((child) => child.recipientAccountId!)
    .filter((id) => id !== departing && ctx.store.accounts.get(id)?.orgId === parent.orgId);
}

/** Opens the round's ENABLE_ALL_FEATURES handshake to the management account once no approval is missing. */
function reviewAllFeaturesRound(ctx: OperationContext, parentId: string, departing?: string): void {
  const parent = ctx.store.handshakes.get(parentId);
  if (parent?.state === 'REQUESTED' && waitingFor(ctx, parent, departing).length === 0)
    ctx.store.handshakes.put({ ...parent, state: 'OPEN' });
}

function approvalRequest(org: OrganizationRow, parent: HandshakeRow, accountId: string): HandshakeRow {
  const id = newId.handshake();
  return {
    id,
    orgId: org.id,
    arn: arn.handshake(org, 'APPROVE_ALL_FEATURES', id),
    action: 'APPROVE_ALL_FEATURES',
    state: 'OPEN',
    // the user guide's transcripts show this party's Id without "o-"; the API examples show the full id, used here
    parties: [
      { Id: org.id, Type: 'ORGANIZATION' },
      { Id: accountId, Type: 'ACCOUNT' },
    ],
    resources: [
      { Type: 'PARENT_HANDSHAKE', Value: parent.id },
      { Type: 'ORGANIZATION', Value: org.id },
      { Type: 'ACCOUNT', Value: accountId },
    ],
    requestedAt: parent.requestedAt,
    expiresAt: parent.expiresAt,
    completedAt: null,
    senderAccountId: org.managementAccountId,
    recipientAccountId: accountId,
    parentHandshakeId: parent.id,
    tags: [],
  };
}

/**
 * A member's answer to an approval request is recorded in the management account, which owns the handshake (its
 * ARN) and runs the round. UNVERIFIED where AWS logs it (reference §5.1): CloudTrail records a call in the caller's
 * account, and a call on a resource another account owns also in the owner's ("recipientAccountId … may be
 * different from the userIdentity accountId … in cross-account resource access", CloudTrail record contents).
 * The emulator publishes one record per call, so it gives the owner's: the one the sender's workflow listens to.
 */
function recordAnswerWithRound(ctx: OperationContext, h: HandshakeRow): void {
  if (h.action === 'APPROVE_ALL_FEATURES' && h.senderAccountId !== ctx.callerAccountId)
    ctx.recordCallIn(h.senderAccountId);
}

// ---- what settling a handshake does ----

/** Consequences of a handshake ending other than by acceptance: its round's requests, its transfer. */
function afterSettled(ctx: OperationContext, h: HandshakeRow): void {
  if (h.action === 'ENABLE_ALL_FEATURES' && h.state !== 'ACCEPTED')
    // UNVERIFIED whether cancelling (or declining) the round cascades; the doc says a pending approval "is
    // canceled" with the process, so open requests end with it (EXPIRED when the round expired)
    for (const child of ctx.store.handshakes.by('byParent', h.id))
      if (isPending(child)) completeHandshake(ctx, child, h.state === 'EXPIRED' ? 'EXPIRED' : 'CANCELED');
  if (h.action === 'TRANSFER_RESPONSIBILITY') settleTransferHandshake(ctx, h);
}

function joinOrganization(ctx: OperationContext, h: HandshakeRow, account: AccountRow): HandshakeRow {
  const org = ctx.store.organizations.get(h.orgId);
  if (!org) throw invalidTransition(h, `organization ${h.orgId}, which sent it, no longer exists.`);
  if (account.orgId !== null) {
    const current = ctx.store.organizations.get(account.orgId);
    if (current?.managementAccountId === account.id)
      throw new OrganizationsError(
        'MasterCannotLeaveOrganizationException',
        `Account ${account.id} is the management account of ${current.id}; delete that organization before joining another.`,
      );
    throw handshakeConstraintViolation(
      'ALREADY_IN_AN_ORGANIZATION',
      `Account ${account.id} already belongs to organization ${account.orgId}; leave it before accepting.`,
    );
  }
  // the invitation holds a slot of the quota (counted in accountQuotaUsage); refuse only if the quota shrank below it
  if (accountQuotaUsage(ctx.store, org.id) > ctx.limits.accountQuota)
    throw handshakeConstraintViolation(
      'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
      `Organization ${org.id} has no room left under its quota of ${ctx.limits.accountQuota} accounts.`,
    );
  ctx.store.accounts.put({
    ...account,
    orgId: org.id,
    parentId: rootOf(ctx.store, org).id,
    joinedMethod: 'INVITED',
    joinedAt: ctx.clock.now(),
  });
  attachManagedDefaults(ctx, org, account.id);
  if (h.tags.length > 0) setTags(ctx, org.id, account.id, h.tags);
  // the invitee's AcceptHandshake stays in its own account; the management account learns of the joining by this
  ctx.emit(
    membershipEvent({
      managementAccountId: org.managementAccountId,
      accountId: account.id,
      change: { joinedMethod: 'INVITED' },
      now: ctx.clock.now(),
    }),
  );
  return completeHandshake(ctx, h, 'ACCEPTED', { recipientAccountId: account.id });
}

function accept(ctx: OperationContext, h: HandshakeRow, account: AccountRow): HandshakeRow {
  switch (h.action) {
    case 'INVITE':
      return joinOrganization(ctx, h, account);
    case 'APPROVE_ALL_FEATURES': {
      if (account.orgId !== h.orgId)
        throw invalidTransition(h, `account ${account.id} is no longer a member of ${h.orgId}.`);
      const accepted = completeHandshake(ctx, h, 'ACCEPTED');
      reviewAllFeaturesRound(ctx, h.parentHandshakeId!);
      return accepted;
    }
    case 'ENABLE_ALL_FEATURES': {
      const org = ctx.store.organizations.get(h.orgId);
      if (!org) throw invalidTransition(h, `organization ${h.orgId} no longer exists.`);
      // SCPs are not enabled in the root by this: only CreateOrganization with ALL does that (reference §4.3)
      ctx.store.organizations.put({ ...org, featureSet: 'ALL' });
      return completeHandshake(ctx, h, 'ACCEPTED');
    }
    case 'TRANSFER_RESPONSIBILITY':
      acceptTransferHandshake(ctx, h);
      return completeHandshake(ctx, h, 'ACCEPTED');
    default:
      return completeHandshake(ctx, h, 'ACCEPTED');
  }
}

// ---- invitations ----

/** Keys that identify an invitation's target, by account id and by email, so both spellings count as the same. */
function targetKeys(ctx: OperationContext, party: Party): Set<string> {
  const keys = new Set([`${party.Type}:${party.Id.toLowerCase()}`]);
  const account = accountOfParty(ctx.store, party);
  if (account) {
    keys.add(`ACCOUNT:${account.id}`);
    keys.add(`EMAIL:${account.email.toLowerCase()}`);
  }
  return keys;
}

function openInvitationTo(
  ctx: OperationContext,
  org: OrganizationRow,
  party: Party,
): HandshakeRow | undefined {
  const keys = targetKeys(ctx, party);
  return ctx.store.handshakes.by('byOrg', org.id).find((h) => {
    if (h.action !== 'INVITE' || !isPending(h)) return false;
    const target = h.parties.find((p) => p.Type !== 'ORGANIZATION') as Party;
    return [...targetKeys(ctx, target)].some((key) => keys.has(key));
  });
}

function checkInvitationRate(ctx: OperationContext, org: OrganizationRow): void {
  const since = ctx.clock.now() - DAY;
  const limit = invitationsPerDay(ctx.limits.accountQuota);
  const sent = ctx.store.handshakes
    .by('byOrg', org.id)
    .filter((h) => h.action === 'INVITE' && h.requestedAt > since && h.state !== 'ACCEPTED').length;
  if (sent >= limit)
    throw handshakeConstraintViolation(
      'HANDSHAKE_RATE_LIMIT_EXCEEDED',
      `Organization ${org.id} sent ${sent} invitations in the last 24 hours, the most it may (accepted ones don't count); try again later.`,
    );
}

function invite(ctx: OperationContext, org: OrganizationRow, input: InviteAccountToOrganizationRequest) {
  const target = checkTargetParty(input.Target!);
  const tags: Tag[] = (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value! }));
  // bad tags fail the invitation itself (InviteAccountToOrganization, Tags)
  mergeTags(ctx, [], tags);
  if (pendingAllFeaturesRound(ctx, org))
    throw handshakeConstraintViolation(
      'INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES',
      `Organization ${org.id} is enabling all features; finish or cancel that first.`,
    );
  const invitee = accountOfParty(ctx.store, target);
  if (invitee?.orgId)
    throw handshakeConstraintViolation(
      'ALREADY_IN_AN_ORGANIZATION',
      `Account ${invitee.id} (${target.Id}) already belongs to organization ${invitee.orgId}.`,
    );
  const duplicate = openInvitationTo(ctx, org, target);
  if (duplicate)
    throw new OrganizationsError(
      'DuplicateHandshakeException',
      `Handshake ${duplicate.id} already invites ${target.Id}; cancel it before inviting again.`,
    );
  checkInvitationRate(ctx, org);
  const used = accountQuotaUsage(ctx.store, org.id);
  if (used >= ctx.limits.accountQuota)
    throw handshakeConstraintViolation(
      'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
      `Organization ${org.id} already uses ${used} of its ${ctx.limits.accountQuota} accounts (open invitations count too); cancel invitations, remove accounts or raise the quota.`,
    );
  const management = ctx.store.accounts.get(org.managementAccountId)!;
  const now = ctx.clock.now();
  const id = newId.handshake();
  return addHandshake(ctx, {
    id,
    orgId: org.id,
    arn: arn.handshake(org, 'INVITE', id),
    action: 'INVITE',
    state: 'OPEN',
    parties: [{ Id: org.id, Type: 'ORGANIZATION' }, target],
    resources: [
      {
        Type: 'ORGANIZATION',
        Value: org.id,
        Resources: [
          { Type: 'MASTER_EMAIL', Value: management.email },
          { Type: 'MASTER_NAME', Value: management.name },
          { Type: 'ORGANIZATION_FEATURE_SET', Value: org.featureSet },
        ],
      },
      { Type: target.Type, Value: target.Id },
      ...(input.Notes === undefined ? [] : [{ Type: 'NOTES', Value: input.Notes }]),
    ],
    requestedAt: now,
    expiresAt: now + handshakeLifetimes.invite,
    completedAt: null,
    senderAccountId: org.managementAccountId,
    // an EMAIL invitation names its account when that account accepts
    recipientAccountId: target.Type === 'ACCOUNT' ? target.Id : null,
    parentHandshakeId: null,
    tags,
  });
}

// ---- listings ----

function handshakeFilter(filter: HandshakeFilter | undefined): {
  key: string;
  keep: (h: HandshakeRow) => boolean;
} {
  const { ActionType, ParentHandshakeId } = filter ?? {};
  if (ActionType !== undefined && ParentHandshakeId !== undefined)
    throw invalidInput(
      'MAX_LIMIT_EXCEEDED_FILTER',
      'Filter takes either ActionType or ParentHandshakeId, not both; make one request per filter.',
    );
  if (ActionType !== undefined) return { key: `action:${ActionType}`, keep: (h) => h.action === ActionType };
  if (ParentHandshakeId !== undefined)
    return { key: `parent:${ParentHandshakeId}`, keep: (h) => h.parentHandshakeId === ParentHandshakeId };
  return { key: '', keep: () => true };
}

// ---- for the membership work ----

/**
 * An account left (or was removed from) `orgId`, and is still its member while this runs: its pending requests
 * end, and it is out of the round (AWS-undocumented, see README): a round that waited only for it, its request
 * open or declined, opens to the management account.
 */
export function onAccountDeparted(ctx: OperationContext, orgId: string, accountId: string): void {
  for (const h of ctx.store.handshakes.by('byRecipient', accountId)) {
    if (h.orgId !== orgId || !isPending(h)) continue;
    completeHandshake(ctx, h, 'CANCELED');
    if (h.parentHandshakeId) reviewAllFeaturesRound(ctx, h.parentHandshakeId, accountId);
  }
  const round = ctx.store.handshakes
    .by('byOrg', orgId)
    .find((h) => h.action === 'ENABLE_ALL_FEATURES' && h.state === 'REQUESTED');
  if (round) reviewAllFeaturesRound(ctx, round.id, accountId);
}

export const handshakeOperations = {
  InviteAccountToOrganization: op<InviteAccountToOrganizationRequest>((ctx, input) => ({
    Handshake: handshakeView(invite(ctx, managedOrganization(ctx), input)),
  })),

  AcceptHandshake: op<AcceptHandshakeRequest>((ctx, input) => {
    let h = visibleHandshake(ctx, input.HandshakeId!);
    const account = requireRecipient(ctx, h);
    // members removed since the last approval no longer hold the round back (onAccountDeparted normally saw to it)
    if (h.action === 'ENABLE_ALL_FEATURES') {
      reviewAllFeaturesRound(ctx, h.id);
      h = ctx.store.handshakes.get(h.id)!;
    }
    requireTransition(ctx, h, 'ACCEPTED');
    recordAnswerWithRound(ctx, h);
    return { Handshake: handshakeView(accept(ctx, h, account)) };
  }),

  DeclineHandshake: op<DeclineHandshakeRequest>((ctx, input) => {
    const h = visibleHandshake(ctx, input.HandshakeId!);
    requireRecipient(ctx, h);
    requireTransition(ctx, h, 'DECLINED');
    // a declined APPROVE_ALL_FEATURES leaves its round REQUESTED: the management account removes the account, or
    // cancels the round and calls EnableAllFeatures again (AWS's "resend" has no API of its own; UNVERIFIED)
    const declined = completeHandshake(ctx, h, 'DECLINED');
    afterSettled(ctx, declined);
    recordAnswerWithRound(ctx, h);
    return { Handshake: handshakeView(declined) };
  }),

  CancelHandshake: op<CancelHandshakeRequest>((ctx, input) => {
    const h = visibleHandshake(ctx, input.HandshakeId!);
    requireSender(ctx, h);
    requireTransition(ctx, h, 'CANCELED');
    const canceled = completeHandshake(ctx, h, 'CANCELED');
    afterSettled(ctx, canceled);
    return { Handshake: handshakeView(canceled) };
  }),

  DescribeHandshake: op<DescribeHandshakeRequest>((ctx, input) => ({
    Handshake: handshakeView(visibleHandshake(ctx, input.HandshakeId!)),
  })),

  // open to accounts outside any organization too: that is how an invitee finds its invitation
  ListHandshakesForAccount: op<ListHandshakesForAccountRequest>((ctx, input) => {
    const filter = handshakeFilter(input.Filter);
    const email = ctx.store.accounts.get(ctx.callerAccountId)?.email;
    const handshakes = [...ctx.store.handshakes.values()].filter(
      (h) => isRecipient(h, ctx.callerAccountId, email) && filter.keep(h),
    );
    const { page, NextToken } = paginate(ctx, handshakes, input, `${ctx.callerAccountId}:${filter.key}`);
    return { Handshakes: page.map(handshakeView), NextToken };
  }),

  ListHandshakesForOrganization: op<ListHandshakesForOrganizationRequest>((ctx, input) => {
    const org = administeredOrganization(ctx);
    const filter = handshakeFilter(input.Filter);
    const handshakes = ctx.store.handshakes.by('byOrg', org.id).filter(filter.keep);
    const { page, NextToken } = paginate(ctx, handshakes, input, `${org.id}:${filter.key}`);
    return { Handshakes: page.map(handshakeView), NextToken };
  }),

  /**
   * Starts a round: the ENABLE_ALL_FEATURES handshake (REQUESTED) for the management account and an
   * APPROVE_ALL_FEATURES handshake for every invited member. AWS's ActionType docs name the two the other way
   * round; the examples, the user guide's transcripts and the EnableAllFeatures doc agree with this (reference §4.3).
   */
  EnableAllFeatures: op((ctx) => {
    const org = managedOrganization(ctx);
    if (org.featureSet === 'ALL')
      throw handshakeConstraintViolation(
        'ORGANIZATION_ALREADY_HAS_ALL_FEATURES',
        `Organization ${org.id} already has all features.`,
      );
    const round = pendingAllFeaturesRound(ctx, org);
    if (round)
      throw handshakeConstraintViolation(
        'ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION',
        `Handshake ${round.id} is already enabling all features; accept or cancel it.`,
      );
    const accounts = ctx.store.accounts.by('byOrg', org.id);
    if (accounts.length >= allFeaturesMigrationMaxAccounts)
      throw constraintViolation(
        'ALL_FEATURES_MIGRATION_ORGANIZATION_SIZE_LIMIT_EXCEEDED',
        `Organization ${org.id} has ${accounts.length} accounts; the standard migration takes fewer than ${allFeaturesMigrationMaxAccounts}.`,
      );
    // invitations still open when the process starts are cancelled (reference §4.2)
    for (const h of ctx.store.handshakes.by('byOrg', org.id))
      if (h.action === 'INVITE' && isPending(h)) completeHandshake(ctx, h, 'CANCELED');
    const now = ctx.clock.now();
    const id = newId.handshake();
    const parent = addHandshake(ctx, {
      id,
      orgId: org.id,
      arn: arn.handshake(org, 'ENABLE_ALL_FEATURES', id),
      action: 'ENABLE_ALL_FEATURES',
      state: 'REQUESTED',
      parties: [{ Id: org.id, Type: 'ORGANIZATION' }],
      resources: [{ Type: 'ORGANIZATION', Value: org.id }],
      requestedAt: now,
      expiresAt: now + handshakeLifetimes.allFeatures,
      completedAt: null,
      senderAccountId: org.managementAccountId,
      recipientAccountId: org.managementAccountId,
      parentHandshakeId: null,
      tags: [],
    });
    // accounts made by CreateAccount need no approval, nor does the management account
    for (const account of accounts)
      if (account.joinedMethod === 'INVITED' && account.id !== org.managementAccountId)
        addHandshake(ctx, approvalRequest(org, parent, account.id));
    // with no member to ask, the round is open at once (and the response says so)
    reviewAllFeaturesRound(ctx, parent.id);
    return { Handshake: handshakeView(ctx.store.handshakes.get(parent.id)!) };
  }),
};

export const handshakeTimers: Record<string, TimerHandler> = {
  [handshakeTimerKinds.expiry]: (ctx, timer) => {
    const h = ctx.store.handshakes.get(timer.ref);
    if (!h || !isPending(h)) return;
    afterSettled(ctx, completeHandshake(ctx, h, 'EXPIRED'));
  },
  [handshakeTimerKinds.cleanup]: (ctx, timer) => {
    const h = ctx.store.handshakes.get(timer.ref);
    if (!h || isPending(h)) return;
    // a declined or cancelled request holds its round back (waitingFor reads it): it stays while the round is
    // pending, or a decline 30 days old would let the management account finish without that member's approval
    const parent = h.parentHandshakeId ? ctx.store.handshakes.get(h.parentHandshakeId) : undefined;
    if (h.state !== 'ACCEPTED' && parent && isPending(parent))
      ctx.schedule(handshakeTimerKinds.cleanup, h.id, Math.max(parent.expiresAt, ctx.clock.now() + 1));
    else ctx.store.handshakes.delete(h.id);
  },
};
