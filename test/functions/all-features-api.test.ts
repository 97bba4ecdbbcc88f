import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  AcceptHandshakeCommand,
  DescribeOrganizationCommand,
  EnableAllFeaturesCommand,
  ListAccountsCommand,
  ListHandshakesForOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerApprovalWaiter } from '../../functions/all-features/approval-watch';
import {
  endRound,
  ensureMigration,
  openRound,
  readMigration,
  recordMembers,
  recordNextLook,
  recordOperatorWait,
  setMemberState,
  setMigrationState,
} from '../../functions/all-features/migration-store';
import { type MigrationStatus, nextActionOf } from '../../functions/api/all-features-migrations';
import { migrationIdFor } from '../../functions/api/caller';
import { governorTableOnDynalite } from '../governor-table';
import { lambdaContext } from './fixtures/lambda-context';

// The all-features-migrations routes of the API handler: Step Functions, Organizations and STS faked with
// aws-sdk-client-mock, the migrations' records on the governor table (dynalite).

const STATE_MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-all-features-migration';
const EXECUTIONS = 'arn:aws:states:us-east-1:111111111111:execution:orgflow-all-features-migration';
const ORGANIZATION = 'o-a1b2c3d4e5';
const MANAGEMENT = '111111111111';
const NOW = Date.UTC(2026, 11, 6, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sample: APIGatewayProxyEvent = JSON.parse(
  readFileSync('events/samples/apigateway-rest-proxy.json', 'utf8'),
);

const table = governorTableOnDynalite();
const store = () => ({ db: table.db, table: table.name });
const sfnMock = mockClient(SFNClient);
const organizationsMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);
let handler: (
  event: APIGatewayProxyEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  vi.stubEnv(
    'ACCOUNT_VENDING_STATE_MACHINE_ARN',
    'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-account-vending',
  );
  vi.stubEnv(
    'CLOSURE_BATCH_STATE_MACHINE_ARN',
    'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-closure-batch',
  );
  vi.stubEnv('ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN', STATE_MACHINE);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('VENDING_CONFIG', JSON.stringify({ selfServicePolicies: [], callers: [] }));
  // the closure configuration's callers do not count once the enable-all-features configuration names its own
  vi.stubEnv(
    'CLOSURE_CONFIG',
    JSON.stringify({ callers: ['arn:aws:iam::222233334444:role/Closer'], protectedOrganizationalUnits: [] }),
  );
  vi.stubEnv(
    'ALL_FEATURES_CONFIG',
    JSON.stringify({ callers: ['arn:aws:iam::222233334444:role/CloudOps'], reminderIntervalDays: 3 }),
  );
  ({ handler } = await import('../../functions/api/handler'));
});

const cloudOps = { arn: 'arn:aws:sts::222233334444:assumed-role/CloudOps/jane', accountId: '222233334444' };
const closer = 'arn:aws:sts::222233334444:assumed-role/Closer/joe';

function post(
  payload: unknown,
  headers: Record<string, string> = {},
  userArn = cloudOps.arn,
): APIGatewayProxyEvent {
  const event = structuredClone(sample);
  event.resource = '/all-features-migrations';
  event.path = '/all-features-migrations';
  event.requestContext.path = '/prod/all-features-migrations';
  event.requestContext.identity.userArn = userArn;
  event.body = payload === undefined ? null : typeof payload === 'string' ? payload : JSON.stringify(payload);
  event.headers = { ...event.headers, ...headers };
  return event;
}

function get(migrationId: string, userArn = cloudOps.arn): APIGatewayProxyEvent {
  const event = structuredClone(sample);
  event.httpMethod = 'GET';
  event.resource = '/all-features-migrations/{id}';
  event.path = `/all-features-migrations/${migrationId}`;
  event.pathParameters = { id: migrationId };
  event.requestContext.path = `/prod/all-features-migrations/${migrationId}`;
  event.requestContext.identity.userArn = userArn;
  event.body = null;
  return event;
}

const invoke = async (event: APIGatewayProxyEvent) => {
  const response = await handler(event, lambdaContext('ApiHandler'));
  return { ...response, json: JSON.parse(response.body) };
};

