import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  type CreateAccountRequest,
  CreateGovCloudAccountCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  EnableAWSServiceAccessCommand,
  LeaveOrganizationCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock';
import type { CloudTrailEvent } from '../../local/organizations/cloudtrail';
import type { Limits } from '../../local/organizations/config';
import { sample, shapeOf } from './event-samples';
import { MANAGEMENT, OUTSIDER, startHarness, startWithOrganization } from './harness';

type Started = Awaited<ReturnType<typeof startWithOrganization>>;

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

let h: Started;
const dataDirs: string[] = [];

afterEach(async () => {
  await h?.close();
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(limits: Partial<Limits> = {}): Promise<Started> {
  h = await startWithOrganization({ limits: { accountQuota: 50, ...limits } });
  return h;
}

async function requestAccount(name: string, extra: Partial<CreateAccountRequest> = {}) {
  const { CreateAccountStatus } = await h.org.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, ...extra }),
  );
  return CreateAccountStatus!;
}

async function statusOf(requestId: string) {
  const { CreateAccountStatus } = await h.org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
  );
  return CreateAccountStatus!;
}

/** Creates an account, lets the creation finish and returns the account's id. */
async function createAccount(name: string, extra: Partial<CreateAccountRequest> = {}): Promise<string> {
  const requested = await requestAccount(name, extra);
  h.clock.advance(h.emulator.limits.createAccountDurationMs[1]);
  const status = await statusOf(requested.Id!);
  if (!status.AccountId) throw new Error(`creating ${name} ended ${status.State} ${status.FailureReason}`);
  return status.AccountId;
}

async function accountIds(client: OrganizationsClient = h.org): Promise<string[]> {
  const { Accounts } = await client.send(new ListAccountsCommand({}));
  return Accounts!.map((a) => a.Id!);
}

async function describeAccount(accountId: string) {
  const { Account } = await h.org.send(new DescribeAccountCommand({ AccountId: accountId }));
  return Account!;
}

/** The service events (CreateAccountResult, CloseAccountResult) published so far. */
const serviceEvents = (name: string): CloudTrailEvent[] =>
  h.emulator.events
    .since(0)
    .map((entry) => entry.event)
    .filter((event) => event.detail.eventName === name);

/** Asserts that `call` is refused and leaves the emulator's state exactly as it was. */
async function refusedWithoutChange(call: () => Promise<unknown>, expected: Record<string, unknown>) {
  const before = JSON.stringify(h.emulator.store.snapshot());
  await expect(call()).rejects.toMatchObject(expected);
  expect(JSON.stringify(h.emulator.store.snapshot())).toBe(before);
}

