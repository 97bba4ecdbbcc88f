import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  DescribeOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationalUnitNotFoundException,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BatchRecord, recordBatch, setAccountState } from '../../functions/account-closure/batch-store';
import { recordClosure, recordQuotaLimit } from '../../functions/account-closure/ledger';
import { closureBatchIdFor } from '../../functions/api/caller';
import { governorTableOnDynalite } from '../governor-table';
import { lambdaContext } from './fixtures/lambda-context';

// The closure-batches routes of the API handler: Step Functions and Organizations faked with
// aws-sdk-client-mock, the batch records and the ledger on the governor table (dynalite).

const STATE_MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-closure-batch';
const EXECUTIONS = 'arn:aws:states:us-east-1:111111111111:execution:orgflow-closure-batch';
const NOW = Date.UTC(2026, 11, 6, 12);
const DAY = 24 * 60 * 60 * 1000;
const sample: APIGatewayProxyEvent = JSON.parse(
  readFileSync('events/samples/apigateway-rest-proxy.json', 'utf8'),
);

const table = governorTableOnDynalite();
const sfnMock = mockClient(SFNClient);
const organizationsMock = mockClient(OrganizationsClient);
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
  vi.stubEnv('CLOSURE_BATCH_STATE_MACHINE_ARN', STATE_MACHINE);
  vi.stubEnv(
    'ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN',
    'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-all-features-migration',
  );
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('VENDING_CONFIG', JSON.stringify({ selfServicePolicies: [], callers: [] }));
  vi.stubEnv(
    'CLOSURE_CONFIG',
    JSON.stringify({
      callers: ['arn:aws:iam::222233334444:role/CloudOps'],
      protectedOrganizationalUnits: [],
    }),
  );
  ({ handler } = await import('../../functions/api/handler'));
});

const cloudOps = { arn: 'arn:aws:sts::222233334444:assumed-role/CloudOps/jane', accountId: '222233334444' };
const portal = 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal';
const body = { organizationalUnit: 'Decommission', reason: 'the acquisition is wound down' };
const expectedRequest = {
  selection: { accountIds: [], organizationalUnit: 'Decommission', includeSubOrganizationalUnits: false },
  reason: 'the acquisition is wound down',
  dryRun: false,
};

function post(
  payload: unknown,
  headers: Record<string, string> = { 'Idempotency-Key': 'sweep-2026-12' },
  userArn = cloudOps.arn,
): APIGatewayProxyEvent {
  const event = structuredClone(sample);
  event.resource = '/closure-batches';
  event.path = '/closure-batches';
  event.requestContext.path = '/prod/closure-batches';
  event.requestContext.identity.userArn = userArn;
  event.body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  event.headers = { ...event.headers, ...headers };
  return event;
}

function get(batchId: string, userArn = cloudOps.arn): APIGatewayProxyEvent {
  const event = structuredClone(sample);
  event.httpMethod = 'GET';
  event.resource = '/closure-batches/{id}';
  event.path = `/closure-batches/${batchId}`;
  event.pathParameters = { id: batchId };
  event.requestContext.path = `/prod/closure-batches/${batchId}`;
  event.requestContext.identity.userArn = userArn;
  event.body = null;
  return event;
}

const invoke = async (event: APIGatewayProxyEvent) => {
  const response = await handler(event, lambdaContext('ApiHandler'));
  return { ...response, json: JSON.parse(response.body) };
};

const notFound = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

function organizationWithDecommission() {
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12' }] });
  organizationsMock
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-decommis', Name: 'Decommission' }] });
  organizationsMock
    .on(DescribeOrganizationalUnitCommand)
    .rejects(new OrganizationalUnitNotFoundException({ message: 'not found', $metadata: {} }))
    .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: 'ou-ab12-decommis' })
    .resolves({ OrganizationalUnit: { Id: 'ou-ab12-decommis', Name: 'Decommission' } });
  organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
}

beforeEach(() => {
  sfnMock.reset();
  organizationsMock.reset();
});
afterEach(() => vi.restoreAllMocks());