const notFound = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
const idOf = (attempt: number) => migrationIdFor(ORGANIZATION, attempt);
const arnOf = (attempt: number) => `${EXECUTIONS}:${idOf(attempt)}`;

function organization(featureSet: 'ALL' | 'CONSOLIDATED_BILLING') {
  organizationsMock
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: ORGANIZATION, MasterAccountId: MANAGEMENT, FeatureSet: featureSet } });
}

/** Executions by count (the others do not exist). */
function executions(byAttempt: Record<number, { status: string; input?: object }>) {
  sfnMock.on(DescribeExecutionCommand).rejects(notFound());
  for (const [attempt, execution] of Object.entries(byAttempt))
    sfnMock.on(DescribeExecutionCommand, { executionArn: arnOf(Number(attempt)) }).resolves({
      executionArn: arnOf(Number(attempt)),
      stateMachineArn: STATE_MACHINE,
      status: execution.status as 'RUNNING',
      input: JSON.stringify(execution.input ?? { migrationId: idOf(Number(attempt)) }),
      startDate: new Date(NOW - DAY),
      ...(execution.status === 'RUNNING' ? {} : { stopDate: new Date(NOW - HOUR) }),
    });
}

beforeEach(() => {
  sfnMock.reset();
  organizationsMock.reset();
  stsMock.reset();
});

describe('POST /all-features-migrations', () => {
  it.each([
    ['a principal no configuration names', 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal'],
    ['a closure caller, once the configuration names callers of its own', closer],
  ])('refuses %s with 403, and starts nothing', async (_, userArn) => {
    // Act
    const response = await invoke(post({}, {}, userArn));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.json.message).toContain('ALL_FEATURES_CONFIG');
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });

  it('refuses bad input with 400 listing every bad field', async () => {
    // Act
    const response = await invoke(post({ dryRun: 'yes', force: true }, { 'Idempotency-Key': 'two words' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'Idempotency-Key',
      'dryRun',
      'force',
    ]);
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('starts the organization’s first migration, named by its id, and answers 202 with where to follow it', async () => {
    // Prepare
    organization('CONSOLIDATED_BILLING');
    executions({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: arnOf(1), startDate: new Date() });

    // Act: no body at all is a migration, not a dry run
    const response = await invoke(post(undefined));

    // Assess
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json).toEqual({
      migrationId: `afm-${ORGANIZATION}-1`,
      statusUrl: expect.stringMatching(new RegExp(`/prod/all-features-migrations/afm-${ORGANIZATION}-1$`)),
      created: true,
    });
    expect(response.headers?.Location).toBe(response.json.statusUrl);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: idOf(1),
      input: JSON.stringify({ migrationId: idOf(1), requestedBy: cloudOps.arn }),
    });
  });

  it('answers with the migration already running, whoever asks, and starts nothing', async () => {
    // Prepare
    organization('CONSOLIDATED_BILLING');
    executions({ 1: { status: 'RUNNING' } });

    // Act
    const response = await invoke(post({ dryRun: false }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ migrationId: idOf(1), created: false });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts the next count once the last migration ended, past one Step Functions forgot but the record keeps', async () => {
    // Prepare: the first migration's execution is forgotten, its record kept; the second succeeded
    organization('CONSOLIDATED_BILLING');
    await ensureMigration(store(), idOf(1), cloudOps.arn, NOW - 200 * DAY);
    executions({ 2: { status: 'SUCCEEDED' } });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: arnOf(3), startDate: new Date() });

    // Act
    const response = await invoke(post({}));

    // Assess
    expect(response.json).toMatchObject({ migrationId: idOf(3), created: true });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: idOf(3) });
  });

  it('answers with the migration another caller started between the look and the start', async () => {
    // Prepare
    organization('CONSOLIDATED_BILLING');
    executions({});
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const response = await invoke(post({}));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ migrationId: idOf(1), created: false });
  });

  it('answers a repeat of the request that started the last migration with it, even once it ended', async () => {
    // Prepare: started by another session of the same role, with this key
    organization('CONSOLIDATED_BILLING');
    executions({
      1: {
        status: 'SUCCEEDED',
        input: {
          migrationId: idOf(1),
          requestedBy: 'arn:aws:sts::222233334444:assumed-role/CloudOps/other-session',
          idempotencyKey: 'migrate-2026-12',
        },
      },
    });

    // Act
    const repeated = await invoke(post({}, { 'Idempotency-Key': 'migrate-2026-12' }));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: arnOf(2), startDate: new Date() });
    const fresh = await invoke(post({}, { 'Idempotency-Key': 'migrate-2027-01' }));

    // Assess
    expect(repeated.json).toMatchObject({ migrationId: idOf(1), created: false });
    expect(fresh.json).toMatchObject({ migrationId: idOf(2), created: true });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it("answers a repeat from the migration's record once Step Functions has forgotten the execution", async () => {
    // Prepare: the migration ended 120 days ago; its record keeps who asked and with which key
    organization('CONSOLIDATED_BILLING');
    await ensureMigration(
      store(),
      idOf(1),
      'arn:aws:sts::222233334444:assumed-role/CloudOps/other-session',
      NOW - 120 * DAY,
      'migrate-2026-08',
    );
    executions({});

    // Act
    const repeated = await invoke(post({}, { 'Idempotency-Key': 'migrate-2026-08' }));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: arnOf(2), startDate: new Date() });
    const fresh = await invoke(post({}, { 'Idempotency-Key': 'migrate-2026-12' }));

    // Assess
    expect(repeated.statusCode, repeated.body).toBe(202);
    expect(repeated.json).toMatchObject({ migrationId: idOf(1), created: false });
    expect(fresh.json).toMatchObject({ migrationId: idOf(2), created: true });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });
});

