import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import {
  dynamoDocumentClient,
  eventBridgeClient,
  managementStsClient,
  organizationsClient,
  organizationsReadClient,
  taskTokenClient,
} from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { type MemberOrganizations, memberOrganizationsThroughRole } from './member-access';
import { type MigrationConfig, MigrationConfigEnvSchema, migrationConfigReader } from './migration-config';
import type { MigrationStorePorts } from './migration-store';
import { sleepOnClock } from './pacing';

/** What the steps of the migration share: Organizations, the governor table, the configuration, the bus, the time. */
export interface MigrationPorts extends MigrationStorePorts {
  organizations: OrganizationsClient;
  /** for listing a round's requests, many pages at once: the SDK's retries absorb throttling between them */
  organizationsReader: OrganizationsClient;
  config: MigrationConfig;
  events: EventBridgeClient;
  eventBusName: string;
  /** answers task tokens (Wait For Approvals) */
  sfn: SFNClient;
  /** Organizations as an invited member, through the configured approval role */
  memberOrganizations: MemberOrganizations;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * A step's ports: the clients built once per environment (GOVERNOR_TABLE_NAME, EVENT_BUS_NAME and the
 * configuration's variables), the configuration as it is at each call of the result (once per invocation: a
 * changed parameter applies without a deploy).
 */
export function migrationPortsFromEnv(): () => Promise<MigrationPorts> {
  const env = parseEnv(
    MigrationConfigEnvSchema.extend({
      GOVERNOR_TABLE_NAME: z.string().min(1),
      EVENT_BUS_NAME: z.string().min(1).default('default'),
    }),
  );
  const readConfig = migrationConfigReader(env);
  const sts = managementStsClient();
  const ports = {
    organizations: organizationsClient(),
    organizationsReader: organizationsReadClient(),
    db: dynamoDocumentClient(),
    table: env.GOVERNOR_TABLE_NAME,
    events: eventBridgeClient(),
    eventBusName: env.EVENT_BUS_NAME,
    sfn: taskTokenClient(),
    now: () => Date.now(),
    sleep: (ms: number) => sleepOnClock(ms, () => Date.now()),
  };
  return async () => {
    const config = await readConfig();
    return {
      ...ports,
      config,
      memberOrganizations: memberOrganizationsThroughRole(sts, config.approvalRoleName),
    };
  };
}
