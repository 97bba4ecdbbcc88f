import 'aws-sdk-client-mock-vitest/extend';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlotUnavailableError } from '../../functions/_shared/errors';
import { acquireSlot, releaseSlot, type SlotGrant, type SlotPool } from '../../functions/_shared/governor';
import { seededRandom } from '../../local/random';
import { MemoryTable } from './fixtures/memory-table';

const pool: SlotPool = {
  table: 'orgflow-governor',
  name: 'create-account',
  slots: 5,
  leaseMs: 40 * 60_000,
  waiterTimeoutMs: 120_000,
};

const dynamo = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
let table: MemoryTable;

beforeEach(() => {
  dynamo.reset();
  table = new MemoryTable().attach(dynamo);
});
afterEach(() => dynamo.reset());

/** Slots held at `now`, read from the table as another execution would see them. */
function holders(now: number): string[] {
  return [...table.items.values()]
    .filter(
      (item) => String(item.sk).startsWith('slot#') && item.holder && (item.leaseExpiresAt as number) > now,
    )
    .map((item) => item.holder as string);
}

async function tryAcquire(requestId: string, now: number): Promise<SlotGrant | SlotUnavailableError> {
  try {
    return await acquireSlot(db, pool, requestId, now);
  } catch (error) {
    if (error instanceof SlotUnavailableError) return error;
    throw error;
  }
}

