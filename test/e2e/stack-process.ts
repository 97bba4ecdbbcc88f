import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import type { CloudTrailEvent } from '../../local/organizations/cloudtrail';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type Endpoints, readEndpoints } from '../../local/stack';
import { signedFetch } from '../organizations/signed-fetch';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const startTimeoutMs = 20_000;
const banner = 'Ctrl-C stops';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Who a client signs as: a 12-digit account id (that account's key) or credentials from AssumeRole. */
export type Signer = string | Credentials;

/** the admin routes (`/_orgflow/…`) take signed requests: the demo management account's key signs them */
const adminCredentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };

const credentialsOf = (signer: Signer): Credentials =>
  typeof signer === 'string' ? { accessKeyId: signer, secretAccessKey: 'secret' } : signer;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `npm start` running as a child process on free ports. */
export interface StackProcess {
  pid: number;
  endpoints: Endpoints;
  output: string;
  exited: Promise<Exit>;
  /** a real SDK client of the child's Organizations endpoint, without retries (destroyed when the child exits) */
  organizations(signer: Signer): OrganizationsClient;
  sts(signer: Signer): STSClient;
  /** a real SDK client of the child's Step Functions endpoint, as `organizations` */
  sfn(signer: Signer): SFNClient;
  /** the child's virtual clock, epoch ms */
  clock(): Promise<number>;
  /** resolves with the first event `predicate` accepts among all the child has published since it started */
  nextEvent(predicate: (event: CloudTrailEvent) => boolean, timeoutMs?: number): Promise<CloudTrailEvent>;
  /** sends `signal` now (SIGKILL by default); await the result to know the child is gone */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Fresh temporary data directories, removed by `removeAll`. */
export function dataDirs() {
  const dirs: string[] = [];
  return {
    fresh(): string {
      const dir = mkdtempSync(join(tmpdir(), 'orgflow-e2e-'));
      dirs.push(dir);
      return dir;
    },
    removeAll(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const running = new Set<ChildProcess>();

/** Kills every child `spawnStack` started that is still alive (for afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      return gone;
    }),
  );
}

/** Runs `node --import tsx local/main.ts` on `dataDir` with free ports, and resolves once its banner is out. */
export async function spawnStack(dataDir: string, args: string[] = []): Promise<StackProcess> {
  const child = spawn(
    process.execPath,
    // every function in the stack's process unless the test asks otherwise: a worker's cold start is a second
    [
      '--import',
      'tsx',
      'local/main.ts',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...(args.includes('--function-environments') ? [] : ['--function-environments', 'shared']),
      ...args,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const clients: { destroy(): void }[] = [];
  const exited = new Promise<Exit>((done) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      for (const client of clients.splice(0)) client.destroy();
      done({ code, signal });
    }),
  );
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the stack did not start within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const onData = () => {
      if (!output.includes(banner)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      ready();
    };
    child.stdout.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      fail(new Error(`the stack exited (${exit.code ?? exit.signal}) before it started:\n${output}`));
    });
  });
  // the banner is printed after endpoints.json is written, so this is the child's, not a previous run's
  const endpoints = readEndpoints(dataDir);
  if (!output.includes(endpoints.organizations))
    throw new Error(`endpoints.json does not match the banner:\n${output}`);
  const common = { region: 'us-east-1', maxAttempts: 1 };
  return {
    pid: child.pid!,
    endpoints,
    get output() {
      return output;
    },
    exited,
    organizations(signer) {
      const client = new OrganizationsClient({
        ...common,
        endpoint: endpoints.organizations,
        credentials: credentialsOf(signer),
      });
      clients.push(client);
      return client;
    },
    sts(signer) {
      const client = new STSClient({
        ...common,
        endpoint: endpoints.sts,
        credentials: credentialsOf(signer),
      });
      clients.push(client);
      return client;
    },
    sfn(signer) {
      const client = new SFNClient({
        ...common,
        endpoint: endpoints.stepfunctions,
        credentials: credentialsOf(signer),
      });
      clients.push(client);
      return client;
    },
    async clock() {
      const response = await signedFetch(`${endpoints.organizations}/_orgflow/clock`, adminCredentials);
      return ((await response.json()) as { now: number }).now;
    },
    nextEvent: (predicate, timeoutMs = 10_000) => nextEvent(endpoints, predicate, timeoutMs),
    kill(signal = 'SIGKILL') {
      child.kill(signal);
      return exited;
    },
  };
}

/** Reads the child's server-sent event stream from its first event until `predicate` accepts one. */
async function nextEvent(
  endpoints: Endpoints,
  predicate: (event: CloudTrailEvent) => boolean,
  timeoutMs: number,
): Promise<CloudTrailEvent> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await signedFetch(
      `${endpoints.organizations}/_orgflow/events?after=0`,
      adminCredentials,
      {
        signal: abort.signal,
      },
    );
    if (!response.body) throw new Error('the event stream has no body');
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const data = buffered
          .slice(0, end)
          .split('\n')
          .find((line) => line.startsWith('data: '));
        buffered = buffered.slice(end + 2);
        if (data) {
          const event = JSON.parse(data.slice('data: '.length)) as CloudTrailEvent;
          if (predicate(event)) return event;
        }
        end = buffered.indexOf('\n\n');
      }
    }
    throw new Error('the event stream ended before the awaited event');
  } catch (error) {
    if (abort.signal.aborted) throw new Error(`no matching event within ${timeoutMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
