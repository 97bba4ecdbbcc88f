import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  definitionSubstitutions,
  type FunctionName,
  placeholderOf,
  stateMachines,
} from '../../catalog/functions';
import {
  CancelRoundInputSchema,
  FinishMigrationInputSchema,
  PreflightInputSchema,
  RoundInputSchema,
} from '../../functions/all-features/step-inputs';
import { type AslState, type Json, loadDefinitionFile } from '../../local/stepfunctions/index';
import { failure, NO_ANSWER, runWithSteps, type Step, Steps } from '../stepfunctions/fake-steps';

// statemachines/all-features-migration.asl.json run on the local engine, each step a fake that records its calls
// and the time of each (the virtual clock's), as account-closure-asl.test.ts runs the closure workflow.

const { definitionFile, functions } = stateMachines.AllFeaturesMigration;
const arnOf = (name: FunctionName) => `arn:aws:lambda:us-east-1:111111111111:function:orgflow-${name}`;
const load = () =>
  loadDefinitionFile(definitionFile, {
    substitutions: definitionSubstitutions(
      'AllFeaturesMigration',
      arnOf,
      (name) => `arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-${name}`,
    ),
  });

const START = Date.UTC(2026, 11, 6, 10, 0, 0);
const HOUR = 3_600_000;
const MIGRATION = 'afm-0001';
const ROUND_1 = 'h-00000000000000000000000000000001';
const ROUND_2 = 'h-00000000000000000000000000000002';

const roundOf = (round: number, handshakeId: string) => ({
  outcome: 'round',
  organizationId: 'o-abcdefghij',
  round,
  handshakeId,
  expiresAt: new Date(START + 90 * 24 * HOUR).toISOString(),
  adopted: false,
  members: 3,
  maxRounds: 3,
  lookIntervalSeconds: 3600,
});

const happySteps = (): Partial<Record<FunctionName, Step>> => ({
  PreflightMigration: () => roundOf(1, ROUND_1),
  ApproveMembers: () => ({ approved: 2, unreachable: 1, remaining: 0 }),
  WatchApprovals: () => ({ outcome: 'approved' }),
  CancelRound: (input) => ({ ...(input as object), canceled: 1 }),
  FinishMigration: (input) => ({
    migrationId: MIGRATION,
    outcome: (input as { outcome: string }).outcome,
  }),
});

function runMigration(
  overrides: Partial<Record<FunctionName, Step>> = {},
  input: Json = {
    migrationId: MIGRATION,
    requestedBy: 'arn:aws:iam::111111111111:role/CloudOps',
    idempotencyKey: 'migrate-2026-12',
  },
) {
  return runWithSteps(load(), input, {
    start: START,
    name: MIGRATION,
    steps: (clock) => new Steps(clock, { ...happySteps(), ...overrides }),
  });
}

const states = (): Record<string, AslState> => load().json.States as Record<string, AslState>;

