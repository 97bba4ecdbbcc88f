import { describe, expect, it } from 'vitest';
import {
  CLOSURE_WINDOW_MS,
  closureBudget,
  closureQuota,
  nextClosureTimes,
} from '../../functions/governor/closure-window';

const NOW = Date.UTC(2026, 11, 6);
const DAY = 24 * 60 * 60 * 1000;

describe('closureQuota', () => {
  it.each([
    ['current', 10, 250],
    ['current', 1000, 250],
    ['current', 1250, 250],
    ['current', 1251, 250],
    ['current', 1255, 251],
    ['current', 5000, 1000],
    ['current', 9000, 1000],
    ['legacy', 50, 10],
    ['legacy', 1000, 100],
    ['legacy', 20_000, 1000],
  ] as const)('%s profile, %i members: %i closures in 30 days', (profile, members, quota) => {
    // Act + Assess
    expect(closureQuota(profile, members)).toBe(quota);
  });
});

describe('nextClosureTimes', () => {
  it('lets closures go now while the window has room', () => {
    // Act
    const times = nextClosureTimes([NOW - 40 * DAY, NOW - 2 * DAY], 3, NOW, 2);

    // Assess
    expect(times).toEqual([NOW, NOW]);
  });

  it('defers each closure past the quota until the closure it waits for leaves the window', () => {
    // Prepare
    const ledger = [NOW - 29 * DAY, NOW - 10 * DAY, NOW - 1 * DAY];

    // Act
    const times = nextClosureTimes(ledger, 3, NOW, 4);

    // Assess
    expect(times.map((t) => (t - NOW) / DAY)).toEqual([1, 20, 29, 31]);
  });

  it('closes 250 of 300 now under a quota of 250 and defers 50 by 30 days', () => {
    // Act
    const times = nextClosureTimes([], 250, NOW, 300);

    // Assess
    expect(times.filter((t) => t === NOW)).toHaveLength(250);
    expect(new Set(times.slice(250))).toEqual(new Set([NOW + CLOSURE_WINDOW_MS]));
  });

  it('never lets a forecast put more than the quota in any window', () => {
    // Prepare
    const ledger = Array.from({ length: 40 }, (_, i) => NOW - i * 17 * 60 * 60 * 1000);

    // Act
    const times = nextClosureTimes(ledger, 25, NOW, 60);

    // Assess
    const all = [...ledger, ...times];
    for (const t of times)
      expect(all.filter((x) => x > t - CLOSURE_WINDOW_MS && x <= t).length).toBeLessThanOrEqual(25);
  });
});

describe('closureBudget', () => {
  it('counts the closures in the window and says when the next one fits', () => {
    // Act
    const budget = closureBudget([NOW - 31 * DAY, NOW - 5 * DAY, NOW - DAY], 2, NOW);

    // Assess
    expect(budget).toEqual({ used: 2, limit: 2, nextFitsAt: NOW + 25 * DAY });
  });
});
