import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../local/organizations/emulator';
import type { FaultConfig } from '../../local/organizations/faults';
import { MANAGEMENT, startWithOrganization } from './harness';
import { recordingClient } from './retry-recorder';
import { signedFetch } from './signed-fetch';

type Started = Awaited<ReturnType<typeof startWithOrganization>>;

let h: Started;
const ownClients: { destroy(): void }[] = [];

afterEach(async () => {
  for (const client of ownClients.splice(0)) client.destroy();
  await h?.close();
});

async function start(options: EmulatorOptions = {}): Promise<Started> {
  h = await startWithOrganization({ limits: { createAccountDurationMs: [0, 0] }, ...options });
  return h;
}

/** Makes `count` calls one after the other; each ends 'ok' or with the name of its error. */
async function outcomes(call: () => Promise<unknown>, count: number): Promise<string[]> {
  const ended: string[] = [];
  for (let i = 0; i < count; i++)
    ended.push(
      await call().then(
        () => 'ok',
        (error: Error) => error.name,
      ),
    );
  return ended;
}

const times = (count: number, outcome: string): string[] => Array<string>(count).fill(outcome);

let named = 0;

const rootId = () => h.emulator.store.roots.by('byOrg', h.organization.Id!)[0]!.id;

const ouNames = async () =>
  (
    await h.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId() }))
  ).OrganizationalUnits!.map((ou) => ou.Name);

/** Requests `count` accounts; they exist once the next call has run the (instant) creations. */
async function requestAccounts(count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await h.org.send(new CreateAccountCommand({ AccountName: `a${i}`, Email: `a${i}@example.com` }));
}

describe('injected errors', () => {
  it.each([
    {
      fault: 'throttle',
      error: 'TooManyRequestsException',
      status: 400,
      classified: 'THROTTLING',
      attempts: 2,
    },
    {
      fault: 'concurrentModification',
      error: 'ConcurrentModificationException',
      status: 400,
      classified: 'CLIENT_ERROR',
      attempts: 1,
    },
    {
      fault: 'serviceException',
      error: 'ServiceException',
      status: 500,
      classified: 'TRANSIENT',
      attempts: 2,
    },
  ] as const)(
    '$fault at probability 1 fails every call with $error, as the SDK classifies it, changing nothing',
    async ({ fault, error, status, classified, attempts }) => {
      // Prepare
      await start();
      h.emulator.faults.set({ CreateOrganizationalUnit: { [fault]: 1 } });
      const { client, classified: seen } = recordingClient(h.server.url, MANAGEMENT);
      ownClients.push(client);

      // Act
      const failure = await client
        .send(new CreateOrganizationalUnitCommand({ ParentId: rootId(), Name: 'never' }))
        .catch((e: unknown) => e);

      // Assess
      expect(failure).toMatchObject({ name: error, $metadata: { httpStatusCode: status, attempts } });
      expect(seen).toEqual(times(attempts, classified));
      expect(await ouNames()).toEqual([]);
    },
  );

  it.each(['throttle', 'concurrentModification', 'serviceException'] as const)(
    '%s at probability 0 never strikes',
    async (fault) => {
      // Prepare
      await start();
      h.emulator.faults.set({ CreateOrganizationalUnit: { [fault]: 0 } });

      // Act
      const created = await outcomes(
        () => h.org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId(), Name: `ou${++named}` })),
        20,
      );

      // Assess
      expect(created).toEqual(times(20, 'ok'));
    },
  );

  it('applies a rule for `*` to every operation unless the operation has its own', async () => {
    // Prepare
    await start();
    h.emulator.faults.set({ '*': { serviceException: 1 }, ListRoots: { serviceException: 0 } });

    // Act
    const described = await outcomes(() => h.org.send(new DescribeOrganizationCommand({})), 1);
    const listed = await outcomes(() => h.org.send(new ListRootsCommand({})), 1);

    // Assess
    expect(described).toEqual(['ServiceException']);
    expect(listed).toEqual(['ok']);
  });

  it('draws the same faults again from the same seed', async () => {
    // Prepare
    const run = async (faultSeed: number) => {
      const started = await startWithOrganization({ faultSeed });
      try {
        started.emulator.faults.set({ DescribeOrganization: { throttle: 0.3 } });
        return await outcomes(() => started.org.send(new DescribeOrganizationCommand({})), 40);
      } finally {
        await started.close();
      }
    };

    // Act
    const first = await run(42);
    const replay = await run(42);
    const otherSeed = await run(43);

    // Assess
    expect(replay).toEqual(first);
    expect(otherSeed).not.toEqual(first);
    const throttled = first.filter((outcome) => outcome === 'TooManyRequestsException').length;
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThan(40);
  });
});