describe('CreateAccount lifecycle', () => {
  it('stays IN_PROGRESS for the creation time, then SUCCEEDED with the account in the organization', async () => {
    // Prepare
    await start({ createAccountDurationMs: [5 * SECOND, 5 * SECOND] });
    const requestedAt = h.clock.now();

    // Act
    const requested = await requestAccount('slow');
    h.clock.advance(5 * SECOND - 1);
    const during = await statusOf(requested.Id!);
    const listedDuring = await h.org.send(new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }));
    const accountsDuring = await accountIds();
    h.clock.advance(1);
    const after = await statusOf(requested.Id!);

    // Assess
    expect(during).toEqual({
      Id: requested.Id,
      AccountName: 'slow',
      State: 'IN_PROGRESS',
      RequestedTimestamp: new Date(requestedAt),
    });
    expect(listedDuring.CreateAccountStatuses!.map((s) => s.Id)).toEqual([requested.Id]);
    expect(accountsDuring).toEqual([MANAGEMENT]);
    expect(after).toEqual({
      Id: requested.Id,
      AccountName: 'slow',
      State: 'SUCCEEDED',
      RequestedTimestamp: new Date(requestedAt),
      CompletedTimestamp: new Date(requestedAt + 5 * SECOND),
      AccountId: expect.stringMatching(/^\d{12}$/),
    });
    expect(await accountIds()).toEqual([MANAGEMENT, after.AccountId]);
    expect(await describeAccount(after.AccountId!)).toMatchObject({
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'CREATED',
      JoinedTimestamp: new Date(requestedAt + 5 * SECOND),
    });
  });

  it('draws each creation time from the configured range', async () => {
    // Prepare
    await start({ createAccountDurationMs: [2 * SECOND, 4 * SECOND] });
    const requests = [];
    for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) requests.push(await requestAccount(name));

    // Act
    h.clock.advance(2 * SECOND - 1);
    const early = await h.org.send(new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }));
    h.clock.advance(2 * SECOND + 1);
    const late = await h.org.send(new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'] }));

    // Assess
    expect(early.CreateAccountStatuses).toHaveLength(5);
    expect(late.CreateAccountStatuses).toHaveLength(5);
    for (const status of late.CreateAccountStatuses!) {
      const took = status.CompletedTimestamp!.getTime() - status.RequestedTimestamp!.getTime();
      expect(took).toBeGreaterThanOrEqual(2 * SECOND);
      expect(took).toBeLessThanOrEqual(4 * SECOND);
    }
  });

  it('completes a creation of no duration when the clock next runs, or at the next call', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const first = await requestAccount('instant');

    // Act
    h.clock.advance(0);
    const afterAdvance = h.emulator.store.createAccountStatuses.get(first.Id!)?.state;
    const second = await requestAccount('next');
    const atNextCall = await statusOf(second.Id!);

    // Assess
    expect(first.State).toBe('IN_PROGRESS');
    expect(afterAdvance).toBe('SUCCEEDED');
    expect(atNextCall).toMatchObject({
      State: 'SUCCEEDED',
      CompletedTimestamp: atNextCall.RequestedTimestamp,
    });
  });

  it('fails the later of two requests for one email with EMAIL_ALREADY_EXISTS', async () => {
    // Prepare
    await start({ createAccountDurationMs: [1 * SECOND, 1 * SECOND] });
    const first = await requestAccount('twin');
    h.clock.advance(500);
    const second = await requestAccount('twin');

    // Act
    h.clock.advance(1 * SECOND);

    // Assess
    expect(await statusOf(first.Id!)).toMatchObject({ State: 'SUCCEEDED' });
    expect(await statusOf(second.Id!)).toMatchObject({
      State: 'FAILED',
      FailureReason: 'EMAIL_ALREADY_EXISTS',
    });
    expect(await accountIds()).toHaveLength(2);
  });

  it('fails with EMAIL_ALREADY_EXISTS for the email of a closed account, even after it left the organization', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0], closeAccountDurationMs: 0 });
    const closed = await createAccount('gone');
    await h.org.send(new CloseAccountCommand({ AccountId: closed }));
    h.clock.advance(90 * DAY);

    // Act
    const again = await requestAccount('gone');
    h.clock.advance(0);

    // Assess
    expect(await accountIds()).toEqual([MANAGEMENT]);
    expect(await statusOf(again.Id!)).toMatchObject({
      State: 'FAILED',
      FailureReason: 'EMAIL_ALREADY_EXISTS',
    });
  });

  it('fails with INTERNAL_FAILURE when the fault is injected, creating nothing', async () => {
    // Prepare
    await start({ createAccountDurationMs: [1 * SECOND, 1 * SECOND] });
    h.emulator.faults.set({ CreateAccount: { createAccountInternalFailure: 1 } });
    const requested = await requestAccount('unlucky');

    // Act
    h.clock.advance(1 * SECOND);

    // Assess
    expect(await statusOf(requested.Id!)).toEqual({
      Id: requested.Id,
      AccountName: 'unlucky',
      State: 'FAILED',
      FailureReason: 'INTERNAL_FAILURE',
      RequestedTimestamp: requested.RequestedTimestamp,
      CompletedTimestamp: new Date(requested.RequestedTimestamp!.getTime() + SECOND),
    });
    expect(await accountIds()).toEqual([MANAGEMENT]);
  });

  it('fails with ACCOUNT_LIMIT_EXCEEDED when the organization filled up while it was in progress', async () => {
    // Prepare
    await start({ accountQuota: 2, createAccountDurationMs: [1 * SECOND, 1 * SECOND] });
    const requested = await requestAccount('late');
    const { Roots } = await h.org.send(new ListRootsCommand({}));
    // an account that joined behind the request's back (the emulator itself never lets this happen)
    h.emulator.store.transaction(() =>
      h.emulator.store.accounts.put({
        id: '222222222222',
        orgId: h.organization.Id!,
        email: 'joined@example.com',
        name: 'joined',
        status: 'ACTIVE',
        state: 'ACTIVE',
        joinedMethod: 'INVITED',
        joinedAt: h.clock.now(),
        parentId: Roots![0]!.Id!,
        createdAt: h.clock.now(),
        accessRoleName: null,
      }),
    );

    // Act
    h.clock.advance(1 * SECOND);

    // Assess
    expect(await statusOf(requested.Id!)).toMatchObject({
      State: 'FAILED',
      FailureReason: 'ACCOUNT_LIMIT_EXCEEDED',
    });
    expect(await accountIds()).toEqual([MANAGEMENT, '222222222222']);
  });

  it('reports CreateAccountResult when a creation succeeds or fails, shaped like AWS samples', async () => {
    // Prepare
    await start({ createAccountDurationMs: [3 * SECOND, 3 * SECOND] });
    const succeeded = await requestAccount('reported');
    const failed = await h.org.send(
      new CreateAccountCommand({ AccountName: 'dup', Email: `account-${MANAGEMENT}@example.com` }),
    );
    const beforeCompletion = serviceEvents('CreateAccountResult');

    // Act
    h.clock.advance(3 * SECOND);

    // Assess
    const events = serviceEvents('CreateAccountResult');
    expect(beforeCompletion).toEqual([]);
    expect(events).toHaveLength(2);
    const [success, failure] = events as [CloudTrailEvent, CloudTrailEvent];
    expect(shapeOf(success)).toEqual(shapeOf(sample('organizations-create-account-result-succeeded')));
    expect(shapeOf(failure)).toEqual(shapeOf(sample('organizations-create-account-result-failed')));
    const accountId = (await statusOf(succeeded.Id!)).AccountId;
    expect(success).toMatchObject({
      'detail-type': 'AWS Service Event via CloudTrail',
      account: MANAGEMENT,
      time: '2026-01-01T00:00:03Z',
      detail: {
        userIdentity: { accountId: MANAGEMENT, invokedBy: 'AWS Internal' },
        eventTime: '2026-01-01T00:00:03Z',
        eventType: 'AwsServiceEvent',
        recipientAccountId: MANAGEMENT,
        serviceEventDetails: {
          createAccountStatus: {
            id: succeeded.Id,
            state: 'SUCCEEDED',
            accountName: '****',
            accountId,
            requestedTimestamp: 'Jan 1, 2026 12:00:00 AM',
            completedTimestamp: 'Jan 1, 2026 12:00:03 AM',
          },
        },
      },
    });
    expect(failure.detail.serviceEventDetails).toEqual({
      createAccountStatus: {
        id: failed.CreateAccountStatus!.Id,
        state: 'FAILED',
        accountName: '****',
        failureReason: 'EMAIL_ALREADY_EXISTS',
        requestedTimestamp: 'Jan 1, 2026 12:00:00 AM',
        completedTimestamp: 'Jan 1, 2026 12:00:03 AM',
      },
    });
  });

  it('resumes a creation in progress after a restart from the data directory', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-lifecycle-'));
    dataDirs.push(dataDir);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const options = { dataDir, clock, limits: { createAccountDurationMs: [SECOND, SECOND] as const } };
    const first = await startHarness(options);
    await first.client(MANAGEMENT).send(new CreateOrganizationCommand({}));
    const { CreateAccountStatus } = await first
      .client(MANAGEMENT)
      .send(new CreateAccountCommand({ AccountName: 'durable', Email: 'durable@example.com' }));
    await first.close();

    // Act
    const second = await startHarness(options);
    h = { ...second, org: second.client(MANAGEMENT), organization: {} };
    clock.advance(SECOND);

    // Assess
    expect(await statusOf(CreateAccountStatus!.Id!)).toMatchObject({ State: 'SUCCEEDED' });
    expect(serviceEvents('CreateAccountResult')).toHaveLength(1);
  });
});