describe('POST /closure-batches', () => {
  it('checks the OU, starts the batch named by its id and answers 202 with where to follow it', async () => {
    // Prepare
    organizationWithDecommission();
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTIONS}:x`, startDate: new Date() });

    // Act
    const response = await invoke(post(body));

    // Assess
    expect(response.statusCode, response.body).toBe(202);
    const { batchId, statusUrl, created } = response.json;
    expect(created).toBe(true);
    expect(batchId).toBe(closureBatchIdFor(cloudOps, 'sweep-2026-12'));
    expect(batchId).toMatch(/^cb-[0-9a-f]{32}$/);
    expect(statusUrl).toBe(
      `https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/closure-batches/${batchId}`,
    );
    expect(response.headers).toMatchObject({ Location: statusUrl });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: batchId,
    });
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input).toEqual({ caller: cloudOps, source: 'api', request: expectedRequest });
  });

  it('takes accounts by id alone, without looking at the organization', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTIONS}:x`, startDate: new Date() });

    // Act
    const response = await invoke(
      post({ accountIds: ['444455556666', '777788889999'], reason: 'project ended', dryRun: true }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input.request).toEqual({
      selection: { accountIds: ['444455556666', '777788889999'], includeSubOrganizationalUnits: false },
      reason: 'project ended',
      dryRun: true,
    });
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });

  it('answers a repeat with the same batch and starts nothing (another session of the same role)', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'RUNNING',
      input: JSON.stringify({ caller: cloudOps, source: 'api', request: expectedRequest }),
    });

    // Act
    const repeat = await invoke(
      post({ ...body, dryRun: false }, undefined, 'arn:aws:sts::222233334444:assumed-role/CloudOps/other'),
    );

    // Assess
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json.batchId).toBe(closureBatchIdFor(cloudOps, 'sweep-2026-12'));
    expect(repeat.json.created).toBe(false);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });

  it("answers a repeat from the batch's record once Step Functions has forgotten the execution", async () => {
    // Prepare
    const batchId = closureBatchIdFor(cloudOps, 'sweep-2026-12');
    await recordBatch(
      { db: table.db, table: table.name },
      {
        batchId,
        reason: body.reason,
        requestedBy: cloudOps.arn,
        source: 'api',
        dryRun: false,
        createdAt: new Date(NOW - 120 * DAY).toISOString(),
        selection: expectedRequest.selection,
        plan: [],
        quota: { used: 0, limit: 3, nextFitsAt: new Date(NOW - 120 * DAY).toISOString() },
      },
      NOW - 120 * DAY,
    );
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());

    // Act
    const repeat = await invoke(post(body));
    const other = await invoke(post({ ...body, reason: 'another sweep' }));

    // Assess
    expect(repeat.statusCode, repeat.body).toBe(202);
    expect(repeat.json.batchId).toBe(batchId);
    expect(other.statusCode).toBe(409);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 409 when the key was used for another batch', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      input: JSON.stringify({
        caller: cloudOps,
        source: 'api',
        request: { ...expectedRequest, dryRun: true },
      }),
    });

    // Act
    const response = await invoke(post(body));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.json.message).toMatch(/already used for a different closure batch/);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 409 when a racing call with the same key started another batch first', async () => {
    // Prepare
    organizationWithDecommission();
    sfnMock
      .on(DescribeExecutionCommand)
      .rejectsOnce(notFound())
      .resolves({
        status: 'RUNNING',
        input: JSON.stringify({
          caller: cloudOps,
          source: 'api',
          request: { ...expectedRequest, reason: 'x' },
        }),
      });
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const response = await invoke(post(body));

    // Assess
    expect(response.statusCode).toBe(409);
  });

  it.each([
    [
      'every bad field of a body',
      {
        accountIds: ['12345', 111122223333],
        organizationalUnit: 'r-ab12',
        reason: '',
        dryRun: 'yes',
        force: true,
      },
      {},
      [
        ['accountIds[0]', 'pattern'],
        ['accountIds[1]', 'type'],
        ['organizationalUnit', 'not-root'],
        ['reason', 'min-length'],
        ['dryRun', 'type'],
        ['force', 'unknown-field'],
        ['Idempotency-Key', 'required'],
      ],
    ],
    [
      'an empty body',
      {},
      { 'Idempotency-Key': 'has spaces in it' },
      [
        ['reason', 'required'],
        ['accountIds', 'selection-required'],
        ['Idempotency-Key', 'pattern'],
      ],
    ],
    [
      'too many accounts and too long a reason',
      {
        accountIds: Array.from({ length: 1001 }, (_, i) => String(100000000000 + i)),
        reason: 'x'.repeat(257),
      },
      { 'Idempotency-Key': 'k' },
      [
        ['accountIds', 'max-length'],
        ['reason', 'max-length'],
      ],
    ],
    [
      'sub-OUs without an OU, and no reason',
      { accountIds: ['111122223333'], includeSubOrganizationalUnits: true },
      { 'Idempotency-Key': 'k' },
      [
        ['reason', 'required'],
        ['includeSubOrganizationalUnits', 'needs-organizational-unit'],
      ],
    ],
    ['a body that is not an object', [], { 'Idempotency-Key': 'k' }, [['', 'type']]],
  ])(
    'refuses %s with 400, listing every problem, and starts nothing',
    async (_, payload, headers, issues) => {
      // Act
      const response = await invoke(post(payload, headers));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.json.issues.map((i: { path: string; rule: string }) => [i.path, i.rule])).toEqual(
        issues,
      );
      expect(sfnMock).not.toHaveReceivedAnyCommand();
      expect(organizationsMock).not.toHaveReceivedAnyCommand();
    },
  );

  it.each(['Sunset', 'ou-ab12-gone0000'])(
    'refuses an OU the organization does not have (%s) with 400 on organizationalUnit',
    async (ou) => {
      // Prepare
      organizationWithDecommission();
      sfnMock.on(DescribeExecutionCommand).rejects(notFound());
      // listings are kept 30 s by an instance, and a miss looks again after 1 s: let those of earlier tests expire
      vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 120_000);

      // Act
      const response = await invoke(
        post({ ...body, organizationalUnit: ou }, { 'Idempotency-Key': `k-${ou}` }),
      );

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.json.issues).toEqual([
        expect.objectContaining({
          path: 'organizationalUnit',
          rule: 'not-found',
          message: expect.stringContaining(ou),
        }),
      ]);
      expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    },
  );

  it("answers 403, naming the configuration's callers, to a caller it does not name", async () => {
    // Act
    const response = await invoke(post(body, undefined, portal));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.json.message).toContain(portal);
    expect(response.json.message).toContain('arn:aws:iam::222233334444:role/CloudOps');
    expect(response.json.message).toContain('callers');
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});

