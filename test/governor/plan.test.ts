import { describe, expect, it } from 'vitest';
import {
  abandoned,
  HAND_OVER_MS,
  keptCallAt,
  type Line,
  nextCall,
  planHandOvers,
  type SlotItem,
  type SlotPool,
  staleWaiters,
  type WaiterItem,
} from '../../functions/governor/plan';

// The governor's decisions with plain values: no table, no clock but `now`.

const NOW = 1_800_000_000_000;
const pool: SlotPool = {
  table: 'governor',
  name: 'create-account',
  slots: 3,
  leaseMs: 3_600_000,
  pace: { perSecond: 0.1, burst: 3 },
};
const slot = (index: number, holder?: string, extra: Partial<SlotItem> = {}): SlotItem => ({
  sk: `slot#${String(index).padStart(3, '0')}`,
  ...(holder === undefined ? {} : { holder, leaseExpiresAt: NOW + 60_000 }),
  ...extra,
});
const waiter = (ticket: number, extra: Partial<WaiterItem> = {}): WaiterItem => ({
  sk: `ticket#${ticket}`,
  requestId: `req-${ticket}`,
  ticket,
  taskToken: `token-${ticket}`,
  tokenAt: NOW - 1000,
  ...extra,
});
const line = (slots: SlotItem[], waiters: WaiterItem[]): Line => ({
  pace: { tat: undefined },
  slots,
  waiters,
});
const planned = (l: Line, p: SlotPool = pool) =>
  planHandOvers(l, p, NOW).map((plan) => [plan.waiter.requestId, plan.slot, plan.held !== undefined]);

describe('planHandOvers', () => {
  it('hands the free slots to the waiters in ticket order, whatever order they were read in', () => {
    // Act
    const plans = planned(line([slot(0, 'req-1')], [waiter(9), waiter(4), waiter(7)]));

    // Assess
    expect(plans).toEqual([
      ['req-4', 1, false],
      ['req-7', 2, false],
    ]);
  });

  it('counts an expired lease as a free slot', () => {
    // Act
    const plans = planned(
      line([slot(0, 'req-1', { leaseExpiresAt: NOW - 1 }), slot(1, 'req-2'), slot(2, 'req-3')], [waiter(5)]),
    );

    // Assess
    expect(plans).toEqual([['req-5', 0, false]]);
  });

  it('first sends a holder that asks again its own slot, even when every slot is held', () => {
    // Act
    const plans = planned(
      line(
        [slot(0, 'req-1'), slot(1, 'req-2'), slot(2, 'req-3')],
        [waiter(8), waiter(2, { requestId: 'req-2' })],
      ),
    );

    // Assess
    expect(plans).toEqual([['req-2', 1, true]]);
  });

  it('keeps a slot promised to a waiter in hand-over from everyone else, until the hand-over is abandoned', () => {
    // Prepare
    const inHand = waiter(3, { grantId: 'g-1', grantSlot: 0, grantedAt: NOW - 1000 });
    const stuck = waiter(3, { grantId: 'g-1', grantSlot: 0, grantedAt: NOW - HAND_OVER_MS - 1 });

    // Act
    const whileInHand = planned(line([], [inHand, waiter(4)]), { ...pool, slots: 1 });
    const onceAbandoned = planned(line([], [stuck, waiter(4)]), { ...pool, slots: 1 });

    // Assess
    expect(whileInHand).toEqual([]);
    expect(onceAbandoned).toEqual([['req-3', 0, false]]);
  });

  it('hands out nothing while holders of a pool made smaller still hold more slots than it has', () => {
    // Act
    const plans = planned(line([slot(0, 'req-1'), slot(1, 'req-2'), slot(2, 'req-3')], [waiter(4)]), {
      ...pool,
      slots: 2,
    });

    // Assess
    expect(plans).toEqual([]);
  });
});

describe('abandoned', () => {
  it.each([
    ['granted a moment ago, not sent yet', { grantedAt: NOW - 1000 }, false],
    ['granted long ago and never sent', { grantedAt: NOW - HAND_OVER_MS - 1 }, true],
    ['sent to the token it still has', { grantedAt: NOW - HAND_OVER_MS - 1, sentToken: 'token-1' }, false],
    ['sent, but the waiter came back with a new token', { grantedAt: NOW - 1000, sentToken: 'old' }, true],
    ['sent longer ago than a lease lasts', { grantedAt: NOW - pool.leaseMs - 1, sentToken: 'token-1' }, true],
  ])('a hand-over %s: %s', (_, grant, expected) => {
    // Act
    const result = abandoned(waiter(1, { grantId: 'g', grantSlot: 0, ...grant }), pool, NOW);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('nextCall (GCRA)', () => {
  it('lets a burst of three call at once, then one every 10.5 s, each told on the whole second', () => {
    // Act
    let tat: number | undefined;
    const calls: number[] = [];
    for (let i = 0; i < 6; i++) {
      const next = nextCall(pool.pace, tat, NOW);
      calls.push(next.callAt - NOW);
      tat = next.tat;
    }

    // Assess
    // due at 10.5 s, 21 s and 31.5 s: a Wait state reads whole seconds, so each waits to the next one
    expect(calls).toEqual([0, 0, 0, 11_000, 21_000, 32_000]);
  });

  it('tells a call to go now once the bucket has refilled', () => {
    // Act
    const next = nextCall(pool.pace, NOW - 1, NOW);

    // Assess
    expect(next).toEqual({ callAt: NOW, tat: NOW + 10_500 });
  });

  it('paces one call every 21 s for CloseAccount (0.05 per second, burst 1)', () => {
    // Act
    const first = nextCall({ perSecond: 0.05, burst: 1 }, undefined, NOW);
    const second = nextCall({ perSecond: 0.05, burst: 1 }, first.tat, NOW);

    // Assess
    expect([first.callAt - NOW, second.callAt - NOW]).toEqual([0, 21_000]);
  });
});

describe('keptCallAt and staleWaiters', () => {
  it('keeps a held call time still to come, and drops one that has passed', () => {
    // Act
    const upcoming = keptCallAt(
      { waiter: waiter(1), slot: 0, held: slot(0, 'req-1', { callAt: NOW + 5 }) },
      NOW,
    );
    const passed = keptCallAt({ waiter: waiter(1), slot: 0, held: slot(0, 'req-1', { callAt: NOW }) }, NOW);
    const none = keptCallAt({ waiter: waiter(1), slot: 0 }, NOW);

    // Assess
    expect([upcoming, passed, none]).toEqual([NOW + 5, undefined, undefined]);
  });

  it('names at most ten waiters nobody renewed for a day', () => {
    // Prepare
    const old = Array.from({ length: 12 }, (_, i) => waiter(i, { tokenAt: NOW - 86_400_001 }));

    // Act
    const stale = staleWaiters(line([], [waiter(99), ...old]), NOW);

    // Assess
    expect(stale.map((w) => w.ticket)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
