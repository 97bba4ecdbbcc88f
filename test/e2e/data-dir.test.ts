import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateOrganizationalUnitCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirectoryInUseError, LOCK_FILE, lockDataDirectory } from '../../local/data-dir';
import { isLoopback } from '../../local/host';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { dataDirs, killAll, type StackProcess, spawnStack } from './stack-process';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const main = join(repoRoot, 'local', 'main.ts');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Run {
  /** the exit code, or 'started' when the stack got as far as its banner (it is killed then) */
  code: number | 'started' | null;
  output: string;
}

/** Runs `npm start` with `args` in `cwd` until it exits (or starts, or runs for 15 s: both are killed). */
function runMain(args: string[], cwd: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', tsx, main, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let started = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (!started && output.includes('Ctrl-C stops')) {
      started = true;
      child.kill('SIGKILL');
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code: started ? 'started' : code, output });
    }),
  );
}

/** Every file under `dir` with its bytes, by path relative to `dir`. */
function contentsOf(dir: string): Record<string, string> {
  const contents: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) contents[entry] = readFileSync(path).toString('base64');
  }
  return contents;
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

async function createOu(stack: StackProcess, name: string): Promise<void> {
  const client = stack.organizations(DEMO_MANAGEMENT_ACCOUNT);
  const { Roots } = await client.send(new ListRootsCommand({}));
  await client.send(new CreateOrganizationalUnitCommand({ ParentId: Roots![0]!.Id!, Name: name }));
}

