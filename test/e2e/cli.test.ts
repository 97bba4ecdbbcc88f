import { execFile } from 'node:child_process';
import { ListStateMachinesCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { orgflow, repoRoot } from '../cli/run-cli';
import { dataDirs, killAll, type StackProcess, spawnStack } from './stack-process';

// `orgflow` against a running stack, as a child process: exit statuses, --json, and the output of listings.

const dirs = dataDirs();
let stack: StackProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = dirs.fresh();
  stack = await spawnStack(dataDir);
}, 30_000);

afterAll(async () => {
  await killAll();
  dirs.removeAll();
});

/** A vending execution that fails at once (its input is no request): a FAILED request named `name`. */
async function failedRequest(name: string): Promise<void> {
  const sfn = stack.sfn(DEMO_MANAGEMENT_ACCOUNT);
  const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
  const vending = stateMachines!.find((m) => m.name?.endsWith('AccountVending'))!;
  await sfn.send(new StartExecutionCommand({ stateMachineArn: vending.stateMachineArn!, name, input: '{}' }));
  // Validate Request refuses it in its first step: a few looks at most
  for (let look = 0; look < 20; look++) {
    const run = await orgflow(['request', name, '--json', '--data-dir', dataDir]);
    if (JSON.parse(run.stdout).state === 'FAILED') return;
  }
  throw new Error(`request ${name} did not fail`);
}

describe('orgflow against a running stack', () => {
  it('exits 1 for a request that FAILED, and 0 for --json of the organization', async () => {
    // Prepare
    await failedRequest('broken-request');

    // Act
    const [request, status] = await Promise.all([
      orgflow(['--data-dir', dataDir, 'request', 'broken-request']),
      orgflow(['status', '--json', '--data-dir', dataDir]),
    ]);

    // Assess
    expect(request.status).toBe(1);
    expect(request.stdout).toMatch(/^FAILED/);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout).organization.managementAccountId).toBe(DEMO_MANAGEMENT_ACCOUNT);
  });

  it('prints eval-able export lines for every service: both regions, the key, AWS_ENDPOINT_URL_SFN', async () => {
    // Act
    const [env, json] = await Promise.all([
      orgflow(['env', '--data-dir', dataDir]),
      orgflow(['--json', 'env', '--data-dir', dataDir]),
    ]);

    // Assess
    const { endpoints } = stack;
    expect(env.status).toBe(0);
    expect(env.stdout.split('\n').filter((line) => line.startsWith('export '))).toEqual([
      'export AWS_REGION=us-east-1',
      'export AWS_DEFAULT_REGION=us-east-1',
      `export AWS_ACCESS_KEY_ID=${DEMO_MANAGEMENT_ACCOUNT}`,
      'export AWS_SECRET_ACCESS_KEY=local',
      `export AWS_ENDPOINT_URL_ORGANIZATIONS=${endpoints.organizations}`,
      `export AWS_ENDPOINT_URL_STS=${endpoints.sts}`,
      `export AWS_ENDPOINT_URL_SFN=${endpoints.stepfunctions}`,
      `export AWS_ENDPOINT_URL_EVENTBRIDGE=${endpoints.events}`,
      `export AWS_ENDPOINT_URL_DYNAMODB=${endpoints.dynamodb}`,
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({ AWS_ENDPOINT_URL_SFN: endpoints.stepfunctions });
  });

  it("suggests, in its banner, commands that work as pasted, with the stack's data directory", async () => {
    // Prepare: the banner's AWS CLI lines
    const lines = stack.output.split('\n');
    const suggested = lines.filter((line) =>
      /^ {2}(npx orgflow status|eval|aws organizations list-accounts)/.test(line),
    );
    expect(suggested).toEqual([
      `  npx orgflow status --data-dir ${dataDir}`,
      `  eval "$(npx orgflow env --data-dir ${dataDir})"`,
      '  aws organizations list-accounts',
    ]);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));

    // Act
    const output = await new Promise<string>((done, fail) =>
      execFile(
        'bash',
        ['-e', '-c', suggested.join('\n')],
        { cwd: repoRoot, env: { ...env, AWS_PAGER: '' } },
        (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout)),
      ),
    );

    // Assess
    expect(output).toContain(`management account ${DEMO_MANAGEMENT_ACCOUNT}`);
    expect(JSON.parse(output.slice(output.indexOf('{\n    "Accounts"'))).Accounts.length).toBeGreaterThan(1);
  });
});
