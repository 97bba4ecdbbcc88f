import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTableInput, governorTable } from '../../catalog/tables';
import { createAccountOnce } from '../../functions/account-vending/create-account/create-account';
import {
  acquireSlot,
  dispatch,
  type GovernorPorts,
  releaseSlot,
  type SlotGrant,
  type SlotPool,
} from '../../functions/governor/governor';
import { type RunningDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { seededRandom } from '../../local/random';

// The governor's conditional writes against a real DynamoDB implementation (dynalite), not a fake; Step
// Functions is a fake that keeps the task tokens still waiting and refuses any other as TaskTimedOut.

let dynamo: RunningDynamoDb;
let db: DynamoDBDocumentClient;
const table = createTableInput('orgflow', governorTable).TableName as string;
let poolCount = 0;
const newPool = (slots: number): SlotPool => ({
  table,
  name: `create-account-${++poolCount}`,
  slots,
  leaseMs: 60_000,
  pace: { perSecond: 0.1, burst: 3 },
});

/** Waiting tasks by token, and every grant Step Functions accepted, in order. */
class Tasks {
  private readonly waiting = new Map<string, string>();
  private count = 0;
  readonly grants: { requestId: string; token: string; grant: SlotGrant }[] = [];
  /** called as a grant is accepted, before the send answers */
  onGrant: (requestId: string) => void = () => {};
  /** called as a dead token is refused, before the send answers */
  onDead: () => Promise<void> = async () => {};

  /** A new task of `requestId` waiting for its token (an attempt of Acquire Create Slot). */
  token(requestId: string): string {
    const token = `${requestId}/${++this.count}`;
    this.waiting.set(token, requestId);
    return token;
  }

  /** The task timed out or its execution stopped: SendTaskSuccess refuses its token from now on. */
  kill(token: string): void {
    this.waiting.delete(token);
  }

  async sendTaskSuccess(input: { taskToken?: string; output?: string }): Promise<object> {
    const requestId = this.waiting.get(input.taskToken as string);
    if (requestId === undefined) {
      await this.onDead();
      throw new TaskTimedOut({
        message: 'Task Timed Out: Provided task does not exist anymore',
        $metadata: {},
      });
    }
    this.waiting.delete(input.taskToken as string);
    this.onGrant(requestId);
    this.grants.push({
      requestId,
      token: input.taskToken as string,
      grant: JSON.parse(input.output as string),
    });
    return {};
  }

  granted(): string[] {
    return this.grants.map((g) => g.requestId);
  }

  grantOf(requestId: string): SlotGrant | undefined {
    return this.grants.findLast((g) => g.requestId === requestId)?.grant;
  }
}

const sfnMock = mockClient(SFNClient);
let tasks: Tasks;
let ports: GovernorPorts;

beforeAll(async () => {
  dynamo = await startDynamoDb({
    tables: [
      {
        table: createTableInput('orgflow', governorTable),
        timeToLiveAttribute: governorTable.timeToLiveAttribute,
      },
    ],
  });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
    }),
  );
});
afterAll(async () => {
  sfnMock.restore();
  db.destroy();
  await dynamo.close();
});
beforeEach(() => {
  tasks = new Tasks();
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).callsFake((input) => tasks.sendTaskSuccess(input));
  ports = { db, sfn: new SFNClient({ region: 'us-east-1' }) };
});

/** One attempt of Acquire Create Slot for `requestId`, with a new task token; returns the token. */
async function acquire(pool: SlotPool, requestId: string, now: number): Promise<string> {
  const token = tasks.token(requestId);
  await acquireSlot(ports, pool, { requestId, taskToken: token }, now);
  return token;
}

/** The slots held at `now`, read from the table as another execution would see them. */
async function holders(pool: SlotPool, now: number): Promise<string[]> {
  const { Items = [] } = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pool AND begins_with(sk, :slot)',
      ExpressionAttributeValues: { ':pool': pool.name, ':slot': 'slot#' },
      ConsistentRead: true,
    }),
  );
  return Items.filter((item) => item.holder && item.leaseExpiresAt > now).map(
    (item) => item.holder as string,
  );
}

