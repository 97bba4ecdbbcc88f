import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeAccountCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, paginateListExecutions, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { readBatch } from '../../functions/account-closure/batch-store';
import type { ManualClock } from '../../local/clock';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// Issue #12's decommission path on the local stack (demo organization and closure configuration, manual clock):
// moving an account into Decommission closes it through one closure batch, however often the move is reported.

const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };

describe('an account moved into the decommission OU (local stack, manual clock)', {
  timeout: 120_000,
}, () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack | undefined;

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack?.close();
    stack = undefined;
    dirs.removeAll();
  });

  async function start(options: Partial<LocalStackOptions> = {}) {
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      onInternalError: (e) => console.error('INTERNAL', e),
      ...options,
    });
    const client = { region: 'us-east-1', credentials };
    const organizations = new OrganizationsClient({ ...client, endpoint: stack.endpoints.organizations });
    const sfn = new SFNClient({ ...client, endpoint: stack.endpoints.stepfunctions });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...client, endpoint: stack.endpoints.dynamodb }),
    );
    clients.push(organizations, sfn, db);
    return { stack, organizations, sfn, db, table: process.env.GOVERNOR_TABLE_NAME! };
  }

  async function accountNamed(organizations: OrganizationsClient, name: string): Promise<string> {
    for await (const page of paginateListAccounts({ client: organizations }, {}))
      for (const account of page.Accounts ?? []) if (account.Name === name) return account.Id!;
    throw new Error(`no account named ${name}`);
  }

  async function ouNamed(organizations: OrganizationsClient, name: string): Promise<string> {
    const { Roots } = await organizations.send(new ListRootsCommand({}));
    const { OrganizationalUnits } = await organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: Roots![0]!.Id! }),
    );
    return OrganizationalUnits!.find((ou) => ou.Name === name)!.Id!;
  }

  async function move(organizations: OrganizationsClient, accountId: string, to: string) {
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
    await organizations.send(
      new MoveAccountCommand({
        AccountId: accountId,
        SourceParentId: Parents![0]!.Id!,
        DestinationParentId: to,
      }),
    );
  }

  /** The ClosureBatch executions whose selection names the account. */
  async function batchExecutionsFor(sfn: SFNClient, accountId: string) {
    const found: { name: string; status: string }[] = [];
    for await (const page of paginateListExecutions(
      { client: sfn },
      { stateMachineArn: stack!.stateMachineArns.ClosureBatch },
    ))
      for (const execution of page.executions ?? []) {
        const { input, status } = await sfn.send(
          new DescribeExecutionCommand({ executionArn: execution.executionArn! }),
        );
        const { request } = JSON.parse(input!) as { request: { selection: { accountIds: string[] } } };
        if (request.selection.accountIds.includes(accountId))
          found.push({ name: execution.name!, status: status! });
      }
    return found;
  }

  const cloudTrail = (eventName: string, accountId: string) =>
    stack!.emulator.events
      .since(0)
      .map((entry) => entry.event)
      .filter((event) => {
        const detail = event.detail as { eventName: string; requestParameters?: { accountId?: string } };
        return detail.eventName === eventName && detail.requestParameters?.accountId === accountId;
      });

  /** Advances the manual clock `stepMs` at a time, letting the stack work between steps, until `done`. */
  async function advanceUntil(done: () => Promise<boolean>, stepMs = 5_000, maxSteps = 2_000) {
    const clock = stack!.clock as ManualClock;
    for (let step = 0; step < maxSteps; step++) {
      if (await done()) return;
      clock.advance(stepMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`not done after ${maxSteps} steps of ${stepMs} ms`);
  }

  it('closes an account moved from Sandbox into Decommission once, though the move is reported three times', async () => {
    // Prepare
    const { organizations, sfn } = await start();
    const alice = await accountNamed(organizations, 'Alice Sandbox');
    const decommission = await ouNamed(organizations, 'Decommission');

    // Act: the move, then its CloudTrail event delivered twice more
    await move(organizations, alice, decommission);
    // the seed's move into Sandbox is in the emulator's record too: the last move is this one
    const moved = cloudTrail('MoveAccount', alice).at(-1)!;
    expect(moved.detail).toMatchObject({ requestParameters: { destinationParentId: decommission } });
    for (let i = 0; i < 2; i++)
      expect(stack!.buses.publish(moved as EventBridgeEvent)).toContain('decommission-account');
    await advanceUntil(async () => {
      const batches = await batchExecutionsFor(sfn, alice);
      return batches.length > 0 && batches.every((b) => b.status !== 'RUNNING');
    });

    // Assess
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: alice }));
    expect(Account!.State).toBe('CLOSED');
    expect(cloudTrail('CloseAccount', alice)).toHaveLength(1);
    const eventId = (moved.detail as { eventID: string }).eventID.replace(/-/g, '').slice(0, 16);
    expect(await batchExecutionsFor(sfn, alice)).toEqual([
      { name: `decommission-${alice}-${eventId}`, status: 'SUCCEEDED' },
    ]);
  });

  it('closes an account moved into Decommission twice once: the second move finds it closing or closed', async () => {
    // Prepare: AWS's quota (the demo's cap of one closure per 30 days would defer the second batch for a month)
    const { organizations, sfn, db, table } = await start({
      closureConfig: JSON.stringify({ decommissionOrganizationalUnit: 'Decommission' }),
    });
    const alice = await accountNamed(organizations, 'Alice Sandbox');
    const decommission = await ouNamed(organizations, 'Decommission');
    const sandbox = await ouNamed(organizations, 'Sandbox');

    // Act: moved there, out again, and back, before the first closure has finished
    await move(organizations, alice, decommission);
    await move(organizations, alice, sandbox);
    await move(organizations, alice, decommission);
    await advanceUntil(async () => {
      const batches = await batchExecutionsFor(sfn, alice);
      return batches.length === 2 && batches.every((b) => b.status !== 'RUNNING');
    });

    // Assess: one batch closed it, the other skipped it (one Account Closed, one set of closure tags)
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: alice }));
    expect(Account!.State).toBe('CLOSED');
    expect(cloudTrail('CloseAccount', alice)).toHaveLength(1);
    const states = [];
    for (const batch of await batchExecutionsFor(sfn, alice))
      states.push(...((await readBatch({ db, table }, batch.name))?.accounts.map((a) => a.state) ?? []));
    expect(states.sort()).toEqual(['closed', 'skipped']);
  });

  it('never closes a protected account moved into Decommission: its batch skips it', async () => {
    // Prepare: Legal Hold (tagged orgflow:protected=true) taken out of Decommission, and nothing started for it
    const { organizations, sfn, db, table } = await start();
    const legalHold = await accountNamed(organizations, 'Legal Hold');
    const decommission = await ouNamed(organizations, 'Decommission');
    await move(organizations, legalHold, await ouNamed(organizations, 'Sandbox'));

    // Act
    await move(organizations, legalHold, decommission);
    await advanceUntil(async () => {
      const batches = await batchExecutionsFor(sfn, legalHold);
      return batches.length > 0 && batches.every((b) => b.status !== 'RUNNING');
    });

    // Assess
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: legalHold }));
    expect(Account!.State).toBe('ACTIVE');
    expect(cloudTrail('CloseAccount', legalHold)).toHaveLength(0);
    const [started] = await batchExecutionsFor(sfn, legalHold);
    const batch = await readBatch({ db, table }, started!.name);
    expect(batch?.batch.source).toBe('decommission');
    expect(batch?.batch.reason).toBe('moved into Decommission');
    expect(batch?.accounts.map((a) => a.state)).toEqual(['skipped']);
  });
});
