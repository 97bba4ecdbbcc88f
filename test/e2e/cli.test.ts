import { ListStateMachinesCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { orgflow } from '../cli/run-cli';
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
});