describe('POST /all-features-migrations with dryRun', () => {
  it('says there is nothing to do for an organization that has all features', async () => {
    // Prepare
    organization('ALL');

    // Act
    const response = await invoke(post({ dryRun: true }));

    // Assess
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json).toMatchObject({
      dryRun: true,
      featureSet: 'ALL',
      plan: 'nothing-to-do',
      members: [],
      nextAction: expect.stringContaining('nothing to do'),
    });
    expect(organizationsMock).not.toHaveReceivedCommand(ListAccountsCommand);
  });

  it('lists the invited members that must approve and which orgflow can approve for, accepting nothing', async () => {
    // Prepare: the management account, a created member, two invited ones (one without the role), a suspended one
    organization('CONSOLIDATED_BILLING');
    organizationsMock.on(ListHandshakesForOrganizationCommand).resolves({ Handshakes: [] });
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: MANAGEMENT, Name: 'Management', JoinedMethod: 'INVITED', State: 'ACTIVE' },
        { Id: '200000000001', Name: 'Log Archive', JoinedMethod: 'CREATED', State: 'ACTIVE' },
        { Id: '300000000002', Name: 'Partner', JoinedMethod: 'INVITED', State: 'ACTIVE' },
        { Id: '300000000001', Name: 'Retail', JoinedMethod: 'INVITED', State: 'ACTIVE' },
        { Id: '300000000003', Name: 'Gone', JoinedMethod: 'INVITED', State: 'SUSPENDED' },
      ],
    });
    stsMock
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }))
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::300000000001:role/OrganizationAccountAccessRole' })
      .resolves({
        Credentials: {
          AccessKeyId: 'ASIAEXAMPLE',
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(NOW + HOUR),
        },
      });

    // Act
    const response = await invoke(post({ dryRun: true }));

    // Assess
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json).toMatchObject({
      organizationId: ORGANIZATION,
      featureSet: 'CONSOLIDATED_BILLING',
      plan: 'enable-all-features',
      approvalRoleName: 'OrganizationAccountAccessRole',
      counts: { members: 2, reachable: 1, unreachable: 1 },
      nextAction: expect.stringContaining('would call EnableAllFeatures'),
    });
    expect(response.json.members).toEqual([
      { accountId: '300000000001', name: 'Retail', reachable: true },
      {
        accountId: '300000000002',
        name: 'Partner',
        reachable: false,
        reason: expect.stringContaining('arn:aws:iam::300000000002:role/OrganizationAccountAccessRole'),
      },
    ]);
    expect(organizationsMock).not.toHaveReceivedCommand(AcceptHandshakeCommand);
    expect(organizationsMock).not.toHaveReceivedCommand(EnableAllFeaturesCommand);
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('names the pending handshake a migration would adopt, and each member’s request in it', async () => {
    // Prepare
    organization('CONSOLIDATED_BILLING');
    const expires = new Date(NOW + 80 * DAY);
    organizationsMock
      .on(ListHandshakesForOrganizationCommand, { Filter: { ActionType: 'ENABLE_ALL_FEATURES' } })
      .resolves({
        Handshakes: [
          { Id: 'h-0ld0ld0ld', Action: 'ENABLE_ALL_FEATURES', State: 'CANCELED' },
          {
            Id: 'h-a1b2c3d4e5',
            Action: 'ENABLE_ALL_FEATURES',
            State: 'REQUESTED',
            ExpirationTimestamp: expires,
          },
        ],
      })
      .on(ListHandshakesForOrganizationCommand, { Filter: { ParentHandshakeId: 'h-a1b2c3d4e5' } })
      .resolves({
        Handshakes: [
          {
            Id: 'h-f6e5d4c3b2',
            Action: 'APPROVE_ALL_FEATURES',
            State: 'ACCEPTED',
            Parties: [{ Id: '300000000001', Type: 'ACCOUNT' }],
          },
        ],
      });
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: '300000000001', Name: 'Retail', JoinedMethod: 'INVITED', State: 'ACTIVE' }],
    });
    stsMock
      .on(AssumeRoleCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }),
      );

    // Act
    const response = await invoke(post({ dryRun: true }));

    // Assess
    expect(response.json).toMatchObject({
      plan: 'adopt-handshake',
      handshake: { handshakeId: 'h-a1b2c3d4e5', state: 'REQUESTED', expiresAt: expires.toISOString() },
      members: [{ accountId: '300000000001', reachable: false, request: 'ACCEPTED' }],
      nextAction: expect.stringContaining('would adopt the pending handshake h-a1b2c3d4e5'),
    });
  });
});

