import { CancelHandshakeCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { MigrationPorts } from '../migration-ports';
import { endRound, readRoundMembers, setMemberState } from '../migration-store';
import { listMemberRequests, parentState } from '../round';
import type { CancelRoundInput } from '../step-inputs';

/** A handshake that ended already, or is gone: nothing left to cancel. */
const SETTLED = new Set([
  'HandshakeAlreadyInStateException',
  'InvalidHandshakeTransitionException',
  'HandshakeNotFoundException',
]);

async function cancel(organizations: OrganizationsClient, handshakeId: string): Promise<boolean> {
  try {
    await organizations.send(new CancelHandshakeCommand({ HandshakeId: handshakeId }));
    return true;
  } catch (error) {
    if (SETTLED.has((error as Error).name)) return false;
    throw error;
  }
}

/**
 * Cancel Round: a member declined, or the round was cancelled or expired — what is left of it is cancelled (the
 * ENABLE_ALL_FEATURES handshake, then any request still open: whether AWS cascades is not documented) and the
 * round's end recorded, so that Preflight can start the next one. Safe to repeat.
 */
export async function cancelRound(
  ports: MigrationPorts,
  input: CancelRoundInput,
): Promise<{ round: number; end: string; canceled: number }> {
  const { migrationId, round, handshakeId, end } = input;
  let canceled = 0;
  const parent = await parentState(ports.organizations, handshakeId);
  if ((parent === 'REQUESTED' || parent === 'OPEN') && (await cancel(ports.organizations, handshakeId)))
    canceled++;
  for (const request of await listMemberRequests(ports.organizationsReader, handshakeId, ports.sleep))
    if (request.state === 'OPEN' && (await cancel(ports.organizations, request.handshakeId))) canceled++;
  const now = ports.now();
  await endRound(ports, migrationId, round, end, now);
  for (const member of await readRoundMembers(ports, migrationId, round))
    if (member.state === 'pending' || member.state === 'waiting-role-unreachable')
      await setMemberState(
        ports,
        migrationId,
        round,
        member.accountId,
        'canceled',
        now,
        `the round ended ${end}`,
      );
  return { round, end, canceled };
}
