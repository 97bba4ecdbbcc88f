import { describe, expect, it } from 'vitest';
import { type ClosureCandidate, planClosures } from '../../functions/account-closure/plan';

const NOW = Date.UTC(2026, 11, 6);
const DAY = 24 * 60 * 60 * 1000;
const member = (accountId: string, extra: Partial<ClosureCandidate> = {}): ClosureCandidate => ({
  accountId,
  state: 'ACTIVE',
  isManagementAccount: false,
  tags: {},
  ancestors: [{ id: 'ou-ab12-decommis', path: 'Decommission' }],
  ...extra,
});

describe('planClosures', () => {
  it('skips what must not be closed, each with its reason, and plans the rest', () => {
    // Prepare
    const candidates = [
      member('111111111111', { isManagementAccount: true }),
      member('222222222222', { tags: { 'orgflow:protected': 'TRUE' } }),
      member('333333333333', { ancestors: [{ id: 'ou-ab12-security', path: 'Security' }] }),
      member('444444444444', { state: undefined }),
      member('555555555555', { state: 'PENDING_CLOSURE' }),
      member('666666666666', { state: 'SUSPENDED' }),
      member('777777777777'),
      member('777777777777'),
    ];

    // Act
    const plan = planClosures(candidates, ['Security'], { ledger: [], limit: 250, now: NOW });

    // Assess
    expect(plan.map((p) => [p.accountId, p.decision, 'reason' in p ? p.reason : undefined])).toEqual([
      ['111111111111', 'skipped', 'management-account'],
      ['222222222222', 'skipped', 'protected-account'],
      ['333333333333', 'skipped', 'protected-ou'],
      ['444444444444', 'skipped', 'not-a-member'],
      ['555555555555', 'skipped', 'already-closing'],
      ['666666666666', 'skipped', 'already-closed'],
      ['777777777777', 'close-now', undefined],
    ]);
  });

  it('never closes the management account or a protected one, whatever else it is', () => {
    // Act
    const plan = planClosures(
      [
        member('111111111111', {
          isManagementAccount: true,
          state: undefined,
          tags: { 'orgflow:protected': 'true' },
        }),
      ],
      [],
      { ledger: [], limit: 250, now: NOW },
    );

    // Assess
    expect(plan).toEqual([expect.objectContaining({ decision: 'skipped', reason: 'management-account' })]);
  });

  it('closes what the quota allows now and defers the rest with the date each fits', () => {
    // Prepare
    const ledger = Array.from({ length: 248 }, () => NOW - 10 * DAY);
    const candidates = ['a', 'b', 'c', 'd'].map((x) => member(x.repeat(12)));

    // Act
    const plan = planClosures(candidates, [], { ledger, limit: 250, now: NOW });

    // Assess
    expect(plan).toEqual([
      { accountId: 'aaaaaaaaaaaa', decision: 'close-now' },
      { accountId: 'bbbbbbbbbbbb', decision: 'close-now' },
      { accountId: 'cccccccccccc', decision: 'deferred', until: new Date(NOW + 20 * DAY).toISOString() },
      { accountId: 'dddddddddddd', decision: 'deferred', until: new Date(NOW + 20 * DAY).toISOString() },
    ]);
  });
});
