import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  ListHandshakesForAccountCommand,
  ListInboundResponsibilityTransfersCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  TagResourceCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../local/organizations/emulator';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { publishedRates } from '../../local/organizations/throttling';
import { MANAGEMENT, OUTSIDER, startWithOrganization } from './harness';
import { recordingClient } from './retry-recorder';

type Started = Awaited<ReturnType<typeof startWithOrganization>>;

const THROTTLED = 'TooManyRequestsException';

let h: Started;
const ownClients: OrganizationsClient[] = [];

afterEach(async () => {
  for (const client of ownClients.splice(0)) client.destroy();
  await h?.close();
});

async function start(options: EmulatorOptions = {}): Promise<Started> {
  h = await startWithOrganization({
    throttling: true,
    limits: { createAccountDurationMs: [0, 0] },
    ...options,
  });
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

/** A member account made by CreateAccount (creations finish at once in these tests). */
async function createMember(name: string): Promise<string> {
  const { CreateAccountStatus } = await h.org.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  const { CreateAccountStatus: finished } = await h.org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id! }),
  );
  return finished!.AccountId!;
}

/** The root's id, read from the store: asking ListRoots would spend tokens of the bucket some tests measure. */
const rootId = () => h.emulator.store.roots.by('byOrg', h.organization.Id!)[0]!.id;

let named = 0;

// rates and bursts from the quotas page (reference §3.2), per calling account
const buckets = [
  {
    operation: 'DescribeAccount',
    rate: 20,
    burst: 30,
    call: () => h.org.send(new DescribeAccountCommand({ AccountId: MANAGEMENT })),
  },
  { operation: 'ListAccounts', rate: 8, burst: 12, call: () => h.org.send(new ListAccountsCommand({})) },
  { operation: 'ListRoots', rate: 1, burst: 2, call: () => h.org.send(new ListRootsCommand({})) },
  {
    operation: 'DescribeOrganization',
    rate: 1,
    burst: 2,
    call: () => h.org.send(new DescribeOrganizationCommand({})),
  },
  {
    operation: 'ListCreateAccountStatus',
    rate: 5,
    burst: 8,
    call: () => h.org.send(new ListCreateAccountStatusCommand({})),
  },
  {
    operation: 'CreateOrganizationalUnit',
    rate: 1,
    burst: 2,
    call: () => h.org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId(), Name: `ou${++named}` })),
  },
  {
    operation: 'TagResource',
    rate: 4,
    burst: 6,
    call: () =>
      h.org.send(
        new TagResourceCommand({ ResourceId: rootId(), Tags: [{ Key: `k${++named}`, Value: 'v' }] }),
      ),
  },
  {
    // AWS publishes no rate for it: the emulator's default (5/s, bursts of 8)
    operation: 'ListInboundResponsibilityTransfers',
    rate: 5,
    burst: 8,
    call: () => h.org.send(new ListInboundResponsibilityTransfersCommand({ Type: 'BILLING' })),
  },
];

