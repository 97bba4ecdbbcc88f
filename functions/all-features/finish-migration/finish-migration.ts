import {
  AcceptHandshakeCommand,
  DescribeOrganizationCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { causeMessage } from '../../_shared/errors';

import { publishEvent } from '../../_shared/publish-event';
import { AllFeaturesNotEnabledError } from '../errors';
import type { MigrationPorts } from '../migration-ports';
import { readMigration, setMigrationState } from '../migration-store';
import type { FinishMigrationInput } from '../step-inputs';

export const ALL_FEATURES_ENABLED = 'All Features Enabled';

/**
 * Finish Migration: every member approved → the management account accepts the ENABLE_ALL_FEATURES handshake,
 * the organization is verified ALL, the configured policy types are enabled on the root, `All Features Enabled`
 * is published and the migration recorded enabled. A failed migration is only recorded, with its error. Every
 * part is safe to repeat.
 */
export async function finishMigration(
  ports: MigrationPorts,
  input: FinishMigrationInput,
): Promise<{ migrationId: string; outcome: string; policyTypesEnabled?: string[]; eventId?: string }> {
  const { migrationId } = input;
  if (input.outcome === 'failed') {
    const error = input.failure?.Error ?? 'unknown';
    const detail = causeMessage(input.failure?.Cause) ?? error;
    await setMigrationState(ports, migrationId, 'failed', ports.now(), { error, detail });
    return { migrationId, outcome: 'failed' };
  }
  if (input.handshakeId)
    try {
      await ports.organizations.send(new AcceptHandshakeCommand({ HandshakeId: input.handshakeId }));
    } catch (error) {
      // accepted by an earlier attempt
      if ((error as Error).name !== 'HandshakeAlreadyInStateException') throw error;
    }
  const { Organization } = await ports.organizations.send(new DescribeOrganizationCommand({}));
  if (Organization?.FeatureSet !== 'ALL')
    throw new AllFeaturesNotEnabledError(Organization?.FeatureSet ?? 'unknown');
  const policyTypesEnabled = await enablePolicyTypes(ports);
  const record = await readMigration(ports, migrationId);
  const { eventId } = await publishEvent(ports.events, ports.eventBusName, ALL_FEATURES_ENABLED, {
    migrationId,
    organizationId: Organization.Id,
    rounds: record?.migration.round ?? 0,
    ...(input.handshakeId ? { handshakeId: input.handshakeId } : { alreadyEnabled: true }),
    policyTypesEnabled,
  });
  await setMigrationState(ports, migrationId, 'enabled', ports.now(), { policyTypesEnabled });
  return { migrationId, outcome: 'enabled', policyTypesEnabled, eventId };
}

/** Enables on the root each configured policy type it does not have yet; returns those now enabled. */
async function enablePolicyTypes(ports: MigrationPorts): Promise<string[]> {
  const wanted = ports.config.policyTypesToEnable;
  if (wanted.length === 0) return [];
  const { Roots } = await ports.organizations.send(new ListRootsCommand({}));
  const root = Roots?.[0];
  const enabled = new Set((root?.PolicyTypes ?? []).filter((t) => t.Status === 'ENABLED').map((t) => t.Type));
  for (const type of wanted)
    if (!enabled.has(type))
      try {
        await ports.organizations.send(new EnablePolicyTypeCommand({ RootId: root?.Id, PolicyType: type }));
      } catch (error) {
        if ((error as Error).name !== 'PolicyTypeAlreadyEnabledException') throw error;
      }
  return [...wanted];
}
