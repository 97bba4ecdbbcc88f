import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeAccountCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { callApi } from '../../cli/api';
import type { ManualClock } from '../../local/clock';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type Endpoints, type LocalStack, readEndpoints, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const samples = fileURLToPath(new URL('../../events/samples/', import.meta.url));
const credentials = { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' };
const common = { region: 'us-east-1', credentials, maxAttempts: 1 };

/** One real SDK client per service of a running stack, destroyed together. */
function clientsOf(endpoints: Endpoints) {
  const clients = {
    organizations: new OrganizationsClient({ ...common, endpoint: endpoints.organizations }),
    sts: new STSClient({ ...common, endpoint: endpoints.sts }),
    sfn: new SFNClient({ ...common, endpoint: endpoints.stepfunctions }),
    events: new EventBridgeClient({ ...common, endpoint: endpoints.events }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb }),
  };
  const destroy = () => {
    for (const client of Object.values(clients)) client.destroy();
  };
  return { ...clients, destroy };
}
type Clients = ReturnType<typeof clientsOf>;

const apiOf = (stack: LocalStack) => ({ baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT });

/** What the stacks reported as internal errors (a server's unexpected exception): none expected. */
const internalErrors: unknown[] = [];

function start(dataDir: string): Promise<LocalStack> {
  return startLocalStack({
    // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
    functionEnvironments: 'shared',
    dataDir,
    timeScale: 'manual',
    throttling: false,
    limits: { createAccountDurationMs: [0, 0] },
    extraStateMachinesDir: join(fixtures, 'statemachines'),
    rulesDir: join(fixtures, 'rules'),
    onInternalError: (error) => internalErrors.push(error),
  });
}

/**
 * Advances the manual clock in 5 s steps, letting the bus and the workflows run in between, until `check`
 * answers something defined. No real sleeps: only yields to the event loop.
 */
async function advanceUntil<T>(
  stack: LocalStack,
  what: string,
  check: () => Promise<T | undefined>,
  maxSteps = 200,
): Promise<T> {
  for (let step = 0; step < maxSteps; step++) {
    await stack.buses.settled();
    const found = await check();
    if (found !== undefined) return found;
    (stack.clock as ManualClock).advance(5_000);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`gave up waiting for ${what} after ${maxSteps} clock steps`);
}

async function executionsOf(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
  return executions ?? [];
}

async function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events ?? [];
}

/** The EchoEvent execution whose input is the CloudTrail event of `accountId`'s move. */
async function echoOfMove(sfn: SFNClient, stateMachineArn: string, accountId: string) {
  for (const item of await executionsOf(sfn, stateMachineArn)) {
    const execution = await describeExecution(sfn, item.executionArn!);
    const input = JSON.parse(execution.input ?? '{}') as {
      detail?: { requestParameters?: { accountId?: string } };
    };
    if (input.detail?.requestParameters?.accountId === accountId) return execution;
  }
  return undefined;
}

async function parentOf(organizations: OrganizationsClient, accountId: string): Promise<string> {
  const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
  return Parents![0]!.Id!;
}

async function ouIds(organizations: OrganizationsClient): Promise<Record<string, string>> {
  const { Roots } = await organizations.send(new ListRootsCommand({}));
  const ids: Record<string, string> = { Root: Roots![0]!.Id! };
  const walk = async (parentId: string, prefix: string) => {
    const { OrganizationalUnits } = await organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: parentId }),
    );
    for (const ou of OrganizationalUnits ?? []) {
      ids[`${prefix}${ou.Name}`] = ou.Id!;
      await walk(ou.Id!, `${prefix}${ou.Name}/`);
    }
  };
  await walk(ids.Root!, '');
  return ids;
}

async function accountNamed(organizations: OrganizationsClient, name: string) {
  const { Accounts } = await organizations.send(new ListAccountsCommand({}));
  return Accounts?.find((account) => account.Name === name);
}

