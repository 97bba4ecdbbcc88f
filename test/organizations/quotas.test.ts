import {
  AttachPolicyCommand,
  CancelHandshakeCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreatePolicyCommand,
  DescribeCreateAccountStatusCommand,
  InviteAccountToOrganizationCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  ListRootsCommand,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { closureQuota, type Limits, legacyQuotas } from '../../local/organizations/config';
import { addMemberRows, MANAGEMENT, startWithOrganization } from './harness';

type Started = Awaited<ReturnType<typeof startWithOrganization>>;

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

let h: Started;

afterEach(async () => {
  await h?.close();
});

async function start(limits: Partial<Limits> = {}): Promise<Started> {
  h = await startWithOrganization({ limits: { accountQuota: 50, ...limits } });
  return h;
}

let created = 0;
const requestAccount = (name = `account${++created}`) =>
  h.org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));

/** Creates `count` accounts one after the other (each finishing before the next) and returns their ids. */
async function createAccounts(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { CreateAccountStatus } = await requestAccount();
    h.clock.advance(h.emulator.limits.createAccountDurationMs[1]);
    const { CreateAccountStatus: status } = await h.org.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id! }),
    );
    ids.push(status!.AccountId!);
  }
  return ids;
}

/** Puts `count` member accounts straight into the root, as finished creations would: for organizations too big to create call by call. */
async function addMembers(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => String(200_000_000_000 + i));
  addMemberRows(h, h.organization.Id!, ids);
  return ids;
}

const closeAccount = (AccountId: string) => h.org.send(new CloseAccountCommand({ AccountId }));

/** Asserts that `call` is refused and leaves the emulator's state exactly as it was. */
async function refusedWithoutChange(call: () => Promise<unknown>, expected: Record<string, unknown>) {
  const before = JSON.stringify(h.emulator.store.snapshot());
  await expect(call()).rejects.toMatchObject(expected);
  expect(JSON.stringify(h.emulator.store.snapshot())).toBe(before);
}

const accountNumberLimit = { name: 'ConstraintViolationException', Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED' };
const closureQuotaExceeded = { name: 'ConstraintViolationException', Reason: 'CLOSE_ACCOUNT_QUOTA_EXCEEDED' };

describe('concurrent account creations', () => {
  it('refuses a 6th creation in progress with ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED and accepts it once one finishes', async () => {
    // Prepare
    await start({ createAccountDurationMs: [10 * SECOND, 10 * SECOND] });
    for (let i = 0; i < 5; i++) {
      await requestAccount();
      h.clock.advance(SECOND);
    }

    // Act / Assess
    await refusedWithoutChange(() => requestAccount('sixth'), {
      name: 'ConstraintViolationException',
      Reason: 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED',
    });
    h.clock.advance(5 * SECOND);
    const { CreateAccountStatus } = await requestAccount('sixth');
    expect(CreateAccountStatus).toMatchObject({ State: 'IN_PROGRESS' });
    const { CreateAccountStatuses } = await h.org.send(
      new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }),
    );
    expect(CreateAccountStatuses).toHaveLength(5);
  });

  it('follows the configured concurrency', async () => {
    // Prepare
    await start({ createAccountDurationMs: [SECOND, SECOND], concurrentAccountCreations: 2 });
    await requestAccount();
    await requestAccount();

    // Act / Assess
    await refusedWithoutChange(() => requestAccount(), {
      Reason: 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED',
    });
  });
});

describe('account quota', () => {
  it('counts creations in progress', async () => {
    // Prepare
    await start({ accountQuota: 3, createAccountDurationMs: [SECOND, SECOND] });
    await requestAccount();
    await requestAccount();

    // Act / Assess
    await refusedWithoutChange(() => requestAccount(), accountNumberLimit);
  });

  it('counts a closed account until the post-closure period ends', async () => {
    // Prepare
    await start({ accountQuota: 2, createAccountDurationMs: [0, 0], closeAccountDurationMs: 0 });
    const [closed] = await createAccounts(1);
    await closeAccount(closed!);
    h.clock.advance(0);

    // Act / Assess
    await refusedWithoutChange(() => requestAccount(), accountNumberLimit);
    h.clock.advance(90 * DAY);
    await expect(requestAccount()).resolves.toMatchObject({ CreateAccountStatus: { State: 'IN_PROGRESS' } });
  });

  it('takes back the slot of a removed account', async () => {
    // Prepare
    await start({ accountQuota: 2, createAccountDurationMs: [0, 0] });
    const [removed] = await createAccounts(1);
    await refusedWithoutChange(() => requestAccount(), accountNumberLimit);
    h.clock.advance(4 * DAY);

    // Act
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: removed! }));

    // Assess
    await expect(requestAccount()).resolves.toMatchObject({ CreateAccountStatus: { State: 'IN_PROGRESS' } });
  });

  it('counts open invitations until they are answered or cancelled', async () => {
    // Prepare
    await start({ accountQuota: 2, createAccountDurationMs: [0, 0] });
    h.emulator.addStandaloneAccount({ id: '222222222222', email: 'invitee@example.com', name: 'invitee' });
    const { Handshake } = await h.org.send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: '222222222222' } }),
    );

    // Act / Assess
    await refusedWithoutChange(() => requestAccount(), accountNumberLimit);
    await h.org.send(new CancelHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    await expect(requestAccount()).resolves.toMatchObject({ CreateAccountStatus: { State: 'IN_PROGRESS' } });
  });
});

