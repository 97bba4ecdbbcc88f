import {
  type Account,
  CreateAccountCommand,
  type CreateAccountRequest,
  CreateGovCloudAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListCreateAccountStatusCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListCreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANAGEMENT, OUTSIDER, startWithOrganization } from './harness';

type Started = Awaited<ReturnType<typeof startWithOrganization>>;

const MANAGEMENT_EMAIL = `account-${MANAGEMENT}@example.com`;

async function requestAccount(
  org: OrganizationsClient,
  name: string,
  extra: Partial<CreateAccountRequest> = {},
) {
  const { CreateAccountStatus } = await org.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, ...extra }),
  );
  return CreateAccountStatus!;
}

async function statusOf(org: OrganizationsClient, requestId: string) {
  const { CreateAccountStatus } = await org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
  );
  return CreateAccountStatus!;
}

/** Lets every creation requested so far finish: the longest a creation may take passes. */
function finishCreations(started: Started): void {
  started.clock.advance(started.emulator.limits.createAccountDurationMs[1]);
}

/** Creates an account, waits for the request to succeed and returns the account's id. */
async function createAccount(started: Started, name: string, extra: Partial<CreateAccountRequest> = {}) {
  const requested = await requestAccount(started.org, name, extra);
  finishCreations(started);
  return (await statusOf(started.org, requested.Id!)).AccountId!;
}

async function accountIds(org: OrganizationsClient): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateListAccounts({ client: org }, {}))
    ids.push(...page.Accounts!.map((a) => a.Id!));
  return ids;
}

async function allStatuses(org: OrganizationsClient) {
  const { CreateAccountStatuses } = await org.send(new ListCreateAccountStatusCommand({}));
  return CreateAccountStatuses!;
}

/** The error a call fails with (undefined if it succeeds), awaited at once so no rejection goes unhandled. */
function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function rootId(org: OrganizationsClient): Promise<string> {
  const { Roots } = await org.send(new ListRootsCommand({}));
  return Roots![0]!.Id!;
}

async function parentOf(org: OrganizationsClient, accountId: string): Promise<string> {
  const { Account } = await org.send(new DescribeAccountCommand({ AccountId: accountId }));
  const path = Account!.Paths![0]!.split('/');
  return path[path.length - 3]!;
}