/** Every service of `endpoints.json` answers one real call; returns what the checks read. */
async function everyEndpointAnswers(stack: LocalStack, clients: Clients) {
  const { Roots } = await clients.organizations.send(new ListRootsCommand({}));
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const { stateMachines } = await clients.sfn.send(new ListStateMachinesCommand({}));
  const { Rules } = await clients.events.send(new ListRulesCommand({}));
  const { TableNames } = await clients.dynamodb.send(new ListTablesCommand({}));
  const requests = await callApi(apiOf(stack), 'GET', '/account-requests');
  return {
    roots: Roots?.length,
    account: identity.Account,
    stateMachines: (stateMachines ?? []).map((machine) => machine.name).sort(),
    rules: (Rules ?? []).map((rule) => rule.Name),
    tables: TableNames ?? [],
    apiStatus: requests.status,
  };
}

describe('the whole local stack in process: bus → workflow, API, restart', { timeout: 60_000 }, () => {
  const dirs = dataDirs();
  const cleanup: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    dirs.removeAll();
  });

  it('routes a MoveAccount into a test workflow, vends an account through the API, and keeps all across a restart', async () => {
    // Prepare: the stack on random ports, with the EchoEvent workflow and its MoveAccount rule
    const dataDir = dirs.fresh();
    let stack = await start(dataDir);
    let stopped = false;
    cleanup.push(() => (stopped ? undefined : stack.close()));
    let clients = clientsOf(stack.endpoints);
    cleanup.push(() => clients.destroy());
    const echoArn = stack.stateMachineArns.EchoEvent!;
    const vendingArn = stack.stateMachineArns.AccountVending!;
    const firstEndpoints = { written: readEndpoints(dataDir), used: stack.endpoints };
    const answered = await everyEndpointAnswers(stack, clients);
    const ous = await ouIds(clients.organizations);
    const alice = (await accountNamed(clients.organizations, 'Alice Sandbox'))!;

    // Act 1: a real MoveAccount; its CloudTrail event goes through the bus into EchoEvent
    await clients.organizations.send(
      new MoveAccountCommand({
        AccountId: alice.Id!,
        SourceParentId: ous.Sandbox!,
        DestinationParentId: ous['Workloads/Dev']!,
      }),
    );
    await stack.buses.settled();
    const echoStarted = await echoOfMove(clients.sfn, echoArn, alice.Id!);
    const echo = await advanceUntil(stack, 'EchoEvent to succeed', async () => {
      const execution = await echoOfMove(clients.sfn, echoArn, alice.Id!);
      return execution?.status === 'SUCCEEDED' ? execution : undefined;
    });

    // Act 2: a real-shaped CloudTrail sample published on the bus as the emulator does; PutEvents refuses aws.*
    const sample = JSON.parse(
      readFileSync(join(samples, 'organizations-move-account.json'), 'utf8'),
    ) as EventBridgeEvent;
    const sampleRules = stack.buses.publish({ ...sample, time: new Date(stack.clock.now()).toISOString() });
    const refused = await clients.events.send(
      new PutEventsCommand({
        Entries: [
          { Source: sample.source, DetailType: sample['detail-type'], Detail: JSON.stringify(sample.detail) },
        ],
      }),
    );
    const sampleEcho = await advanceUntil(stack, 'the sample EchoEvent to succeed', async () => {
      const execution = await echoOfMove(clients.sfn, echoArn, '444455556666');
      return execution?.status === 'SUCCEEDED' ? execution : undefined;
    });

    // Act 3: an account request through the API, followed until it has succeeded
    const submitted = await callApi(
      apiOf(stack),
      'POST',
      '/account-requests',
      { accountName: 'E2E Sandbox', email: 'e2e-sandbox@orgflow.example', organizationalUnit: 'Sandbox' },
      { 'idempotency-key': 'e2e-local-stack-1' },
    );
    const { requestId } = submitted.body as { requestId: string };
    const vended = await advanceUntil(stack, 'the account request to succeed', async () => {
      const response = await callApi(
        apiOf(stack),
        'GET',
        `/account-requests/${encodeURIComponent(requestId)}`,
      );
      const body = response.body as { state?: string; accountId?: string };
      if (body.state === 'FAILED') throw new Error(`the account request failed: ${JSON.stringify(body)}`);
      return body.state === 'SUCCEEDED' ? body : undefined;
    });
    const vendingExecutionArn = `${vendingArn.replace(':stateMachine:', ':execution:')}:${requestId}`;
    const before = {
      echo: await historyOf(clients.sfn, echo.executionArn!),
      vending: await historyOf(clients.sfn, vendingExecutionArn),
    };

    // Act 4: stop, and start again on the same data directory (new random ports)
    clients.destroy();
    await stack.close();
    stopped = true;
    stack = await start(dataDir);
    stopped = false;
    clients = clientsOf(stack.endpoints);
    const reanswered = await everyEndpointAnswers(stack, clients);
    const after = {
      aliceParent: await parentOf(clients.organizations, alice.Id!),
      echoListed: (await executionsOf(clients.sfn, echoArn)).map((item) => item.executionArn),
      vendingListed: (await executionsOf(clients.sfn, vendingArn)).map((item) => [item.name, item.status]),
      echo: await describeExecution(clients.sfn, echo.executionArn!),
      echoHistory: await historyOf(clients.sfn, echo.executionArn!),
      vending: await describeExecution(clients.sfn, vendingExecutionArn),
      vendingHistory: await historyOf(clients.sfn, vendingExecutionArn),
      vendedAccount: await clients.organizations.send(
        new DescribeAccountCommand({ AccountId: vended.accountId! }),
      ),
      vendedParent: await parentOf(clients.organizations, vended.accountId!),
      status: await callApi(apiOf(stack), 'GET', `/account-requests/${encodeURIComponent(requestId)}`),
      seeded: stack.seeded,
      endpoints: readEndpoints(dataDir),
    };

    // Assess: every endpoint answered, before and after the restart
    for (const services of [answered, reanswered])
      expect(services).toEqual({
        roots: 1,
        account: DEMO_MANAGEMENT_ACCOUNT,
        stateMachines: expect.arrayContaining(['AccountVending', 'EchoEvent']),
        rules: ['echo-moved-account'],
        tables: expect.arrayContaining([process.env.GOVERNOR_TABLE_NAME]),
        apiStatus: 200,
      });
    expect(internalErrors).toEqual([]);
    expect(firstEndpoints.written).toEqual(firstEndpoints.used);
    expect(after.endpoints).toEqual(stack.endpoints);
    // the MoveAccount event went through the bus into EchoEvent, whose output derives from it
    expect(echoStarted).toMatchObject({ status: 'RUNNING', stateMachineArn: echoArn });
    expect(JSON.parse(echo.output!)).toEqual({
      echoed: 'MoveAccount',
      accountId: alice.Id,
      from: ous.Sandbox,
      to: ous['Workloads/Dev'],
    });
    expect(echo.stopDate!.getTime() - echo.startDate!.getTime()).toBeGreaterThanOrEqual(60_000);
    expect(sampleRules).toEqual(['echo-moved-account']);
    expect(refused.FailedEntryCount).toBe(1);
    expect(refused.Entries?.[0]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
    expect(JSON.parse(sampleEcho.output!)).toEqual({
      echoed: 'MoveAccount',
      accountId: '444455556666',
      from: 'r-a1b2',
      to: 'ou-a1b2-f6g7h8i9',
    });
    // the API accepted the request and it succeeded with a new account
    expect(submitted.status).toBe(202);
    expect(vended).toMatchObject({ state: 'SUCCEEDED', accountId: expect.stringMatching(/^\d{12}$/) });
    // nothing was lost across the restart
    expect(after.seeded).toBe(false);
    expect(after.aliceParent).toBe(ous['Workloads/Dev']);
    expect(after.echoListed).toEqual(expect.arrayContaining([echo.executionArn, sampleEcho.executionArn]));
    expect(after.vendingListed).toEqual([[requestId, 'SUCCEEDED']]);
    expect(after.echo).toMatchObject({ status: 'SUCCEEDED', output: echo.output });
    expect(after.echoHistory).toEqual(before.echo);
    expect(after.vending).toMatchObject({ status: 'SUCCEEDED', name: requestId });
    expect(after.vendingHistory).toEqual(before.vending);
    expect(after.vendedAccount.Account).toMatchObject({ Name: 'E2E Sandbox', Status: 'ACTIVE' });
    expect(after.vendedParent).toBe(ous.Sandbox);
    expect(after.status).toMatchObject({
      status: 200,
      body: { requestId, state: 'SUCCEEDED', accountId: vended.accountId },
    });
  });
});