describe('GET /all-features-migrations/{id}', () => {
  const HANDSHAKE = 'h-a1b2c3d4e5';
  const members = [
    { accountId: '300000000001', handshakeId: 'h-0000000001' },
    { accountId: '300000000002', handshakeId: 'h-0000000002' },
    { accountId: '300000000003', handshakeId: 'h-0000000003' },
  ];

  /** A migration in its first round: one member approved by orgflow, one by itself, one unreachable. */
  async function firstRound() {
    await ensureMigration(store(), idOf(1), cloudOps.arn, NOW - DAY);
    await openRound(
      store(),
      idOf(1),
      { handshakeId: HANDSHAKE, expiresAt: NOW + 89 * DAY, adopted: false },
      NOW - DAY,
    );
    await recordMembers(store(), idOf(1), 1, members, NOW - DAY);
    await setMemberState(store(), idOf(1), 1, '300000000001', 'approved-by-orgflow', NOW - DAY);
    await setMemberState(store(), idOf(1), 1, '300000000002', 'approved-by-member', NOW - HOUR);
    await setMemberState(
      store(),
      idOf(1),
      1,
      '300000000003',
      'waiting-role-unreachable',
      NOW - DAY,
      'orgflow cannot act as account 300000000003 through arn:aws:iam::300000000003:role/OrganizationAccountAccessRole: AccessDenied',
    );
    await recordNextLook(store(), idOf(1), NOW + HOUR);
  }

  it('shows the round, each member, the counts and what comes next', async () => {
    // Prepare
    await firstRound();
    executions({ 1: { status: 'RUNNING' } });

    // Act
    const response = await invoke(get(idOf(1)));

    // Assess
    expect(response.statusCode, response.body).toBe(200);
    const status = response.json as MigrationStatus;
    expect(status).toMatchObject({
      migrationId: idOf(1),
      state: 'RUNNING',
      executionStatus: 'RUNNING',
      requestedBy: cloudOps.arn,
      round: 1,
      maxRounds: 3,
      handshakeId: HANDSHAKE,
      expiresAt: new Date(NOW + 89 * DAY).toISOString(),
      rounds: [{ round: 1, handshakeId: HANDSHAKE, adopted: false }],
      nextLookAt: new Date(NOW + HOUR).toISOString(),
    });
    expect(status.counts).toMatchObject({
      'approved-by-orgflow': 1,
      'approved-by-member': 1,
      'waiting-role-unreachable': 1,
      pending: 0,
      declined: 0,
    });
    expect(status.members.map((m) => [m.accountId, m.state, m.command])).toEqual([
      ['300000000001', 'approved-by-orgflow', undefined],
      ['300000000002', 'approved-by-member', undefined],
      [
        '300000000003',
        'waiting-role-unreachable',
        'aws organizations accept-handshake --handshake-id h-0000000003',
      ],
    ]);
    expect(status.nextAction).toBe(
      `waiting for 1 member to accept as itself; next look ${new Date(NOW + HOUR).toISOString().slice(0, 19).replace('T', ' ')}Z (sooner when an answer reaches the bus); next reminder ${new Date(NOW - DAY + 3 * DAY).toISOString().slice(0, 16).replace('T', ' ')}Z; the round expires ${new Date(NOW + 89 * DAY).toISOString().slice(0, 16).replace('T', ' ')}Z`,
    );
  });

  it('says done once the organization is ALL', async () => {
    // Prepare
    await firstRound();
    await setMemberState(store(), idOf(1), 1, '300000000003', 'approved-by-member', NOW);
    await endRound(store(), idOf(1), 1, 'approved', NOW);
    await setMigrationState(store(), idOf(1), 'enabled', NOW, { policyTypesEnabled: [] });
    executions({ 1: { status: 'SUCCEEDED' } });

    // Act
    const response = await invoke(get(idOf(1)));

    // Assess
    expect(response.json).toMatchObject({
      state: 'ENABLED',
      nextAction: 'done: ALL',
      completedAt: new Date(NOW - HOUR).toISOString(),
      rounds: [{ round: 1, end: 'approved' }],
    });
  });

  it('shows why a migration failed when its error is written for the operator, and hides other errors', async () => {
    // Prepare
    await firstRound();
    await setMigrationState(store(), idOf(1), 'failed', NOW, {
      error: 'MaxRoundsReachedError',
      detail:
        'the migration ran its 3 rounds and the last one ended declined; remove the accounts that decline',
    });
    executions({ 1: { status: 'FAILED' }, 2: { status: 'ABORTED' } });

    // Act
    const failed = await invoke(get(idOf(1)));
    const aborted = await invoke(get(idOf(2)));

    // Assess
    expect(failed.json).toMatchObject({
      state: 'FAILED',
      failure: { error: 'MaxRoundsReachedError', message: expect.stringContaining('ran its 3 rounds') },
      nextAction: expect.stringContaining('start a new migration with: npx orgflow enable-all-features'),
    });
    expect(aborted.json).toMatchObject({
      state: 'FAILED',
      round: 0,
      failure: { error: 'ABORTED', message: expect.stringContaining("the execution's history") },
    });
  });

  it('says STARTING before the first round is recorded', async () => {
    // Prepare
    executions({ 1: { status: 'RUNNING' } });

    // Act
    const response = await invoke(get(idOf(1)));

    // Assess
    expect(response.json).toMatchObject({ state: 'STARTING', round: 0, members: [] });
  });

  it.each([
    ['an unknown id', idOf(7)],
    ['an id no migration could have', 'not a migration!'],
  ])('answers 404 for %s', async (_, id) => {
    // Prepare
    executions({});

    // Act
    const response = await invoke(get(id));

    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('answers 403 to a caller the configuration does not name', async () => {
    // Prepare
    await firstRound();

    // Act
    const response = await invoke(get(idOf(1), 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal'));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});

describe('the next action', () => {
  const config = { approvalRoleName: 'OrgflowApprover', reminderIntervalDays: 3 };
  const round = {
    round: 2,
    handshakeId: 'h-a1b2c3d4e5',
    adopted: false,
    openedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2027-03-01T00:00:00.000Z',
    remindedAt: '2026-12-01T00:00:00.000Z',
  };
  const status = (counts: Partial<MigrationStatus['counts']>): Omit<MigrationStatus, 'nextAction'> => {
    const all = {
      pending: 0,
      'approved-by-orgflow': 0,
      'approved-by-member': 0,
      'waiting-role-unreachable': 0,
      declined: 0,
      canceled: 0,
      expired: 0,
      ...counts,
    };
    return {
      migrationId: 'afm-x',
      state: 'RUNNING',
      round: 2,
      maxRounds: 3,
      counts: all,
      members: [],
      rounds: [],
    };
  };

  it.each([
    [
      'members not tried yet',
      status({ pending: 2 }),
      round,
      'approving as 2 members through OrgflowApprover',
    ],
    [
      'a decline the look has not acted on',
      status({ declined: 1, 'approved-by-orgflow': 1 }),
      round,
      '1 member declined: the next look ends round 2 and starts another',
    ],
    [
      'a round ended by a decline',
      status({ declined: 1 }),
      { ...round, end: 'declined' },
      'round 2 ended declined: cancelling what is left of it and starting round 3 of 3',
    ],
    [
      'a decline that waits for an operator',
      {
        ...status({ declined: 2 }),
        state: 'WAITING_FOR_OPERATOR' as const,
        nextLookAt: '2026-12-06T14:00:00.000Z',
        operatorWait: {
          round: 2,
          end: 'declined' as const,
          since: '2026-12-06T12:00:00.000Z',
          decliners: ['300000000001', '300000000002'],
          options: [],
        },
      },
      round,
      'round 2 ended declined (declined by 300000000001, 300000000002): waiting for an operator to resend the request (npx orgflow migration afm-x --resend (or POST /all-features-migrations/afm-x/resend)), which starts round 3 of 3, or to remove the declining accounts from the organization (aws organizations remove-account-from-organization --account-id 300000000001, …); next look 2026-12-06 14:00:00Z',
    ],
    [
      'every member approved',
      status({ 'approved-by-orgflow': 2, 'approved-by-member': 1 }),
      round,
      'every member approved: accepting the ENABLE_ALL_FEATURES handshake as the management account',
    ],
    [
      'members waited for',
      { ...status({ 'waiting-role-unreachable': 3 }), nextLookAt: '2026-12-06T13:20:05.000Z' },
      round,
      'waiting for 3 members to accept as themselves; next look 2026-12-06 13:20:05Z (sooner when an answer reaches the bus); next reminder 2026-12-04 00:00Z; the round expires 2027-03-01 00:00Z',
    ],
  ])('with %s', (_, migration, current, expected) => {
    // Act + Assess
    expect(nextActionOf(migration, current, config)).toBe(expected);
  });
});

describe('POST /all-features-migrations/{id}/resend', () => {
  const TOKEN = 'token-of-the-wait';

  function resend(migrationId: string, userArn = cloudOps.arn): APIGatewayProxyEvent {
    const event = get(migrationId, userArn);
    event.httpMethod = 'POST';
    event.resource = '/all-features-migrations/{id}/resend';
    event.path = `/all-features-migrations/${migrationId}/resend`;
    event.requestContext.path = `/prod/all-features-migrations/${migrationId}/resend`;
    return event;
  }

  /** A migration in round `round` whose round ended declined by 300000000002 and, if `waiting`, waits for an operator. */
  async function declinedRound(round: number, waiting = true) {
    await ensureMigration(store(), idOf(1), cloudOps.arn, NOW - DAY);
    for (let r = 1; r <= round; r++)
      await openRound(
        store(),
        idOf(1),
        { handshakeId: `h-0000000000000000000000000000000${r}`, expiresAt: NOW + 89 * DAY, adopted: false },
        NOW - DAY,
      );
    if (waiting)
      await recordOperatorWait(
        store(),
        idOf(1),
        { round, end: 'declined', decliners: ['300000000002'] },
        NOW,
      );
    // the migration's wait for answers, parked on its token
    await registerApprovalWaiter(
      { ...store(), sfn: new SFNClient({ region: 'us-east-1' }), now: () => NOW },
      { handshakeId: `h-0000000000000000000000000000000${round}`, taskToken: TOKEN, migrationId: idOf(1) },
    );
    executions({ 1: { status: 'RUNNING' } });
    sfnMock.on(SendTaskSuccessCommand).resolves({});
  }

  it('records the resend, wakes the waiting migration and answers 202; a repeat changes nothing', async () => {
    // Prepare
    await declinedRound(1);
    const waiting = await invoke(get(idOf(1)));

    // Act
    const first = await invoke(resend(idOf(1)));
    const record = (await readMigration(store(), idOf(1)))!.migration;
    const repeat = await invoke(resend(idOf(1)));
    const after = await invoke(get(idOf(1)));

    // Assess
    expect(waiting.json).toMatchObject({
      state: 'WAITING_FOR_OPERATOR',
      operatorWait: {
        round: 1,
        end: 'declined',
        decliners: ['300000000002'],
        options: [
          expect.stringContaining(`npx orgflow migration ${idOf(1)} --resend`),
          'remove 300000000002: aws organizations remove-account-from-organization --account-id 300000000002',
        ],
      },
      nextAction: expect.stringContaining('waiting for an operator'),
    });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json).toEqual({
      migrationId: idOf(1),
      round: 1,
      nextRound: 2,
      statusUrl: expect.stringMatching(new RegExp(`/all-features-migrations/${idOf(1)}$`)),
    });
    expect(record.operatorWait).toMatchObject({ round: 1, resendRequestedBy: cloudOps.arn });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: expect.stringContaining('"eventName":"ResendRequested"'),
    });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json).toEqual(first.json);
    expect((await readMigration(store(), idOf(1)))!.migration).toEqual(record);
    expect(after.json).toMatchObject({
      state: 'RUNNING',
      nextAction: expect.stringContaining('starting round 2 of 3'),
    });
  });

  it('answers a repeat that comes after the round it asked for opened with that round, and starts nothing', async () => {
    // Prepare: the resend of round 1 recorded, and round 2 opened by it (Preflight)
    await declinedRound(1);
    const first = await invoke(resend(idOf(1)));
    await openRound(
      store(),
      idOf(1),
      { handshakeId: 'h-00000000000000000000000000000002', expiresAt: NOW + 90 * DAY, adopted: false },
      NOW + HOUR,
    );
    sfnMock.resetHistory();
    const before = await readMigration(store(), idOf(1));

    // Act
    const repeat = await invoke(resend(idOf(1)));
    const status = await invoke(get(idOf(1)));

    // Assess: the first answer again; the record unchanged and nothing woken
    expect(first.statusCode, first.body).toBe(202);
    expect(repeat.statusCode, repeat.body).toBe(202);
    expect(repeat.json).toEqual(first.json);
    expect(await readMigration(store(), idOf(1))).toEqual(before);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    // the round the resend opened says so
    expect(status.json).toMatchObject({ state: 'RUNNING', round: 2 });
    expect(status.json.rounds[1]).toMatchObject({ round: 2, resentBy: cloudOps.arn });
    expect(status.json.rounds[0].resentBy).toBeUndefined();
  });

  it.each([
    ['in its first round', 1],
    ['in a round no resend opened (no resend recorded)', 2],
  ])(
    'answers 409 to a migration that does not wait for an operator, %s, and changes nothing',
    async (_, round) => {
      // Prepare
      await declinedRound(round, false);
      const before = await readMigration(store(), idOf(1));

      // Act
      const response = await invoke(resend(idOf(1)));

      // Assess
      expect(response.statusCode).toBe(409);
      expect(response.json.message).toContain(
        `is not waiting for an operator (it is running round ${round})`,
      );
      expect(await readMigration(store(), idOf(1))).toEqual(before);
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    },
  );

  it('answers 409 once the migration ran its rounds: only the removal is left', async () => {
    // Prepare
    await declinedRound(3);
    const before = await readMigration(store(), idOf(1));

    // Act
    const response = await invoke(resend(idOf(1)));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.json.message).toContain('has run all its 3 rounds');
    expect(response.json.message).toContain('--account-id 300000000002');
    expect(await readMigration(store(), idOf(1))).toEqual(before);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it.each([
    ['an unknown id', idOf(7)],
    ['an id no migration could have', 'not a migration!'],
  ])('answers 404 for %s', async (_, id) => {
    // Prepare
    executions({});

    // Act
    const response = await invoke(resend(id));

    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('answers 403 to a caller the configuration does not name, and changes nothing', async () => {
    // Prepare
    await declinedRound(1);
    const before = await readMigration(store(), idOf(1));

    // Act
    const response = await invoke(
      resend(idOf(1), 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal'),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(await readMigration(store(), idOf(1))).toEqual(before);
  });
});