describe('latency', () => {
  it('delays the answers of the operation it is set for by latencyMs of real time', async () => {
    // Prepare
    await start();
    h.emulator.faults.set({ DescribeOrganization: { latencyMs: 200 } });

    // Act
    const started = performance.now();
    await h.org.send(new DescribeOrganizationCommand({}));
    const elapsed = performance.now() - started;

    // Assess: only a lower bound is certain on a shared machine (timers may fire a millisecond early)
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(h.emulator.faults.latencyMs('ListRoots')).toBe(0);
  });
});

describe('CreateAccount INTERNAL_FAILURE', () => {
  it.each([
    { probability: 1, ended: { State: 'FAILED', FailureReason: 'INTERNAL_FAILURE' }, accounts: 1 },
    { probability: 0, ended: { State: 'SUCCEEDED' }, accounts: 2 },
  ])('ends a creation $ended.State at probability $probability', async ({ probability, ended, accounts }) => {
    // Prepare
    await start();
    h.emulator.faults.set({ CreateAccount: { createAccountInternalFailure: probability } });

    // Act
    const { CreateAccountStatus } = await h.org.send(
      new CreateAccountCommand({ AccountName: 'unlucky', Email: 'unlucky@example.com' }),
    );
    const { CreateAccountStatus: status } = await h.org.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id! }),
    );

    // Assess
    expect(CreateAccountStatus!.State).toBe('IN_PROGRESS');
    expect(status).toMatchObject(ended);
    expect((await h.org.send(new ListAccountsCommand({}))).Accounts).toHaveLength(accounts);
  });
});

describe('empty pages', () => {
  const everyAccount = async () => {
    const pages: string[][] = [];
    for await (const page of paginateListAccounts({ client: h.org, pageSize: 2 }, {}))
      pages.push(page.Accounts!.map((a) => a.Id!));
    return pages;
  };

  it('answers an empty page with a token that resumes where it was, then a real page', async () => {
    // Prepare
    await start();
    await requestAccounts(2);
    h.emulator.faults.set({ ListAccounts: { emptyPage: 1 } });

    // Act
    const first = await h.org.send(new ListAccountsCommand({ MaxResults: 2 }));
    const second = await h.org.send(new ListAccountsCommand({ MaxResults: 2, NextToken: first.NextToken! }));

    // Assess
    expect(first.Accounts).toEqual([]);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.Accounts!.map((a) => a.Id)).toEqual([MANAGEMENT, expect.any(String)]);
    expect(second.NextToken).toEqual(expect.any(String));
  });

  it('still lets the SDK paginator return every item exactly once, even at probability 1', async () => {
    // Prepare
    await start();
    await requestAccounts(4);
    const expected = (await everyAccount()).flat();
    h.emulator.faults.set({ ListAccounts: { emptyPage: 1 } });

    // Act
    const pages = await everyAccount();

    // Assess
    expect(expected).toHaveLength(5);
    expect(pages.flat()).toEqual(expected);
    expect(pages.map((page) => page.length)).toEqual([0, 2, 0, 2, 0, 1]);
  });

  it('lets the SDK paginator return every item exactly once with seeded random empty pages', async () => {
    // Prepare
    await start({ faultSeed: 7 });
    await requestAccounts(4);
    const expected = (await everyAccount()).flat();
    h.emulator.faults.set({ ListAccounts: { emptyPage: 0.5 } });

    // Act
    const listings = [await everyAccount(), await everyAccount(), await everyAccount()];

    // Assess
    for (const pages of listings) expect(pages.flat()).toEqual(expected);
    expect(listings.flat().filter((page) => page.length === 0).length).toBeGreaterThan(0);
  });

  it('answers an empty listing with one empty page and no token, even at probability 1', async () => {
    // Prepare
    await start();
    h.emulator.faults.set({ '*': { emptyPage: 1 } });

    // Act
    const listed = await h.org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId() }));

    // Assess
    expect(listed.OrganizationalUnits).toEqual([]);
    expect(listed.NextToken).toBeUndefined();
  });

  it('binds the token of an empty page to its listing like any other', async () => {
    // Prepare
    await start();
    h.emulator.faults.set({ ListAccounts: { emptyPage: 1 } });
    const { NextToken } = await h.org.send(new ListAccountsCommand({}));

    // Act
    const misused = h.org.send(
      new ListAccountsForParentCommand({ ParentId: rootId(), NextToken: NextToken! }),
    );

    // Assess
    await expect(misused).rejects.toMatchObject({
      name: 'InvalidInputException',
      Reason: 'INVALID_NEXT_TOKEN',
    });
  });

  it('never answers an empty page at probability 0', async () => {
    // Prepare
    await start();
    await requestAccounts(4);
    h.emulator.faults.set({ ListAccounts: { emptyPage: 0 } });

    // Act
    const pages = await everyAccount();

    // Assess
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
  });
});