describe('governor: acquireSlot / releaseSlot', () => {
  it('grants free slots, then tells the sixth request its place in line', async () => {
    // Prepare
    for (let i = 1; i <= 5; i++) await acquireSlot(db, pool, `r-${i}`, 1_000);

    // Act
    const sixth = await tryAcquire('r-6', 1_000);

    // Assess
    expect(sixth).toBeInstanceOf(SlotUnavailableError);
    expect((sixth as SlotUnavailableError).position).toBe(1);
    expect((sixth as SlotUnavailableError).message).toBe(
      'request r-6 is number 1 in line for one of 5 account creations that may run at once',
    );
    expect(holders(1_000).sort()).toEqual(['r-1', 'r-2', 'r-3', 'r-4', 'r-5']);
  });

  it('returns the slot already held when a holder asks again (a retried Lambda)', async () => {
    // Prepare
    const first = await acquireSlot(db, pool, 'r-1', 1_000);

    // Act
    const again = await acquireSlot(db, pool, 'r-1', 2_000);

    // Assess
    expect(again).toEqual(first);
    expect(holders(2_000)).toEqual(['r-1']);
    expect([...table.items.keys()].some((key) => key.includes('ticket#'))).toBe(false);
  });

  it('keeps one ticket and at most one slot when the same request races itself', async () => {
    // Act
    const [a, b] = await Promise.all([
      acquireSlot(db, pool, 'r-1', 1_000),
      acquireSlot(db, pool, 'r-1', 1_000),
    ]);

    // Assess
    expect(a.ticket).toBe(b.ticket);
    expect(holders(1_000)).toEqual(['r-1']);
  });

  it('serves 100 simultaneous requests at the limit, first come first served, and none starves', async () => {
    // Prepare: every request asks at once, in a shuffled order; a holder keeps its slot for 3 ticks
    const random = seededRandom(7);
    const ids = Array.from({ length: 100 }, (_, i) => `r-${String(i).padStart(3, '0')}`);
    const heldUntil = new Map<string, number>();
    const granted: SlotGrant[] = [];
    const waiting = new Set(ids);
    let tick = 0;
    let mostHeld = 0;

    // Act
    while ((waiting.size > 0 || heldUntil.size > 0) && tick < 200) {
      tick++;
      const now = tick * 1_000;
      for (const [id, until] of heldUntil)
        if (until <= tick) {
          await releaseSlot(db, pool, id, now);
          heldUntil.delete(id);
        }
      const askers = [...waiting].sort(() => random.next() - 0.5);
      const answers = await Promise.all(askers.map((id) => tryAcquire(id, now)));
      answers.forEach((answer, index) => {
        const id = askers[index] as string;
        if (answer instanceof SlotUnavailableError) return;
        granted.push(answer);
        waiting.delete(id);
        heldUntil.set(id, tick + 3);
      });
      mostHeld = Math.max(mostHeld, holders(now).length);
      // first come, first served: the slots went to the lowest tickets
      const tickets = granted.map((g) => g.ticket).sort((a, b) => a - b);
      expect(tickets).toEqual(Array.from({ length: granted.length }, (_, i) => i + 1));
    }

    // Assess: 20 waves of 5, each 3 ticks long, and never more than 5 at once
    expect(granted).toHaveLength(100);
    expect(mostHeld).toBe(5);
    expect(tick).toBeLessThanOrEqual(61);
  });

  it('lets the line pass a waiter that stopped asking, and gives it its place back when it returns', async () => {
    // Prepare: five holders, then A waits first, B second
    for (let i = 1; i <= 5; i++) await acquireSlot(db, pool, `h-${i}`, 0);
    await tryAcquire('a', 1_000);
    await tryAcquire('b', 1_000);
    await releaseSlot(db, pool, 'h-1', 2_000);

    // Act: A's execution is gone; B keeps asking
    const bWhileAWasRecent = await tryAcquire('b', 60_000);
    const bAfterTimeout = await tryAcquire('b', 1_000 + pool.waiterTimeoutMs + 1);

    // Assess
    expect(bWhileAWasRecent).toBeInstanceOf(SlotUnavailableError);
    expect((bWhileAWasRecent as SlotUnavailableError).position).toBe(2);
    expect(bAfterTimeout).toMatchObject({ ticket: 7 });

    // Act: A comes back, and is again ahead of a newcomer when a slot frees up
    await tryAcquire('c', 200_000);
    const aBack = await tryAcquire('a', 200_000);
    await releaseSlot(db, pool, 'h-2', 200_001);
    const c = await tryAcquire('c', 200_002);
    const a = await tryAcquire('a', 200_003);

    // Assess
    expect((aBack as SlotUnavailableError).position).toBe(1);
    expect((c as SlotUnavailableError).position).toBe(2);
    expect(a).toMatchObject({ ticket: 6 });
  });

  it('takes back the slot of a holder whose lease expired (a crashed execution leaks nothing)', async () => {
    // Prepare
    for (let i = 1; i <= 5; i++) await acquireSlot(db, pool, `h-${i}`, 0);
    const before = await tryAcquire('w', pool.leaseMs - 1);

    // Act
    const after = await tryAcquire('w', pool.leaseMs + 1);
    const lateRelease = await releaseSlot(db, pool, 'h-1', pool.leaseMs + 2);

    // Assess
    expect(before).toBeInstanceOf(SlotUnavailableError);
    expect(after).toMatchObject({ slot: 0, ticket: 6 });
    expect(lateRelease).toEqual({ released: false });
    expect(holders(pool.leaseMs + 2)).toContain('w');
  });

  it('releases idempotently: twice, or without ever holding', async () => {
    // Prepare
    await acquireSlot(db, pool, 'r-1', 0);

    // Act
    const first = await releaseSlot(db, pool, 'r-1', 1);
    const second = await releaseSlot(db, pool, 'r-1', 2);
    const never = await releaseSlot(db, pool, 'never-asked', 3);

    // Assess
    expect([first, second, never]).toEqual([{ released: true }, { released: false }, { released: false }]);
    expect(holders(3)).toEqual([]);
  });

  it("removes a failed waiter's place in line when it releases", async () => {
    // Prepare
    for (let i = 1; i <= 5; i++) await acquireSlot(db, pool, `h-${i}`, 0);
    await tryAcquire('gives-up', 1);
    await tryAcquire('next', 2);

    // Act
    await releaseSlot(db, pool, 'gives-up', 3);
    const next = await tryAcquire('next', 4);

    // Assess
    expect((next as SlotUnavailableError).position).toBe(1);
  });

  it('tidies away tickets nobody refreshed for a day', async () => {
    // Prepare: five long holders, a waiter whose execution vanished, a newcomer behind it
    const day = 24 * 60 * 60 * 1000;
    const longPool = { ...pool, leaseMs: 2 * day };
    const tickets = () =>
      [...table.items.values()]
        .filter((item) => String(item.sk).startsWith('ticket#'))
        .map((t) => t.requestId);
    for (let i = 1; i <= 5; i++) await acquireSlot(db, longPool, `h-${i}`, 0);
    await acquireSlot(db, longPool, 'gone', 0).catch(() => undefined);
    const before = tickets();

    // Act
    await acquireSlot(db, longPool, 'later', day + 1).catch(() => undefined);

    // Assess
    expect(before).toEqual(['gone']);
    expect(tickets()).toEqual(['later']);
  });

  it('reads the whole line across Query pages', async () => {
    // Prepare
    table.pageSize = 2;
    for (let i = 1; i <= 5; i++) await acquireSlot(db, pool, `h-${i}`, 0);
    for (let i = 1; i <= 4; i++) await tryAcquire(`w-${i}`, 1);

    // Act
    const last = await tryAcquire('w-5', 2);

    // Assess
    expect((last as SlotUnavailableError).position).toBe(5);
  });

  it('claims a slot with a conditional write, so a slot is never taken twice', async () => {
    // Act
    await acquireSlot(db, pool, 'r-1', 1_000);

    // Assess
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'create-account', sk: 'slot#000' },
      ConditionExpression: 'attribute_not_exists(holder) OR leaseExpiresAt < :now OR holder = :me',
    });
  });
});
