import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeAccountCommand,
  DescribeHandshakeCommand,
  type Handshake,
  ListHandshakesForOrganizationCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { publishEvent } from '../_shared/publish-event';
import {
  isAnswered,
  type MemberRecord,
  type MemberState,
  type MigrationStorePorts,
  type RoundEnd,
  readRoundMembers,
  setMemberState,
} from './migration-store';
import { sleepOnClock } from './pacing';

// A round of the migration as AWS shows it: the ENABLE_ALL_FEATURES handshake (the parent, the management
// account's) and the APPROVE_ALL_FEATURES handshakes of the invited members (its children), and the pure
// decision of where the round stands.

export type HandshakeState = 'REQUESTED' | 'OPEN' | 'ACCEPTED' | 'DECLINED' | 'CANCELED' | 'EXPIRED';

export interface MemberRequest {
  accountId: string;
  handshakeId: string;
  state: HandshakeState;
  expiresAt: number;
}

const accountOf = (h: Handshake): string | undefined =>
  h.Parties?.find((p) => p.Type === 'ACCOUNT')?.Id ?? h.Resources?.find((r) => r.Type === 'ACCOUNT')?.Value;

/** ListHandshakesForOrganization allows 5 calls a second per account, in bursts of 8 (reference §3.2). */
const LIST_PAGES_AT_ONCE = 5;
const LIST_PAGE_INTERVAL_MS = Math.ceil(1000 / (5 * 0.95));

/**
 * The APPROVE_ALL_FEATURES requests of the round whose ENABLE_ALL_FEATURES handshake is `parentId`, 20 a page:
 * a large round's pages beyond the first few go at ListHandshakesForOrganization's rate, as a throttled page costs
 * the SDK's back-off (seconds).
 */
export async function listMemberRequests(
  organizations: OrganizationsClient,
  parentId: string,
  sleep: (ms: number) => Promise<void> = (ms) => sleepOnClock(ms, () => Date.now()),
): Promise<MemberRequest[]> {
  const requests: MemberRequest[] = [];
  let NextToken: string | undefined;
  let pages = 0;
  do {
    if (++pages > LIST_PAGES_AT_ONCE) await sleep(LIST_PAGE_INTERVAL_MS);
    const page = await organizations.send(
      new ListHandshakesForOrganizationCommand({
        Filter: { ParentHandshakeId: parentId },
        MaxResults: 20,
        NextToken,
      }),
    );
    for (const h of page.Handshakes ?? []) {
      const accountId = accountOf(h);
      if (h.Action !== 'APPROVE_ALL_FEATURES' || !accountId || !h.Id) continue;
      requests.push({
        accountId,
        handshakeId: h.Id,
        state: h.State as HandshakeState,
        expiresAt: h.ExpirationTimestamp?.getTime() ?? 0,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return requests;
}

/** The ENABLE_ALL_FEATURES handshake's state now. */
export async function parentState(
  organizations: OrganizationsClient,
  handshakeId: string,
): Promise<HandshakeState> {
  const { Handshake } = await organizations.send(new DescribeHandshakeCommand({ HandshakeId: handshakeId }));
  return Handshake?.State as HandshakeState;
}

/**
 * Of the members that declined, those no longer in the organization (DescribeAccount: AccountNotFoundException):
 * the operator removed them, and they no longer hold the round back. AWS keeps a declined request listed with its
 * round; only a decline costs a call here.
 */
export async function departedMembers(
  organizations: OrganizationsClient,
  decliners: readonly string[],
): Promise<string[]> {
  const departed: string[] = [];
  for (const accountId of decliners)
    try {
      await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    } catch (error) {
      if ((error as Error).name !== 'AccountNotFoundException') throw error;
      departed.push(accountId);
    }
  return departed;
}

export type RoundDecision =
  | { outcome: 'approved' }
  | { outcome: 'restart'; end: Exclude<RoundEnd, 'approved'> }
  | { outcome: 'waiting' };

/**
 * Where a round stands. The parent says it first: OPEN (every member approved) or ACCEPTED → approved; ended →
 * a new round. Else a member's DECLINED or EXPIRED request ends the round. A CANCELED request with the parent
 * still pending does not: AWS cancels the request of a member that left the organization, and the round then no
 * longer waits for it (a request cancelled by hand holds the round until it expires).
 */
export function decideRound(parent: HandshakeState, members: readonly MemberRequest[]): RoundDecision {
  if (parent === 'OPEN' || parent === 'ACCEPTED') return { outcome: 'approved' };
  if (parent === 'CANCELED') return { outcome: 'restart', end: 'canceled' };
  if (parent === 'EXPIRED') return { outcome: 'restart', end: 'expired' };
  if (parent === 'DECLINED') return { outcome: 'restart', end: 'declined' };
  if (members.some((m) => m.state === 'DECLINED')) return { outcome: 'restart', end: 'declined' };
  if (members.some((m) => m.state === 'EXPIRED')) return { outcome: 'restart', end: 'expired' };
  return { outcome: 'waiting' };
}

/** What a member's request says of it, for the record; undefined while it is open (the record says why). */
export function memberStateOf(request: MemberRequest): MemberState | undefined {
  switch (request.state) {
    case 'ACCEPTED':
      return 'approved-by-member';
    case 'DECLINED':
      return 'declined';
    case 'CANCELED':
      return 'canceled';
    case 'EXPIRED':
      return 'expired';
    default:
      return undefined;
  }
}

/**
 * Records the answers the round's requests show that its record lacks, and returns the round's members as then
 * recorded. An ACCEPTED request of a member orgflow was accepting for (its attempt noted, the answer lost to a
 * crash or a timeout) is orgflow's approval, not the member's.
 */
export async function recordAnswers(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  requests: readonly MemberRequest[],
  now: number,
): Promise<MemberRecord[]> {
  const members = new Map((await readRoundMembers(ports, migrationId, round)).map((m) => [m.accountId, m]));
  for (const request of requests) {
    const answer = memberStateOf(request);
    const member = members.get(request.accountId);
    if (!answer || !member || isAnswered(member.state)) continue;
    const state = answer === 'approved-by-member' && member.attemptedAt ? 'approved-by-orgflow' : answer;
    if (state === member.state) continue;
    if (await setMemberState(ports, migrationId, round, request.accountId, state, now))
      members.set(request.accountId, { ...member, state });
  }
  return [...members.values()];
}

export const APPROVAL_NEEDED = 'Approval Needed';
export const APPROVAL_REMINDER = 'Approval Reminder';

/** The command a member runs, with its own credentials, to approve. */
export const approvalCommand = (handshakeId: string): string =>
  `aws organizations accept-handshake --handshake-id ${handshakeId}`;

/** Asks a member orgflow cannot approve for (`Approval Needed`), or reminds it (`Approval Reminder`). */
export function publishApprovalRequest(
  events: EventBridgeClient,
  eventBusName: string,
  detailType: typeof APPROVAL_NEEDED | typeof APPROVAL_REMINDER,
  request: {
    migrationId: string;
    round: number;
    accountId: string;
    handshakeId: string;
    expiresAt: string;
    reason: string;
  },
): Promise<{ eventId: string }> {
  return publishEvent(events, eventBusName, detailType, {
    ...request,
    command: approvalCommand(request.handshakeId),
  });
}