describe('governor on dynalite: handing slots over', () => {
  it('hands free slots to the first in line at once, and each freed slot to the next ticket', async () => {
    // Prepare
    const pool = newPool(2);
    for (const id of ['r-1', 'r-2', 'r-3', 'r-4', 'r-5']) await acquire(pool, id, 1_000);
    const atOnce = tasks.granted();

    // Act
    const releases = [];
    for (const id of ['r-1', 'r-2', 'r-3']) releases.push(await releaseSlot(ports, pool, id, 2_000));

    // Assess
    expect(atOnce).toEqual(['r-1', 'r-2']);
    expect(tasks.granted()).toEqual(['r-1', 'r-2', 'r-3', 'r-4', 'r-5']);
    expect(tasks.grants.map((g) => g.grant.ticket)).toEqual([1, 2, 3, 4, 5]);
    expect(tasks.grants.map((g) => g.grant.slot)).toEqual([0, 1, 0, 1, 0]);
    expect(releases.map((r) => r.released)).toEqual([true, true, true]);
    expect(releases.map((r) => r.handedOver.map((h) => h.requestId))).toEqual([['r-3'], ['r-4'], ['r-5']]);
    expect((await holders(pool, 2_000)).sort()).toEqual(['r-4', 'r-5']);
  });

  it('serves a crowd of racing acquires and releases, never more than `slots` at once, each once', async () => {
    // Prepare: 40 requests ask at once in a shuffled order; every holder releases as soon as it is told,
    // racing the releases of the others and the acquires still arriving
    const pool = newPool(3);
    const random = seededRandom(11);
    const ids = Array.from({ length: 40 }, (_, i) => `r-${String(i).padStart(2, '0')}`);
    const holding = new Set<string>();
    let mostHeld = 0;
    tasks.onGrant = (requestId) => {
      holding.add(requestId);
      mostHeld = Math.max(mostHeld, holding.size);
    };
    const released: Promise<unknown>[] = [];
    const releaseWhenGranted = async (now: number) => {
      for (const id of [...holding]) {
        holding.delete(id);
        released.push(releaseSlot(ports, pool, id, now));
      }
    };

    // Act
    const shuffled = [...ids].sort(() => random.next() - 0.5);
    const arrivals = shuffled.map(async (id, i) => {
      await acquire(pool, id, 1_000 + i);
      await releaseWhenGranted(2_000 + i);
    });
    await Promise.all(arrivals);
    for (let round = 0; round < 100 && tasks.grants.length < ids.length; round++) {
      await releaseWhenGranted(5_000 + round);
      await Promise.all(released.splice(0));
    }
    await releaseWhenGranted(9_000);
    await Promise.all(released.splice(0));

    // Assess
    expect(mostHeld).toBeLessThanOrEqual(3);
    expect(tasks.granted().sort()).toEqual(ids);
    expect(new Set(tasks.grants.map((g) => g.token)).size).toBe(ids.length);
    expect(await holders(pool, 9_000)).toEqual([]);
  });

  it('hands one waiter one slot when dispatchers race for the same line', async () => {
    // Prepare: three holders and five waiters; the holders' slots then expire at once
    const pool = newPool(3);
    for (const id of ['h-1', 'h-2', 'h-3', 'w-1', 'w-2', 'w-3', 'w-4', 'w-5']) await acquire(pool, id, 0);
    const granted = tasks.grants.length;

    // Act: ten dispatchers run on the same line at the same moment
    const reports = await Promise.all(
      Array.from({ length: 10 }, () => dispatch(ports, pool, pool.leaseMs + 1)),
    );

    // Assess
    expect(granted).toBe(3);
    expect(tasks.granted().slice(3)).toEqual(expect.arrayContaining(['w-1', 'w-2', 'w-3']));
    expect(tasks.granted()).toHaveLength(6);
    expect(reports.flatMap((r) => r.handedOver.map((h) => h.requestId)).sort()).toEqual([
      'w-1',
      'w-2',
      'w-3',
    ]);
    expect((await holders(pool, pool.leaseMs + 1)).sort()).toEqual(['w-1', 'w-2', 'w-3']);
  });

  it('never hands out a held slot, even from a stale view of the line', async () => {
    // Prepare: the crashed holder's lease has run out; W-1 and W-2 wait. Dispatcher B reads a line in which
    // W-1 has not arrived yet, and is slow to act on it.
    const pool = newPool(1);
    await acquire(pool, 'crashed', 0);
    await acquire(pool, 'w-1', 1);
    await acquire(pool, 'w-2', 2);
    let resume: () => void = () => {};
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let readOnce = false;
    const staleDb = {
      send: async (command: unknown) => {
        const output = await db.send(command as QueryCommand);
        if (!(command instanceof QueryCommand) || readOnce) return output;
        readOnce = true;
        await paused;
        return { ...output, Items: output.Items?.filter((item) => item.requestId !== 'w-1') };
      },
    } as unknown as DynamoDBDocumentClient;

    // Act: B reads; A hands the slot to W-1; B goes on with what it read
    const slow = dispatch({ ...ports, db: staleDb }, pool, pool.leaseMs + 1);
    const fast = await dispatch(ports, pool, pool.leaseMs + 1);
    resume();
    const late = await slow;

    // Assess
    expect(fast.handedOver.map((h) => h.requestId)).toEqual(['w-1']);
    expect(late.handedOver).toEqual([]);
    expect(tasks.granted()).toEqual(['crashed', 'w-1']);
    expect(await holders(pool, pool.leaseMs + 1)).toEqual(['w-1']);
  });

  it("gives a dead waiter's slot to the next in line, and the waiter its place back when it returns", async () => {
    // Prepare: one slot held; A, B and C wait; A's execution times out its task
    const pool = newPool(1);
    await acquire(pool, 'holder', 0);
    const a1 = await acquire(pool, 'a', 1);
    await acquire(pool, 'b', 2);
    tasks.kill(a1);

    // Act: the slot is freed; A's retry comes back; the slot is freed again
    const release = await releaseSlot(ports, pool, 'holder', 3);
    await acquire(pool, 'c', 4);
    await acquire(pool, 'a', 5);
    await releaseSlot(ports, pool, 'b', 6);

    // Assess
    expect(release.dropped).toEqual(['a']);
    expect(release.handedOver.map((h) => h.requestId)).toEqual(['b']);
    expect(tasks.granted()).toEqual(['holder', 'b', 'a']);
    expect(tasks.grantOf('a')).toMatchObject({ slot: 0, ticket: 2 });
    expect(await holders(pool, 6)).toEqual(['a']);
  });

  it('keeps the place of a waiter that comes back with a new token, and sends the slot to the newest', async () => {
    // Prepare
    const pool = newPool(1);
    await acquire(pool, 'holder', 0);
    const a1 = await acquire(pool, 'a', 1);
    await acquire(pool, 'b', 2);

    // Act: A's task times out and its retry waits with a new token
    tasks.kill(a1);
    const a2 = await acquire(pool, 'a', 300_001);
    await releaseSlot(ports, pool, 'holder', 300_002);

    // Assess
    expect(tasks.grants.at(-1)).toMatchObject({ requestId: 'a', token: a2, grant: { slot: 0, ticket: 2 } });
  });

  it("sends the slot to the waiter's new token when its retry comes back during the hand-over", async () => {
    // Prepare: A's task times out just as the holder releases; A's retry gets in line while the release is
    // sending A's old token the slot
    const pool = newPool(1);
    await acquire(pool, 'holder', 0);
    const a1 = await acquire(pool, 'a', 1);
    await acquire(pool, 'b', 2);
    tasks.kill(a1);
    let a2 = '';
    tasks.onDead = async () => {
      tasks.onDead = async () => {};
      a2 = await acquire(pool, 'a', 300_001);
    };

    // Act
    const release = await releaseSlot(ports, pool, 'holder', 300_001);

    // Assess
    expect(release).toMatchObject({ handedOver: [{ requestId: 'a', slot: 0 }], dropped: [] });
    expect(tasks.grants.at(-1)).toMatchObject({ requestId: 'a', token: a2, grant: { slot: 0, ticket: 2 } });
    expect(tasks.granted()).toEqual(['holder', 'a']);
    expect(await holders(pool, 300_002)).toEqual(['a']);
  });

  it('sends a request the slot it already holds when it asks again, paced again once its time has passed', async () => {
    // Prepare: A was handed slot 0 to call at once, but its execution came back (its call was throttled)
    const pool = newPool(2);
    await acquire(pool, 'a', 1_000);
    const first = tasks.grantOf('a') as SlotGrant;

    // Act
    const again = await acquire(pool, 'a', 2_000);

    // Assess: the same slot, ticket and lease, and the bucket's next token (it still has one: now)
    expect(first.callAt).toBe(1_000);
    expect(tasks.grants.at(-1)).toEqual({ requestId: 'a', token: again, grant: { ...first, callAt: 2_000 } });
    expect(await holders(pool, 2_000)).toEqual(['a']);
  });

  it('keeps the call time of a holder that asks again before it', async () => {
    // Prepare: the fourth of a burst is told to wait 10.5 s
    const pool = newPool(5);
    for (const id of ['a', 'b', 'c', 'd']) await acquire(pool, id, 1_000_000);
    const first = tasks.grantOf('d') as SlotGrant;

    // Act
    await acquire(pool, 'd', 1_001_000);

    // Assess
    expect(first.callAt).toBe(1_011_000);
    expect(tasks.grantOf('d')).toEqual(first);
  });

  it('takes back the slot of a holder whose lease expired, and its late release changes nothing', async () => {
    // Prepare
    const pool = newPool(1);
    await acquire(pool, 'crashed', 0);
    const w1 = await acquire(pool, 'w', 1_000);

    // Act: W's task times out after the lease ran out; its retry finds the slot free
    tasks.kill(w1);
    await acquire(pool, 'w', pool.leaseMs + 1);
    const late = await releaseSlot(ports, pool, 'crashed', pool.leaseMs + 2);

    // Assess
    expect(tasks.granted()).toEqual(['crashed', 'w']);
    expect(tasks.grantOf('w')).toMatchObject({ slot: 0, ticket: 2 });
    expect(late).toMatchObject({ released: false, handedOver: [] });
    expect(await holders(pool, pool.leaseMs + 2)).toEqual(['w']);
  });

  it('finishes a hand-over whose dispatcher vanished before sending it', async () => {
    // Prepare: the holder's slot went to A (ticket 2): the dispatcher recorded its grant on A and claimed the
    // slot under it, then its Lambda died before SendTaskSuccess
    const pool = newPool(1);
    await acquire(pool, 'holder', 0);
    const a1 = await acquire(pool, 'a', 1);
    const write = (sk: string, set: Record<string, unknown>) =>
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: pool.name, sk },
          UpdateExpression: `SET ${Object.keys(set)
            .map((name) => `${name} = :${name}`)
            .join(', ')}`,
          ExpressionAttributeValues: Object.fromEntries(Object.entries(set).map(([k, v]) => [`:${k}`, v])),
        }),
      );
    await write('ticket#000000000000002', { grantId: 'vanished', grantSlot: 0, grantedAt: 2 });
    await write('slot#000', {
      holder: 'a',
      ticket: 2,
      grantId: 'vanished',
      leaseExpiresAt: 2 + pool.leaseMs,
    });

    // Act: a dispatch within the hand-over's minute leaves it alone; one after it finishes it
    const early = await dispatch(ports, pool, 30_000);
    const late = await dispatch(ports, pool, 70_000);

    // Assess
    expect(early.handedOver).toEqual([]);
    expect(late.handedOver).toMatchObject([{ requestId: 'a', slot: 0 }]);
    expect(tasks.grants.at(-1)).toMatchObject({ requestId: 'a', token: a1, grant: { slot: 0, ticket: 2 } });
    expect(await holders(pool, 70_000)).toEqual(['a']);
  });

  it('releases idempotently, and a release takes a waiter out of the line', async () => {
    // Prepare
    const pool = newPool(1);
    await acquire(pool, 'r-1', 0);
    await acquire(pool, 'gives-up', 1);
    await acquire(pool, 'next', 2);

    // Act
    const leaves = await releaseSlot(ports, pool, 'gives-up', 3);
    const first = await releaseSlot(ports, pool, 'r-1', 4);
    const second = await releaseSlot(ports, pool, 'r-1', 5);
    const never = await releaseSlot(ports, pool, 'never-asked', 6);

    // Assess
    expect([leaves, first, second, never].map((r) => r.released)).toEqual([false, true, false, false]);
    expect(first.handedOver.map((h) => h.requestId)).toEqual(['next']);
    expect(tasks.granted()).toEqual(['r-1', 'next']);
  });
});