describe('accounts', () => {
  let h: Started;

  beforeEach(async () => {
    h = await startWithOrganization({ limits: { accountQuota: 50, createAccountDurationMs: [3000, 3000] } });
  });

  afterEach(async () => {
    await h.close();
  });

  describe('CreateAccount', () => {
    it('answers IN_PROGRESS at request time and the account exists once the request has succeeded', async () => {
      // Prepare
      const requestedAt = new Date(h.clock.now());
      const completedAt = new Date(h.clock.now() + 3000);

      // Act
      const requested = await requestAccount(h.org, 'sandbox');
      finishCreations(h);
      const status = await statusOf(h.org, requested.Id!);

      // Assess
      expect(requested).toEqual({
        Id: expect.stringMatching(/^car-[0-9a-f]{32}$/),
        AccountName: 'sandbox',
        State: 'IN_PROGRESS',
        RequestedTimestamp: requestedAt,
      });
      expect(status).toEqual({
        Id: requested.Id,
        AccountName: 'sandbox',
        State: 'SUCCEEDED',
        RequestedTimestamp: requestedAt,
        CompletedTimestamp: completedAt,
        AccountId: expect.stringMatching(/^\d{12}$/),
      });
      const { Account } = await h.org.send(new DescribeAccountCommand({ AccountId: status.AccountId! }));
      const root = await rootId(h.org);
      expect(Account).toEqual<Account>({
        Id: status.AccountId!,
        Arn: `arn:aws:organizations::${MANAGEMENT}:account/${h.organization.Id}/${status.AccountId}`,
        Email: 'sandbox@example.com',
        Name: 'sandbox',
        Status: 'ACTIVE',
        State: 'ACTIVE',
        JoinedMethod: 'CREATED',
        JoinedTimestamp: completedAt,
        Paths: [`${h.organization.Id}/${root}/${status.AccountId}/`],
      });
    });

    it('gives the new account the default access role, the managed default policies and the tags', async () => {
      // Act
      const accountId = await createAccount(h, 'tagged', {
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'cost-center', Value: '' },
        ],
      });

      // Assess
      const { Tags } = await h.org.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
      expect(Tags).toEqual([
        { Key: 'team', Value: 'platform' },
        { Key: 'cost-center', Value: '' },
      ]);
      // neither is visible through the Organizations API: read the emulator's state
      expect(h.emulator.store.accounts.get(accountId)?.accessRoleName).toBe('OrganizationAccountAccessRole');
      expect(h.emulator.store.attachments.by('byTarget', accountId).map((a) => a.policyId)).toEqual([
        'p-FullAWSAccess',
      ]);
    });

    it('keeps a chosen RoleName and IamUserAccessToBilling', async () => {
      // Act
      const requested = await requestAccount(h.org, 'billing', {
        RoleName: 'Admin',
        IamUserAccessToBilling: 'DENY',
      });

      // Assess
      finishCreations(h);
      const status = await statusOf(h.org, requested.Id!);
      expect(h.emulator.store.accounts.get(status.AccountId!)?.accessRoleName).toBe('Admin');
      expect(h.emulator.store.createAccountStatuses.get(requested.Id!)?.iamUserAccessToBilling).toBe('DENY');
    });

    it.each([
      ['.jane@example.com', /local name can't begin with a dot/],
      ['ja(ne@example.com', /local name can't contain/],
      ['jane@exa_mple.com', /domain name can consist of only/],
      ['jane@-example.com', /can't begin or end with a hyphen/],
    ])('refuses the email %s with INVALID_PATTERN and creates nothing', async (email, rule) => {
      // Act
      const call = h.org.send(new CreateAccountCommand({ AccountName: 'bad', Email: email }));

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'InvalidInputException', Reason: 'INVALID_PATTERN' });
      await expect(call).rejects.toThrow(rule);
      expect(await accountIds(h.org)).toEqual([MANAGEMENT]);
      expect(await allStatuses(h.org)).toEqual([]);
    });

    it('refuses a RoleName with the reserved prefix AWSServiceRoleFor', async () => {
      // Act
      const call = requestAccount(h.org, 'role', { RoleName: 'AWSServiceRoleForSupport' });

      // Assess
      await expect(call).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'INVALID_ROLE_NAME',
      });
      expect(await allStatuses(h.org)).toEqual([]);
    });

    it.each([
      ['a system tag key', [{ Key: 'aws:owner', Value: 'x' }], 'INVALID_SYSTEM_TAGS_PARAMETER'],
      [
        'a duplicate tag key',
        [
          { Key: 'team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
        'DUPLICATE_TAG_KEY',
      ],
    ])('refuses %s and creates no account', async (_, tags, reason) => {
      // Act
      const call = requestAccount(h.org, 'badtags', { Tags: tags });

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'InvalidInputException', Reason: reason });
      expect(await accountIds(h.org)).toEqual([MANAGEMENT]);
      expect(await allStatuses(h.org)).toEqual([]);
    });

    it('refuses more tags than an account may carry and creates no account', async () => {
      // Prepare
      const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));

      // Act
      const call = requestAccount(h.org, 'manytags', { Tags: tags });

      // Assess
      await expect(call).rejects.toMatchObject({
        name: 'ConstraintViolationException',
        Reason: 'MAX_TAG_LIMIT_EXCEEDED',
      });
      expect(await accountIds(h.org)).toEqual([MANAGEMENT]);
      expect(await allStatuses(h.org)).toEqual([]);
    });

    it('fails the request with EMAIL_ALREADY_EXISTS for an email in use, in any letter case', async () => {
      // Act
      const requested = await h.org.send(
        new CreateAccountCommand({ AccountName: 'dup', Email: MANAGEMENT_EMAIL.toUpperCase() }),
      );

      // Assess
      expect(requested.CreateAccountStatus?.State).toBe('IN_PROGRESS');
      finishCreations(h);
      const status = await statusOf(h.org, requested.CreateAccountStatus!.Id!);
      expect(status).toMatchObject({ State: 'FAILED', FailureReason: 'EMAIL_ALREADY_EXISTS' });
      expect(status.AccountId).toBeUndefined();
      expect(status.CompletedTimestamp).toEqual(new Date(h.clock.now()));
      expect(await accountIds(h.org)).toEqual([MANAGEMENT]);
    });

    it('fails with EMAIL_ALREADY_EXISTS for the email of a standalone account or one in another organization', async () => {
      // Prepare
      h.emulator.addStandaloneAccount({ id: '222222222222', email: 'alone@example.com', name: 'alone' });
      await h.client(OUTSIDER).send(new CreateOrganizationCommand({}));

      // Act
      const standalone = await requestAccount(h.org, 'alone');
      const elsewhere = await h.org.send(
        new CreateAccountCommand({ AccountName: 'other', Email: `account-${OUTSIDER}@example.com` }),
      );

      // Assess
      finishCreations(h);
      expect(await statusOf(h.org, standalone.Id!)).toMatchObject({ FailureReason: 'EMAIL_ALREADY_EXISTS' });
      expect(await statusOf(h.org, elsewhere.CreateAccountStatus!.Id!)).toMatchObject({
        FailureReason: 'EMAIL_ALREADY_EXISTS',
      });
    });

    it('fails with EMAIL_ALREADY_EXISTS when an earlier request created an account with that email', async () => {
      // Prepare
      await createAccount(h, 'twice');

      // Act
      const again = await requestAccount(h.org, 'twice');
      finishCreations(h);

      // Assess
      expect(await statusOf(h.org, again.Id!)).toMatchObject({
        State: 'FAILED',
        FailureReason: 'EMAIL_ALREADY_EXISTS',
      });
      expect(await accountIds(h.org)).toHaveLength(2);
    });

    it('refuses a member account and an account outside any organization', async () => {
      // Prepare
      const member = await createAccount(h, 'member');

      // Act
      const asMember = await rejection(requestAccount(h.client(member), 'nope'));
      const asOutsider = await rejection(requestAccount(h.client(OUTSIDER), 'nope'));

      // Assess
      expect(asMember).toMatchObject({ name: 'AccessDeniedException' });
      expect(asOutsider).toMatchObject({ name: 'AWSOrganizationsNotInUseException' });
      expect(await allStatuses(h.org)).toHaveLength(1);
    });
  });

  describe('account quota', () => {
    it('refuses CreateAccount with ACCOUNT_NUMBER_LIMIT_EXCEEDED once the organization is full', async () => {
      // Prepare
      const small = await startWithOrganization({ limits: { accountQuota: 3 } });
      try {
        await createAccount(small, 'one');
        await createAccount(small, 'two');

        // Act
        const call = requestAccount(small.org, 'three');

        // Assess
        await expect(call).rejects.toMatchObject({
          name: 'ConstraintViolationException',
          Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
        });
        expect(await accountIds(small.org)).toHaveLength(3);
        expect(await allStatuses(small.org)).toHaveLength(2);
      } finally {
        await small.close();
      }
    });

    it('takes no slot for a request that failed with EMAIL_ALREADY_EXISTS', async () => {
      // Prepare
      const small = await startWithOrganization({ limits: { accountQuota: 2 } });
      try {
        await small.org.send(new CreateAccountCommand({ AccountName: 'dup', Email: MANAGEMENT_EMAIL }));
        finishCreations(small);

        // Act
        const accountId = await createAccount(small, 'fits');

        // Assess
        expect(accountId).toMatch(/^\d{12}$/);
      } finally {
        await small.close();
      }
    });
  });

  describe('CreateGovCloudAccount', () => {
    it('is refused: the emulated management account has no GovCloud account', async () => {
      // Act
      const call = h.org.send(
        new CreateGovCloudAccountCommand({ AccountName: 'gov', Email: 'gov@example.com' }),
      );

      // Assess
      await expect(call).rejects.toMatchObject({
        name: 'ConstraintViolationException',
        Reason: 'MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED',
      });
      expect(await allStatuses(h.org)).toEqual([]);
    });

    it('checks the email rules first', async () => {
      // Act
      const call = h.org.send(
        new CreateGovCloudAccountCommand({ AccountName: 'gov', Email: 'gov@localhost' }),
      );

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'InvalidInputException' });
    });
  });

  describe('DescribeCreateAccountStatus', () => {
    it('does not find an unknown request or one of another organization', async () => {
      // Prepare
      const other = h.client(OUTSIDER);
      await other.send(new CreateOrganizationCommand({}));
      const theirs = await requestAccount(other, 'theirs');

      // Act
      const unknown = await rejection(statusOf(h.org, 'car-00000000000000000000000000000000'));
      const foreign = await rejection(statusOf(h.org, theirs.Id!));

      // Assess
      expect(unknown).toMatchObject({ name: 'CreateAccountStatusNotFoundException' });
      expect(foreign).toMatchObject({ name: 'CreateAccountStatusNotFoundException' });
    });

    it('refuses a member account', async () => {
      // Prepare
      const requested = await requestAccount(h.org, 'member');
      finishCreations(h);
      const member = (await statusOf(h.org, requested.Id!)).AccountId!;

      // Act
      const call = statusOf(h.client(member), requested.Id!);

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });
  });

  describe('ListCreateAccountStatus', () => {
    it('lists requests oldest first, filtered by state, page by page', async () => {
      // Prepare
      const first = await requestAccount(h.org, 'first');
      h.clock.advance(1000);
      const failed = await h.org.send(
        new CreateAccountCommand({ AccountName: 'dup', Email: MANAGEMENT_EMAIL }),
      );
      h.clock.advance(1000);
      const third = await requestAccount(h.org, 'third');
      finishCreations(h);

      // Act
      const everything: string[] = [];
      for await (const page of paginateListCreateAccountStatus({ client: h.org, pageSize: 1 }, {}))
        everything.push(...page.CreateAccountStatuses!.map((s) => s.Id!));
      const succeeded = await h.org.send(new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'] }));
      const failedOnly = await h.org.send(new ListCreateAccountStatusCommand({ States: ['FAILED'] }));
      const inProgress = await h.org.send(new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }));

      // Assess
      expect(everything).toEqual([first.Id, failed.CreateAccountStatus!.Id, third.Id]);
      expect(succeeded.CreateAccountStatuses!.map((s) => s.Id)).toEqual([first.Id, third.Id]);
      expect(failedOnly.CreateAccountStatuses).toMatchObject([
        { Id: failed.CreateAccountStatus!.Id, State: 'FAILED', FailureReason: 'EMAIL_ALREADY_EXISTS' },
      ]);
      expect(inProgress.CreateAccountStatuses).toEqual([]);
    });

    it('refuses a token from a listing with another filter', async () => {
      // Prepare
      await requestAccount(h.org, 'a');
      await requestAccount(h.org, 'b');
      finishCreations(h);
      const { NextToken } = await h.org.send(
        new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'], MaxResults: 1 }),
      );

      // Act
      const call = h.org.send(new ListCreateAccountStatusCommand({ States: ['FAILED'], NextToken }));

      // Assess
      expect(NextToken).toBeDefined();
      await expect(call).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'INVALID_NEXT_TOKEN',
      });
    });
  });

  describe('DescribeAccount', () => {
    it('describes the management account', async () => {
      // Act
      const { Account } = await h.org.send(new DescribeAccountCommand({ AccountId: MANAGEMENT }));

      // Assess
      expect(Account).toMatchObject({ Id: MANAGEMENT, Email: MANAGEMENT_EMAIL, JoinedMethod: 'INVITED' });
    });

    it('refuses member callers, even about themselves', async () => {
      // Prepare
      const member = await createAccount(h, 'member');

      // Act
      const call = h.client(member).send(new DescribeAccountCommand({ AccountId: member }));

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });

    it('does not find an unknown account or one of another organization', async () => {
      // Prepare
      await h.client(OUTSIDER).send(new CreateOrganizationCommand({}));

      // Act
      const unknown = await rejection(h.org.send(new DescribeAccountCommand({ AccountId: '123456789012' })));
      const foreign = await rejection(h.org.send(new DescribeAccountCommand({ AccountId: OUTSIDER })));

      // Assess
      expect(unknown).toMatchObject({ name: 'AccountNotFoundException' });
      expect(foreign).toMatchObject({ name: 'AccountNotFoundException' });
    });
  });

  describe('ListAccounts', () => {
    it('walks 45 accounts 7 at a time, each exactly once, in a stable order', async () => {
      // Prepare
      const created: string[] = [];
      for (let i = 0; i < 44; i++) created.push(await createAccount(h, `walk${i}`));

      // Act
      const pages: number[] = [];
      const walked: string[] = [];
      for await (const page of paginateListAccounts({ client: h.org, pageSize: 7 }, {})) {
        pages.push(page.Accounts!.length);
        walked.push(...page.Accounts!.map((a) => a.Id!));
      }
      const again = await accountIds(h.org);

      // Assess
      expect(pages).toEqual([7, 7, 7, 7, 7, 7, 3]);
      expect(walked).toEqual([MANAGEMENT, ...created]);
      expect(new Set(walked).size).toBe(45);
      expect(again).toEqual(walked);
    });

    it.each([
      [21, 'MAX_VALUE_EXCEEDED'],
      [0, 'MIN_VALUE_EXCEEDED'],
    ])('refuses MaxResults %i with %s', async (MaxResults, Reason) => {
      // Act
      const call = h.org.send(new ListAccountsCommand({ MaxResults }));

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'InvalidInputException', Reason });
    });

    it('refuses member callers', async () => {
      // Prepare
      const member = await createAccount(h, 'member');

      // Act
      const call = h.client(member).send(new ListAccountsCommand({}));

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException' });
    });
  });

  describe('ListAccountsForParent', () => {
    it('lists only the accounts directly under the parent', async () => {
      // Prepare
      const root = await rootId(h.org);
      const { OrganizationalUnit } = await h.org.send(
        new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'workloads' }),
      );
      const ou = OrganizationalUnit!.Id!;
      const inRoot = await createAccount(h, 'inroot');
      const moved = await createAccount(h, 'moved');
      await h.org.send(
        new MoveAccountCommand({ AccountId: moved, SourceParentId: root, DestinationParentId: ou }),
      );

      // Act
      const underRoot = await h.org.send(new ListAccountsForParentCommand({ ParentId: root }));
      const underOu = await h.org.send(new ListAccountsForParentCommand({ ParentId: ou }));

      // Assess
      expect(underRoot.Accounts!.map((a) => a.Id)).toEqual([MANAGEMENT, inRoot]);
      expect(underOu.Accounts).toMatchObject([
        { Id: moved, Paths: [`${h.organization.Id}/${root}/${ou}/${moved}/`] },
      ]);
    });

    it('pages through a parent and refuses its token for another parent', async () => {
      // Prepare
      const root = await rootId(h.org);
      const { OrganizationalUnit } = await h.org.send(
        new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'empty' }),
      );
      const ids = [MANAGEMENT];
      for (let i = 0; i < 4; i++) ids.push(await createAccount(h, `page${i}`));

      // Act
      const first = await h.org.send(new ListAccountsForParentCommand({ ParentId: root, MaxResults: 3 }));
      const second = await h.org.send(
        new ListAccountsForParentCommand({ ParentId: root, MaxResults: 3, NextToken: first.NextToken }),
      );
      const crossed = h.org.send(
        new ListAccountsForParentCommand({ ParentId: OrganizationalUnit!.Id!, NextToken: first.NextToken }),
      );

      // Assess
      expect([...first.Accounts!, ...second.Accounts!].map((a) => a.Id)).toEqual(ids);
      expect(second.NextToken).toBeUndefined();
      await expect(crossed).rejects.toMatchObject({
        name: 'InvalidInputException',
        Reason: 'INVALID_NEXT_TOKEN',
      });
    });

    it('does not find an unknown parent or the root of another organization', async () => {
      // Prepare
      const other = h.client(OUTSIDER);
      await other.send(new CreateOrganizationCommand({}));
      const theirRoot = await rootId(other);

      // Act
      const unknown = await rejection(
        h.org.send(new ListAccountsForParentCommand({ ParentId: 'ou-abcd-12345678' })),
      );
      const foreign = await rejection(h.org.send(new ListAccountsForParentCommand({ ParentId: theirRoot })));

      // Assess
      expect(unknown).toMatchObject({ name: 'ParentNotFoundException' });
      expect(foreign).toMatchObject({ name: 'ParentNotFoundException' });
    });
  });

  describe('MoveAccount', () => {
    let root: string;
    let ou: string;
    let account: string;

    beforeEach(async () => {
      root = await rootId(h.org);
      const { OrganizationalUnit } = await h.org.send(
        new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'target' }),
      );
      ou = OrganizationalUnit!.Id!;
      account = await createAccount(h, 'mover');
    });

    const move = (AccountId: string, SourceParentId: string, DestinationParentId: string, client = h.org) =>
      client.send(new MoveAccountCommand({ AccountId, SourceParentId, DestinationParentId }));

    it('moves an account from the root into an OU and back', async () => {
      // Act
      await move(account, root, ou);
      const inOu = await parentOf(h.org, account);
      await move(account, ou, root);

      // Assess
      expect(inOu).toBe(ou);
      expect(await parentOf(h.org, account)).toBe(root);
    });

    it('moves the management account too', async () => {
      // Act
      await move(MANAGEMENT, root, ou);

      // Assess
      expect(await parentOf(h.org, MANAGEMENT)).toBe(ou);
    });

    it.each([
      ['an unknown account', () => move('123456789012', root, ou), 'AccountNotFoundException'],
      ['an unknown source', () => move(account, 'ou-abcd-12345678', ou), 'SourceParentNotFoundException'],
      ['a source the account is not in', () => move(account, ou, root), 'SourceParentNotFoundException'],
      [
        'an unknown destination',
        () => move(account, root, 'ou-abcd-12345678'),
        'DestinationParentNotFoundException',
      ],
      ['the parent it is already in', () => move(account, root, root), 'DuplicateAccountException'],
    ])('refuses %s and leaves the account where it was', async (_, act, name) => {
      // Act
      const call = act();

      // Assess
      await expect(call).rejects.toMatchObject({ name });
      expect(await parentOf(h.org, account)).toBe(root);
    });

    it('does not find an account or parent of another organization', async () => {
      // Prepare
      const other = h.client(OUTSIDER);
      await other.send(new CreateOrganizationCommand({}));
      const theirRoot = await rootId(other);

      // Act
      const theirAccount = await rejection(move(OUTSIDER, theirRoot, ou));
      const theirDestination = await rejection(move(account, root, theirRoot));

      // Assess
      expect(theirAccount).toMatchObject({ name: 'AccountNotFoundException' });
      expect(theirDestination).toMatchObject({ name: 'DestinationParentNotFoundException' });
    });

    it('refuses a member caller', async () => {
      // Act
      const call = move(account, root, ou, h.client(account));

      // Assess
      await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(await parentOf(h.org, account)).toBe(root);
    });
  });
});
