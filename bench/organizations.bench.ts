// Throughput and memory of the Organizations emulator over HTTP, as a user's automation sees it.
// Prints figures and their ratio to the targets of issue #2; it asserts nothing.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';

const CLIENTS = 8;
const VEND_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RSS_ACCOUNTS = 10_000;

async function startEmulator(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/main.ts', '--port', '0', '--data-dir', dataDir, '--account-quota', '50000'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  for (let i = 0; i < 600 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('Ctrl-C')) throw new Error(`the emulator did not start:\n${out}`);
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8'));
  return { child, url: endpoints.organizations };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function client(url: string): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

let serverPid = 0;
const serverLoad: string[] = [];

async function forSeconds(
  seconds: number,
  workers: number,
  work: (worker: number, i: number) => Promise<void>,
) {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  const cpuBefore = cpuSeconds(serverPid);
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < until; i++) {
        await work(worker, i);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  serverLoad.push(`${Math.round(((cpuSeconds(serverPid) - cpuBefore) / elapsed) * 100)}%`);
  return done / elapsed;
}

const line = (label: string, value: number, unit: string, target: number, better: 'higher' | 'lower') => {
  const ratio = better === 'higher' ? value / target : target / value;
  console.log(
    `${label.padEnd(44)} ${value.toFixed(1).padStart(9)} ${unit.padEnd(6)} target ${better === 'higher' ? '>=' : '<='} ${target} ${unit}  (x${ratio.toFixed(2)} of target)`,
  );
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-bench-'));
  const { child, url } = await startEmulator(dataDir);
  serverPid = child.pid!;
  try {
    const clients = Array.from({ length: CLIENTS }, () => client(url));
    const first = clients[0]!;
    const rootId = (await first.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ouId = (await first.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId })))
      .OrganizationalUnits![0]!.Id!;

    const vendingsPerSecond = await forSeconds(VEND_SECONDS, CLIENTS, async (worker, i) => {
      const c = clients[worker]!;
      const { CreateAccountStatus } = await c.send(
        new CreateAccountCommand({
          AccountName: `bench ${worker}-${i}`,
          Email: `bench-${worker}-${i}@bench.example`,
        }),
      );
      let status = CreateAccountStatus!;
      while (status.State === 'IN_PROGRESS') {
        status = (
          await c.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id! }))
        ).CreateAccountStatus!;
      }
      if (status.State !== 'SUCCEEDED') throw new Error(`vending failed: ${status.FailureReason}`);
      await c.send(
        new MoveAccountCommand({
          AccountId: status.AccountId!,
          SourceParentId: rootId,
          DestinationParentId: ouId,
        }),
      );
      await c.send(
        new TagResourceCommand({
          ResourceId: status.AccountId!,
          Tags: [{ Key: 'vended-by', Value: 'bench' }],
        }),
      );
    });

    const accounts = (await first.send(new ListAccountsCommand({ MaxResults: 20 }))).Accounts!.map(
      (a) => a.Id!,
    );
    const describesPerSecond = await forSeconds(VEND_SECONDS, CLIENTS, async (worker, i) => {
      await clients[worker]!.send(new DescribeAccountCommand({ AccountId: accounts[i % accounts.length]! }));
    });
    const listsPerSecond = await forSeconds(VEND_SECONDS, CLIENTS, async (worker) => {
      await clients[worker]!.send(new ListAccountsCommand({ MaxResults: 20 }));
    });

    // fill up to 10,000 accounts, then read the server's resident memory
    let next = 0;
    for await (const page of paginateListAccounts({ client: first }, {})) next += page.Accounts!.length;
    await Promise.all(
      clients.map(async (c, worker) => {
        while (next < RSS_ACCOUNTS) {
          const n = next++;
          await c.send(
            new CreateAccountCommand({
              AccountName: `fill ${n}`,
              Email: `fill-${worker}-${n}@bench.example`,
            }),
          );
        }
      }),
    );
    const rss = rssMiB(child.pid!);

    console.log(
      `Organizations emulator over HTTP: ${CLIENTS} concurrent SDK clients, ${VEND_SECONDS}s per figure, throttling off, journal on`,
    );
    line('vendings/s (Create→DescribeStatus→Move→Tag)', vendingsPerSecond, '/s', 500, 'higher');
    line('DescribeAccount/s', describesPerSecond, '/s', 2000, 'higher');
    line('ListAccounts (20 per page)/s', listsPerSecond, '/s', 2000, 'higher');
    line(`server RSS with ${RSS_ACCOUNTS} accounts`, rss, 'MiB', 300, 'lower');
    console.log(
      `server CPU during the three figures, in % of one core: ${serverLoad.join(', ')} (the rest is the clients')`,
    );
    for (const c of clients) c.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
