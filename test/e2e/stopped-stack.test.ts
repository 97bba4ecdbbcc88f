import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orgflow, repoRoot } from '../cli/run-cli';
import { temporaryDirectories } from '../temp-dirs';
import { dataDirs, killAll, spawnStack } from './stack-process';

// A stack that is not running is said so, with the command that starts it; a stack that stops cleanly takes
// its endpoints.json with it, and a start that is refused leaves no data directory it made.

const dirs = dataDirs();
const tempDir = temporaryDirectories();

afterAll(async () => {
  await killAll();
  dirs.removeAll();
});

const notRunning = (dataDir: string, at: string) =>
  `orgflow: the local stack is not running at ${at}; start it with \`npm start -- --data-dir ${dataDir}\``;

/** A port nobody listens on: one the system gave out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

describe('a stack that is not running', () => {
  it('is named with the command that starts it, for a data directory that never held one', async () => {
    // Prepare
    const dataDir = join(tempDir('orgflow-stopped-'), 'never');

    // Act
    const run = await orgflow(['status', '--data-dir', dataDir]);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(notRunning(dataDir, dataDir));
    expect(existsSync(dataDir)).toBe(false);
  });

  it('is named at its endpoint when it was killed, or when nothing answers there', async () => {
    // Prepare: one killed (its endpoints.json left behind), one whose holder lives but does not listen
    const killed = dirs.fresh();
    const stack = await spawnStack(killed);
    await stack.kill('SIGKILL');
    const silent = tempDir('orgflow-silent-');
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    writeFileSync(join(silent, 'orgflow.lock'), `${process.pid}\n`);
    writeFileSync(
      join(silent, 'endpoints.json'),
      JSON.stringify({ organizations: endpoint, stepfunctions: endpoint, api: `${endpoint}/prod/` }),
    );

    // Act
    const [afterKill, refused, refusedApi] = await Promise.all([
      orgflow(['--data-dir', killed, 'status']),
      orgflow(['--data-dir', silent, 'status']),
      orgflow(['--data-dir', silent, 'request', 'some-request']),
    ]);

    // Assess
    expect(afterKill.status).toBe(1);
    expect(afterKill.stderr).toContain(notRunning(killed, stack.endpoints.organizations));
    expect([refused.status, refusedApi.status]).toEqual([1, 1]);
    expect(refused.stderr).toContain(notRunning(silent, endpoint));
    expect(refusedApi.stderr).toContain(notRunning(silent, endpoint));
    expect(`${refused.stderr}${refusedApi.stderr}`).not.toMatch(/fetch failed|ECONNREFUSED/);
  });
});

describe('the data directory of a stack', () => {
  it('keeps no endpoints.json once the stack stopped cleanly', async () => {
    // Prepare
    const dataDir = dirs.fresh();
    const stack = await spawnStack(dataDir);
    expect(existsSync(join(dataDir, 'endpoints.json'))).toBe(true);

    // Act
    const exit = await stack.kill('SIGTERM');

    // Assess
    expect(exit.code).toBe(0);
    expect(readdirSync(dataDir)).not.toContain('endpoints.json');
    expect(readdirSync(dataDir)).not.toContain('orgflow.lock');
  });

  it('is not left half-made by a start that was refused (its port taken)', async () => {
    // Prepare
    const parent = tempDir('orgflow-refused-');
    const taken = createServer();
    await new Promise<void>((ready) => taken.listen(0, '127.0.0.1', ready));
    const { port } = taken.address() as { port: number };
    mkdirSync(join(parent, 'existing'));

    // Act: a new directory (and its new parent), and one that existed
    const start = (dataDir: string) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'local/main.ts', '--port', String(port), '--data-dir', dataDir],
        { cwd: repoRoot, encoding: 'utf8' },
      );
    const fresh = start(join(parent, 'new', 'deeper'));
    const existing = start(join(parent, 'existing'));
    await new Promise((closed) => taken.close(closed));

    // Assess
    expect([fresh.status, existing.status]).toEqual([1, 1]);
    expect(fresh.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(readdirSync(parent)).toEqual(['existing']);
  });
});