describe('CreateGovCloudAccount lifecycle', () => {
  it('creates the commercial account and its GovCloud (US) account when the management account is paired', async () => {
    // Prepare
    await start({ govCloudEnabled: true, createAccountDurationMs: [2 * SECOND, 2 * SECOND] });

    // Act
    const { CreateAccountStatus } = await h.org.send(
      new CreateGovCloudAccountCommand({ AccountName: 'gov', Email: 'gov@example.com' }),
    );
    h.clock.advance(2 * SECOND);
    const status = await statusOf(CreateAccountStatus!.Id!);

    // Assess
    expect(CreateAccountStatus).toMatchObject({ State: 'IN_PROGRESS' });
    expect(status).toMatchObject({
      State: 'SUCCEEDED',
      AccountId: expect.stringMatching(/^\d{12}$/),
      GovCloudAccountId: expect.stringMatching(/^\d{12}$/),
    });
    expect(status.GovCloudAccountId).not.toBe(status.AccountId);
    expect(await accountIds()).toEqual([MANAGEMENT, status.AccountId]);
    expect(serviceEvents('CreateAccountResult')).toHaveLength(1);
  });
});

describe('CloseAccount lifecycle', () => {
  it('goes ACTIVE → PENDING_CLOSURE at once, then SUSPENDED / CLOSED, and reports CloseAccountResult', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0], closeAccountDurationMs: 60 * SECOND });
    const accountId = await createAccount('closing');
    const requestedAt = h.clock.now();

    // Act
    await h.org.send(new CloseAccountCommand({ AccountId: accountId }));
    const pending = await describeAccount(accountId);
    h.clock.advance(60 * SECOND - 1);
    const stillPending = await describeAccount(accountId);
    const eventsWhilePending = serviceEvents('CloseAccountResult');
    h.clock.advance(1);
    const closed = await describeAccount(accountId);

    // Assess
    expect(pending).toMatchObject({ Status: 'PENDING_CLOSURE', State: 'PENDING_CLOSURE' });
    expect(stillPending).toMatchObject({ Status: 'PENDING_CLOSURE', State: 'PENDING_CLOSURE' });
    expect(closed).toMatchObject({ Status: 'SUSPENDED', State: 'CLOSED', JoinedMethod: 'CREATED' });
    expect(await accountIds()).toContain(accountId);
    expect(eventsWhilePending).toEqual([]);
    const [event] = serviceEvents('CloseAccountResult');
    expect(shapeOf(event)).toEqual(shapeOf(sample('organizations-close-account-result')));
    expect(event).toMatchObject({
      account: MANAGEMENT,
      time: '2026-01-01T00:01:00Z',
      detail: {
        userIdentity: { accountId: MANAGEMENT, invokedBy: 'organizations.amazonaws.com' },
        sourceIPAddress: 'organizations.amazonaws.com',
        serviceEventDetails: {
          closeAccountStatus: {
            accountId,
            state: 'SUCCEEDED',
            requestedTimestamp: 'Jan 1, 2026 12:00:00 AM',
            completedTimestamp: 'Jan 1, 2026 12:01:00 AM',
          },
        },
      },
    });
    expect(requestedAt).toBe(Date.UTC(2026, 0, 1));
  });

  it('keeps a closed account in the organization for the post-closure period, then removes it', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0], closeAccountDurationMs: 0 });
    const accountId = await createAccount('retired', { Tags: [{ Key: 'team', Value: 'old' }] });
    await h.org.send(new CloseAccountCommand({ AccountId: accountId }));
    h.clock.advance(0);

    // Act
    h.clock.advance(90 * DAY - 1);
    const lastDay = await accountIds();
    h.clock.advance(1);
    const afterwards = await accountIds();

    // Assess
    expect(lastDay).toContain(accountId);
    expect(afterwards).toEqual([MANAGEMENT]);
    await expect(describeAccount(accountId)).rejects.toMatchObject({ name: 'AccountNotFoundException' });
    expect(h.emulator.store.attachments.by('byTarget', accountId)).toEqual([]);
    expect(h.emulator.store.tags.get(accountId)).toBeUndefined();
    expect(h.emulator.store.accounts.get(accountId)).toMatchObject({
      orgId: null,
      parentId: null,
      status: 'SUSPENDED',
      state: 'CLOSED',
    });
  });

  describe('refusals, each leaving everything as it was', () => {
    it('refuses the management account with CANNOT_CLOSE_MANAGEMENT_ACCOUNT', async () => {
      await start();
      await refusedWithoutChange(() => h.org.send(new CloseAccountCommand({ AccountId: MANAGEMENT })), {
        name: 'ConstraintViolationException',
        Reason: 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT',
      });
    });

    it('refuses an account already closed or being closed with AccountAlreadyClosedException', async () => {
      // Prepare
      await start({ createAccountDurationMs: [0, 0], closeAccountDurationMs: 60 * SECOND });
      const accountId = await createAccount('twice');
      await h.org.send(new CloseAccountCommand({ AccountId: accountId }));

      // Act / Assess
      await refusedWithoutChange(() => h.org.send(new CloseAccountCommand({ AccountId: accountId })), {
        name: 'AccountAlreadyClosedException',
      });
      h.clock.advance(60 * SECOND);
      await refusedWithoutChange(() => h.org.send(new CloseAccountCommand({ AccountId: accountId })), {
        name: 'AccountAlreadyClosedException',
      });
    });

    it('refuses an account outside the organization with AccountNotFoundException', async () => {
      await start();
      await refusedWithoutChange(() => h.org.send(new CloseAccountCommand({ AccountId: '123456789012' })), {
        name: 'AccountNotFoundException',
      });
    });

    it('refuses a member caller with AccessDeniedException', async () => {
      // Prepare
      await start({ createAccountDurationMs: [0, 0] });
      const accountId = await createAccount('member');

      // Act / Assess
      await refusedWithoutChange(
        () => h.client(accountId).send(new CloseAccountCommand({ AccountId: accountId })),
        { name: 'AccessDeniedException' },
      );
    });

    it('refuses an organization without all features with ORGANIZATION_NOT_IN_ALL_FEATURES_MODE', async () => {
      // Prepare
      const harness = await startHarness({ limits: { createAccountDurationMs: [0, 0] } });
      const org = harness.client(MANAGEMENT);
      await org.send(new CreateOrganizationCommand({ FeatureSet: 'CONSOLIDATED_BILLING' }));
      h = { ...harness, org, organization: {} };
      const accountId = await createAccount('billing');

      // Act / Assess
      await refusedWithoutChange(() => h.org.send(new CloseAccountCommand({ AccountId: accountId })), {
        name: 'ConstraintViolationException',
        Reason: 'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
      });
    });
  });
});