describe('the data directory of npm start', { timeout: 90_000 }, () => {
  const dirs = dataDirs();
  afterEach(async () => {
    await killAll();
    dirs.removeAll();
  });

  it('refuses each value that cannot be a data directory, says why, and creates nothing', async () => {
    // Prepare: the current directory of each run is an empty one of the test's, so any stray write shows
    const scratch = dirs.fresh();
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'kept');
    const refused = ['', '/', '/proc/self/x', '/sys/kernel/orgflow', '/dev/orgflow', file, join(file, 'x')];

    for (const value of refused) {
      const cwd = dirs.fresh();

      // Act
      const run = await runMain(['--port', '0', '--data-dir', value], cwd);

      // Assess
      expect(run.code, `--data-dir '${value}':\n${run.output}`).toBe(2);
      expect(run.output).toContain(`'${value}'`);
      expect(run.output).toContain('give --data-dir a directory of your own');
      expect(readdirSync(cwd)).toEqual([]);
    }
    expect(readdirSync(scratch)).toEqual(['a-file']);
    expect(readFileSync(file, 'utf8')).toBe('kept');
  });

  it.skipIf(process.getuid?.() === 0)('refuses a directory this user cannot write', async () => {
    const parent = dirs.fresh();
    chmodSync(parent, 0o500);

    const run = await runMain(['--port', '0', '--data-dir', join(parent, 'state')], dirs.fresh());

    chmodSync(parent, 0o700);
    expect(run.code).toBe(2);
    expect(run.output).toContain('is not writable by this user');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('keeps its directories 0700 and its files 0600, and releases its lock when stopped', async () => {
    // Prepare: a data directory the stack creates itself, under the usual umask
    const dataDir = join(dirs.fresh(), 'state');
    const stack = await spawnStack(dataDir, ['--throttling', 'off']);
    await createOu(stack, 'Modes');

    // Assess
    for (const dir of ['.', 'organizations', 'stepfunctions', 'dynamodb', 'events'])
      expect([dir, modeOf(join(dataDir, dir))]).toEqual([dir, '700']);
    for (const file of [
      'orgflow.lock',
      'endpoints.json',
      'organizations/organizations.snapshot.json',
      'organizations/organizations.journal.jsonl',
      'stepfunctions/stepfunctions.snapshot.jsonl',
      'stepfunctions/stepfunctions.journal.jsonl',
    ])
      expect([file, modeOf(join(dataDir, file))]).toEqual([file, '600']);
    expect(stack.output).not.toContain('warning');
    expect(readFileSync(join(dataDir, 'orgflow.lock'), 'utf8')).toBe(`${stack.pid}\n`);

    // Act: Ctrl-C
    const exit = await stack.kill('SIGTERM');

    expect(exit.code).toBe(0);
    expect(existsSync(join(dataDir, 'orgflow.lock'))).toBe(false);
  });

  it('refuses a second start on a directory in use, names the pid holding it, and touches none of its files', async () => {
    // Prepare: a running stack with a write in its journal
    const dataDir = dirs.fresh();
    const first = await spawnStack(dataDir, ['--throttling', 'off']);
    await createOu(first, 'Before');
    const before = contentsOf(dataDir);

    // Act
    const second = await runMain(['--port', '0', '--data-dir', dataDir], dirs.fresh());

    // Assess
    expect(second.code, second.output).toBe(1);
    expect(second.output).toContain(`data directory ${dataDir} is in use by process ${first.pid}`);
    expect(contentsOf(dataDir)).toEqual(before);
    await createOu(first, 'After');
  });

  it('takes over the lock of a stack that was killed', async () => {
    // Prepare: a stack killed with -9 leaves its lock behind
    const dataDir = dirs.fresh();
    const killed = await spawnStack(dataDir, ['--throttling', 'off']);
    await killed.kill('SIGKILL');
    expect(readFileSync(join(dataDir, 'orgflow.lock'), 'utf8')).toBe(`${killed.pid}\n`);

    // Act
    const next = await spawnStack(dataDir, ['--throttling', 'off']);

    // Assess
    expect(readFileSync(join(dataDir, 'orgflow.lock'), 'utf8')).toBe(`${next.pid}\n`);
    expect(next.output).toContain('(resumed)');
  });

  it('refuses a journal without its snapshot instead of seeding a new organization', async () => {
    // Prepare: a stopped stack's directory, with the snapshot of the organization gone
    const dataDir = dirs.fresh();
    const stack = await spawnStack(dataDir, ['--throttling', 'off']);
    await createOu(stack, 'Kept');
    await stack.kill('SIGTERM');
    rmSync(join(dataDir, 'organizations', 'organizations.snapshot.json'));
    const before = contentsOf(dataDir);

    // Act
    const run = await runMain(['--port', '0', '--data-dir', dataDir], dirs.fresh());

    // Assess
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('holds a journal');
    expect(run.output).toContain('delete the data directory to start over');
    expect(contentsOf(dataDir)).toEqual(before);
  });

  it('warns, before listening, that a non-loopback --host puts every service on the network', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the listen fails, so nothing is ever exposed
    const run = await runMain(
      ['--host', '192.0.2.1', '--port', '0', '--data-dir', dirs.fresh()],
      dirs.fresh(),
    );

    expect(run.code, run.output).toBe(1);
    const warning = run.output.split('\n').find((line) => line.includes('warning'));
    expect(warning).toContain('--host 192.0.2.1 is not a loopback address');
    for (const service of [
      'Organizations',
      'STS',
      'Step Functions',
      'EventBridge',
      'DynamoDB',
      'API',
      'admin endpoint',
    ])
      expect(warning).toContain(service);
  });
});

describe('the lock of a data directory', () => {
  const dirs = dataDirs();
  afterEach(() => dirs.removeAll());

  it('is refused while a live process holds it, naming that process, and left as it is', () => {
    const dir = dirs.fresh();
    const release = lockDataDirectory(dir);

    expect(() => lockDataDirectory(dir)).toThrow(DataDirectoryInUseError);
    expect(() => lockDataDirectory(dir)).toThrow(`in use by process ${process.pid}`);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is taken over from a process that is gone', () => {
    const dir = dirs.fresh();
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(dir, LOCK_FILE), `${gone}\n`);

    const release = lockDataDirectory(dir);

    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    release();
  });

  it('is not removed by a release once another process holds it', () => {
    const dir = dirs.fresh();
    const release = lockDataDirectory(dir);
    writeFileSync(join(dir, LOCK_FILE), '1\n');

    release();

    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('1\n');
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.20', false],
    ['128.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
