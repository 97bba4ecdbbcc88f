import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeProgress,
  followMigration,
  type MigrationPreview,
  type MigrationStatus,
  migrationCommandOf,
  renderPreview,
} from '../../cli/enable-all-features';

// What `orgflow enable-all-features` and `orgflow migration` print and decide: the command line, the progress
// line, the dry run's table, when following stops and the exit status.

const counts = (of: Record<string, number>) => ({
  pending: 0,
  'approved-by-orgflow': 0,
  'approved-by-member': 0,
  'waiting-role-unreachable': 0,
  declined: 0,
  canceled: 0,
  expired: 0,
  ...of,
});

const status = (state: string, of: Record<string, number> = {}, nextAction = '…'): MigrationStatus => ({
  migrationId: 'afm-o-a1b2c3d4e5-1',
  state,
  round: 1,
  maxRounds: 3,
  members: [],
  counts: counts(of),
  nextAction,
});

const api = { baseUrl: 'http://127.0.0.1:1/prod', accessKeyId: '111111111111' };
const realFetch = globalThis.fetch;

/** The API answers these, one per look, the last one again and again. */
function answering(...answers: [number, unknown][]) {
  let look = 0;
  globalThis.fetch = (async () => {
    const [code, body] = answers[Math.min(look++, answers.length - 1)]!;
    return new Response(JSON.stringify(body), { status: code });
  }) as typeof fetch;
  return () => look;
}

afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('the command line', () => {
  it('takes no arguments for enable-all-features and one id for migration', () => {
    // Act + Assess
    expect(migrationCommandOf('enable-all-features', [])).toEqual({});
    expect(migrationCommandOf('migration', ['afm-o-a1b2c3d4e5-1'])).toEqual({
      migrationId: 'afm-o-a1b2c3d4e5-1',
    });
    expect(() => migrationCommandOf('enable-all-features', ['now'])).toThrow(/takes no arguments \('now'\)/);
    expect(() => migrationCommandOf('migration', [])).toThrow(/one migration id/);
  });

  it('refuses the flag of the other command instead of ignoring it, naming the command that takes it', () => {
    // Act + Assess
    expect(() => migrationCommandOf('enable-all-features', [], { resend: true })).toThrow(
      /enable-all-features takes no --resend: .*orgflow migration <migration-id> --resend/,
    );
    expect(() => migrationCommandOf('migration', ['afm-o-a1b2c3d4e5-1'], { 'dry-run': true })).toThrow(
      /migration takes no --dry-run: .*orgflow enable-all-features --dry-run/,
    );
    expect(migrationCommandOf('enable-all-features', [], { resend: false, 'dry-run': true })).toEqual({});
    expect(migrationCommandOf('migration', ['afm-o-a1b2c3d4e5-1'], { resend: true })).toEqual({
      migrationId: 'afm-o-a1b2c3d4e5-1',
    });
  });

  it('exits 2 on a usage error, before looking for a stack', () => {
    // Act
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['cli/orgflow.mjs', ...args, '--data-dir', '/nonexistent'], {
        encoding: 'utf8',
      });
    const extra = run('enable-all-features', 'now');
    const noId = run('migration');
    const resend = run('enable-all-features', '--resend');

    // Assess
    expect([extra.status, noId.status, resend.status]).toEqual([2, 2, 2]);
    expect(extra.stderr).toContain('enable-all-features takes no arguments');
    expect(noId.stderr).toContain('migration takes one migration id');
    expect(resend.stderr).toContain('orgflow migration <migration-id> --resend');
  });
});

describe('what is printed', () => {
  it('puts the state, the round, the members per state and the next action on one line', () => {
    // Act
    const line = describeProgress(
      status('RUNNING', { 'approved-by-orgflow': 3, 'waiting-role-unreachable': 2 }, 'waiting for 2 members'),
    );

    // Assess
    expect(line).toBe(
      'RUNNING · round 1/3 · approved-by-orgflow 3, waiting-role-unreachable 2 · waiting for 2 members',
    );
  });

  it('shows the dry run as the members and who approves for each', () => {
    // Prepare
    const preview: MigrationPreview = {
      dryRun: true,
      organizationId: 'o-a1b2c3d4e5',
      featureSet: 'CONSOLIDATED_BILLING',
      plan: 'enable-all-features',
      approvalRoleName: 'OrganizationAccountAccessRole',
      members: [
        { accountId: '222200000001', name: 'Retail', reachable: true },
        { accountId: '222200000004', name: 'Legacy Billing', reachable: false, reason: 'AccessDenied' },
      ],
      counts: { members: 2, reachable: 1, unreachable: 1 },
      nextAction: 'a migration would call EnableAllFeatures',
    };

    // Act
    const text = renderPreview(preview);

    // Assess
    expect(text.split('\n')).toEqual([
      'organization o-a1b2c3d4e5: CONSOLIDATED_BILLING',
      '  dry run: a migration would call EnableAllFeatures',
      '',
      '  account       name            approval through OrganizationAccountAccessRole',
      '  222200000001  Retail          orgflow approves',
      '  222200000004  Legacy Billing  the member must accept',
    ]);
  });
});

describe('following a migration', () => {
  it('prints a line when the progress changes, through a busy API, until the organization is ALL', async () => {
    // Prepare
    const looks = answering(
      [200, status('RUNNING', { pending: 2 }, 'approving as 2 members')],
      [200, status('RUNNING', { pending: 2 }, 'approving as 2 members')],
      [503, { message: 'AWS is busy' }],
      [200, status('ENABLED', { 'approved-by-orgflow': 2 }, 'done: ALL')],
    );
    const lines: string[] = [];

    // Act
    const last = await followMigration(api, 'afm-o-a1b2c3d4e5-1', {
      json: false,
      log: (line) => lines.push(line),
      wait: async () => {},
    });

    // Assess
    expect(last.state).toBe('ENABLED');
    expect(looks()).toBe(4);
    expect(lines.map((line) => line.replace(/^\d\d:\d\d:\d\d {2}/, ''))).toEqual([
      'RUNNING · round 1/3 · pending 2 · approving as 2 members',
      'ENABLED · round 1/3 · approved-by-orgflow 2 · done: ALL',
      '\n  (no invited member has to approve)',
    ]);
  });

  it('stops at a failure', async () => {
    // Prepare
    answering([200, status('FAILED', { declined: 1 }, 'failed (MaxRoundsReachedError): …')]);

    // Act
    const last = await followMigration(api, 'afm-o-a1b2c3d4e5-1', { json: true, log: () => {} });

    // Assess
    expect(last.state).toBe('FAILED');
  });
});
