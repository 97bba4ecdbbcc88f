// Throughput and memory of the Organizations emulator over HTTP, as a user's automation sees it: the real
// SDK, 8 concurrent clients (in 2 processes, so the clients can use both cores the server leaves them).
// Prints figures and their ratio to the targets of issue #2; it asserts nothing. The SDK figures are bound
// by the SDK's own cost per call (about 1 ms of CPU each on this machine); the plain-HTTP figures show what
// the emulator itself sustains with the same requests.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import type { ClientsJob } from './organizations-clients';

const CLIENTS = 8;
const PROCESSES = 2;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RSS_ACCOUNTS = 10_000;

async function startEmulator(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'local/main.ts', '--port', '0', '--data-dir', dataDir],
      ...['--account-quota', '50000', '--throttling', 'off', '--create-account-seconds', '0'],
    ],
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

/** Resident memory of a process, in MiB. */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const run = promisify(execFile);

/** Runs the job in PROCESSES client processes at once; returns operations per second and server CPU share. */
async function measure(serverPid: number, job: Omit<ClientsJob, 'tag' | 'clients'>) {
  const cpuBefore = cpuSeconds(serverPid);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: PROCESSES }, async (_, p) => {
      const spec: ClientsJob = { ...job, clients: CLIENTS / PROCESSES, tag: `${job.work}${p}-${Date.now()}` };
      if (job.count !== undefined) spec.count = Math.ceil(job.count / PROCESSES);
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'bench/organizations-clients.ts', JSON.stringify(spec)],
        { maxBuffer: 1 << 20 },
      );
      return JSON.parse(stdout) as { done: number; seconds: number };
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const done = results.reduce((sum, r) => sum + r.done, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return { perSecond: done / seconds, serverCpu: (cpuSeconds(serverPid) - cpuBefore) / elapsed };
}

function line(
  label: string,
  value: number,
  unit: string,
  target: number,
  better: 'higher' | 'lower',
  note = '',
) {
  const ratio = better === 'higher' ? value / target : target / value;
  const bound = `${better === 'higher' ? '>=' : '<='} ${target} ${unit}`;
  console.log(
    `${label.padEnd(46)} ${value.toFixed(1).padStart(8)} ${unit.padEnd(4)} target ${bound.padEnd(12)} x${ratio.toFixed(2)} of target${note}`,
  );
}

const cpuNote = (share: number) => `   (server CPU ${Math.round(share * 100)}% of a core)`;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-bench-'));
  const { child, url } = await startEmulator(dataDir);
  const pid = child.pid!;
  try {
    const sdk = new OrganizationsClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
    });
    const rootId = (await sdk.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ouId = (await sdk.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId })))
      .OrganizationalUnits![0]!.Id!;
    const base = { url, seconds: SECONDS, rootId, ouId, accountIds: [] as string[] };

    console.log(
      `Organizations emulator over HTTP: ${CLIENTS} concurrent SDK clients in ${PROCESSES} processes, ${SECONDS}s per figure, throttling off, CreateAccount instant, journal on`,
    );
    const vend = await measure(pid, { ...base, work: 'vend' });
    line(
      'vendings/s (Create, DescribeStatus, Move, Tag)',
      vend.perSecond,
      '/s',
      500,
      'higher',
      cpuNote(vend.serverCpu),
    );
    const vendRaw = await measure(pid, { ...base, work: 'vend-raw' });
    line(
      'vendings/s, plain HTTP client (no SDK)',
      vendRaw.perSecond,
      '/s',
      500,
      'higher',
      cpuNote(vendRaw.serverCpu),
    );
    const accountIds = (await sdk.send(new ListAccountsCommand({ MaxResults: 20 }))).Accounts!.map(
      (a) => a.Id!,
    );
    const describe = await measure(pid, { ...base, accountIds, work: 'describe' });
    line('DescribeAccount/s', describe.perSecond, '/s', 2000, 'higher', cpuNote(describe.serverCpu));
    const raw = await measure(pid, { ...base, accountIds, work: 'describe-raw' });
    line(
      'DescribeAccount/s, plain HTTP client (no SDK)',
      raw.perSecond,
      '/s',
      2000,
      'higher',
      cpuNote(raw.serverCpu),
    );
    const list = await measure(pid, { ...base, work: 'list' });
    line('ListAccounts/s (20 per page)', list.perSecond, '/s', 2000, 'higher', cpuNote(list.serverCpu));

    let accounts = 0;
    for await (const page of paginateListAccounts({ client: sdk }, {})) accounts += page.Accounts!.length;
    if (accounts < RSS_ACCOUNTS)
      await measure(pid, { ...base, work: 'fill', count: RSS_ACCOUNTS - accounts });
    accounts = 0;
    for await (const page of paginateListAccounts({ client: sdk }, {})) accounts += page.Accounts!.length;
    line(`server RSS with ${accounts} accounts`, rssMiB(pid), 'MiB', 300, 'lower');
    sdk.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
