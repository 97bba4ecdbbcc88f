import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { orgflowBin, repoRoot } from '../cli/run-cli';
import { temporaryDirectories } from '../temp-dirs';
import { dataDirs, killAll, spawnStack } from './stack-process';

// The README's commands, run exactly as written (each fenced block as a bash script) in a fresh shell that has
// only `npx orgflow` (a folder whose node_modules/.bin has it, as after npm ci) and a stack started in its
// default data directory, .orgflow.

const tempDir = temporaryDirectories();
const dirs = dataDirs();

afterAll(async () => {
  await killAll();
  dirs.removeAll();
});

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The fenced blocks of the README section `heading`, in order. */
function blocksOf(heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** A folder as a user's after `npm ci`: `npx orgflow` works in it. */
function userFolder(): string {
  const folder = tempDir('orgflow-readme-');
  mkdirSync(join(folder, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(orgflowBin, join(folder, 'node_modules', '.bin', 'orgflow'));
  return folder;
}

/** Runs `script` with bash -e in `cwd`, in an environment without any AWS_ variable. */
function shell(script: string, cwd: string): Promise<{ status: number; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return new Promise((done) =>
    execFile('bash', ['-e', '-c', script], { cwd, env: { ...env, AWS_PAGER: '' } }, (error, stdout, stderr) =>
      done({
        status: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        output: `${stdout}${stderr}`,
      }),
    ),
  );
}

describe('the README', () => {
  it('Set up: vends, lists and reaches every service with the AWS CLI and boto3 as written, and through the edge', async () => {
    // Prepare
    const folder = userFolder();
    await spawnStack(join(folder, '.orgflow'), ['--create-account-seconds', '0']);
    const blocks = blocksOf('Set up').filter((block) => block.includes('npx orgflow'));
    expect(blocks).toHaveLength(3);

    // Act
    const vend = await shell(blocks[0]!, folder);
    const clients = await shell(blocks[1]!, folder);
    const edge = await shell(blocks[2]!, folder);
    const again = await shell(blocks[0]!, folder);

    // Assess
    expect(vend).toMatchObject({ status: 0 });
    expect(vend.output).toMatch(/SUCCEEDED, account \d{12}/);
    expect(vend.output).toContain('Team A Dev');
    expect(clients).toMatchObject({ status: 0 });
    expect(clients.output).toContain('Team A Dev');
    expect(clients.output).toContain('AccountVending');
    expect(clients.output.trim().split('\n').at(-1)).toBe(DEMO_MANAGEMENT_ACCOUNT);
    // the edge endpoint alone
    expect(edge).toEqual({ status: 0, output: "default\n['orgflow-governor']\n" });
    // the same block again is the same request, which says so rather than "accepted"
    expect(again).toMatchObject({ status: 0 });
    expect(again.output).toMatch(
      /was asked for before \(same name, email and key\): SUCCEEDED, account \d{12}/,
    );
    expect(again.output).not.toContain('accepted');
  }, 60_000);

  it('The Organizations emulator: the AWS CLI with only the variables of the snippet', async () => {
    // Prepare: the snippet names the default port
    const folder = userFolder();
    await spawnStack(join(folder, '.orgflow'), ['--port', '4701']);
    const [snippet] = blocksOf('The Organizations emulator');

    // Act
    const run = await shell(snippet!, folder);

    // Assess
    expect(run).toMatchObject({ status: 0 });
    expect(JSON.parse(run.output).Organization.MasterAccountId).toBe(DEMO_MANAGEMENT_ACCOUNT);
  }, 60_000);
});