describe('throttling', () => {
  it.each(buckets)(
    '$operation answers a burst of $burst, then TooManyRequestsException until 1/$rate s has passed',
    async ({ call, rate, burst }) => {
      // Prepare
      await start();

      // Act
      const burstOutcomes = await outcomes(call, burst + 1);
      h.clock.advance(1000 / rate - 1);
      const early = await outcomes(call, 1);
      h.clock.advance(1);
      const refilled = await outcomes(call, 2);

      // Assess
      expect(burstOutcomes).toEqual([...times(burst, 'ok'), THROTTLED]);
      expect(early).toEqual([THROTTLED]);
      expect(refilled).toEqual(['ok', THROTTLED]);
    },
  );

  it('answers TooManyRequestsException as the SDK recognises throttling, so the SDK retries it', async () => {
    // Prepare
    await start();
    await outcomes(() => h.org.send(new ListRootsCommand({})), 2);
    const { client, classified } = recordingClient(h.server.url, MANAGEMENT);
    ownClients.push(client);

    // Act
    const error = await client.send(new ListRootsCommand({})).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error).toMatchObject({
      name: THROTTLED,
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 2 },
      message: expect.stringContaining(
        'ListRoots is limited to 1 per second, in bursts of up to 2, per account 111111111111',
      ),
    });
    expect(classified).toEqual(['THROTTLING', 'THROTTLING']);
  });

  it('changes nothing with a throttled call', async () => {
    // Prepare
    await start();
    const root = rootId();
    const tag = (Key: string) =>
      h.org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key, Value: 'v' }] }));
    await outcomes(() => tag(`k${++named}`), 6);

    // Act
    const refused = await outcomes(() => tag('late'), 1);

    // Assess
    expect(refused).toEqual([THROTTLED]);
    const { Tags } = await h.org.send(new ListTagsForResourceCommand({ ResourceId: root }));
    expect(Tags!.map((t) => t.Key)).not.toContain('late');
    expect(Tags).toHaveLength(6);
  });

  it('takes nothing, not even a part of a token, for a refused call', async () => {
    // Prepare
    await start();
    const listRoots = () => h.org.send(new ListRootsCommand({}));
    await outcomes(listRoots, 2);

    // Act
    h.clock.advance(500);
    const refused = await outcomes(listRoots, 5);
    h.clock.advance(500);
    const afterOneSecond = await outcomes(listRoots, 2);

    // Assess
    expect(refused).toEqual(times(5, THROTTLED));
    expect(afterOneSecond).toEqual(['ok', THROTTLED]);
  });

  it('keeps a bucket per calling account and per operation', async () => {
    // Prepare
    await start();
    const member = h.client(await createMember('member'));
    const describe = (client: OrganizationsClient) => () => client.send(new DescribeOrganizationCommand({}));
    await outcomes(describe(h.org), 2);

    // Act
    const management = await outcomes(describe(h.org), 1);
    const byMember = await outcomes(describe(member), 3);
    const otherOperation = await outcomes(() => h.org.send(new ListRootsCommand({})), 1);

    // Assess
    expect(management).toEqual([THROTTLED]);
    expect(byMember).toEqual(['ok', 'ok', THROTTLED]);
    expect(otherOperation).toEqual(['ok']);
  });

  it('also holds the accounts of an organization together to the organization rate where AWS publishes one', async () => {
    // Prepare: ListHandshakesForAccount, which every account may call, allows 5/s (burst 8) per account
    // and 6/s (burst 10) per organization
    await start();
    const member = h.client(await createMember('member'));
    const list = (client: OrganizationsClient) => () => client.send(new ListHandshakesForAccountCommand({}));

    // Act
    const byManagement = await outcomes(list(h.org), 8);
    const byMember = await outcomes(list(member), 3);
    h.clock.advance(Math.ceil(1000 / 6));
    const afterOneOrganizationToken = [
      ...(await outcomes(list(h.org), 1)),
      ...(await outcomes(list(member), 2)),
    ];

    // Assess: the member's own bucket still holds 6 tokens; the organization's is empty, then refills at 6/s
    expect(byManagement).toEqual(times(8, 'ok'));
    expect(byMember).toEqual(['ok', 'ok', THROTTLED]);
    expect(afterOneOrganizationToken).toEqual([THROTTLED, 'ok', THROTTLED]);
  });

  it('keeps the organization buckets of different organizations apart', async () => {
    // Prepare
    await start();
    const member = h.client(await createMember('member'));
    const outsider = h.client(OUTSIDER);
    await outsider.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const list = (client: OrganizationsClient) => () => client.send(new ListHandshakesForAccountCommand({}));
    await outcomes(list(h.org), 8);
    await outcomes(list(member), 2);

    // Act
    const byOtherOrganization = await outcomes(list(outsider), 9);

    // Assess
    expect(byOtherOrganization).toEqual([...times(8, 'ok'), THROTTLED]);
  });

  it('never throttles when throttling is off', async () => {
    // Prepare
    await start({ throttling: false });

    // Act
    const listed = await outcomes(() => h.org.send(new ListRootsCommand({})), 30);
    const created = await outcomes(
      () => h.org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId(), Name: `ou${++named}` })),
      10,
    );

    // Assess
    expect(listed).toEqual(times(30, 'ok'));
    expect(created).toEqual(times(10, 'ok'));
    const { OrganizationalUnits } = await h.org.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: rootId() }),
    );
    expect(OrganizationalUnits).toHaveLength(10);
  });

  it('lists rates only for operations that exist, each with a positive rate and a burst of at least one', () => {
    const limits = Object.entries(publishedRates).flatMap(([operation, rate]) =>
      [rate.account, rate.organization].flatMap((limit) => (limit ? [{ operation, limit }] : [])),
    );

    expect(Object.keys(publishedRates).filter((name) => !OrganizationsEmulator.hasOperation(name))).toEqual(
      [],
    );
    expect(limits.filter(({ limit: [rate, burst] }) => !(rate > 0 && burst >= 1))).toEqual([]);
  });
});
