import { beforeEach, describe, expect, it } from 'vitest';
import {
  closuresInWindow,
  correct,
  type LedgerPorts,
  recordClosure,
} from '../../functions/account-closure/ledger';
import { nextClosureTimes } from '../../functions/governor/closure-window';
import { governorTableOnDynalite } from '../governor-table';

// The closure ledger on a real DynamoDB implementation (dynalite, in memory), emptied before each test.

const NOW = Date.UTC(2026, 11, 6);
const DAY = 24 * 60 * 60 * 1000;
const table = governorTableOnDynalite();
let ports: LedgerPorts;

beforeEach(() => {
  ports = { db: table.db, table: table.name };
});

describe('the closure ledger', () => {
  it("records each account's closure once, whoever closed it and however often it is reported", async () => {
    // Act
    const first = await recordClosure(ports, {
      accountId: '222222222222',
      requestedAt: NOW - DAY,
      source: 'outside',
    });
    const again = await recordClosure(ports, {
      accountId: '222222222222',
      requestedAt: NOW,
      source: 'orgflow',
    });
    await recordClosure(ports, { accountId: '333333333333', requestedAt: NOW - 2 * DAY, source: 'orgflow' });

    // Assess
    expect([first, again]).toEqual([true, false]);
    expect(await closuresInWindow(ports, NOW)).toEqual([NOW - 2 * DAY, NOW - DAY]);
  });

  it('counts only the closures still in the 30-day window', async () => {
    // Prepare
    await recordClosure(ports, { accountId: '222222222222', requestedAt: NOW - 31 * DAY, source: 'orgflow' });
    await recordClosure(ports, { accountId: '333333333333', requestedAt: NOW - 29 * DAY, source: 'orgflow' });

    // Act + Assess
    expect(await closuresInWindow(ports, NOW)).toEqual([NOW - 29 * DAY]);
  });

  it('fills the window when AWS refuses a closure as over quota, so the forecast defers from then on', async () => {
    // Prepare
    await recordClosure(ports, { accountId: '222222222222', requestedAt: NOW - DAY, source: 'orgflow' });

    // Act
    const added = await correct(ports, 3, NOW);
    const ledger = await closuresInWindow(ports, NOW);

    // Assess
    expect(added).toBe(2);
    expect(ledger).toHaveLength(3);
    expect(nextClosureTimes(ledger, 3, NOW, 1)).toEqual([NOW - DAY + 30 * DAY]);
  });
});
