import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { orgflow, orgflowBin, repoRoot } from '../cli/run-cli';
import { dataDirs, killAll, spawnStack } from './stack-process';

// Requests in line for a CreateAccount slot, as `orgflow` shows them: the executions table, a request's place
// in line and the least time to its turn, and --follow on a terminal (a pseudo-terminal made by `script`).

const dirs = dataDirs();
let dataDir: string;
const ids: string[] = [];

// AWS allows 5 CreateAccount in progress; each takes 10 minutes here, so the 6th and 7th wait in line
const REQUESTS = 7;

beforeAll(async () => {
  dataDir = dirs.fresh();
  await spawnStack(dataDir, ['--create-account-seconds', '600']);
  for (let n = 1; n <= REQUESTS; n++) {
    const run = await orgflow([
      'vend',
      '--name',
      `Queue ${n}`,
      '--email',
      `queue-${n}@example.com`,
      '--ou',
      'Sandbox',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(run.status).toBe(0);
    ids.push(JSON.parse(run.stdout).requestId);
  }
}, 60_000);

afterAll(async () => {
  await killAll();
  dirs.removeAll();
});

/** The place in line `orgflow request` reports for the last request, once all before it took their slots. */
async function lastInLine(): Promise<string> {
  for (let look = 0; look < 30; look++) {
    const run = await orgflow(['request', ids.at(-1)!, '--data-dir', dataDir]);
    if (run.stdout.includes('number 2')) return run.stdout;
  }
  throw new Error('the last request never showed its place in line');
}

describe('requests in line', () => {
  it('lists executions under a header, with the account asked for and who asked', async () => {
    // Act
    const run = await orgflow(['executions', '--data-dir', dataDir]);

    // Assess
    expect(run.status).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ {2}status +execution +account +requester +started +now \/ ended$/);
    expect(rows).toHaveLength(REQUESTS);
    expect(rows.find((row) => row.includes(ids[0]!))).toMatch(
      new RegExp(`RUNNING +AccountVending/${ids[0]} +Queue 1 +arn:aws:\\S+::${DEMO_MANAGEMENT_ACCOUNT}:\\S+`),
    );
  });

  it("shows a waiting request's place and the least time to its turn", async () => {
    // Act
    const said = await lastInLine();
    const json = await orgflow(['request', ids.at(-1)!, '--json', '--data-dir', dataDir]);

    // Assess
    expect(said).toContain(
      'PENDING (last step: Validate Request) · waiting in line for a CreateAccount slot: number 2, about 20 s or more',
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ state: 'PENDING', placeInLine: 2 });
  });

  it('--follow rewrites one line in place on a terminal, with the time elapsed', async () => {
    // Prepare
    await lastInLine();
    const command = `${process.execPath} ${orgflowBin} request ${ids.at(-1)} --follow --data-dir ${dataDir}`;

    // Act: under a pseudo-terminal until the line was written twice
    const child = spawn('script', ['-q', '-c', command, '/dev/null'], { cwd: repoRoot, stdio: 'pipe' });
    let output = '';
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.split('\r\x1b[2K').length > 2) done();
      });
      child.once('exit', () => fail(new Error(`--follow ended:\n${output}`)));
    });
    const gone = new Promise((exited) => child.once('exit', exited));
    child.kill('SIGTERM');
    await gone;

    // Assess: each look rewrites the line (no newline between), with the elapsed time
    const looks = output.split('\r\x1b[2K').slice(1);
    expect(looks[0]).toMatch(
      /^PENDING \(last step: Validate Request\) · waiting in line for a CreateAccount slot: number 2, about 20 s or more · \d+ s$/,
    );
    expect(looks[0]).not.toContain('\n');
  });
});
