import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OrganizationsEmulator } from './organizations/emulator';
import { DEMO_MANAGEMENT_ACCOUNT, isEmpty, seedDemoOrganization } from './organizations/seed';
import { startOrganizationsServer } from './organizations/server';

const usage = `usage: npm start -- [options]

  --port <n>           port of the Organizations endpoint (default 4701; 0 picks a free one)
  --host <addr>        address to listen on (default 127.0.0.1)
  --data-dir <dir>     where state and endpoints.json are kept (default .orgflow)
  --account-quota <n>  accounts per organization (default 1000, as if raised through Service Quotas)
  --fsync              flush every write to disk before answering (slower; survives a machine crash)
  -h, --help           show this help`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4701' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: '.orgflow' },
      'account-quota': { type: 'string', default: '1000' },
      fsync: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const whole = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}, not '${value}'`);
    return n;
  };
  return {
    help: values.help,
    port: whole('port', values.port, 0, 65_535),
    host: values.host,
    dataDir: resolve(values['data-dir']),
    accountQuota: whole('account-quota', values['account-quota'], 1, 50_000),
    fsync: values.fsync,
  };
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions();
  } catch (error) {
    console.error(`orgflow: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(usage);
    return;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const emulator = new OrganizationsEmulator({
    dataDir: join(options.dataDir, 'organizations'),
    fsync: options.fsync,
    limits: { accountQuota: options.accountQuota },
    defaultAccountId: DEMO_MANAGEMENT_ACCOUNT,
  });
  const seeded = isEmpty(emulator);
  if (seeded) seedDemoOrganization(emulator);

  let server: Awaited<ReturnType<typeof startOrganizationsServer>>;
  try {
    server = await startOrganizationsServer(emulator, { port: options.port, host: options.host });
  } catch (error) {
    console.error(`orgflow: cannot start the Organizations emulator: ${(error as Error).message}`);
    emulator.close();
    process.exit(1);
  }
  const endpointsFile = join(options.dataDir, 'endpoints.json');
  writeFileSync(
    endpointsFile,
    `${JSON.stringify({ organizations: server.url, region: 'us-east-1' }, null, 2)}\n`,
  );

  const org = emulator.store.organizations.values().next().value;
  console.log(`orgflow local stack
  organizations  ${server.url}   (AWS JSON 1.1, every account's calls: access key id = its 12-digit account id)
  data           ${options.dataDir}${seeded ? '   (new: seeded the demo organization)' : '   (resumed)'}
  endpoints      ${endpointsFile}
  organization   ${org?.id ?? '(none)'}, management account ${org?.managementAccountId ?? '-'}

Try it (AWS CLI):
  AWS_ACCESS_KEY_ID=${DEMO_MANAGEMENT_ACCOUNT} AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 \\
    aws organizations list-accounts --endpoint-url ${server.url}

Or with the AWS SDK for JavaScript v3 (any SDK reads the same variable):
  AWS_ENDPOINT_URL_ORGANIZATIONS=${server.url} AWS_ACCESS_KEY_ID=${DEMO_MANAGEMENT_ACCOUNT} AWS_SECRET_ACCESS_KEY=local \\
    AWS_REGION=us-east-1 node -e "const o=require('@aws-sdk/client-organizations');new o.OrganizationsClient({}).send(new o.ListRootsCommand({})).then(r=>console.log(r.Roots))"

Ctrl-C stops; the next start resumes from ${options.dataDir}.`);

  const stop = async () => {
    await server.close();
    emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
