import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { environmentOf, type FunctionName, functions, stateMachines } from '../../catalog/functions';
import { apiRoutes } from '../../catalog/routes';
import { governorTable, tableName, tables } from '../../catalog/tables';

const entries = Object.entries(functions) as [FunctionName, (typeof functions)[FunctionName]][];

/** Dummy values for a function's required variables. */
function requiredEnv(name: FunctionName): Record<string, string> {
  const values: Record<string, string> = {
    ACCOUNT_VENDING_STATE_MACHINE_ARN:
      'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-account-vending',
    ACCOUNT_CLOSURE_STATE_MACHINE_ARN:
      'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-account-closure',
    CLOSURE_BATCH_STATE_MACHINE_ARN:
      'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-closure-batch',
    ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN:
      'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-all-features-migration',
    GOVERNOR_TABLE_NAME: 'orgflow-governor',
  };
  return Object.fromEntries(
    Object.entries(functions[name].environment)
      .filter(([, use]) => use === 'required')
      .map(([variable]) => [variable, values[variable] ?? 'x']),
  );
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('functions catalog', () => {
  it.each(entries)(
    '%s: its entry exists and exports its handler once its required variables are set',
    async (name, fn) => {
      // Prepare
      for (const [variable, value] of Object.entries(requiredEnv(name))) vi.stubEnv(variable, value);

      // Act
      const module = (await import(resolve(fn.entry))) as Record<string, unknown>;

      // Assess
      expect(existsSync(fn.entry)).toBe(true);
      expect(typeof module[fn.handler]).toBe('function');
      expect(fn.timeoutSeconds).toBeLessThanOrEqual(name === 'ApiHandler' ? 29 : 900);
      expect(fn.permissions.flatMap((p) => p.actions).every((a) => /^[a-z]+:[A-Z]\w+$/.test(a))).toBe(true);
    },
  );

  it.each(entries.filter(([name]) => Object.keys(requiredEnv(name)).length > 0))(
    '%s: refuses a cold start without its required variables, naming them',
    async (name, fn) => {
      // Prepare
      for (const variable of Object.keys(fn.environment)) vi.stubEnv(variable, undefined);

      // Act
      const load = import(resolve(fn.entry));

      // Assess
      await expect(load).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining(Object.keys(requiredEnv(name))[0] as string),
      });
    },
  );

  it('runs every function a route or state machine names', () => {
    // Act
    const named = [
      ...apiRoutes.map((route) => route.function),
      ...Object.values(stateMachines).flatMap((m) => m.functions),
    ];

    // Assess
    for (const name of named) expect(Object.keys(functions)).toContain(name);
  });

  it('gives the governor table one definition that the functions using it name', () => {
    // Act
    const users = entries
      .filter(([, fn]) => governorTable.environmentVariable in fn.environment)
      .map(([name]) => name);

    // Assess
    expect(tables).toEqual([governorTable]);
    expect(tableName('orgflow', governorTable)).toBe('orgflow-governor');
    expect(users.sort()).toEqual([
      'AccountDeparted',
      'AcquireCloseSlot',
      'AcquireCreateSlot',
      'ApiHandler',
      'ApproveMembers',
      'BaselineAccount',
      'CancelRound',
      'CheckAccount',
      'CloseAccount',
      'CompleteAccountClosure',
      'CompleteAccountCreation',
      'CompleteApproval',
      'CreateAccount',
      'FinishClosure',
      'FinishMigration',
      'PlanClosureBatch',
      'PreflightMigration',
      'RecordClosure',
      'RecordEndedExecution',
      'RecordRequest',
      'ReleaseCloseSlot',
      'ReleaseCreateSlot',
      'RevertGuardrailDrift',
      'StartDecommission',
      'WatchAccountClosure',
      'WatchAccountCreation',
      'WatchApprovals',
    ]);
  });
});

describe('environmentOf', () => {
  it('gives a function exactly its declared variables, and refuses a required one without a value', () => {
    // Prepare
    const values = new Map([
      ['GOVERNOR_TABLE_NAME', 'orgflow-governor'],
      ['VENDING_CONFIG', '{}'],
      ['UNRELATED', 'x'],
    ]);

    // Act
    const environment = environmentOf('ValidateRequest', values, 'the test');
    const missing = () => environmentOf('CreateAccount', new Map(), 'the test');

    // Assess
    expect(environment).toEqual({ VENDING_CONFIG: '{}' });
    expect(missing).toThrow(/CreateAccount requires GOVERNOR_TABLE_NAME, which the test has no value for/);
  });
});