describe('the faults endpoint', () => {
  const faultsUrl = () => `${h.server.url}/_orgflow/faults`;
  const asManagement = { accessKeyId: MANAGEMENT, secretAccessKey: 'secret' };
  const put = (body: string) => signedFetch(faultsUrl(), asManagement, { method: 'PUT', body });
  const get = () => signedFetch(faultsUrl(), asManagement);

  it('replaces the fault configuration, which then applies to SDK calls', async () => {
    // Prepare
    await start();
    const config: FaultConfig = {
      DescribeOrganization: { concurrentModification: 1 },
      '*': { latencyMs: 0 },
    };

    // Act
    const answer = await put(JSON.stringify(config));

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(config);
    expect(await (await get()).json()).toEqual(config);
    expect(await outcomes(() => h.org.send(new DescribeOrganizationCommand({})), 1)).toEqual([
      'ConcurrentModificationException',
    ]);
  });

  it('turns every fault off with {}', async () => {
    // Prepare
    await start();
    await put(JSON.stringify({ DescribeOrganization: { serviceException: 1 } }));

    // Act
    const answer = await put('{}');

    // Assess
    expect(answer.status).toBe(200);
    expect(await outcomes(() => h.org.send(new DescribeOrganizationCommand({})), 1)).toEqual(['ok']);
  });

  it.each([
    {
      body: '{"CreateAccount":{"throttle":1.5}}',
      message: 'CreateAccount.throttle must be a probability from 0 to 1, not 1.5',
    },
    { body: '{"CreateAccount":{"throttle":-0.1}}', message: 'must be a probability from 0 to 1, not -0.1' },
    { body: '{"CreateAccount":{"throttle":"0.5"}}', message: 'must be a probability from 0 to 1, not "0.5"' },
    { body: '{"CreateAccount":{"latencyMs":-5}}', message: 'must be a non-negative number of milliseconds' },
    { body: '{"CreateAccount":{"thrott1e":0.5}}', message: 'fault CreateAccount.thrott1e is unknown' },
    {
      body: '{"CreateAcount":{"throttle":0.5}}',
      message: 'CreateAcount, which is no Organizations operation',
    },
    { body: '{"DescribeOrganization":{"emptyPage":0.5}}', message: 'can never strike DescribeOrganization' },
    { body: '{"ListRoots":{"createAccountInternalFailure":1}}', message: 'can never strike ListRoots' },
    { body: '{"CreateAccount":0.5}', message: 'faults.CreateAccount must be an object' },
    { body: '[]', message: 'faults must be an object' },
    { body: 'throttle everything', message: 'not valid JSON' },
  ])('refuses $body with 400, keeping the configuration it had', async ({ body, message }) => {
    // Prepare
    await start();
    const kept = { ListRoots: { throttle: 0.5 } };
    await put(JSON.stringify(kept));

    // Act
    const answer = await put(body);

    // Assess
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toContain(message);
    expect(await (await get()).json()).toEqual(kept);
  });
});
