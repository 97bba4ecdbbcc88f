import { answerWaiter } from '../../_shared/task-rendezvous';
import { registerApprovalWaiter } from '../approval-watch';
import type { MigrationPorts } from '../migration-ports';
import {
  claimReminder,
  clearOperatorWait,
  endRound,
  isAnswered,
  markDeparted,
  type OperatorWait,
  readMigration,
  readRoundMembers,
  recordNextLook,
  recordOperatorWait,
} from '../migration-store';
import {
  APPROVAL_REMINDER,
  decideRound,
  departedMembers,
  type HandshakeState,
  listMemberRequests,
  parentState,
  publishApprovalRequest,
  type RoundDecision,
  recordAnswers,
} from '../round';
import type { WatchApprovalsInput } from '../step-inputs';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a look decided: the round's decision, or that the round ended and waits for an operator. */
export type LookOutcome = RoundDecision | { outcome: 'waiting-for-operator'; end: OperatorWait['end'] };

/**
 * Wait For Approvals (`.waitForTaskToken`): registers the wait, then looks at the round (the parent, the
 * members' requests), records each member's answer and decides. A decided round (approved, or to restart after
 * a decline, cancellation or expiry) answers the token now; a round still waiting stays parked until an event
 * wakes it or the wait times out and looks again, and the time of that look is recorded. A look that finds the
 * reminder due reminds every member still waited for.
 *
 * With `afterRoundEnds: wait-for-operator`, a round to restart stays parked too, recorded as waiting for an
 * operator, until the operator resends (the API records it and wakes this wait: the round then restarts) or
 * removes the declining accounts (a member that declined and left no longer holds the round back).
 */
export async function watchApprovals(
  ports: MigrationPorts,
  input: WatchApprovalsInput,
): Promise<{ decision: LookOutcome; answered: boolean; reminded: number }> {
  const { migrationId, round, handshakeId, taskToken } = input;
  await registerApprovalWaiter(ports, { handshakeId, taskToken, migrationId });
  // read after the wait is registered: a resend recorded before it is seen here, one after it wakes the wait
  const [parent, recorded] = await Promise.all([
    parentState(ports.organizations, handshakeId),
    readMigration(ports, migrationId),
  ]);
  const members = recorded?.members.filter((m) => m.round === round) ?? [];
  // an open round whose every member the record has as approved is decided without listing its requests
  const settled = (parent === 'OPEN' || parent === 'ACCEPTED') && members.every((m) => isAnswered(m.state));
  const requests = settled
    ? []
    : await listMemberRequests(ports.organizationsReader, handshakeId, ports.sleep);
  const now = ports.now();
  const answered = await recordAnswers(ports, migrationId, round, requests, now);
  const declined = (settled ? members : answered).filter((m) => m.state === 'declined');
  const found = await departedMembers(
    ports.organizations,
    declined.filter((m) => !m.departedAt).map((m) => m.accountId),
  );
  for (const accountId of found) await markDeparted(ports, migrationId, round, accountId, now);
  const departed = new Set([...declined.filter((m) => m.departedAt).map((m) => m.accountId), ...found]);
  const decision = decideRound(
    parent,
    requests.filter((r) => !departed.has(r.accountId)),
  );
  const wait = recorded?.migration.operatorWait;
  const nextLook = () =>
    recordNextLook(
      ports,
      migrationId,
      now + (input.lookIntervalSeconds ?? ports.config.lookIntervalSeconds) * 1000,
    );

  if (decision.outcome === 'restart' && waitsForOperator(ports, round, parent, decision.end, wait)) {
    const decliners = requests
      .filter((r) => r.state === 'DECLINED' && !departed.has(r.accountId))
      .map((r) => r.accountId)
      .sort();
    await recordOperatorWait(ports, migrationId, { round, end: decision.end, decliners }, now);
    await nextLook();
    return { decision: { outcome: 'waiting-for-operator', end: decision.end }, answered: false, reminded: 0 };
  }
  // the operator removed the accounts that declined: the round goes on
  if (wait?.round === round && decision.outcome !== 'restart')
    await clearOperatorWait(ports, migrationId, round);
  if (decision.outcome === 'waiting') {
    await nextLook();
    const reminded = await remindIfDue(ports, input);
    return { decision, answered: false, reminded };
  }
  await endRound(ports, migrationId, round, decision.outcome === 'approved' ? 'approved' : decision.end, now);
  const woke = await answerWaiter(ports.sfn, taskToken, { output: decision });
  return { decision, answered: woke, reminded: 0 };
}

/**
 * Whether a round to restart waits for an operator: only by configuration, not once the operator resent it, and
 * only while the operator can still do something: resend (a round is left), or remove the accounts that declined
 * (the round is still pending).
 */
function waitsForOperator(
  ports: MigrationPorts,
  round: number,
  parent: HandshakeState,
  end: OperatorWait['end'],
  wait: OperatorWait | undefined,
): boolean {
  if (ports.config.afterRoundEnds !== 'wait-for-operator') return false;
  if (wait?.round === round && wait.resendRequestedAt !== undefined) return false;
  const removalCanFinish = end === 'declined' && parent === 'REQUESTED';
  return round < ports.config.maxRounds || removalCanFinish;
}

/** Reminds the members still waited for, once every reminder interval of the round. */
async function remindIfDue(ports: MigrationPorts, input: WatchApprovalsInput): Promise<number> {
  const { migrationId, round } = input;
  const intervalMs = ports.config.reminderIntervalDays * DAY_MS;
  if (!(await claimReminder(ports, migrationId, round, intervalMs, ports.now()))) return 0;
  const waiting = (await readRoundMembers(ports, migrationId, round)).filter(
    (m) => m.state === 'pending' || m.state === 'waiting-role-unreachable',
  );
  const requests = new Map(
    (await listMemberRequests(ports.organizationsReader, input.handshakeId, ports.sleep)).map((r) => [
      r.accountId,
      r,
    ]),
  );
  let reminded = 0;
  for (const member of waiting) {
    const request = requests.get(member.accountId);
    if (request?.state !== 'OPEN') continue;
    await publishApprovalRequest(ports.events, ports.eventBusName, APPROVAL_REMINDER, {
      migrationId,
      round,
      accountId: member.accountId,
      handshakeId: request.handshakeId,
      expiresAt: new Date(request.expiresAt).toISOString(),
      reason: member.detail ?? 'waiting for the member',
    });
    reminded++;
  }
  return reminded;
}
