import {
  type Account,
  DescribeAccountCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import {
  type ClosureStatus,
  closureStatus,
  followClosure,
  onlyDeferredLeft,
  submitClosure,
} from '../../cli/close';
import type { ManualClock } from '../../local/clock';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// Batch closure through the API and the CLI's client, on the local stack with the demo organization: its
// closure configuration protects Workloads/Prod and lets the management account's principals ask; what the
// Decommission OU holds is read from the organization, so the demo may change.

describe('closure batches through the API on the local stack (manual clock)', { timeout: 180_000 }, () => {
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
    const api: ApiTarget = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    const organizations = new OrganizationsClient({
      endpoint: stack.endpoints.organizations,
      region: 'us-east-1',
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
      maxAttempts: 10,
    });
    clients.push(organizations);
    return { stack, api, organizations };
  }

  async function accountNamed(organizations: OrganizationsClient, name: string): Promise<Account> {
    for await (const page of paginateListAccounts({ client: organizations }, {}))
      for (const account of page.Accounts ?? []) if (account.Name === name) return account;
    throw new Error(`the demo organization has no account named ${name}`);
  }

  /** The accounts directly in an OU of the root, with whether the protected tag is on them. */
  async function accountsIn(organizations: OrganizationsClient, ouName: string) {
    const { Roots } = await organizations.send(new ListRootsCommand({}));
    const { OrganizationalUnits } = await organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: Roots![0]!.Id! }),
    );
    const ou = OrganizationalUnits!.find((o) => o.Name === ouName)!;
    const { Accounts } = await organizations.send(new ListAccountsForParentCommand({ ParentId: ou.Id! }));
    return Promise.all(
      Accounts!.map(async (a) => {
        const { Tags } = await organizations.send(new ListTagsForResourceCommand({ ResourceId: a.Id! }));
        return {
          id: a.Id!,
          protected: (Tags ?? []).some((t) => t.Key === 'orgflow:protected' && t.Value === 'true'),
        };
      }),
    );
  }

  const stateOf = async (organizations: OrganizationsClient, accountId: string) =>
    (await organizations.send(new DescribeAccountCommand({ AccountId: accountId }))).Account?.State;

  /**
   * Follows the batch as `orgflow close --follow` does: a virtual second between two looks, or, when every
   * account left waits for a date, straight to that date (a deferral lasts until a closure leaves the 30-day
   * window).
   */
  async function follow(api: ApiTarget, batchId: string, maxRounds = 3000) {
    const clock = stack!.clock as ManualClock;
    const lines: string[] = [];
    let rounds = 0;
    let status = await followOnce();
    // `--follow` stops when only deferred accounts are left: weeks later, the user follows the batch again
    while (onlyDeferredLeft(status) && ++rounds <= maxRounds) {
      const next = Math.min(
        ...(status.accounts ?? []).filter((a) => a.state === 'deferred').map((a) => Date.parse(a.until!)),
      );
      clock.advance(Math.max(1000, next - clock.now() + 1000));
      await stack!.settled();
      status = await followOnce();
    }
    return { status, lines };

    function followOnce() {
      return followClosure(api, batchId, {
        json: false,
        log: (line) => lines.push(line),
        wait: async (last) => {
          if (++rounds > maxRounds)
            throw new Error(`batch ${batchId} did not finish within ${maxRounds} looks`);
          const moving = (last?.accounts ?? []).filter(
            (a) => !['closed', 'skipped', 'failed'].includes(a.state),
          );
          const dates = moving.map((a) =>
            a.state === 'deferred' && a.until ? Date.parse(a.until) : undefined,
          );
          const next = Math.min(...dates.map((at) => at ?? Number.POSITIVE_INFINITY));
          clock.advance(
            moving.length > 0 && Number.isFinite(next) ? Math.max(1000, next - clock.now() + 1000) : 1000,
          );
          // the functions finish what the advance set going before the clock moves again: under load, a step
          // still in flight would otherwise read a clock that has already run on
          await stack!.settled();
        },
      });
    }
  }

  const account = (status: ClosureStatus, accountId: string) =>
    status.accounts?.find((a) => a.accountId === accountId);

  it('plans a dry run that closes nothing, then closes the Decommission OU and skips what it must not close', async () => {
    const { api, organizations } = await start();
    const decommission = await accountsIn(organizations, 'Decommission');
    const closable = decommission.filter((a) => !a.protected).map((a) => a.id);
    const taggedProtected = decommission.filter((a) => a.protected).map((a) => a.id);
    const logArchive = (await accountNamed(organizations, 'Log Archive')).Id!;
    expect(closable.length).toBeGreaterThan(0);

    // a dry run: the plan for every account of the OU, and nothing closed
    const dry = await submitClosure(
      api,
      { organizationalUnit: 'Decommission', reason: 'sweep the decommission OU', dryRun: true },
      'sweep-dry-run',
    );
    const planned = await follow(api, dry.batchId);
    expect(planned.status.state, JSON.stringify(planned.status)).toBe('PLANNED');
    expect(planned.status).toMatchObject({
      dryRun: true,
      reason: 'sweep the decommission OU',
      source: 'api',
      requestedBy: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:root`,
      counts: { closed: 0, closing: 0, skipped: taggedProtected.length },
      quota: { used: 0 },
    });
    expect(planned.status.accounts!.map((a) => a.accountId).sort()).toEqual(
      decommission.map((a) => a.id).sort(),
    );
    for (const id of closable) expect(['planned', 'deferred']).toContain(account(planned.status, id)?.state);
    for (const id of taggedProtected)
      expect(account(planned.status, id)).toMatchObject({ state: 'skipped', reason: 'protected-account' });
    for (const { id } of decommission) expect(await stateOf(organizations, id)).toBe('ACTIVE');

    // for real, with the management account and an account of a protected OU asked for by id
    const body = {
      organizationalUnit: 'Decommission',
      accountIds: [DEMO_MANAGEMENT_ACCOUNT, logArchive],
      reason: 'sweep the decommission OU',
      dryRun: false,
    };
    const real = await submitClosure(api, body, 'sweep-for-real');
    expect(real.batchId).not.toBe(dry.batchId);
    const { status: done, lines } = await follow(api, real.batchId);

    expect(done.state, JSON.stringify(done)).toBe('SUCCEEDED');
    for (const id of closable) {
      expect(account(done, id)).toMatchObject({ state: 'closed', closedAt: expect.any(String) });
      expect(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']).toContain(await stateOf(organizations, id));
    }
    const skipped = [DEMO_MANAGEMENT_ACCOUNT, logArchive, ...taggedProtected];
    expect(account(done, DEMO_MANAGEMENT_ACCOUNT)).toMatchObject({
      state: 'skipped',
      reason: 'management-account',
    });
    expect(account(done, logArchive)).toMatchObject({
      state: 'skipped',
      reason: 'protected-ou',
      detail: expect.stringContaining('Workloads/Prod'),
    });
    for (const id of taggedProtected)
      expect(account(done, id)).toMatchObject({ state: 'skipped', reason: 'protected-account' });
    for (const id of [logArchive, ...taggedProtected])
      expect(await stateOf(organizations, id)).toBe('ACTIVE');
    expect(done.counts).toMatchObject({ closed: closable.length, skipped: skipped.length, failed: 0 });
    expect(done.quota!.used).toBeGreaterThan(0);
    expect(done.quota!.used).toBeLessThanOrEqual(done.quota!.limit);
    // what --follow printed: progress lines (with the deferral's date when the quota deferred one), then the table
    if (planned.status.counts!.deferred! > 0)
      expect(lines.join('\n')).toMatch(/next deferred closure \d{4}-/);
    expect(lines.at(-2)).toMatch(
      new RegExp(`SUCCEEDED · closed ${closable.length}, skipped ${skipped.length} · quota`),
    );
    expect(lines.at(-1)).toMatch(/management-account: the management account cannot be closed/);

    // the same key and body again: the same batch, nothing started; another body with that key: 409
    const again = await submitClosure(api, body, 'sweep-for-real');
    expect(again.batchId).toBe(real.batchId);
    const conflicting = await callApi(
      api,
      'POST',
      '/closure-batches',
      { ...body, reason: 'another reason' },
      { 'idempotency-key': 'sweep-for-real' },
    );
    expect(conflicting.status, JSON.stringify(conflicting.body)).toBe(409);
    expect((await closureStatus(api, real.batchId)).state).toBe('SUCCEEDED');
  });

  it('refuses bad bodies with 400 listing every bad field, and starts nothing', async () => {
    const { stack, api } = await start();
    const batches = () =>
      stack.stepFunctions.listExecutions({ stateMachineArn: stack.stateMachineArns.ClosureBatch! });
    const before = (await batches()).executions.length;

    const bad = await callApi(
      api,
      'POST',
      '/closure-batches',
      { accountIds: ['12345'], reason: '', dryRun: 'no', force: true },
      { 'idempotency-key': 'bad-1' },
    );
    const noKey = await callApi(api, 'POST', '/closure-batches', {
      organizationalUnit: 'Decommission',
      reason: 'x',
    });
    const noSuchOu = await callApi(
      api,
      'POST',
      '/closure-batches',
      { organizationalUnit: 'Workloads/Nowhere', reason: 'x' },
      { 'idempotency-key': 'bad-2' },
    );
    const unknown = await callApi(api, 'GET', '/closure-batches/cb-00000000000000000000000000000000');

    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    const issuesOf = (response: { body: unknown }) =>
      (response.body as { issues: { path: string; rule: string }[] }).issues.map(
        (i) => `${i.path} ${i.rule}`,
      );
    expect(issuesOf(bad)).toEqual([
      'accountIds[0] pattern',
      'reason min-length',
      'dryRun type',
      'force unknown-field',
    ]);
    expect(noKey.status).toBe(400);
    expect(issuesOf(noKey)).toEqual(['Idempotency-Key required']);
    expect(noSuchOu.status).toBe(400);
    expect(issuesOf(noSuchOu)).toEqual(['organizationalUnit not-found']);
    expect(unknown.status).toBe(404);
    expect((await batches()).executions).toHaveLength(before);
  });

  it('answers 403 to a caller the closure configuration does not name', async () => {
    const { stack, api } = await start({
      closureConfig: JSON.stringify({ callers: ['arn:aws:iam::222233334444:role/CloudOps'] }),
    });

    const post = await callApi(
      api,
      'POST',
      '/closure-batches',
      { organizationalUnit: 'Decommission', reason: 'x' },
      { 'idempotency-key': 'not-mine' },
    );
    const get = await callApi(api, 'GET', '/closure-batches/cb-00000000000000000000000000000000');

    expect(post.status, JSON.stringify(post.body)).toBe(403);
    expect((post.body as { message: string }).message).toContain('arn:aws:iam::222233334444:role/CloudOps');
    expect(get.status).toBe(403);
    const { executions } = await stack.stepFunctions.listExecutions({
      stateMachineArn: stack.stateMachineArns.ClosureBatch!,
    });
    expect(executions).toEqual([]);
  });
});
