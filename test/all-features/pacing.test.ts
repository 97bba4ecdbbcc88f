import { describe, expect, it } from 'vitest';
import { ACCEPT_HANDSHAKE_PACE, nextCallAt, Pacer, sleepOnClock } from '../../functions/all-features/pacing';

// AcceptHandshake's pace as plain values, and the wait that keeps it on a clock faster than the timers.

const { organizationIntervalMs: ORG, accountIntervalMs: ACCOUNT } = ACCEPT_HANDSHAKE_PACE;

describe('nextCallAt', () => {
  it('goes now when nothing went before, else an organization interval after the last call', () => {
    expect(nextCallAt({}, 1000)).toBe(1000);
    expect(nextCallAt({ organization: 1000 }, 1000)).toBe(1000 + ORG);
    expect(nextCallAt({ organization: 1000 }, 5000)).toBe(5000);
  });

  it('goes an account interval after the same account’s last call', () => {
    expect(nextCallAt({ organization: 1000, account: 1000 }, 1000)).toBe(1000 + ACCOUNT);
  });

  it('stays under 5 calls a second for the organization and 1 for an account', () => {
    expect(1000 / ORG).toBeLessThan(5);
    expect(1000 / ORG).toBeGreaterThan(4.7);
    expect(1000 / ACCOUNT).toBeLessThan(1);
  });
});

describe('Pacer', () => {
  /** A pacer on a virtual clock: each sleeper moves the clock to its time, and its call is noted then. */
  function paced(accounts: string[]) {
    let now = 0;
    const calls: { accountId: string; at: number }[] = [];
    const pacer = new Pacer(
      () => now,
      async (ms) => {
        now = Math.max(now, now + ms);
      },
    );
    return (async () => {
      for (const accountId of accounts) {
        await pacer.turn(accountId);
        calls.push({ accountId, at: now });
      }
      return calls;
    })();
  }

  it('spaces calls of different accounts by the organization interval', async () => {
    // Act
    const calls = await paced(['a', 'b', 'c', 'd', 'e', 'f']);

    // Assess
    expect(calls.map((c) => c.at)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * ORG));
  });

  it('spaces calls of one account by the account interval', async () => {
    // Act
    const calls = await paced(['a', 'b', 'a']);

    // Assess
    expect(calls.map((c) => c.at)).toEqual([0, ORG, ACCOUNT]);
  });
});

describe('sleepOnClock', () => {
  /** Real time moved by the timer; the clock at `speed` times real time. */
  function clockAt(speed: number) {
    let real = 0;
    const timers = {
      realNow: () => real,
      timer: async (ms: number) => {
        real += ms;
      },
    };
    return { timers, now: () => real * speed, real: () => real };
  }

  it('waits the time in real time when the clock keeps time (AWS)', async () => {
    // Prepare
    const clock = clockAt(1);

    // Act
    await sleepOnClock(211, clock.now, clock.timers);

    // Assess
    expect(clock.real()).toBe(211);
  });

  it('ends once a faster clock has moved the time on, in a fraction of it', async () => {
    // Prepare
    const clock = clockAt(10);

    // Act
    await sleepOnClock(211, clock.now, clock.timers);

    // Assess
    expect(clock.now()).toBeGreaterThanOrEqual(211);
    expect(clock.real()).toBeLessThanOrEqual(25);
  });

  it('ends after the time in real time when the clock stands still', async () => {
    // Prepare
    const clock = clockAt(0);

    // Act
    await sleepOnClock(211, clock.now, clock.timers);

    // Assess
    expect(clock.real()).toBe(211);
  });
});
