import {
  AcceptHandshakeCommand,
  DescribeOrganizationCommand,
  ListHandshakesForAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import {
  followMigration,
  type MigrationPreview,
  previewMigration,
  startMigration,
} from '../../cli/enable-all-features';
import type { ManualClock } from '../../local/clock';
import { consolidatedBillingDemo, DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// The migration to all features through the API and the CLI's client, on the local stack seeded with the
// consolidated-billing demo: 3 created members, 5 invited ones of which 3 have the approval role. Without callers
// of its own, the enable-all-features configuration lets the closure configuration's callers in (the demo's: the
// management account's principals).

const HOUR = 3_600_000;
const invited = consolidatedBillingDemo.invited;
const reachable = invited.filter((m) => m.accessRole).map((m) => m.id);
const unreachable = invited.filter((m) => !m.accessRole).map((m) => m.id);

describe('migrations to all features through the API on the local stack (manual clock)', {
  timeout: 180_000,
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

  async function start() {
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      demoOrganization: 'consolidated-billing',
      onInternalError: (e) => console.error('INTERNAL', e),
      onFunctionLog: () => {},
    });
    const api: ApiTarget = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    return { stack, api };
  }

  /** Organizations as an account: its own 12-digit access key, as the local stack's convention has it. */
  const organizationsAs = (accountId: string) => {
    const client = new OrganizationsClient({
      endpoint: stack!.endpoints.organizations,
      region: 'us-east-1',
      credentials: { accessKeyId: accountId, secretAccessKey: 'local' },
      maxAttempts: 3,
    });
    clients.push(client);
    return client;
  };

  /** The member accepts its open request as itself, as a person would with the AWS CLI. */
  async function acceptAsMember(accountId: string) {
    const member = organizationsAs(accountId);
    const { Handshakes } = await member.send(
      new ListHandshakesForAccountCommand({ Filter: { ActionType: 'APPROVE_ALL_FEATURES' } }),
    );
    const open = Handshakes?.find((h) => h.State === 'OPEN');
    if (!open?.Id) throw new Error(`${accountId} has no open APPROVE_ALL_FEATURES request`);
    await member.send(new AcceptHandshakeCommand({ HandshakeId: open.Id }));
  }

  it('previews, starts once, and ends ALL after the unreachable members accept as themselves', async () => {
    const { api } = await start();
    const clock = stack!.clock as ManualClock;

    // Act: the dry run, then two asks for a migration
    const preview: MigrationPreview = await previewMigration(api);
    const first = await startMigration(api);
    const second = await startMigration(api);
    await stack!.settled();

    // Assess: the dry run listed the invited members and their reachability, and started nothing
    expect(preview).toMatchObject({
      featureSet: 'CONSOLIDATED_BILLING',
      plan: 'enable-all-features',
      counts: { members: 5, reachable: 3, unreachable: 2 },
    });
    expect(Object.fromEntries(preview.members.map((m) => [m.accountId, m.reachable]))).toEqual({
      ...Object.fromEntries(reachable.map((id) => [id, true])),
      ...Object.fromEntries(unreachable.map((id) => [id, false])),
    });
    expect(first).toMatchObject({ migrationId: expect.stringMatching(/^afm-o-[0-9a-z]+-1$/), created: true });
    expect(second).toEqual({ ...first, created: false });

    // Act: the members orgflow cannot reach accept as themselves; the hourly look finds them
    const lines: string[] = [];
    let looks = 0;
    let acceptedByMembers = false;
    const last = await followMigration(api, first.migrationId, {
      json: false,
      log: (line) => lines.push(line),
      wait: async (status) => {
        if (++looks > 40) throw new Error(`migration ${first.migrationId} did not end within 40 looks`);
        if (!acceptedByMembers && status?.counts?.['waiting-role-unreachable'] === unreachable.length) {
          for (const id of unreachable) await acceptAsMember(id);
          acceptedByMembers = true;
        }
        // an hour when waiting for the look, a few seconds otherwise
        clock.advance(acceptedByMembers ? HOUR : 2_000);
        await stack!.settled();
      },
    });

    // Assess
    expect(last).toMatchObject({ state: 'ENABLED', round: 1, nextAction: 'done: ALL' });
    expect(Object.fromEntries(last.members.map((m) => [m.accountId, m.state]))).toEqual({
      ...Object.fromEntries(reachable.map((id) => [id, 'approved-by-orgflow'])),
      ...Object.fromEntries(unreachable.map((id) => [id, 'approved-by-member'])),
    });
    expect(lines.some((line) => line.includes('waiting for 2 members to accept as themselves'))).toBe(true);
    const { Organization } = await organizationsAs(DEMO_MANAGEMENT_ACCOUNT).send(
      new DescribeOrganizationCommand({}),
    );
    expect(Organization?.FeatureSet).toBe('ALL');

    // Act: asked again once it ended, a new migration starts and finds nothing to do
    const third = await startMigration(api);
    const again = await followMigration(api, third.migrationId, {
      json: false,
      log: () => {},
      wait: async () => {
        clock.advance(2_000);
        await stack!.settled();
      },
    });

    // Assess
    expect(third.migrationId).toBe(first.migrationId.replace(/-1$/, '-2'));
    expect(again).toMatchObject({ state: 'ENABLED', round: 0, nextAction: 'done: ALL' });
  });

  it("answers a repeat of the Idempotency-Key from the migration's record once its execution is gone", async () => {
    const { stack, api } = await start();
    const post = (key: string) =>
      callApi(api, 'POST', '/all-features-migrations', {}, { 'idempotency-key': key });
    const first = await post('migrate-2026-12');
    const { migrationId } = first.body as { migrationId: string };
    await stack.settled();
    const machine = stack.stateMachineArns.AllFeaturesMigration!;
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${migrationId}`;

    // Act: the migration is stopped, and Step Functions forgets it (as it does 90 days after its end)
    await stack.stepFunctions.stopExecution({ executionArn });
    await stack.settled();
    stack.stepFunctions.purgeExecution({ executionArn });
    const repeat = await post('migrate-2026-12');
    const executionsAfterRepeat = (await stack.stepFunctions.listExecutions({ stateMachineArn: machine }))
      .executions;
    const other = await post('migrate-2027-01');
    await stack.settled();

    // Assess
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body).toMatchObject({ created: true });
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(202);
    expect(repeat.body).toMatchObject({ migrationId, created: false });
    expect(executionsAfterRepeat).toEqual([]);
    expect(other.body).toMatchObject({ migrationId: migrationId.replace(/-1$/, '-2'), created: true });
  });

  it('refuses a caller the configuration does not name, with 403', async () => {
    const { api } = await start();

    // Act: signed by an invited member's own key
    const asMember = { ...api, accessKeyId: unreachable[0]! };
    const post = await callApi(asMember, 'POST', '/all-features-migrations', { dryRun: true });
    const get = await callApi(asMember, 'GET', '/all-features-migrations/afm-anything-1');

    // Assess
    expect(post.status).toBe(403);
    expect(get.status).toBe(403);
    expect((post.body as { message: string }).message).toContain('ALL_FEATURES_CONFIG');
  });
});
