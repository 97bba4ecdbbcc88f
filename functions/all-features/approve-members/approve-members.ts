import { AcceptHandshakeCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { mapLimited } from '../../_shared/concurrency';
import { MemberUnreachableError } from '../member-access';
import type { MigrationPorts } from '../migration-ports';
import {
  markAttempt,
  markNotified,
  readRoundMembers,
  recordMembers,
  setMemberState,
} from '../migration-store';
import { Pacer } from '../pacing';
import {
  APPROVAL_NEEDED,
  listMemberRequests,
  type MemberRequest,
  publishApprovalRequest,
  recordAnswers,
} from '../round';
import type { RoundInput } from '../step-inputs';

/**
 * Members approved per invocation: about 42 s of AcceptHandshake at its pace, well within the function's 120 s.
 * Each call lists the round again, so fewer, longer calls reach ALL sooner.
 */
export const MEMBERS_PER_CALL = 200;

/** AcceptHandshake's refusals that mean the role may not approve (its policy, or the service-linked role). */
const ROLE_REFUSED = new Set(['AccessDeniedException', 'AccessDeniedForDependencyException']);

export interface ApproveMembersResult {
  approved: number;
  unreachable: number;
  /** open requests not tried yet (beyond this call's share, or throttled): the state machine calls again */
  remaining: number;
}

/**
 * Approve Members: for each open APPROVE_ALL_FEATURES request of the round not tried yet, assume the approval
 * role in the member and accept as the member, paced within AcceptHandshake's limits. A member orgflow cannot
 * reach is recorded as waiting (role unreachable) and asked on the bus (`Approval Needed`, with the command it
 * runs). Safe to repeat: a member tried once is not tried again in the same round.
 */
export async function approveMembers(
  ports: MigrationPorts,
  input: RoundInput,
): Promise<ApproveMembersResult> {
  const { migrationId, round, handshakeId } = input;
  const requests = await listMemberRequests(ports.organizationsReader, handshakeId, ports.sleep);
  // Preflight recorded the round's members: only one it missed is recorded here
  const known = new Set((await readRoundMembers(ports, migrationId, round)).map((m) => m.accountId));
  const missing = requests.filter((r) => !known.has(r.accountId));
  await recordMembers(ports, migrationId, round, missing, ports.now());
  // an acceptance of an attempt whose answer was lost (a crash, a timeout) is recorded orgflow's first
  const recorded = new Map(
    (await recordAnswers(ports, migrationId, round, requests, ports.now())).map((m) => [m.accountId, m]),
  );
  const untried = requests.filter(
    (r) => r.state === 'OPEN' && recorded.get(r.accountId)?.state === 'pending',
  );
  const share = untried.slice(0, MEMBERS_PER_CALL);
  const pacer = new Pacer(ports.now, ports.sleep);
  let throttled = false;
  const outcomes = await mapLimited(share, 5, async (request) => {
    if (throttled) return 'throttled' as const;
    return approveOne(ports, input, request, pacer).catch((error: Error) => {
      if (error.name !== 'TooManyRequestsException') throw error;
      // the member stays pending: the next call tries it again
      throttled = true;
      return 'throttled' as const;
    });
  });
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
  return {
    approved: count('approved'),
    unreachable: count('unreachable'),
    remaining: untried.length - share.length + count('throttled'),
  };
}

/** Refusals of AcceptHandshake that say it did not accept. */
const REFUSED = new Set(['TooManyRequestsException', ...ROLE_REFUSED]);

/**
 * AcceptHandshake as the member at its turn, the attempt noted first: an acceptance whose answer is lost (a crash,
 * a timeout) is then known as orgflow's. A refusal withdraws the note.
 */
async function acceptAsMember(
  ports: MigrationPorts,
  { migrationId, round }: RoundInput,
  request: MemberRequest,
  pacer: Pacer,
  member: OrganizationsClient,
): Promise<void> {
  await pacer.turn(request.accountId);
  await markAttempt(ports, migrationId, round, request.accountId, true, ports.now());
  try {
    await member.send(new AcceptHandshakeCommand({ HandshakeId: request.handshakeId }));
  } catch (error) {
    if (REFUSED.has((error as Error).name))
      await markAttempt(ports, migrationId, round, request.accountId, false, ports.now());
    throw error;
  }
}

async function approveOne(
  ports: MigrationPorts,
  input: RoundInput,
  request: MemberRequest,
  pacer: Pacer,
): Promise<'approved' | 'unreachable' | 'answered'> {
  const { migrationId, round } = input;
  let reason: string;
  try {
    const member = await ports.memberOrganizations(request.accountId);
    try {
      await acceptAsMember(ports, input, request, pacer, member);
    } finally {
      member.destroy();
    }
    await setMemberState(ports, migrationId, round, request.accountId, 'approved-by-orgflow', ports.now());
    return 'approved';
  } catch (error) {
    const name = (error as Error).name;
    // accepted by an attempt whose answer was lost, or by the member meanwhile: the look records which
    if (name === 'HandshakeAlreadyInStateException') {
      await setMemberState(ports, migrationId, round, request.accountId, 'approved-by-orgflow', ports.now());
      return 'approved';
    }
    // declined, cancelled or expired meanwhile: the look decides the round
    if (name === 'InvalidHandshakeTransitionException' || name === 'HandshakeNotFoundException')
      return 'answered';
    if (!(error instanceof MemberUnreachableError) && !ROLE_REFUSED.has(name)) throw error;
    reason = (error as Error).message;
  }
  await setMemberState(
    ports,
    migrationId,
    round,
    request.accountId,
    'waiting-role-unreachable',
    ports.now(),
    reason,
  );
  await publishApprovalRequest(ports.events, ports.eventBusName, APPROVAL_NEEDED, {
    migrationId,
    round,
    accountId: request.accountId,
    handshakeId: request.handshakeId,
    expiresAt: new Date(request.expiresAt).toISOString(),
    reason,
  });
  await markNotified(ports, migrationId, round, request.accountId, ports.now());
  return 'unreachable';
}
