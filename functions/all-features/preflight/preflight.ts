import {
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  type Handshake,
  ListHandshakesForOrganizationCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { OrganizationTooLargeError } from '../errors';
import type { MigrationPorts } from '../migration-ports';
import { ensureMigration, openRound, recordMembers } from '../migration-store';
import { listMemberRequests } from '../round';
import type { PreflightInput } from '../step-inputs';

export type PreflightResult =
  | { outcome: 'already-all'; organizationId: string }
  | {
      outcome: 'round';
      organizationId: string;
      round: number;
      handshakeId: string;
      expiresAt: string;
      adopted: boolean;
      members: number;
      maxRounds: number;
      lookIntervalSeconds: number;
      maxLookIntervalSeconds: number;
    };

const isPending = (h: Handshake) => h.State === 'REQUESTED' || h.State === 'OPEN';

/**
 * The organization's ENABLE_ALL_FEATURES handshake still pending, by hand or by an earlier run, if any: what
 * Preflight adopts (and the API's dry run says it would).
 */
export async function pendingRound(organizations: OrganizationsClient): Promise<Handshake | undefined> {
  let NextToken: string | undefined;
  do {
    const page = await organizations.send(
      new ListHandshakesForOrganizationCommand({ Filter: { ActionType: 'ENABLE_ALL_FEATURES' }, NextToken }),
    );
    const pending = page.Handshakes?.find(isPending);
    if (pending) return pending;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}

const reasonOf = (error: unknown) => (error as { Reason?: string }).Reason;

/**
 * Opens a round, or finds there is nothing to do: already ALL → done; a round already pending (started by hand,
 * or by an earlier attempt of this step) → adopted; else EnableAllFeatures. The round and the members it asks
 * are recorded; the same handshake is the same round, so a retried Preflight records nothing twice.
 */
export async function preflight(ports: MigrationPorts, input: PreflightInput): Promise<PreflightResult> {
  await ensureMigration(
    ports,
    input.migrationId,
    input.requestedBy ?? undefined,
    ports.now(),
    input.idempotencyKey ?? undefined,
  );
  const { Organization } = await ports.organizations.send(new DescribeOrganizationCommand({}));
  const organizationId = Organization?.Id ?? '';
  if (Organization?.FeatureSet === 'ALL') return { outcome: 'already-all', organizationId };
  let handshake = await pendingRound(ports.organizationsReader);
  const adopted = handshake !== undefined;
  if (!handshake)
    try {
      handshake = (await ports.organizations.send(new EnableAllFeaturesCommand({}))).Handshake;
    } catch (error) {
      const reason = reasonOf(error);
      if (reason === 'ORGANIZATION_ALREADY_HAS_ALL_FEATURES')
        return { outcome: 'already-all', organizationId };
      if (reason === 'ALL_FEATURES_MIGRATION_ORGANIZATION_SIZE_LIMIT_EXCEEDED')
        throw new OrganizationTooLargeError((error as Error).message, { cause: error });
      // someone started one between the listing and the call: retried, the step adopts it
      throw error;
    }
  const handshakeId = handshake?.Id ?? '';
  const expiresAt = handshake?.ExpirationTimestamp?.getTime() ?? ports.now();
  const round = await openRound(ports, input.migrationId, { handshakeId, expiresAt, adopted }, ports.now());
  const requests = await listMemberRequests(ports.organizationsReader, handshakeId, ports.sleep);
  await recordMembers(ports, input.migrationId, round, requests, ports.now());
  return {
    outcome: 'round',
    organizationId,
    round,
    handshakeId,
    expiresAt: new Date(expiresAt).toISOString(),
    adopted,
    members: requests.length,
    maxRounds: ports.config.maxRounds,
    lookIntervalSeconds: ports.config.lookIntervalSeconds,
    maxLookIntervalSeconds: ports.config.maxLookIntervalSeconds,
  };
}
