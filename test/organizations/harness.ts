import { CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ManualClock } from '../../local/clock';
import { type EmulatorOptions, OrganizationsEmulator } from '../../local/organizations/emulator';
import type { AccountRow } from '../../local/organizations/model';
import { type RunningServer, startOrganizationsServer } from '../../local/organizations/server';

export const MANAGEMENT = '111111111111';
export const OUTSIDER = '999999999999';

export interface Harness {
  emulator: OrganizationsEmulator;
  server: RunningServer;
  clock: ManualClock;
  /** a real SDK client signed with `accountId` as its access key id, i.e. calling as that account */
  client(accountId?: string): OrganizationsClient;
  close(): Promise<void>;
}

/** Starts an emulator on a free loopback port with a manual clock. */
export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const emulator = new OrganizationsEmulator({ clock, ...options });
  const server = await startOrganizationsServer(emulator, { port: 0, onInternalError: () => {} });
  const clients: OrganizationsClient[] = [];
  return {
    emulator,
    server,
    clock,
    client(accountId = MANAGEMENT) {
      const client = new OrganizationsClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: accountId, secretAccessKey: 'secret' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await server.close();
      emulator.close();
    },
  };
}

/** A harness whose MANAGEMENT account has created an organization with all features. */
export async function startWithOrganization(options: EmulatorOptions = {}) {
  const harness = await startHarness(options);
  const org = harness.client(MANAGEMENT);
  const { Organization } = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  return { ...harness, org, organization: Organization! };
}

/**
 * Puts member accounts straight into an organization, as finished CreateAccount calls would: for tests of
 * other areas that need members without waiting for creations. `parentId` defaults to the root.
 */
export function addMemberRows(
  harness: Pick<Harness, 'emulator' | 'clock'>,
  orgId: string,
  ids: readonly string[],
  options: { parentId?: string; overrides?: Partial<AccountRow> } = {},
): void {
  const { store } = harness.emulator;
  const parentId = options.parentId ?? store.roots.by('byOrg', orgId)[0]!.id;
  store.transaction(() => {
    for (const id of ids)
      store.accounts.put({
        id,
        orgId,
        email: `member-${id}@example.com`,
        name: `Member ${id}`,
        status: 'ACTIVE',
        state: 'ACTIVE',
        joinedMethod: 'CREATED',
        joinedAt: harness.clock.now(),
        parentId,
        createdAt: harness.clock.now(),
        accessRoleName: 'OrganizationAccountAccessRole',
        ...options.overrides,
      });
  });
}