describe('governor on dynalite: pacing the calls', () => {
  const t0 = 1_000_000;
  const seconds = (ms: number) => Math.ceil(ms / 1000) * 1000;

  it('lets three call at once, then one every 10.5 s, each told when on the whole second', async () => {
    // Prepare
    const pool = newPool(5);

    // Act: five at once; later the five finish and five more come
    for (let i = 1; i <= 5; i++) await acquire(pool, `a-${i}`, t0);
    for (let i = 1; i <= 5; i++) await releaseSlot(ports, pool, `a-${i}`, t0 + 30_000);
    for (let i = 1; i <= 5; i++) await acquire(pool, `b-${i}`, t0 + 30_000);

    // Assess
    const callAts = tasks.grants.map((g) => g.grant.callAt);
    const due = (k: number) => seconds(t0 + k * 10_500);
    expect(callAts).toEqual([t0, t0, t0, due(1), due(2), due(3), due(4), due(5), due(6), due(7)]);
  });

  it('tells a call to go now when the bucket has a token', async () => {
    // Prepare: a burst an hour ago emptied the bucket; it has refilled since
    const pool = newPool(5);
    for (let i = 1; i <= 5; i++) await acquire(pool, `early-${i}`, t0);
    for (let i = 1; i <= 5; i++) await releaseSlot(ports, pool, `early-${i}`, t0 + 60_000);
    const now = t0 + 3_600_000 + 123;

    // Act
    await acquire(pool, 'later', now);

    // Assess
    expect(tasks.grantOf('later')?.callAt).toBe(now);
  });

  it('gives back the call token of a waiter that turned out dead', async () => {
    // Prepare: the bucket is empty; A waits with a token that dies
    const pool = newPool(3);
    for (let i = 1; i <= 3; i++) await acquire(pool, `h-${i}`, t0);
    const a1 = await acquire(pool, 'a', t0);
    await acquire(pool, 'b', t0);
    tasks.kill(a1);

    // Act
    await releaseSlot(ports, pool, 'h-1', t0 + 1_000);

    // Assess: B gets the token A was given and gave back
    expect(tasks.grantOf('b')?.callAt).toBe(seconds(t0 + 10_500));
    const pace = await db.send(new GetCommand({ TableName: table, Key: { pk: pool.name, sk: 'pace' } }));
    expect(pace.Item?.tat).toBe(t0 + 4 * 10_500);
  });
});

describe('create account on dynalite', () => {
  it('records one CreateAccountRequestId per request', async () => {
    // Prepare
    const organizationsMock = mockClient(OrganizationsClient);
    organizationsMock
      .on(CreateAccountCommand)
      .resolves({ CreateAccountStatus: { Id: 'car-1', State: 'IN_PROGRESS' } });
    const createPorts = {
      organizations: new OrganizationsClient({ region: 'us-east-1' }),
      db,
      table,
      now: () => 1_000,
    };
    const input = {
      requestId: 'ar-dynalite',
      request: { accountName: 'x', email: 'x@orgflow.example', tags: [] },
    };

    // Act
    const first = await createAccountOnce(createPorts, input);
    const retry = await createAccountOnce(createPorts, input);

    // Assess
    expect(first).toEqual({ createAccountRequestId: 'car-1', source: 'new' });
    expect(retry).toEqual({ createAccountRequestId: 'car-1', source: 'recorded' });
    expect(organizationsMock.commandCalls(CreateAccountCommand)).toHaveLength(1);
    organizationsMock.restore();
  });
});
