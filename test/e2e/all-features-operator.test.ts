import {
  AcceptHandshakeCommand,
  DeclineHandshakeCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListHandshakesForAccountCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import {
  type MigrationStatus,
  migrationStatus,
  renderMigration,
  resendMigration,
  startMigration,
} from '../../cli/enable-all-features';
import type { ManualClock } from '../../local/clock';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  buildConsolidatedBillingOrganization,
  type ConsolidatedBillingOrganization,
} from '../all-features/consolidated-organization';
import { dataDirs } from './stack-process';

// `afterRoundEnds: wait-for-operator` on the local stack, through the API over HTTP (the CLI's client) and the
// members' own SDK calls: a decline does not start a new round; the migration waits for an operator, who either
// resends (POST …/resend) or removes the declining account from the organization. A manual clock, moved only to
// the next look the migration itself announces.

const CONFIG = JSON.stringify({
  callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`],
  afterRoundEnds: 'wait-for-operator',
});

describe('a migration to all features that waits for an operator after a decline', {
  timeout: 120_000,
}, () => {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let stack: LocalStack | undefined;
  let org: ConsolidatedBillingOrganization;
  let api: ApiTarget;

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await stack?.close();
    stack = undefined;
    dirs.removeAll();
  });

  /** A fresh organization: one invited member orgflow approves for, two that answer as themselves. */
  async function start() {
    const dataDir = dirs.fresh();
    org = buildConsolidatedBillingOrganization(dataDir, { reachable: 1, unreachable: 2, created: 1 });
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir,
      timeScale: 'manual',
      throttling: false,
      allFeaturesConfig: CONFIG,
      onFunctionLog: () => {},
      onInternalError: (error) => console.error('internal error:', error),
    });
    api = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
  }

  const organizationsAs = (accountId: string) => {
    const client = new OrganizationsClient({
      endpoint: stack!.endpoints.organizations,
      region: 'us-east-1',
      credentials: { accessKeyId: accountId, secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };

  /** The member answers its open request as itself, then the stack runs what that set off. */
  async function answer(accountId: string, how: 'accept' | 'decline') {
    const member = organizationsAs(accountId);
    const { Handshakes } = await member.send(
      new ListHandshakesForAccountCommand({ Filter: { ActionType: 'APPROVE_ALL_FEATURES' } }),
    );
    const open = Handshakes?.find((h) => h.State === 'OPEN');
    if (!open?.Id) throw new Error(`${accountId} has no open APPROVE_ALL_FEATURES request`);
    await member.send(
      how === 'accept'
        ? new AcceptHandshakeCommand({ HandshakeId: open.Id })
        : new DeclineHandshakeCommand({ HandshakeId: open.Id }),
    );
    await stack!.settled();
  }

  /** Moves the clock to the next look the status announces, and lets it run. */
  async function untilNextLook(status: MigrationStatus) {
    const clock = stack!.clock as ManualClock;
    if (!status.nextLookAt) throw new Error(`no next look announced: ${JSON.stringify(status)}`);
    clock.advance(Math.max(0, Date.parse(status.nextLookAt) - clock.now()));
    await stack!.settled();
  }

  const featureSet = async () =>
    (await organizationsAs(DEMO_MANAGEMENT_ACCOUNT).send(new DescribeOrganizationCommand({}))).Organization
      ?.FeatureSet;

  it('waits after a decline instead of starting a round, then starts round 2 when the operator resends', async () => {
    // Prepare
    await start();
    const [member, decliner] = org.unreachable as [string, string];
    const { migrationId } = await startMigration(api);
    await stack!.settled();
    const tooEarly = await callApi(api, 'POST', `/all-features-migrations/${migrationId}/resend`);
    await answer(member, 'accept');

    // Act: the member declines; a day passes, look after look, and nothing starts
    await answer(decliner, 'decline');
    const waiting = await migrationStatus(api, migrationId);
    await untilNextLook(waiting);
    const stillWaiting = await migrationStatus(api, migrationId);
    const resent = await resendMigration(api, migrationId);
    const repeat = await callApi(api, 'POST', `/all-features-migrations/${migrationId}/resend`);
    await stack!.settled();
    const second = await migrationStatus(api, migrationId);
    const late = await callApi(api, 'POST', `/all-features-migrations/${migrationId}/resend`);
    for (const id of org.unreachable) await answer(id, 'accept');
    const done = await migrationStatus(api, migrationId);

    // Assess: refused while the migration did not wait for an operator
    expect(tooEarly.status).toBe(409);
    expect((tooEarly.body as { message: string }).message).toContain('is not waiting for an operator');
    // the decline left round 1 open and the migration waiting, saying who declined and what can be done
    expect(waiting).toMatchObject({
      state: 'WAITING_FOR_OPERATOR',
      round: 1,
      operatorWait: { round: 1, end: 'declined', decliners: [decliner] },
      nextAction: expect.stringContaining(
        `round 1 ended declined (declined by ${decliner}): waiting for an operator`,
      ),
    });
    expect(waiting.operatorWait?.options).toEqual([
      expect.stringContaining(`npx orgflow migration ${migrationId} --resend`),
      `remove ${decliner}: aws organizations remove-account-from-organization --account-id ${decliner}`,
    ]);
    expect(renderMigration(waiting)).toContain('an operator can:');
    expect(stillWaiting).toMatchObject({ state: 'WAITING_FOR_OPERATOR', round: 1 });
    expect(Date.parse(stillWaiting.nextLookAt!)).toBeGreaterThan(Date.parse(waiting.nextLookAt!));
    expect(stillWaiting.rounds).toHaveLength(1);
    // the resend started round 2 at once; a repeat before it opened and one after it were the same answer
    expect(resent).toMatchObject({ migrationId, round: 1, nextRound: 2 });
    expect(repeat.status).toBe(202);
    expect(second).toMatchObject({ state: 'RUNNING', round: 2 });
    expect(second.rounds).toMatchObject([
      { round: 1, end: 'declined' },
      { round: 2, resentBy: expect.any(String) },
    ]);
    expect(second.operatorWait).toBeUndefined();
    expect(late.status).toBe(202);
    expect(late.body).toEqual(resent);
    expect(done).toMatchObject({ state: 'ENABLED', round: 2 });
    expect(await featureSet()).toBe('ALL');
  });

  it('finishes round 1 once the operator removes the declining account from the organization', async () => {
    // Prepare
    await start();
    const [member, decliner] = org.unreachable as [string, string];
    const { migrationId } = await startMigration(api);
    await stack!.settled();
    await answer(member, 'accept');
    await answer(decliner, 'decline');
    const waiting = await migrationStatus(api, migrationId);

    // Act: the operator removes the account (orgflow never does); the next look finds the round open
    await organizationsAs(DEMO_MANAGEMENT_ACCOUNT).send(
      new RemoveAccountFromOrganizationCommand({ AccountId: decliner }),
    );
    await stack!.settled();
    await untilNextLook(waiting);
    const done = await migrationStatus(api, migrationId);
    const unknown = await callApi(api, 'POST', '/all-features-migrations/afm-o-unknown-9/resend');

    // Assess
    expect(waiting).toMatchObject({ state: 'WAITING_FOR_OPERATOR', operatorWait: { decliners: [decliner] } });
    expect(done).toMatchObject({ state: 'ENABLED', round: 1, nextAction: 'done: ALL' });
    expect(done.rounds).toMatchObject([{ round: 1, end: 'approved' }]);
    expect(done.members.find((m) => m.accountId === decliner)).toMatchObject({
      state: 'declined',
      detail: expect.stringContaining('removed from the organization'),
    });
    expect(await featureSet()).toBe('ALL');
    const { Accounts } = await organizationsAs(DEMO_MANAGEMENT_ACCOUNT).send(new ListAccountsCommand({}));
    expect(Accounts?.map((a) => a.Id)).not.toContain(decliner);
    expect(unknown.status).toBe(404);
  });
});
