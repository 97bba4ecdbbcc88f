import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  type Account,
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  paginateListAccounts,
  type Tag,
} from '@aws-sdk/client-organizations';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import { requestIdFor } from '../../functions/api/caller';
import type { ManualClock } from '../../local/clock';
import type { FaultConfig } from '../../local/organizations/faults';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack';
import { statusChangeEvent } from '../../local/stepfunctions/service/index';
import { dataDirs } from './stack-process';

interface Status {
  requestId: string;
  state: string;
  accountId?: string | null;
  reason?: string;
  error?: string;
  createdAt?: string;
  completedAt?: string;
  steps?: unknown;
}

const request = (n: string, extra: Record<string, unknown> = {}) => ({
  accountName: `Team ${n} Dev`,
  email: `team-${n}-dev@example.com`,
  organizationalUnit: 'Workloads/Dev',
  tags: [
    { key: 'team', value: n },
    { key: 'env', value: 'dev' },
  ],
  policies: ['DenyLeaveOrganization'],
  ...extra,
});

describe('account vending through the API on the local stack (manual clock)', { timeout: 120_000 }, () => {
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
    // each stack on free ports: its functions are imported afresh and find it by its own endpoints
    stack = await startLocalStack({
      // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      onInternalError: (e) => console.error('INTERNAL', e),
      ...options,
    });
    const api: ApiTarget = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    const organizations = new OrganizationsClient({
      endpoint: stack.endpoints.organizations,
      region: 'us-east-1',
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'secret' },
      maxAttempts: 10,
    });
    clients.push(organizations);
    return { stack, api, organizations };
  }

  /** POSTs, repeating with the same key while the API answers 429/5xx (as a client should). */
  async function submit(api: ApiTarget, body: unknown, key: string) {
    for (let attempt = 0; ; attempt++) {
      const response = await callApi(api, 'POST', '/account-requests', body, { 'idempotency-key': key });
      if ((response.status === 429 || response.status >= 500) && attempt < 20) {
        // a refusal under throttling: let the buckets refill on the virtual clock, then repeat with the same key
        (stack!.clock as ManualClock).advance(1000);
        continue;
      }
      return response;
    }
  }

  async function status(api: ApiTarget, requestId: string): Promise<Status> {
    for (let attempt = 0; ; attempt++) {
      const response = await callApi(api, 'GET', `/account-requests/${encodeURIComponent(requestId)}`);
      if (response.status === 200) return response.body as Status;
      if (attempt >= 20)
        throw new Error(`GET ${requestId}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }

  /** Advances the manual clock a second at a time, in a bounded loop, until every request has finished. */
  async function settle(api: ApiTarget, requestIds: string[], maxRounds = 3000): Promise<Status[]> {
    const clock = stack!.clock as ManualClock;
    for (let round = 0; round < maxRounds; round++) {
      const all = await Promise.all(requestIds.map((id) => status(api, id)));
      if (all.every((s) => s.state === 'SUCCEEDED' || s.state === 'FAILED')) {
        // the record tells the outcome a moment before the execution ends: let it end
        await stack!.settled();
        return all;
      }
      clock.advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`requests ${requestIds.join(', ')} did not finish within ${maxRounds} virtual seconds`);
  }

  async function vend(api: ApiTarget, body: unknown, key: string): Promise<Status> {
    const accepted = await submit(api, body, key);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const { requestId } = accepted.body as { requestId: string };
    const [done] = await settle(api, [requestId]);
    return done!;
  }

  async function accountsWithEmail(organizations: OrganizationsClient, email: string): Promise<Account[]> {
    const accounts: Account[] = [];
    for await (const page of paginateListAccounts({ client: organizations }, {}))
      accounts.push(...page.Accounts!.filter((a) => a.Email === email));
    return accounts;
  }

  async function ouId(organizations: OrganizationsClient, path: string): Promise<string> {
    const { Roots } = await organizations.send(new ListRootsCommand({}));
    let parent = Roots![0]!.Id!;
    for (const name of path.split('/')) {
      const { OrganizationalUnits } = await organizations.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parent }),
      );
      parent = OrganizationalUnits!.find((ou) => ou.Name === name)!.Id!;
    }
    return parent;
  }

  async function heldSlots(): Promise<unknown[]> {
    const dynamodb = new DynamoDBClient({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.push(dynamodb);
    const { Items } = await dynamodb.send(new ScanCommand({ TableName: process.env.GOVERNOR_TABLE_NAME! }));
    return (Items ?? []).filter((item) => item.sk?.S?.startsWith('slot#') && item.holder !== undefined);
  }

  it('vends an account into the requested OU, tagged, with the requested policy attached', async () => {
    const { stack, api, organizations } = await start();
    // every Organizations call the stack makes (the API's and the workflow's), by operation
    const calls = new Map<string, number>();
    const call = stack.emulator.call.bind(stack.emulator);
    stack.emulator.call = (operation, ...rest) => {
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      return call(operation, ...rest);
    };

    const done = await vend(api, request('a'), 'happy-a');

    expect(done.state, JSON.stringify(done)).toBe('SUCCEEDED');
    expect(done.accountId).toMatch(/^\d{12}$/);
    const accountId = done.accountId!;
    const [account, ...others] = await accountsWithEmail(organizations, 'team-a-dev@example.com');
    expect(others).toEqual([]);
    expect(account).toMatchObject({ Id: accountId, Name: 'Team a Dev', Status: 'ACTIVE' });
    const dev = await ouId(organizations, 'Workloads/Dev');
    const { Accounts } = await organizations.send(new ListAccountsForParentCommand({ ParentId: dev }));
    expect(Accounts!.map((a) => a.Id)).toContain(accountId);
    const { Tags } = await organizations.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
    expect(Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'a' },
        { Key: 'env', Value: 'dev' },
      ]),
    );
    const { Policies } = await organizations.send(
      new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    expect(Policies!.map((p) => p.Name)).toContain('DenyLeaveOrganization');
    expect(await heldSlots()).toEqual([]);
    // tagged by CreateAccount, moved without ListParents, woken by the CreateAccountResult event: no polling
    for (const operation of ['CreateAccount', 'MoveAccount', 'AttachPolicy'])
      expect(calls.get(operation), operation).toBe(1);
    for (const operation of ['DescribeCreateAccountStatus', 'TagResource', 'ListParents'])
      expect(calls.get(operation), operation).toBeUndefined();
  });

  it('answers a repeated call with the same request, and a reused key with another body with 409', async () => {
    const { api, organizations } = await start();

    const first = await submit(api, request('b'), 'dup-b');
    const second = await submit(api, request('b'), 'dup-b');
    const conflicting = await submit(api, request('b', { accountName: 'Team B Other' }), 'dup-b');

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const { requestId } = first.body as { requestId: string };
    expect((second.body as { requestId: string }).requestId).toBe(requestId);
    expect(conflicting.status, JSON.stringify(conflicting.body)).toBe(409);
    const [done] = await settle(api, [requestId]);
    expect(done!.state, JSON.stringify(done)).toBe('SUCCEEDED');
    const third = await submit(api, request('b'), 'dup-b');
    expect((third.body as { requestId: string }).requestId).toBe(requestId);
    expect(await accountsWithEmail(organizations, 'team-b-dev@example.com')).toHaveLength(1);
  });

  it('refuses invalid input with 400 listing every bad field, and starts nothing', async () => {
    const { stack, api } = await start();
    const executionsBefore = await stack.stepFunctions.listExecutions({
      stateMachineArn: stack.stateMachineArns.AccountVending!,
    });

    const response = await submit(
      api,
      {
        accountName: '',
        email: 'not-an-email',
        organizationalUnit: 'Nowhere/AtAll',
        tags: [{ key: 'aws:reserved', value: 'x' }],
        policies: ['NoSuchPolicy'],
        roleName: 'has spaces',
      },
      'invalid-1',
    );

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    const issues = (response.body as { issues: { path: string }[] }).issues;
    const paths = issues.map((issue) => issue.path).join(' ');
    for (const field of ['accountName', 'email', 'tags', 'roleName']) expect(paths).toContain(field);
    const executionsAfter = await stack.stepFunctions.listExecutions({
      stateMachineArn: stack.stateMachineArns.AccountVending!,
    });
    expect(executionsAfter.executions).toHaveLength(executionsBefore.executions.length);
  });

  it('refuses a well-formed request for an OU or policy that does not exist, listing both', async () => {
    const { api } = await start();

    const response = await submit(
      api,
      request('c', { organizationalUnit: 'Workloads/Nowhere', policies: ['NoSuchPolicy'] }),
      'invalid-2',
    );

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    const paths = (response.body as { issues: { path: string }[] }).issues.map((i) => i.path).join(' ');
    expect(paths).toContain('organizationalUnit');
    expect(paths).toContain('policies');
  });

  it('fails EMAIL_ALREADY_EXISTS with what to do, releases the slot, and vends the next request', async () => {
    const { stack, api, organizations } = await start();
    stack.emulator.addStandaloneAccount({
      id: '999999999999',
      email: 'taken@example.com',
      name: 'Somebody Else',
    });

    const failed = await vend(api, request('d', { email: 'taken@example.com' }), 'email-d');

    expect(failed.state).toBe('FAILED');
    expect(failed.reason).toMatch(/email/i);
    expect(failed.reason).not.toMatch(/internal error/);
    expect(await heldSlots()).toEqual([]);
    const next = await vend(api, request('e'), 'email-e');
    expect(next.state, JSON.stringify(next)).toBe('SUCCEEDED');
    expect(await accountsWithEmail(organizations, 'taken@example.com')).toEqual([]);
  });

  it("finds a request and its idempotency key after its execution's history is gone, and lists them in one page", async () => {
    const { stack, api, organizations } = await start();
    stack.emulator.addStandaloneAccount({
      id: '999999999999',
      email: 'taken@example.com',
      name: 'Somebody Else',
    });
    const vended = await vend(api, request('u'), 'durable-u');
    const refused = await vend(api, request('v', { email: 'taken@example.com' }), 'durable-v');
    const ids = [vended.requestId, refused.requestId];
    const machine = stack.stateMachineArns.AccountVending!;
    const executionOf = (id: string) => `${machine.replace(':stateMachine:', ':execution:')}:${id}`;
    // a request that cannot be served ends its execution without failing it (no ExecutionsFailed alarm)
    expect(
      stack.stepFunctions.describeExecution({ executionArn: executionOf(refused.requestId) }).status,
    ).toBe('SUCCEEDED');
    const before = [await status(api, vended.requestId), await status(api, refused.requestId)];

    // as AWS does 90 days after an execution ends
    for (const id of ids) stack.stepFunctions.purgeExecution({ executionArn: executionOf(id) });
    const after = [await status(api, vended.requestId), await status(api, refused.requestId)];
    const repeats = [
      await submit(api, request('u'), 'durable-u'),
      await submit(api, request('v', { email: 'taken@example.com' }), 'durable-v'),
    ];
    const conflict = await submit(api, request('u', { accountName: 'Team U Other' }), 'durable-u');
    const listing = await callApi(api, 'GET', '/account-requests');

    for (const id of ids)
      expect(() => stack.stepFunctions.describeExecution({ executionArn: executionOf(id) })).toThrow(
        /Execution Does Not Exist/,
      );
    expect(after[0]).toMatchObject({ state: 'SUCCEEDED', accountId: vended.accountId, steps: [] });
    expect(after[1]).toMatchObject({ state: 'FAILED', accountId: null, steps: [] });
    for (const [i, status] of after.entries()) {
      const { steps: _, updatedAt: __, ...rest } = before[i] as Status & { updatedAt?: string };
      expect(status, JSON.stringify(status)).toMatchObject(rest);
    }
    expect(after[1]!.reason).toMatch(/taken@example.com already belongs to/);
    for (const [i, repeat] of repeats.entries()) {
      expect(repeat.status, JSON.stringify(repeat.body)).toBe(202);
      expect((repeat.body as { requestId: string }).requestId).toBe(ids[i]);
    }
    expect(conflict.status).toBe(409);
    // nothing started again: no execution, no second account
    expect((await stack.stepFunctions.listExecutions({ stateMachineArn: machine })).executions).toEqual([]);
    expect(await accountsWithEmail(organizations, 'team-u-dev@example.com')).toHaveLength(1);
    expect(listing.status).toBe(200);
    expect((listing.body as { requests: unknown[] }).requests).toEqual([
      expect.objectContaining({
        requestId: refused.requestId,
        state: 'FAILED',
        accountName: 'Team v Dev',
        accountId: null,
      }),
      expect.objectContaining({
        requestId: vended.requestId,
        state: 'SUCCEEDED',
        accountName: 'Team u Dev',
        accountId: vended.accountId,
      }),
    ]);
  });

  it('records a request whose execution was stopped FAILED (ExecutionAborted), found by GET after the execution is gone; a duplicate event changes nothing', async () => {
    const { stack, api } = await start();
    const sfn = new SFNClient({
      endpoint: stack.endpoints.stepfunctions,
      region: 'us-east-1',
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'secret' },
    });
    clients.push(sfn);
    const accepted = await submit(api, request('s'), 'stopped-s');
    const { requestId } = accepted.body as { requestId: string };
    const machine = stack.stateMachineArns.AccountVending!;
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${requestId}`;
    // until the account is being created: the record says CREATING, the execution waits for the result
    for (let second = 0; (await status(api, requestId)).state !== 'CREATING'; second++) {
      if (second > 600) throw new Error(`request ${requestId} never reached CREATING`);
      (stack.clock as ManualClock).advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }

    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'wrong OU' }));
    await stack.settled();
    const stopped = await status(api, requestId);
    stack.stepFunctions.purgeExecution({ executionArn });
    const gone = await status(api, requestId);
    // EventBridge delivers at least once: the same event again
    const duplicate = statusChangeEvent(
      {
        executionArn,
        stateMachineArn: machine,
        name: requestId,
        status: 'ABORTED',
        startDate: Date.parse(stopped.createdAt!),
        stopDate: Date.parse(stopped.completedAt!),
        input: JSON.stringify({}),
        error: 'Operator',
      },
      stack.clock.now(),
    );
    for (const _ of [1, 2]) stack.buses.publish(duplicate);
    await stack.settled();
    const after = await status(api, requestId);
    const repeat = await submit(api, request('s'), 'stopped-s');

    expect(stopped, JSON.stringify(stopped)).toMatchObject({
      state: 'FAILED',
      error: 'ExecutionAborted',
      reason: `the request was stopped before it finished; give the platform team the request id ${requestId}`,
    });
    expect(gone).toEqual({ ...stopped, steps: [] });
    expect(after).toEqual(gone);
    expect(repeat.status).toBe(202);
    expect(repeat.body).toMatchObject({ requestId, created: false });
    expect((await stack.stepFunctions.listExecutions({ stateMachineArn: machine })).executions).toEqual([]);
  });

  /** An account's OU, tags and directly attached SCPs: what a takeover would change. */
  async function holdings(organizations: OrganizationsClient, accountId: string) {
    const { Parents } = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
    const { Tags } = await organizations.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
    const { Policies } = await organizations.send(
      new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    return { parent: Parents![0]!.Id, tags: Tags, policies: Policies!.map((p) => p.Id).sort() };
  }

  /** Creates an account as the management account would by hand (console, another tool), and waits for it. */
  async function createByHand(organizations: OrganizationsClient, email: string, tags: Tag[] = []) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: 'Made By Hand', Email: email, Tags: tags }),
    );
    for (let second = 0; second < 120; second++) {
      const { CreateAccountStatus: status } = await organizations.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id! }),
      );
      if (status!.State === 'SUCCEEDED') return status!.AccountId!;
      (stack!.clock as ManualClock).advance(1000);
    }
    throw new Error(`the creation for ${email} did not finish`);
  }

  /**
   * Starts the workflow as the API does once it has validated a request (with what it resolved), but without
   * the API's check of the email: as when the address was taken after the API's listing.
   */
  async function startValidated(
    organizations: OrganizationsClient,
    email: string,
    ouPath: string,
    key: string,
  ) {
    const caller = {
      arn: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:root`,
      accountId: DEMO_MANAGEMENT_ACCOUNT,
    };
    const requestId = requestIdFor(caller, key);
    const { Policies } = await organizations.send(
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    const policy = Policies!.find((p) => p.Name === 'DenyLeaveOrganization')!;
    const input = {
      caller,
      request: {
        ...request('x', { email, organizationalUnit: ouPath }),
        tags: [{ key: 'owner', value: 'mallory' }],
      },
      resolved: {
        organizationalUnit: { id: await ouId(organizations, ouPath), path: ouPath },
        policies: [{ id: policy.Id!, name: policy.Name!, type: 'SERVICE_CONTROL_POLICY' }],
      },
    };
    await stack!.stepFunctions.startExecution({
      stateMachineArn: stack!.stateMachineArns.AccountVending!,
      name: requestId,
      input: JSON.stringify(input),
    });
    return requestId;
  }

  it("refuses at submission, with 400, an email that belongs to another team's account, and changes nothing", async () => {
    const { api, organizations } = await start();
    const [audit] = await accountsWithEmail(organizations, 'audit@orgflow.example');
    const before = await holdings(organizations, audit!.Id!);

    const response = await submit(
      api,
      request('m', { email: 'Audit@orgflow.example', organizationalUnit: 'Workloads/Prod' }),
      'takeover-api',
    );

    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect((response.body as { issues: { rule: string }[] }).issues).toEqual([
      expect.objectContaining({ path: 'email', rule: 'email-in-use' }),
    ]);
    expect(await holdings(organizations, audit!.Id!)).toEqual(before);
  });

  it("never adopts another team's account, nor one made outside orgflow: the request fails EmailAlreadyExists and changes nothing", async () => {
    // the demo organization's 8 accounts leave AWS's default 10 no room for one made by hand and two creations;
    // no reactions: the baseline would move and tag the account made by hand, which is not vending's doing
    const { api, organizations } = await start({ limits: { accountQuota: 20 }, reactionsConfig: '{}' });
    // another team's account, already in the OU the caller may vend into
    const [audit] = await accountsWithEmail(organizations, 'audit@orgflow.example');
    // an account created by hand, sitting in the root where CreateAccount leaves it
    const outside = await createByHand(organizations, 'made-by-hand@example.com', [
      { Key: 'owner', Value: 'finance' },
    ]);
    const before = [await holdings(organizations, audit!.Id!), await holdings(organizations, outside)];

    const requestIds = [
      await startValidated(organizations, 'audit@orgflow.example', 'Workloads/Prod', 'takeover-ou'),
      await startValidated(organizations, 'made-by-hand@example.com', 'Workloads/Dev', 'takeover-root'),
    ];
    const done = await settle(api, requestIds);

    for (const request of done) {
      expect(request.state, JSON.stringify(request)).toBe('FAILED');
      expect(request.accountId ?? null).toBeNull();
      expect(request.reason).toMatch(
        /already belongs to account \d{12} of this organization, which orgflow did not create/,
      );
    }
    expect([await holdings(organizations, audit!.Id!), await holdings(organizations, outside)]).toEqual(
      before,
    );
    expect(await heldSlots()).toEqual([]);
  });

  it("adopts the account this very request created when its result was lost (it carries the request's mark)", async () => {
    const { api, organizations } = await start();
    const caller = {
      arn: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:root`,
      accountId: DEMO_MANAGEMENT_ACCOUNT,
    };
    // an earlier attempt's CreateAccount reached AWS and its answer was lost: the account exists with the mark
    const lost = await createByHand(organizations, 'lost-answer@example.com', [
      { Key: 'orgflow:request-id', Value: requestIdFor(caller, 'lost-answer') },
    ]);

    const requestId = await startValidated(
      organizations,
      'lost-answer@example.com',
      'Workloads/Dev',
      'lost-answer',
    );
    const [done] = await settle(api, [requestId]);

    expect(done!.state, JSON.stringify(done)).toBe('SUCCEEDED');
    expect(done!.accountId).toBe(lost);
    const after = await holdings(organizations, lost);
    expect(after.parent).toBe(await ouId(organizations, 'Workloads/Dev'));
    expect(after.tags).toEqual(expect.arrayContaining([{ Key: 'owner', Value: 'mallory' }]));
  });

  it('fails ACCOUNT_LIMIT_EXCEEDED with a clear reason and releases the slot', async () => {
    const { stack, api, organizations } = await start();
    const { Accounts } = await organizations.send(new ListAccountsCommand({}));
    (stack.emulator.limits as { accountQuota: number }).accountQuota = Accounts!.length;

    const failed = await vend(api, request('f'), 'limit-f');

    expect(failed.state).toBe('FAILED');
    expect(failed.reason).toMatch(/limit|quota/i);
    expect(failed.reason).not.toMatch(/internal error/);
    expect(await heldSlots()).toEqual([]);
    (stack.emulator.limits as { accountQuota: number }).accountQuota = 100;
    const next = await vend(api, request('g'), 'limit-g');
    expect(next.state, JSON.stringify(next)).toBe('SUCCEEDED');
  });

  it('fails INTERNAL_FAILURE with a clear reason and releases the slot', async () => {
    const { stack, api } = await start({ faults: { CreateAccount: { createAccountInternalFailure: 1 } } });

    const failed = await vend(api, request('h'), 'internal-h');

    expect(failed.state).toBe('FAILED');
    expect(failed.reason).toBeTruthy();
    expect(failed.reason).toMatch(/AWS|try again|platform team/i);
    expect(await heldSlots()).toEqual([]);
    stack.emulator.faults.set({});
    const next = await vend(api, request('i'), 'internal-i');
    expect(next.state, JSON.stringify(next)).toBe('SUCCEEDED');
  });

  it('vends an account when the CreateAccountResult event never arrives: the wait times out and looks', async () => {
    // no rule files: AWS's event reaches no function, as when CloudTrail delivery fails
    const { stack, api } = await start({ rulesDir: dirs.fresh() });
    const looks: number[] = [];
    const call = stack.emulator.call.bind(stack.emulator);
    stack.emulator.call = (operation, ...rest) => {
      if (operation === 'DescribeCreateAccountStatus') looks.push(stack.clock.now());
      return call(operation, ...rest);
    };
    const startedAt = stack.clock.now();

    const done = await vend(api, request('lost'), 'lost-event');

    expect(done.state, JSON.stringify(done)).toBe('SUCCEEDED');
    expect(done.accountId).toMatch(/^\d{12}$/);
    // one look, made by the wait retried after its 2 minutes without news
    expect(looks).toHaveLength(1);
    expect(looks[0]! - startedAt).toBeGreaterThanOrEqual(120_000);
    expect(await heldSlots()).toEqual([]);
  });

  /** Five requests accepted, then every Organizations call refused at 30 % (throttling) + 30 % (concurrent modification). */
  async function vendUnderFaults(faultSeed = 42) {
    const faults: FaultConfig = { '*': { throttle: 0.3, concurrentModification: 0.3 } };
    // the demo organization has 8 accounts, AWS's default quota 10: room for the five with 20
    // no reactions: their calls would draw from the same seeded faults and change which of vending's calls fail
    const { stack, api, organizations } = await start({
      faultSeed,
      throttling: true,
      limits: { accountQuota: 20 },
      reactionsConfig: '{}',
    });
    const names = ['p', 'q', 'r', 's', 't'];
    // the faults strike the API's own validation too: it answers 503 and the requester asks again
    stack.emulator.faults.set(faults);
    const accepted = await Promise.all(names.map((n) => submit(api, request(n), `faulty-${n}`)));
    for (const response of accepted) expect(response.status, JSON.stringify(response.body)).toBe(202);
    const done = await settle(
      api,
      accepted.map((r) => (r.body as { requestId: string }).requestId),
    );
    stack.emulator.faults.set({});
    const accounts = await Promise.all(
      names.map((n) => accountsWithEmail(organizations, `team-${n}-dev@example.com`)),
    );
    return { done, accounts };
  }

  it('never vends a request twice with 30 % throttling and concurrent modification, and frees every slot', async () => {
    const { done, accounts } = await vendUnderFaults();

    done.forEach((s, i) => {
      expect(accounts[i]!.length, JSON.stringify(s)).toBeLessThanOrEqual(1);
      if (s.state === 'SUCCEEDED') expect(accounts[i]!.map((a) => a.Id)).toEqual([s.accountId]);
    });
    expect(await heldSlots()).toEqual([]);
  });

  it.each([42, 7, 2026])(
    'vends every one of 5 requests with 30 per cent throttling and concurrent modification (fault seed %i)',
    async (seed) => {
      const { done, accounts } = await vendUnderFaults(seed);

      for (const s of done) expect(s.state, JSON.stringify(s)).toBe('SUCCEEDED');
      for (const found of accounts) expect(found).toHaveLength(1);
    },
  );
});
