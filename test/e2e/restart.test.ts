import {
  AcceptHandshakeCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  InviteAccountToOrganizationCommand,
  ListHandshakesForAccountCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListOrganizationalUnitsForParent,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { dataDirs, killAll, type StackProcess, spawnStack } from './stack-process';

const INVITEE = '222222222222';
const quiet = ['--throttling', 'off'];

async function rootIdOf(client: OrganizationsClient): Promise<string> {
  const { Roots } = await client.send(new ListRootsCommand({}));
  return Roots![0]!.Id!;
}

async function allAccounts(client: OrganizationsClient) {
  const accounts = [];
  for await (const page of paginateListAccounts({ client }, {})) accounts.push(...page.Accounts!);
  return accounts;
}

/** What the writers sent and what the stack acknowledged with a 200. */
interface WriteLog {
  attempted: Set<string>;
  /** OU name → id */
  ous: Map<string, string>;
  /** OU id → the tag value acknowledged for it */
  tags: Map<string, string>;
}

/**
 * Several SDK clients create OUs and tag them, each as fast as it is answered, until the stack dies; the stack is
 * SIGKILLed right after the `killAfter`th acknowledgement, with the other clients' requests in flight.
 */
async function writeUntilKilled(stack: StackProcess, round: number, killAfter: number, log: WriteLog) {
  const rootId = await rootIdOf(stack.organizations(DEMO_MANAGEMENT_ACCOUNT));
  let acknowledged = 0;
  let killed = false;
  const failuresBeforeKill: unknown[] = [];
  const acknowledge = () => {
    acknowledged += 1;
    if (acknowledged === killAfter) {
      killed = true;
      void stack.kill('SIGKILL');
    }
  };
  const writer = async (worker: number) => {
    const client = stack.organizations(DEMO_MANAGEMENT_ACCOUNT);
    for (let i = 0; ; i++) {
      const name = `r${round}-w${worker}-${i}`;
      try {
        log.attempted.add(name);
        const { OrganizationalUnit } = await client.send(
          new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: name }),
        );
        log.ous.set(name, OrganizationalUnit!.Id!);
        acknowledge();
        await client.send(
          new TagResourceCommand({
            ResourceId: OrganizationalUnit!.Id!,
            Tags: [{ Key: 'write', Value: name }],
          }),
        );
        log.tags.set(OrganizationalUnit!.Id!, name);
        acknowledge();
      } catch (error) {
        if (!killed) failuresBeforeKill.push(error);
        return;
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(writer));
  const exit = await stack.exited;
  return { acknowledged, failuresBeforeKill, exit };
}

/** Every acknowledged OU and tag is there, and nothing the writers did not send. */
async function expectAcknowledgedWrites(stack: StackProcess, log: WriteLog) {
  const client = stack.organizations(DEMO_MANAGEMENT_ACCOUNT);
  const rootId = await rootIdOf(client);
  const present = new Map<string, string>();
  for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: rootId }))
    for (const ou of page.OrganizationalUnits!) present.set(ou.Name!, ou.Id!);
  for (const [name, id] of log.ous) expect(present.get(name), `OU ${name}`).toBe(id);
  const strangers = [...present.keys()].filter((name) => /^r\d/.test(name) && !log.attempted.has(name));
  expect(strangers).toEqual([]);
  await Promise.all(
    [...log.tags].map(async ([id, value]) => {
      const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceId: id }));
      expect(Tags, `tags of ${id}`).toEqual([{ Key: 'write', Value: value }]);
    }),
  );
}