describe('concurrent account closures', () => {
  it('refuses a 4th closure in progress with CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED and accepts it once one finishes', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0], closeAccountDurationMs: 60 * SECOND });
    const accounts = await createAccounts(4);
    for (const accountId of accounts.slice(0, 3)) {
      await closeAccount(accountId);
      h.clock.advance(SECOND);
    }

    // Act / Assess
    await refusedWithoutChange(() => closeAccount(accounts[3]!), {
      name: 'ConstraintViolationException',
      Reason: 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED',
    });
    h.clock.advance(57 * SECOND);
    await closeAccount(accounts[3]!);
    const { Accounts } = await h.org.send(new ListAccountsCommand({}));
    expect(Accounts!.map((a) => a.State)).toEqual([
      'ACTIVE',
      'CLOSED',
      'PENDING_CLOSURE',
      'PENDING_CLOSURE',
      'PENDING_CLOSURE',
    ]);
  });
});

describe('rolling 30-day closure quota', () => {
  it.each([
    ['current', 10, 250],
    ['current', 1250, 250],
    ['current', 1300, 260],
    ['current', 5000, 1000],
    ['current', 8000, 1000],
    ['legacy', 12, 10],
    ['legacy', 150, 15],
    ['legacy', 20_000, 1000],
  ] as const)('under the %s formula, %i member accounts may close %i', (profile, members, quota) => {
    expect(closureQuota(profile, members)).toBe(quota);
  });

  it('under the current formula, lets a small organization close 250 accounts and refuses the 251st', async () => {
    // Prepare
    await start({ accountQuota: 300, closeAccountDurationMs: 0 });
    const accounts = await addMembers(251);
    for (const accountId of accounts.slice(0, 250)) await closeAccount(accountId);
    h.clock.advance(0);

    // Act / Assess
    await refusedWithoutChange(() => closeAccount(accounts[250]!), closureQuotaExceeded);
  });

  it('under the legacy formula, lets an organization of 12 members close 10 accounts, then one more per closure leaving the window', async () => {
    // Prepare
    await start({
      closureQuotaProfile: 'legacy',
      createAccountDurationMs: [0, 0],
      closeAccountDurationMs: 0,
    });
    const accounts = await createAccounts(12);
    for (const accountId of accounts.slice(0, 4)) await closeAccount(accountId);
    h.clock.advance(10 * DAY);
    for (const accountId of accounts.slice(4, 10)) await closeAccount(accountId);
    h.clock.advance(0);

    // Act / Assess
    await refusedWithoutChange(() => closeAccount(accounts[10]!), closureQuotaExceeded);
    h.clock.advance(20 * DAY - 1);
    await refusedWithoutChange(() => closeAccount(accounts[10]!), closureQuotaExceeded);
    h.clock.advance(1);
    await closeAccount(accounts[10]!);
    await closeAccount(accounts[11]!);
    const { Accounts } = await h.org.send(new ListAccountsCommand({}));
    expect(Accounts!.filter((a) => a.Id !== MANAGEMENT).every((a) => a.Status !== 'ACTIVE')).toBe(true);
  });

  it('names the time the next closure becomes possible', async () => {
    // Prepare
    await start({
      closureQuotaProfile: 'legacy',
      createAccountDurationMs: [0, 0],
      closeAccountDurationMs: 0,
    });
    const accounts = await createAccounts(11);
    const firstClosure = h.clock.now();
    for (const accountId of accounts.slice(0, 10)) await closeAccount(accountId);

    // Act
    const call = closeAccount(accounts[10]!);

    // Assess
    await expect(call).rejects.toThrow(new Date(firstClosure + 30 * DAY).toISOString());
  });
});

describe('legacy quotas profile', () => {
  const scp = (length: number) => {
    const statement = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'x:*', Resource: '*' }],
    });
    return `${statement.slice(0, -1)}${' '.repeat(length - statement.length)}}`;
  };
  const createScp = (Name: string, length = 100) =>
    h.org.send(
      new CreatePolicyCommand({
        Name,
        Description: '',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: scp(length),
      }),
    );

  it('limits SCPs to 5120 characters, where AWS now allows 10,240', async () => {
    // Prepare
    await start(legacyQuotas);

    // Act / Assess
    await refusedWithoutChange(() => createScp('big', 5121), {
      name: 'ConstraintViolationException',
      Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED',
    });
    await createScp('fits', 5120);
    await h.close();
    await start();
    await createScp('big', 10_240);
  });

  it('limits SCPs attached to one target to 5, where AWS now allows 10', async () => {
    // Prepare
    await start(legacyQuotas);
    const { Roots } = await h.org.send(new ListRootsCommand({}));
    const rootId = Roots![0]!.Id!;
    for (let i = 0; i < 4; i++) {
      const { Policy } = await createScp(`scp${i}`);
      await h.org.send(new AttachPolicyCommand({ PolicyId: Policy!.PolicySummary!.Id!, TargetId: rootId }));
    }
    const { Policy } = await createScp('sixth');

    // Act / Assess
    await refusedWithoutChange(
      () => h.org.send(new AttachPolicyCommand({ PolicyId: Policy!.PolicySummary!.Id!, TargetId: rootId })),
      { name: 'ConstraintViolationException', Reason: 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED' },
    );
  });

  it('makes created accounts wait seven days before they can be removed', async () => {
    // Prepare
    await start({ ...legacyQuotas, createAccountDurationMs: [0, 0] });
    const [accountId] = await createAccounts(1);
    h.clock.advance(7 * DAY - 1);

    // Act / Assess
    await refusedWithoutChange(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId! })),
      { name: 'ConstraintViolationException', Reason: 'WAIT_PERIOD_ACTIVE' },
    );
    h.clock.advance(1);
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId! }));
  });
});
