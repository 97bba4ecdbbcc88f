import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { buildLargeOrganization, closureBatchInput } from '../../local/organizations/large-organization';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { dataDirs, killAll, spawnStack } from './stack-process';

// A closure batch across a SIGKILL of the stack: no account closed twice, none lost. A closure stays
// PENDING_CLOSURE 30 virtual seconds; the clock runs 20 times faster than real time.

const args = ['--throttling', 'off', '--close-account-seconds', '30', '--time-scale', '20'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a closure batch across a SIGKILL of the stack (npm start as a child process)', {
  timeout: 120_000,
}, () => {
  const dirs = dataDirs();
  afterEach(async () => {
    await killAll();
    dirs.removeAll();
  });

  it('closes every account once after the restart', async () => {
    // Prepare: 12 accounts to close in an organization of 40 members, AWS's quota (no demo cap)
    const dataDir = dirs.fresh();
    const org = buildLargeOrganization(dataDir, 40, 12);
    const config = join(dataDir, 'closure-config.json');
    writeFileSync(config, JSON.stringify({ callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`] }));
    const first = await spawnStack(dataDir, [...args, '--closure-config', config]);
    const batchMachine = `arn:aws:states:us-east-1:${DEMO_MANAGEMENT_ACCOUNT}:stateMachine:ClosureBatch`;
    const input = closureBatchInput({ accountIds: [], organizationalUnit: 'Sweep' }, 'restart test');
    const { executionArn } = await first.sfn(DEMO_MANAGEMENT_ACCOUNT).send(
      new StartExecutionCommand({
        stateMachineArn: batchMachine,
        name: 'cb-restart',
        input: JSON.stringify(input),
      }),
    );

    // Act: killed once the third closure has been requested (others in flight or waiting for their slot)
    const closing = (n: number) => (event: { detail: unknown }) =>
      (event.detail as { eventName?: string }).eventName === 'CloseAccount' && ++seen >= n;
    let seen = 0;
    await first.nextEvent(closing(3), 30_000);
    const exit = await first.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const second = await spawnStack(dataDir, [...args, '--closure-config', config]);
    const sfn = second.sfn(DEMO_MANAGEMENT_ACCOUNT);
    let status = 'RUNNING';
    let output: string | undefined;
    for (const deadline = Date.now() + 90_000; status === 'RUNNING' && Date.now() < deadline; ) {
      await sleep(250);
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn! }));
      status = described.status!;
      output = described.output;
    }
    // a closure in flight at the kill is found PENDING_CLOSURE by its retried step, not asked for again
    const refusedClose = second.nextEvent(
      (event) =>
        (event.detail as { eventName?: string; errorCode?: string }).eventName === 'CloseAccount' &&
        (event.detail as { errorCode?: string }).errorCode !== undefined,
      500,
    );
    await expect(refusedClose).rejects.toThrow('no matching event');
    // (the stream does carry the closures this run requested)
    await second.nextEvent(
      (event) => (event.detail as { eventName?: string }).eventName === 'CloseAccount',
      2000,
    );
    await second.kill('SIGKILL');

    // Assess: from the emulator's own record, read offline from the data directory
    expect(status).toBe('SUCCEEDED');
    expect(JSON.parse(output!)).toEqual({
      batchId: 'cb-restart',
      closed: 12,
      skipped: 1,
      failed: 0,
      departed: 0,
    });
    const emulator = new OrganizationsEmulator({
      dataDir: join(dataDir, 'organizations'),
      clock: (resumeFrom) => new ManualClock(resumeFrom ?? Date.now()),
    });
    try {
      const closures = [...emulator.store.closures.values()];
      expect(closures.map((c) => c.accountId).sort()).toEqual([...org.sweep].sort());
      for (const id of org.sweep) expect(emulator.store.accounts.get(id)?.state).toBe('CLOSED');
      expect(emulator.store.accounts.get(org.protectedAccount)?.state).toBe('ACTIVE');
    } finally {
      emulator.close();
    }
  });
});