// about 10 s on an idle machine; the child processes start much slower on a loaded one
describe('the local stack across kills and restarts (npm start as a child process)', {
  timeout: 60_000,
}, () => {
  const dirs = dataDirs();
  afterEach(async () => {
    await killAll();
    dirs.removeAll();
  });

  it('loses no acknowledged write when SIGKILLed in the middle of a stream of writes', async () => {
    // Prepare
    const dataDir = dirs.fresh();
    const log: WriteLog = { attempted: new Set(), ous: new Map(), tags: new Map() };
    let stack = await spawnStack(dataDir, quiet);

    for (const [round, killAfter] of [3, 40, 150].entries()) {
      // Act
      const { acknowledged, failuresBeforeKill, exit } = await writeUntilKilled(stack, round, killAfter, log);
      stack = await spawnStack(dataDir, quiet);

      // Assess
      expect(failuresBeforeKill).toEqual([]);
      expect(exit.signal).toBe('SIGKILL');
      expect(acknowledged).toBeGreaterThanOrEqual(killAfter);
      expect(stack.output).toContain('(resumed)');
      await expectAcknowledgedWrites(stack, log);
    }
    expect(log.ous.size).toBeGreaterThan(90);
  });

  it('resumes an IN_PROGRESS creation and a PENDING_CLOSURE closure on the clock, with time never going back', async () => {
    // Prepare: an hour-long creation and closure, started on a clock running 1000 times faster than real time
    const dataDir = dirs.fresh();
    const slow = ['--create-account-seconds', '3600', '--close-account-seconds', '3600', ...quiet];
    const first = await spawnStack(dataDir, ['--time-scale', '1000', ...slow]);
    const management = first.organizations(DEMO_MANAGEMENT_ACCOUNT);
    const closing = (await allAccounts(management)).find((a) => a.Name === 'Old Analytics')!;
    await management.send(new CloseAccountCommand({ AccountId: closing.Id! }));
    const { CreateAccountStatus: requested } = await management.send(
      new CreateAccountCommand({ AccountName: 'Restarted', Email: 'restarted@orgflow.example' }),
    );
    const stoppedAt = await first.clock();

    // Act 1: a clean stop before either completes, then back at real-time speed
    const stop = await first.kill('SIGTERM');
    const second = await spawnStack(dataDir, ['--time-scale', '1', ...quiet]);
    const resumedAt = await second.clock();

    // Assess 1: still under way, and virtual time went on from where it stopped, far ahead of the wall clock
    expect(stop).toEqual({ code: 0, signal: null });
    expect(stoppedAt).toBeGreaterThan(Date.now());
    expect(resumedAt).toBeGreaterThanOrEqual(stoppedAt);
    const during = second.organizations(DEMO_MANAGEMENT_ACCOUNT);
    const pending = await during.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requested!.Id! }),
    );
    expect(pending.CreateAccountStatus).toMatchObject({ State: 'IN_PROGRESS', Id: requested!.Id });
    const { Account: stillClosing } = await during.send(
      new DescribeAccountCommand({ AccountId: closing.Id! }),
    );
    expect(stillClosing).toMatchObject({ Status: 'PENDING_CLOSURE', State: 'PENDING_CLOSURE' });

    // Act 2: SIGKILLed while both are under way, restarted with an hour of virtual time passing in 360 ms
    await second.kill('SIGKILL');
    const third = await spawnStack(dataDir, ['--time-scale', '10000', ...quiet]);
    const created = await third.nextEvent((e) => e.detail.eventName === 'CreateAccountResult');
    const closed = await third.nextEvent((e) => e.detail.eventName === 'CloseAccountResult');

    // Assess 2: both completed exactly once, when due
    const after = third.organizations(DEMO_MANAGEMENT_ACCOUNT);
    const { CreateAccountStatus: done } = await after.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requested!.Id! }),
    );
    expect(done).toMatchObject({ State: 'SUCCEEDED', AccountName: 'Restarted' });
    expect(done!.CompletedTimestamp!.getTime() - done!.RequestedTimestamp!.getTime()).toBe(3_600_000);
    expect(created.detail).toMatchObject({
      serviceEventDetails: { createAccountStatus: { id: requested!.Id, state: 'SUCCEEDED' } },
    });
    const accounts = await allAccounts(after);
    expect(accounts.filter((a) => a.Email === 'restarted@orgflow.example')).toEqual([
      expect.objectContaining({ Id: done!.AccountId, Status: 'ACTIVE', JoinedMethod: 'CREATED' }),
    ]);
    const { Account: gone } = await after.send(new DescribeAccountCommand({ AccountId: closing.Id! }));
    expect(gone).toMatchObject({ Status: 'SUSPENDED', State: 'CLOSED' });
    expect(closed.detail).toMatchObject({
      serviceEventDetails: { closeAccountStatus: { accountId: closing.Id, state: 'SUCCEEDED' } },
    });
    expect(await third.clock()).toBeGreaterThanOrEqual(resumedAt);
  });

  it('keeps an open invitation across a SIGKILL, and the invitee can accept it after the restart', async () => {
    // Prepare: sent on a clock running ahead of the wall clock
    const dataDir = dirs.fresh();
    const first = await spawnStack(dataDir, ['--time-scale', '1000', ...quiet]);
    const { Handshake: sent } = await first.organizations(DEMO_MANAGEMENT_ACCOUNT).send(
      new InviteAccountToOrganizationCommand({
        Target: { Type: 'ACCOUNT', Id: INVITEE },
        Notes: 'survives a restart',
      }),
    );

    // Act
    await first.kill('SIGKILL');
    const second = await spawnStack(dataDir, ['--time-scale', '1', ...quiet]);
    const resumedAt = await second.clock();
    const invitee = second.organizations(INVITEE);
    const { Handshakes } = await invitee.send(new ListHandshakesForAccountCommand({}));
    const { Handshake: accepted } = await invitee.send(
      new AcceptHandshakeCommand({ HandshakeId: sent!.Id! }),
    );

    // Assess: virtual time went on from the last acknowledged write, not from the wall clock
    const sentAt = sent!.RequestedTimestamp!.getTime();
    expect(sentAt).toBeGreaterThan(Date.now());
    expect(resumedAt).toBeGreaterThanOrEqual(sentAt);
    expect(Handshakes).toEqual([
      expect.objectContaining({
        Id: sent!.Id,
        State: 'OPEN',
        ExpirationTimestamp: sent!.ExpirationTimestamp,
        Resources: sent!.Resources,
      }),
    ]);
    expect(accepted).toMatchObject({ Id: sent!.Id, State: 'ACCEPTED' });
    const { Account } = await second
      .organizations(DEMO_MANAGEMENT_ACCOUNT)
      .send(new DescribeAccountCommand({ AccountId: INVITEE }));
    expect(Account).toMatchObject({ Id: INVITEE, JoinedMethod: 'INVITED', Status: 'ACTIVE' });
  });
});