describe('GET /closure-batches/{id}', () => {
  const batchId = 'cb-00000000000000000000000000000001';
  const until = new Date(NOW + 12 * DAY).toISOString();
  const batchOf = (overrides: Partial<BatchRecord> = {}): BatchRecord => ({
    batchId,
    reason: 'the acquisition is wound down',
    requestedBy: cloudOps.arn,
    source: 'api',
    dryRun: false,
    createdAt: new Date(NOW - DAY).toISOString(),
    selection: { accountIds: [], organizationalUnit: 'Decommission', includeSubOrganizationalUnits: false },
    plan: [
      { accountId: '333333333333', decision: 'close-now' },
      { accountId: '222222222222', decision: 'close-now' },
      { accountId: '444444444444', decision: 'deferred', until },
      {
        accountId: '111111111111',
        decision: 'skipped',
        reason: 'management-account',
        detail: 'the management account cannot be closed',
      },
    ],
    quota: { used: 1, limit: 3, nextFitsAt: new Date(NOW - DAY).toISOString() },
    ...overrides,
  });
  const ports = () => ({ db: table.db, table: table.name });

  it('shows each account, the counts, and the quota as it is now', async () => {
    // Prepare: one closed, one closing, one deferred; the window holds three closures of a quota of three
    await recordBatch(ports(), batchOf(), NOW - DAY);
    await setAccountState(ports(), batchId, '333333333333', 'closed', NOW - 1000, {
      closedAt: new Date(NOW - 1000).toISOString(),
    });
    await setAccountState(ports(), batchId, '222222222222', 'closing', NOW);
    await recordQuotaLimit(ports(), { limit: 3, memberAccounts: 12, countedAt: NOW - DAY });
    for (const [accountId, requestedAt] of [
      ['555555555555', NOW - 20 * DAY],
      ['333333333333', NOW - 2000],
      ['222222222222', NOW - 1000],
    ] as const)
      await recordClosure(ports(), { accountId, requestedAt, source: 'orgflow' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date(NOW - DAY) });
    vi.spyOn(Date, 'now').mockReturnValue(NOW);

    // Act
    const response = await invoke(get(batchId));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      batchId,
      state: 'RUNNING',
      dryRun: false,
      reason: 'the acquisition is wound down',
      requestedBy: cloudOps.arn,
      source: 'api',
      createdAt: new Date(NOW - DAY).toISOString(),
      selection: batchOf().selection,
      counts: {
        planned: 0,
        'waiting-for-slot': 0,
        closing: 1,
        closed: 1,
        deferred: 1,
        skipped: 1,
        failed: 0,
        departed: 0,
      },
      // the oldest closure leaves the window 30 days after it was asked for
      quota: { used: 3, limit: 3, nextFitsAt: new Date(NOW + 10 * DAY).toISOString() },
      accounts: [
        { accountId: '333333333333', state: 'closed', closedAt: new Date(NOW - 1000).toISOString() },
        { accountId: '222222222222', state: 'closing' },
        { accountId: '444444444444', state: 'deferred', until },
        {
          accountId: '111111111111',
          state: 'skipped',
          reason: 'management-account',
          detail: 'the management account cannot be closed',
        },
      ],
    });
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: `${EXECUTIONS}:${batchId}`,
    });
  });

  it('says PLANNED of a dry run that has finished', async () => {
    // Prepare
    await recordBatch(ports(), batchOf({ dryRun: true }), NOW);
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', stopDate: new Date(NOW + 5000) });

    // Act
    const response = await invoke(get(batchId));

    // Assess
    expect(response.json).toMatchObject({
      state: 'PLANNED',
      dryRun: true,
      completedAt: new Date(NOW + 5000).toISOString(),
      counts: { planned: 2, deferred: 1, skipped: 1 },
    });
  });

  it('reads the records alone once Step Functions has forgotten the execution', async () => {
    // Prepare
    await recordBatch(ports(), batchOf({ plan: batchOf().plan.slice(3) }), NOW);
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());

    // Act
    const response = await invoke(get(batchId));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ state: 'SUCCEEDED', counts: { skipped: 1 } });
  });

  it('says PLANNING while the execution runs and has not recorded its plan', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date(NOW) });

    // Act
    const response = await invoke(get(batchId));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ batchId, state: 'PLANNING', createdAt: new Date(NOW).toISOString() });
  });

  it('shows why a batch failed before it could plan, in words written for the requester only', async () => {
    // Prepare
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves({
        status: 'FAILED',
        startDate: new Date(NOW),
        stopDate: new Date(NOW + 1000),
        error: 'OrganizationalUnitNotFoundError',
        cause: JSON.stringify({
          errorType: 'OrganizationalUnitNotFoundError',
          errorMessage: 'organizational unit Decommission no longer exists; ask again with an existing one',
        }),
      })
      .on(DescribeExecutionCommand, { executionArn: `${EXECUTIONS}:cb-broken` })
      .resolves({ status: 'FAILED', error: 'Error', cause: 'connect ECONNREFUSED 10.0.0.7 (secret)' });

    // Act
    const failed = await invoke(get(batchId));
    const broken = await invoke(get('cb-broken'));

    // Assess
    expect(failed.json).toMatchObject({
      state: 'FAILED',
      failure: {
        error: 'OrganizationalUnitNotFoundError',
        message: 'organizational unit Decommission no longer exists; ask again with an existing one',
      },
    });
    expect(broken.json.state).toBe('FAILED');
    expect(broken.body).not.toMatch(/ECONNREFUSED|secret/);
  });

  it.each([batchId, 'not a batch id!'])('answers 404 when there is no batch %s', async (id) => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());

    // Act
    const response = await invoke(get(id));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.json.message).toMatch(/there is no closure batch/);
  });

  it('answers 403 to a caller the closure configuration does not name, and reads nothing', async () => {
    // Prepare
    await recordBatch(ports(), batchOf(), NOW);

    // Act
    const response = await invoke(get(batchId, portal));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('333333333333');
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});
