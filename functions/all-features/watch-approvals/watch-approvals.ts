import { answerWaiter } from '../../_shared/task-rendezvous';
import { registerApprovalWaiter } from '../approval-watch';
import type { MigrationPorts } from '../migration-ports';
import { claimReminder, endRound, isAnswered, readRoundMembers } from '../migration-store';
import {
  APPROVAL_REMINDER,
  decideRound,
  listMemberRequests,
  parentState,
  publishApprovalRequest,
  type RoundDecision,
  recordAnswers,
} from '../round';
import type { WatchApprovalsInput } from '../step-inputs';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Wait For Approvals (`.waitForTaskToken`): registers the wait, then looks at the round (the parent, the
 * members' requests), records each member's answer and decides. A decided round (approved, or to restart after
 * a decline, cancellation or expiry) answers the token now; a round still waiting stays parked until an event
 * wakes it or the wait times out (the configured look interval) and looks again. A look that finds the
 * reminder due reminds every member still waited for.
 */
export async function watchApprovals(
  ports: MigrationPorts,
  input: WatchApprovalsInput,
): Promise<{ decision: RoundDecision; answered: boolean; reminded: number }> {
  const { migrationId, round, handshakeId, taskToken } = input;
  await registerApprovalWaiter(ports, { handshakeId, taskToken, migrationId });
  const [parent, members] = await Promise.all([
    parentState(ports.organizations, handshakeId),
    readRoundMembers(ports, migrationId, round),
  ]);
  // an open round whose every member the record has as approved is decided without listing its requests
  const settled = (parent === 'OPEN' || parent === 'ACCEPTED') && members.every((m) => isAnswered(m.state));
  const requests = settled
    ? []
    : await listMemberRequests(ports.organizationsReader, handshakeId, ports.sleep);
  const now = ports.now();
  await recordAnswers(ports, migrationId, round, requests, now);
  const decision = decideRound(parent, requests);
  if (decision.outcome === 'waiting') {
    const reminded = await remindIfDue(ports, input);
    return { decision, answered: false, reminded };
  }
  await endRound(ports, migrationId, round, decision.outcome === 'approved' ? 'approved' : decision.end, now);
  const answered = await answerWaiter(ports.sfn, taskToken, { output: decision });
  return { decision, answered, reminded: 0 };
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