describe('RemoveAccountFromOrganization and LeaveOrganization', () => {
  async function oldAccount(name: string, extra: Partial<CreateAccountRequest> = {}): Promise<string> {
    const accountId = await createAccount(name, extra);
    h.clock.advance(4 * DAY);
    return accountId;
  }

  it('removes a member: it becomes standalone, without its tags and policies', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const accountId = await oldAccount('removed', { Tags: [{ Key: 'team', Value: 'x' }] });

    // Act
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));

    // Assess
    expect(await accountIds()).toEqual([MANAGEMENT]);
    await expect(h.client(accountId).send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
      name: 'AWSOrganizationsNotInUseException',
    });
    await expect(h.org.send(new ListTagsForResourceCommand({ ResourceId: accountId }))).rejects.toMatchObject(
      {
        name: 'TargetNotFoundException',
      },
    );
    expect(h.emulator.store.attachments.by('byTarget', accountId)).toEqual([]);
    expect(h.emulator.store.tags.get(accountId)).toBeUndefined();
    expect(h.emulator.store.accounts.get(accountId)).toMatchObject({
      orgId: null,
      parentId: null,
      joinedMethod: null,
      joinedAt: null,
      status: 'ACTIVE',
    });
  });

  it('lets a member leave by itself', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const accountId = await oldAccount('leaver');

    // Act
    await h.client(accountId).send(new LeaveOrganizationCommand({}));

    // Assess
    expect(await accountIds()).toEqual([MANAGEMENT]);
    expect(h.emulator.store.accounts.get(accountId)?.orgId).toBeNull();
  });

  it('refuses a created account younger than the wait period with WAIT_PERIOD_ACTIVE, then lets it go', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const removed = await createAccount('young');
    const leaver = await createAccount('younger');
    h.clock.advance(4 * DAY - 1);

    // Act / Assess
    await refusedWithoutChange(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: removed })),
      { name: 'ConstraintViolationException', Reason: 'WAIT_PERIOD_ACTIVE' },
    );
    await refusedWithoutChange(() => h.client(leaver).send(new LeaveOrganizationCommand({})), {
      name: 'ConstraintViolationException',
      Reason: 'WAIT_PERIOD_ACTIVE',
    });
    h.clock.advance(1);
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: removed }));
    await h.client(leaver).send(new LeaveOrganizationCommand({}));
    expect(await accountIds()).toEqual([MANAGEMENT]);
  });

  it('has no wait period for an invited account', async () => {
    // Prepare
    await start();
    const { Roots } = await h.org.send(new ListRootsCommand({}));
    h.emulator.store.transaction(() =>
      h.emulator.store.accounts.put({
        id: '222222222222',
        orgId: h.organization.Id!,
        email: 'invited@example.com',
        name: 'invited',
        status: 'ACTIVE',
        state: 'ACTIVE',
        joinedMethod: 'INVITED',
        joinedAt: h.clock.now(),
        parentId: Roots![0]!.Id!,
        createdAt: h.clock.now(),
        accessRoleName: null,
      }),
    );

    // Act
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: '222222222222' }));

    // Assess
    expect(await accountIds()).toEqual([MANAGEMENT]);
  });

  it('refuses the management account: ACCOUNT_CANNOT_LEAVE_ORGANIZATION to remove, MasterCannotLeaveOrganization to leave', async () => {
    await start();
    await refusedWithoutChange(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: MANAGEMENT })),
      { name: 'ConstraintViolationException', Reason: 'ACCOUNT_CANNOT_LEAVE_ORGANIZATION' },
    );
    await refusedWithoutChange(() => h.org.send(new LeaveOrganizationCommand({})), {
      name: 'MasterCannotLeaveOrganizationException',
    });
  });

  it('refuses a delegated administrator with CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const accountId = await oldAccount('admin');
    const ServicePrincipal = 'securityhub.amazonaws.com';
    await h.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal }));
    await h.org.send(new RegisterDelegatedAdministratorCommand({ AccountId: accountId, ServicePrincipal }));

    // Act / Assess
    await refusedWithoutChange(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId })),
      { name: 'ConstraintViolationException', Reason: 'CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG' },
    );
    await refusedWithoutChange(() => h.client(accountId).send(new LeaveOrganizationCommand({})), {
      name: 'ConstraintViolationException',
      Reason: 'CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG',
    });
  });

  it('refuses an account being closed with ConcurrentModificationException', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0], closeAccountDurationMs: 60 * SECOND });
    const accountId = await oldAccount('closing');
    await h.org.send(new CloseAccountCommand({ AccountId: accountId }));

    // Act / Assess
    await refusedWithoutChange(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId })),
      { name: 'ConcurrentModificationException' },
    );
  });

  it('refuses LeaveOrganization when a service control policy denies it', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const accountId = await oldAccount('guarded');
    const { Policy } = await h.org.send(
      new CreatePolicyCommand({
        Name: 'DenyLeave',
        Description: 'members stay',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'organizations:Leave*', Resource: '*' }],
        }),
      }),
    );
    const { Roots } = await h.org.send(new ListRootsCommand({}));
    await h.org.send(
      new AttachPolicyCommand({ PolicyId: Policy!.PolicySummary!.Id!, TargetId: Roots![0]!.Id! }),
    );

    // Act / Assess
    await refusedWithoutChange(() => h.client(accountId).send(new LeaveOrganizationCommand({})), {
      name: 'AccessDeniedException',
      message: expect.stringMatching(/DenyLeave/),
    });
    await h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));
  });

  it('refuses RemoveAccountFromOrganization to a member and LeaveOrganization to an account in no organization', async () => {
    // Prepare
    await start({ createAccountDurationMs: [0, 0] });
    const accountId = await oldAccount('member');

    // Act / Assess
    await refusedWithoutChange(
      () => h.client(accountId).send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId })),
      { name: 'AccessDeniedException' },
    );
    await refusedWithoutChange(() => h.client(OUTSIDER).send(new LeaveOrganizationCommand({})), {
      name: 'AWSOrganizationsNotInUseException',
    });
    await refusedWithoutChange(
      () => h.org.send(new RemoveAccountFromOrganizationCommand({ AccountId: OUTSIDER })),
      { name: 'AccountNotFoundException' },
    );
  });
});
