import {
  type Account,
  ListCreateAccountStatusCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  type OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import {
  type ExecutionListItem,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { dataDirs, killAll, spawnStack } from './stack-process';

interface Status {
  requestId: string;
  state: string;
  accountId?: string | null;
  reason?: string;
}

// a creation stays IN_PROGRESS 30 virtual seconds, that is 3 real seconds
const args = ['--throttling', 'off', '--create-account-seconds', '30', '--time-scale', '10'];

const requests = [
  { accountName: 'Restart One', email: 'restart-one@orgflow.example', organizationalUnit: 'Sandbox' },
  { accountName: 'Restart Two', email: 'restart-two@orgflow.example', organizationalUnit: 'Workloads/Dev' },
  { accountName: 'Restart Three', email: 'restart-three@orgflow.example', organizationalUnit: 'Sandbox' },
].map((body, i) => ({
  key: `restart-${i}`,
  body: { ...body, tags: [{ key: 'test', value: 'restart' }], policies: ['DenyLeaveOrganization'] },
}));

const names = requests.map(({ body }) => body.accountName);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(api: ApiTarget, body: unknown, key: string) {
  const response = await callApi(api, 'POST', '/account-requests', body, { 'idempotency-key': key });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return (response.body as { requestId: string }).requestId;
}

async function status(api: ApiTarget, requestId: string): Promise<Status> {
  const response = await callApi(api, 'GET', `/account-requests/${encodeURIComponent(requestId)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as Status;
}

/** Polls, in a bounded loop of short real waits, until `done` accepts every request's status. */
async function pollUntil(
  api: ApiTarget,
  requestIds: string[],
  done: (all: Status[]) => boolean,
  timeoutMs: number,
): Promise<Status[]> {
  const deadline = Date.now() + timeoutMs;
  let all: Status[] = [];
  while (Date.now() < deadline) {
    all = await Promise.all(requestIds.map((id) => status(api, id)));
    if (done(all)) return all;
    await sleep(100);
  }
  throw new Error(`requests did not reach the awaited state within ${timeoutMs} ms: ${JSON.stringify(all)}`);
}

async function inProgressNames(client: OrganizationsClient): Promise<string[]> {
  const { CreateAccountStatuses } = await client.send(
    new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }),
  );
  return (CreateAccountStatuses ?? []).map((s) => s.AccountName!);
}

/** Every execution of the vending state machine. */
async function vendingExecutions(sfn: SFNClient): Promise<ExecutionListItem[]> {
  const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
  const vending = stateMachines?.find((machine) => machine.name === 'AccountVending');
  if (!vending) throw new Error(`no AccountVending among ${JSON.stringify(stateMachines)}`);
  const { executions } = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: vending.stateMachineArn, maxResults: 1000 }),
  );
  return executions ?? [];
}

async function allAccounts(client: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  for await (const page of paginateListAccounts({ client }, {})) accounts.push(...page.Accounts!);
  return accounts;
}

async function ouId(client: OrganizationsClient, path: string): Promise<string> {
  const { Roots } = await client.send(new ListRootsCommand({}));
  let parent = Roots![0]!.Id!;
  for (const name of path.split('/')) {
    const { OrganizationalUnits } = await client.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: parent }),
    );
    parent = OrganizationalUnits!.find((ou) => ou.Name === name)!.Id!;
  }
  return parent;
}

describe('account vending across a SIGKILL of the stack (npm start as a child process)', {
  timeout: 90_000,
}, () => {
  const dirs = dataDirs();
  afterEach(async () => {
    await killAll();
    dirs.removeAll();
  });

  /**
   * Three requests, each with its CreateAccount IN_PROGRESS, the stack SIGKILLed and restarted on the same data,
   * then polled until every request has finished and Organizations has no creation of theirs in progress.
   */
  async function vendAcrossKill() {
    const dataDir = dirs.fresh();
    const first = await spawnStack(dataDir, args);
    const firstApi: ApiTarget = { baseUrl: first.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    const requestIds = await Promise.all(requests.map(({ body, key }) => post(firstApi, body, key)));
    const creating = await pollUntil(
      firstApi,
      requestIds,
      (all) => all.every((s) => s.state === 'CREATING'),
      20_000,
    );
    const firstOrganizations = first.organizations(DEMO_MANAGEMENT_ACCOUNT);
    const deadline = Date.now() + 10_000;
    let pending = await inProgressNames(firstOrganizations);
    while (!names.every((name) => pending.includes(name)) && Date.now() < deadline) {
      await sleep(50);
      pending = await inProgressNames(firstOrganizations);
    }
    const exit = await first.kill('SIGKILL');
    const second = await spawnStack(dataDir, args);
    const api: ApiTarget = { baseUrl: second.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    const done = await pollUntil(
      api,
      requestIds,
      (all) => all.every((s) => s.state === 'SUCCEEDED' || s.state === 'FAILED'),
      60_000,
    );
    const organizations = second.organizations(DEMO_MANAGEMENT_ACCOUNT);
    const settled = Date.now() + 20_000;
    let stillCreating = await inProgressNames(organizations);
    while (names.some((name) => stillCreating.includes(name)) && Date.now() < settled) {
      await sleep(100);
      stillCreating = await inProgressNames(organizations);
    }
    return { requestIds, creating, pending, exit, second, api, done, organizations, stillCreating };
  }

  it('creates exactly one account per request when the stack is killed mid-creation and restarted', async () => {
    // Prepare + Act
    const { requestIds, creating, pending, exit, second, api, organizations, stillCreating } =
      await vendAcrossKill();
    const accounts = await allAccounts(organizations);
    const repeatedIds = await Promise.all(requests.map(({ body, key }) => post(api, body, key)));
    // the repeats started nothing, and every execution has ended: nothing is left that could create an account
    const executions = await vendingExecutions(second.sfn(DEMO_MANAGEMENT_ACCOUNT));

    // Assess: the kill hit three creations under way, and each made exactly one account, even asked again
    expect(creating.map((s) => s.state)).toEqual(['CREATING', 'CREATING', 'CREATING']);
    expect(pending).toEqual(expect.arrayContaining(names));
    expect(exit.signal).toBe('SIGKILL');
    expect(second.output).toContain('(resumed)');
    expect(stillCreating.filter((name) => names.includes(name))).toEqual([]);
    for (const { body } of requests)
      expect(
        accounts.filter((a) => a.Email === body.email).map((a) => a.Status),
        body.email,
      ).toEqual(['ACTIVE']);
    expect(repeatedIds).toEqual(requestIds);
    expect(executions.map((e) => e.name).sort()).toEqual([...requestIds].sort());
    expect(executions.filter((e) => e.status === 'RUNNING')).toEqual([]);
    expect(await allAccounts(organizations)).toHaveLength(accounts.length);
    const { CreateAccountStatuses } = await organizations.send(new ListCreateAccountStatusCommand({}));
    expect(CreateAccountStatuses!.filter((s) => names.includes(s.AccountName!))).toHaveLength(3);
  });

  it('vends every request into its OU after the stack is killed mid-creation and restarted', async () => {
    // Prepare + Act
    const { done, organizations } = await vendAcrossKill();

    // Assess
    expect(
      done.map((s) => s.state),
      JSON.stringify(done),
    ).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const accounts = await allAccounts(organizations);
    for (const [i, { body }] of requests.entries()) {
      const matching = accounts.filter((a) => a.Email === body.email);
      expect(
        matching.map((a) => a.Id),
        body.email,
      ).toEqual([done[i]!.accountId]);
      const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: matching[0]!.Id! }));
      expect(Parents!.map((p) => p.Id)).toEqual([await ouId(organizations, body.organizationalUnit)]);
    }
  });
});