describe('statemachines/all-features-migration.asl.json', () => {
  it('loads on the local engine with every placeholder of the catalog substituted', () => {
    // Act
    const definition = load();

    // Assess
    expect(definition.queryLanguage).toBe('JSONata');
    expect(definition.startAt).toBe('Start Migration');
    const placeholders = [...readFileSync(definitionFile, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(new Set(functions.map(placeholderOf)));
  });

  it('names its states in Title Case; retries Lambda faults and throttling with full jitter and catches everything', () => {
    // Act
    const all = Object.entries(states());
    const tasks = all.filter(([, state]) => state.Type === 'Task');

    // Assess
    for (const [name] of all) expect(name).toMatch(/^[A-Z][a-z]+( [A-Z][a-z]+)*\??$/);
    expect(tasks).toHaveLength(6);
    for (const [, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'ThrottlingException',
          'TooManyRequestsException',
        ]),
      );
      for (const retrier of state.Retry ?? [])
        if (!retrier.ErrorEquals.includes('States.Timeout')) expect(retrier.JitterStrategy).toBe('FULL');
      expect(state.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
    }
  });

  it('opens a round, approves the members it can, waits for the round to open and finishes', async () => {
    // Act
    const { execution, steps } = await runMigration();

    // Assess
    expect(execution.state.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ migrationId: MIGRATION, outcome: 'enabled', rounds: 1 });
    expect(steps.names()).toEqual([
      'PreflightMigration',
      'ApproveMembers',
      'WatchApprovals',
      'FinishMigration',
    ]);
    const round = { migrationId: MIGRATION, round: 1, handshakeId: ROUND_1 };
    expect(steps.of('PreflightMigration')[0]?.input).toEqual({
      migrationId: MIGRATION,
      requestedBy: 'arn:aws:iam::111111111111:role/CloudOps',
      idempotencyKey: 'migrate-2026-12',
    });
    expect(steps.of('ApproveMembers')[0]?.input).toEqual(round);
    expect(steps.of('WatchApprovals')[0]?.input).toEqual({ ...round, lookIntervalSeconds: 3600 });
    expect(steps.of('FinishMigration')[0]?.input).toEqual({
      migrationId: MIGRATION,
      handshakeId: ROUND_1,
      outcome: 'enabled',
    });
  });

  it('hands each step an input its schema accepts, also when the execution names no requester', async () => {
    // Prepare: a decline, so that every step runs
    const schemas: Partial<Record<FunctionName, z.ZodType>> = {
      PreflightMigration: PreflightInputSchema,
      ApproveMembers: RoundInputSchema,
      WatchApprovals: RoundInputSchema,
      CancelRound: CancelRoundInputSchema,
      FinishMigration: FinishMigrationInputSchema,
    };

    // Act
    const { execution, steps } = await runMigration(
      {
        PreflightMigration: (_, call) => roundOf(call, call === 1 ? ROUND_1 : ROUND_2),
        WatchApprovals: (_, call) =>
          call === 1 ? { outcome: 'restart', end: 'declined' } : { outcome: 'approved' },
      },
      {},
    );

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(new Set(steps.calls.map((c) => c.name))).toEqual(new Set(Object.keys(schemas)));
    for (const call of steps.calls)
      expect(schemas[call.name as FunctionName]!.safeParse(call.input).error).toBeUndefined();
    expect(steps.of('PreflightMigration')[0]?.input).toEqual({
      migrationId: MIGRATION,
      requestedBy: null,
      idempotencyKey: null,
    });
  });

  it('finishes at once an organization that is ALL already, accepting no handshake', async () => {
    // Act
    const { execution, steps } = await runMigration({
      PreflightMigration: () => ({ outcome: 'already-all', organizationId: 'o-abcdefghij' }),
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.names()).toEqual(['PreflightMigration', 'FinishMigration']);
    expect(steps.of('FinishMigration')[0]?.input).toEqual({
      migrationId: MIGRATION,
      handshakeId: null,
      outcome: 'enabled',
    });
  });

  it('approves a large round in shares, a second apart', async () => {
    // Act
    const { execution, steps } = await runMigration({
      ApproveMembers: (_, call) => ({
        approved: 200,
        unreachable: 0,
        remaining: call < 3 ? 500 - 200 * call : 0,
      }),
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.of('ApproveMembers').map((c) => c.at - START)).toEqual([0, 1000, 2000]);
  });

  it('looks again after a wait that doubles while no news comes, up to the maximum, and is back to the base after news', async () => {
    // Act: four waits without news, then an event wakes the wait; one more wait without news, then the round opens
    const { execution, steps } = await runMigration({
      PreflightMigration: () => ({ ...roundOf(1, ROUND_1), maxLookIntervalSeconds: 4 * 3600 }),
      WatchApprovals: (_, call) =>
        call === 5
          ? { outcome: 'woken', eventName: 'AcceptHandshake' }
          : call < 7
            ? NO_ANSWER
            : { outcome: 'approved' },
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const looks = steps.of('WatchApprovals');
    const gaps = looks.slice(1).map((c, i) => Math.round((c.at - looks[i]!.at) / 60_000) / 60);
    expect(gaps).toEqual([1, 2, 4, 4, 0, 1]);
    // each look is told how long its wait lasts, to say when the next look is due
    expect(looks.map((c) => (c.input as { lookIntervalSeconds: number }).lookIntervalSeconds)).toEqual([
      3600, 7200, 14_400, 14_400, 14_400, 3600, 7200,
    ]);
  });

  it('never waits past 30 seconds after the round expires, and waits the interval again once the expiry is past', async () => {
    // Prepare: a round that expires 5 hours and 10 seconds after it opens
    const expiresAt = START + 5 * HOUR + 10_000;

    // Act: four looks find nothing, the fifth the round open
    const { execution, steps } = await runMigration({
      PreflightMigration: () => ({ ...roundOf(1, ROUND_1), expiresAt: new Date(expiresAt).toISOString() }),
      WatchApprovals: (_, call) => (call < 5 ? NO_ANSWER : { outcome: 'approved' }),
    });

    // Assess: 1 hour, 2 hours, then the 4 hours Look Later asked for cut to 30 seconds past the expiry
    expect(execution.status).toBe('SUCCEEDED');
    const looks = steps.of('WatchApprovals');
    expect(looks.map((c) => c.at - START)).toEqual([
      0,
      HOUR,
      3 * HOUR,
      5 * HOUR + 40_000,
      13 * HOUR + 40_000,
    ]);
    expect(looks[3]!.at - expiresAt).toBe(30_000);
    // each look is told the wait it is in, so the next look it records is the one that comes
    expect(looks.map((c) => (c.input as { lookIntervalSeconds: number }).lookIntervalSeconds)).toEqual([
      3600, 7200, 7240, 28_800, 57_600,
    ]);
  });

  it('looks again at once when an event wakes the wait', async () => {
    // Act
    const { execution, steps } = await runMigration({
      WatchApprovals: (_, call) =>
        call === 1 ? { outcome: 'woken', eventName: 'AcceptHandshake' } : { outcome: 'approved' },
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(steps.of('WatchApprovals').map((c) => c.at)).toEqual([START, START]);
  });

  it('starts a new round after a decline: the round cancelled, Preflight again, its members approved', async () => {
    // Act
    const { execution, steps } = await runMigration({
      PreflightMigration: (_, call) => (call === 1 ? roundOf(1, ROUND_1) : roundOf(2, ROUND_2)),
      WatchApprovals: (_, call) =>
        call === 1 ? { outcome: 'restart', end: 'declined' } : { outcome: 'approved' },
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ migrationId: MIGRATION, outcome: 'enabled', rounds: 2 });
    expect(steps.names()).toEqual([
      'PreflightMigration',
      'ApproveMembers',
      'WatchApprovals',
      'CancelRound',
      'PreflightMigration',
      'ApproveMembers',
      'WatchApprovals',
      'FinishMigration',
    ]);
    expect(steps.of('CancelRound')[0]?.input).toEqual({
      migrationId: MIGRATION,
      round: 1,
      handshakeId: ROUND_1,
      end: 'declined',
    });
    expect(steps.of('ApproveMembers')[1]?.input).toEqual({
      migrationId: MIGRATION,
      round: 2,
      handshakeId: ROUND_2,
    });
  });

  it('fails with MaxRoundsReachedError once every configured round ended without approval, recording it', async () => {
    // Act
    const { execution, steps } = await runMigration({
      PreflightMigration: (_, call) => ({
        ...roundOf(call, `h-0000000000000000000000000000000${call}`),
        maxRounds: 2,
      }),
      WatchApprovals: () => ({ outcome: 'restart', end: 'expired' }),
    });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('MaxRoundsReachedError');
    expect(steps.of('PreflightMigration')).toHaveLength(2);
    expect(steps.of('CancelRound')).toHaveLength(2);
    expect(steps.of('FinishMigration')[0]?.input).toMatchObject({
      migrationId: MIGRATION,
      outcome: 'failed',
      failure: { Error: 'MaxRoundsReachedError', Cause: expect.stringContaining('ended expired') },
    });
  });

  it('records a named error of a step and fails with it', async () => {
    // Act
    const { execution, steps } = await runMigration({
      PreflightMigration: () => {
        throw failure('OrganizationTooLargeError', 'the organization is too large');
      },
    });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('OrganizationTooLargeError');
    expect(steps.of('FinishMigration')[0]?.input).toMatchObject({
      outcome: 'failed',
      failure: { Error: 'OrganizationTooLargeError' },
    });
  });
});
