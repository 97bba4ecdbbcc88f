import {
  DescribeAccountCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../local/clock';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// "A protected account is never closed by any path, including an execution started by hand with crafted input"
// (issue #12): the account closure state machine started directly, past the batch and its plan, for accounts
// it must not close. The real Check Account runs on the local stack; the emulator's record says nothing closed.

const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };

describe('an account closure execution started by hand with crafted input', { timeout: 120_000 }, () => {
  const dirs = dataDirs();
  let stack: LocalStack;
  let organizations: OrganizationsClient;
  let sfn: SFNClient;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    stack = await startLocalStack({
      dataDir: dirs.fresh(),
      functionEnvironments: 'shared',
      timeScale: 'manual',
      throttling: false,
      onInternalError: (error) => console.error('INTERNAL', error),
    });
    const options = { region: 'us-east-1', credentials };
    organizations = new OrganizationsClient({ ...options, endpoint: stack.endpoints.organizations });
    sfn = new SFNClient({ ...options, endpoint: stack.endpoints.stepfunctions });
    for (const account of (await organizations.send(new ListAccountsCommand({}))).Accounts ?? [])
      ids.set(account.Name!, account.Id!);
  });

  afterAll(async () => {
    organizations?.destroy();
    sfn?.destroy();
    await stack?.close();
    dirs.removeAll();
  });

  async function closeByHand(name: string, accountId: string) {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArns.AccountClosure,
        name,
        input: JSON.stringify({ batchId: 'cb-crafted', accountId, reason: 'crafted', until: null }),
      }),
    );
    for (let step = 0; step < 200; step++) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      (stack.clock as ManualClock).advance(5_000);
      await stack.settled();
    }
    throw new Error(`${name} did not end`);
  }

  it.each([
    ['the management account', () => DEMO_MANAGEMENT_ACCOUNT, 'management-account'],
    ['an account tagged orgflow:protected=true', () => ids.get('Legal Hold')!, 'protected-account'],
    ['an account under a protected OU', () => ids.get('Log Archive')!, 'protected-ou'],
    ['an account no batch asked for', () => ids.get('Alice Sandbox')!, 'not-asked-for'],
  ])('refuses %s and closes nothing', async (_, accountOf, reason) => {
    // Prepare
    const accountId = accountOf();

    // Act
    const ended = await closeByHand(`crafted-${reason}`, accountId);

    // Assess
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!)).toMatchObject({ accountId, outcome: 'skipped' });
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    expect(Account?.State).toBe('ACTIVE');
    const closeCalls = stack.emulator.events
      .since(0)
      .map((entry) => entry.event.detail as { eventName: string })
      .filter((detail) => detail.eventName === 'CloseAccount');
    expect(closeCalls).toEqual([]);
  });
});
