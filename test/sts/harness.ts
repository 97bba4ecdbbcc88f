import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { RunningServer } from '../../local/http-server';
import { startStsServer } from '../../local/sts/server';
import { MANAGEMENT, startWithOrganization } from '../organizations/harness';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Who a client signs as: a 12-digit account id (that account's key) or credentials from AssumeRole. */
export type Signer = string | Credentials;

const credentialsOf = (signer: Signer): Credentials =>
  typeof signer === 'string' ? { accessKeyId: signer, secretAccessKey: 'secret' } : signer;

/** The Organizations harness with an organization, plus STS served from the same emulator. */
export async function startStsHarness() {
  const harness = await startWithOrganization();
  const stsServer: RunningServer = await startStsServer(harness.emulator, {
    port: 0,
    onInternalError: () => {},
  });
  const clients: (STSClient | OrganizationsClient)[] = [];
  const common = { region: 'us-east-1', maxAttempts: 1 };
  return {
    ...harness,
    stsServer,
    /** a real STS client signing as `signer` */
    sts(signer: Signer = MANAGEMENT): STSClient {
      const client = new STSClient({
        ...common,
        endpoint: stsServer.url,
        credentials: credentialsOf(signer),
      });
      clients.push(client);
      return client;
    },
    /** a real Organizations client signing as `signer` */
    orgs(signer: Signer = MANAGEMENT): OrganizationsClient {
      const client = new OrganizationsClient({
        ...common,
        endpoint: harness.server.url,
        credentials: credentialsOf(signer),
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await stsServer.close();
      await harness.close();
    },
  };
}

export type StsHarness = Awaited<ReturnType<typeof startStsHarness>>;
