import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRequest } from '../../functions/account-vending/record-request/record-request';
import { readRequestRecord, recordSubmission } from '../../functions/account-vending/request-record';
import { governorTableOnDynalite } from '../governor-table';
import { lambdaContext } from './fixtures/lambda-context';

const STATE_MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-account-vending';
const EXECUTIONS = 'arn:aws:states:us-east-1:111111111111:execution:orgflow-account-vending';
const sample: APIGatewayProxyEvent = JSON.parse(
  readFileSync('events/samples/apigateway-rest-proxy.json', 'utf8'),
);

// the account requests' records on the governor table (dynalite); Step Functions and Organizations faked
const table = governorTableOnDynalite();
const sfnMock = mockClient(SFNClient);
const organizationsMock = mockClient(OrganizationsClient);
let handler: (
  event: APIGatewayProxyEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  vi.stubEnv('ACCOUNT_VENDING_STATE_MACHINE_ARN', STATE_MACHINE);
  // the closure routes' variables (test/functions/closure-batches-api.test.ts exercises them)
  vi.stubEnv(
    'CLOSURE_BATCH_STATE_MACHINE_ARN',
    'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-closure-batch',
  );
  // the all-features routes' (test/functions/all-features-api.test.ts exercises them)
  vi.stubEnv(
    'ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN',
    'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-all-features-migration',
  );
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv(
    'VENDING_CONFIG',
    JSON.stringify({
      selfServicePolicies: [],
      callers: [
        { principal: 'arn:aws:iam::222233334444:role/PortalRole', organizationalUnits: ['Workloads/*'] },
      ],
      readers: ['arn:aws:iam::222233334444:role/AuditRole'],
    }),
  );
  ({ handler } = await import('../../functions/api/handler'));
});

const request = {
  accountName: 'payments-prod',
  email: 'payments-prod@orgflow.example',
  organizationalUnit: 'Workloads/Prod',
};
const caller = { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' };
const other = { arn: 'arn:aws:iam::222233334444:user/mallory', accountId: '222233334444' };
const auditor = 'arn:aws:sts::222233334444:assumed-role/AuditRole/alice';

/** The sample event with this body and an Idempotency-Key. */
function post(
  body: unknown,
  headers: Record<string, string> = { 'Idempotency-Key': 'portal-7f3a' },
): APIGatewayProxyEvent {
  const event = structuredClone(sample);
  event.body = typeof body === 'string' ? body : JSON.stringify(body);
  event.headers = { ...event.headers, ...headers };
  return event;
}

function get(
  path: string,
  query: Record<string, string> | null = null,
  userArn = caller.arn,
): APIGatewayProxyEvent {
  const event = structuredClone(sample);
  event.requestContext.identity.userArn = userArn;
  const id = path.split('/')[2];
  event.httpMethod = 'GET';
  event.path = path;
  event.resource = id ? '/account-requests/{id}' : '/account-requests';
  event.pathParameters = id ? { id } : null;
  event.queryStringParameters = query;
  event.requestContext.path = `/prod${path}`;
  event.body = null;
  return event;
}

const invoke = async (event: APIGatewayProxyEvent) => {
  const response = await handler(event, lambdaContext('ApiHandler'));
  return { ...response, json: JSON.parse(response.body) };
};

function organizationWithProd() {
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12' }] });
  organizationsMock
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-workload', Name: 'Workloads' }] })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-workload' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-prod0001', Name: 'Prod' }] });
  organizationsMock
    .on(ListPoliciesCommand)
    .resolves({ Policies: [] })
    .on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' })
    .resolves({ Policies: [{ Id: 'p-root00001', Name: 'DenyRootUser' }] });
}

const store = {
  get db() {
    return table.db;
  },
  table: table.name,
};

const notFound = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

beforeEach(() => {
  sfnMock.reset();
  organizationsMock.reset();
  organizationsMock.on(ListAccountsCommand).resolves({ Accounts: [] });
});

describe('POST /account-requests', () => {
  it('validates the request, starts the execution named by the request id and answers 202', async () => {
    // Prepare
    organizationWithProd();
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTIONS}:x`, startDate: new Date() });

    // Act
    const response = await invoke(post({ ...request, tags: [{ key: 'team', value: 'payments' }] }));

    // Assess
    expect(response.statusCode).toBe(202);
    const { requestId, statusUrl, created } = response.json;
    expect(requestId).toMatch(/^ar-[0-9a-f]{32}$/);
    // this call started the request: a client tells it from a repeat
    expect(created).toBe(true);
    expect(statusUrl).toBe(
      `https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/account-requests/${requestId}`,
    );
    expect(response.headers).toMatchObject({ Location: statusUrl, 'Content-Type': 'application/json' });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: requestId,
    });
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input).toEqual({
      caller,
      request: { ...request, tags: [{ key: 'team', value: 'payments' }], policies: [] },
      // what the validation resolved, for Validate Request to verify instead of resolving again
      resolved: { organizationalUnit: { id: 'ou-ab12-prod0001', path: 'Workloads/Prod' }, policies: [] },
    });
    // recorded before it started: the key resolves through the record once the execution is forgotten
    expect(await readRequestRecord(store, requestId)).toMatchObject({
      idempotencyKey: 'portal-7f3a',
      caller,
      owner: 'arn:aws:iam::222233334444:role/PortalRole',
      request: input.request,
      state: 'PENDING',
    });
  });

  it('answers a repeat from the record when the execution is gone, and starts nothing', async () => {
    // Prepare
    organizationWithProd();
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTIONS}:x`, startDate: new Date() });
    const first = await invoke(post(request));
    await recordRequest(
      { ...store, now: () => Date.now(), countRefusal: () => undefined },
      { requestId: first.json.requestId, caller, request: {}, state: 'SUCCEEDED', accountId: '123456789012' },
    );
    sfnMock.resetHistory();
    organizationsMock.resetHistory();

    // Act
    const repeat = await invoke(post(request));
    const conflicting = await invoke(post({ ...request, accountName: 'billing' }));

    // Assess
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json).toEqual({ ...first.json, created: false });
    expect(conflicting.statusCode).toBe(409);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });

  it('starts a request recorded by a call that stopped before starting it', async () => {
    // Prepare
    organizationWithProd();
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).rejectsOnce(new Error('socket hang up')).resolves({});
    const first = await invoke(post(request));

    // Act
    const repeat = await invoke(post(request));

    // Assess
    expect(first.statusCode).toBe(500);
    expect(repeat.statusCode).toBe(202);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    expect(await readRequestRecord(store, repeat.json.requestId)).toMatchObject({ state: 'PENDING' });
  });

  it('never starts again a request that went further than its record at submission, once its execution is gone', async () => {
    // Prepare: created, then the execution dropped (90 days later) while the record says CREATING
    organizationWithProd();
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTIONS}:x`, startDate: new Date() });
    const first = await invoke(post(request));
    await recordRequest(
      { ...store, now: () => Date.now(), countRefusal: () => undefined },
      { requestId: first.json.requestId, caller, request: {}, state: 'CREATING' },
    );
    sfnMock.resetHistory();

    // Act
    const repeat = await invoke(post(request));

    // Assess
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json).toEqual({ ...first.json, created: false });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers a repeat with the same request and starts nothing (another session of the same role)', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    organizationWithProd();
    const first = await invoke(post(request));
    const started = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    sfnMock.reset();
    organizationsMock.reset();
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves({ name: started?.name, status: 'RUNNING', input: started?.input });
    const event = post(request);
    event.requestContext.identity.userArn =
      'arn:aws:sts::222233334444:assumed-role/PortalRole/another-session';

    // Act
    const repeat = await invoke(event);

    // Assess
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json).toEqual({ ...first.json, created: false });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 409 when the key was used for a different request', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      input: JSON.stringify({
        caller,
        request: { ...request, accountName: 'billing', tags: [], policies: [] },
      }),
    });

    // Act
    const response = await invoke(post(request));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.json.message).toMatch(/idempotency key was already used for a different request/);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 409 when a racing call with the same key started a different request first', async () => {
    // Prepare
    organizationWithProd();
    sfnMock
      .on(DescribeExecutionCommand)
      .rejectsOnce(notFound())
      .resolves({
        status: 'RUNNING',
        input: JSON.stringify({ caller, request: { ...request, email: 'other@orgflow.example' } }),
      });
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const response = await invoke(post(request));

    // Assess
    expect(response.statusCode).toBe(409);
  });

  it('refuses the sample body with 400, listing every bad field, and starts nothing', async () => {
    // Act: the sample names the OU "ou" and sends no Idempotency-Key
    const response = await invoke(post(sample.body as string, {}));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.message).toBe('the request is not valid');
    expect(response.json.issues.map((i: { path: string; rule: string }) => [i.path, i.rule])).toEqual([
      ['organizationalUnit', 'required'],
      ['ou', 'unknown-field'],
      ['Idempotency-Key', 'required'],
    ]);
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('refuses with 400 what only the organization and the configuration reveal', async () => {
    // Prepare
    organizationWithProd();
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());

    // Act
    const response = await invoke(post({ ...request, policies: ['DenyRootUser'] }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.issues).toEqual([
      expect.objectContaining({ path: 'policies[0]', rule: 'policy-not-self-service' }),
    ]);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each([
    ['{"accountName":', { 'Content-Type': 'application/json' }, 400, /the body is not JSON/],
    ['accountName=x', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415, /application\/json/],
  ])('answers %s (%j) with %i', async (body, headers, statusCode, message) => {
    // Act
    const response = await invoke(post(body, { ...headers, 'Idempotency-Key': 'k' }));

    // Assess
    expect(response.statusCode).toBe(statusCode);
    expect(response.json.message).toMatch(message);
  });

  it('answers 403 to a request no IAM principal signed', async () => {
    // Prepare
    const event = post(request);
    event.requestContext.identity.userArn = null;

    // Act
    const response = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(403);
  });

  it('answers 503 with Retry-After when Organizations throttles the validation, and starts nothing', async () => {
    // Prepare
    // the root is remembered from an earlier request and the listings for 30 s: let them expire
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    organizationsMock.on(ListRootsCommand).rejects(throttled);
    organizationsMock.on(ListOrganizationalUnitsForParentCommand).rejects(throttled);
    const later = Date.now() + 60_000;
    vi.spyOn(Date, 'now').mockReturnValue(later);

    // Act
    const response = await invoke(post(request)).finally(() => vi.restoreAllMocks());

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('2');
    expect(response.json.message).toContain('TooManyRequestsException');
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("refuses with 400 an email that already belongs to an account (another team's), and starts nothing", async () => {
    // Prepare
    organizationWithProd();
    const taken = 'Shared-Mailbox@orgflow.example';
    organizationsMock.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: '444455556666', Email: taken, State: 'ACTIVE' }],
    });
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    // the account listing is kept for 30 s from an earlier request (the throttled one's listings are 60 s ahead):
    // let it expire
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 120_000);

    // Act
    const response = await invoke(
      post({ ...request, email: taken.toLowerCase() }, { 'Idempotency-Key': 'someone-elses-mailbox' }),
    ).finally(() => vi.restoreAllMocks());

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.issues).toEqual([expect.objectContaining({ path: 'email', rule: 'email-in-use' })]);
    expect(response.body).not.toContain('444455556666');
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 500 without the internals when AWS fails unexpectedly', async () => {
    // Prepare
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new Error('connect ECONNREFUSED 10.0.0.7:443 (secret detail)'));

    // Act
    const response = await invoke(post(request));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/ECONNREFUSED|secret/);
    expect(response.json.message).toBe(
      'orgflow could not answer because of an internal error (reference c6af9ac6-7b61-11e6-9a41-93e812345678)',
    );
  });
});

const id = 'ar-0123456789abcdef0123456789abcdef';
const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 10, 15, second));
let nextEventId = 1;
const entered = (name: string, second: number, type = 'TaskStateEntered'): HistoryEvent => ({
  id: nextEventId++,
  type: type as never,
  timestamp: at(second),
  stateEnteredEventDetails: { name },
});
const exited = (name: string, second: number, output: object = {}): HistoryEvent => ({
  id: nextEventId++,
  type: 'TaskStateExited',
  timestamp: at(second),
  stateExitedEventDetails: { name, output: JSON.stringify(output) },
});
const execution = {
  executionArn: `${EXECUTIONS}:${id}`,
  stateMachineArn: STATE_MACHINE,
  name: id,
  startDate: at(0),
  input: JSON.stringify({ caller, request: { ...request, tags: [], policies: [] } }),
};

describe('GET /account-requests/{id}', () => {
  it('shows a request being created: its phase, its steps and no account yet', async () => {
    // Prepare
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: `${EXECUTIONS}:${id}` })
      .resolves({ ...execution, status: 'RUNNING' });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 0, type: 'ExecutionStarted', timestamp: at(0) },
        entered('Validate Request', 0),
        exited('Validate Request', 1),
        entered('Acquire Create Slot', 1),
        exited('Acquire Create Slot', 2, { slot: 0, ticket: 1 }),
        entered('Create Account', 2),
        exited('Create Account', 3, { createAccountRequestId: 'car-1', source: 'new' }),
        entered('Wait For Account', 3),
      ],
    });

    // Act
    const response = await invoke(get(`/account-requests/${id}`));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      requestId: id,
      state: 'CREATING',
      accountId: null,
      request,
      createdAt: '2026-03-01T10:15:00.000Z',
      updatedAt: '2026-03-01T10:15:03.000Z',
      steps: [
        { name: 'Validate Request', completedAt: '2026-03-01T10:15:01.000Z' },
        { name: 'Acquire Create Slot', completedAt: '2026-03-01T10:15:02.000Z' },
        { name: 'Create Account', completedAt: '2026-03-01T10:15:03.000Z' },
      ],
    });
  });

  it('shows the account of a request being configured', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({ ...execution, status: 'RUNNING' });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        exited('Wait For Account', 20, { state: 'SUCCEEDED', accountId: '123456789012' }),
        exited('Release Create Slot', 21, { released: true }),
        entered('Move Account', 21),
      ],
    });

    // Act
    const response = await invoke(get(`/account-requests/${id}`));

    // Assess
    expect(response.json).toMatchObject({ state: 'CONFIGURING', accountId: '123456789012' });
  });

  it('explains a failure in the words of its named error', async () => {
    // Prepare
    const message =
      'the email address payments-prod@orgflow.example already belongs to an account outside this organization, so no account was created; ask again with an address no AWS account uses (a new mailbox or alias) and a new Idempotency-Key';
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...execution,
      status: 'FAILED',
      stopDate: at(50),
      error: 'EmailAlreadyExistsError',
      cause: JSON.stringify({
        errorType: 'EmailAlreadyExistsError',
        errorMessage: message,
        trace: ['at adopt (/var/task/index.mjs:1:1)'],
      }),
    });
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolves({ events: [entered('Vending Failed', 50, 'FailStateEntered')] });

    // Act
    const response = await invoke(get(`/account-requests/${id}`));

    // Assess
    expect(response.json).toMatchObject({
      state: 'FAILED',
      error: 'EmailAlreadyExistsError',
      reason: message,
      completedAt: '2026-03-01T10:15:50.000Z',
    });
  });

  it('names an internal failure without describing it', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...execution,
      status: 'FAILED',
      error: 'TypeError',
      cause: JSON.stringify({
        errorType: 'TypeError',
        errorMessage: "Cannot read properties of undefined (reading 'Id')",
      }),
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    // Act
    const response = await invoke(get(`/account-requests/${id}`));

    // Assess
    expect(response.json.reason).toBe(
      `the request failed because of an internal error (TypeError); give the platform team the request id ${id}`,
    );
    expect(response.body).not.toMatch(/Cannot read/);
  });

  it("answers 404 for another caller's request, and shows it to a reader", async () => {
    // Prepare
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: `${EXECUTIONS}:${id}` })
      .resolves({ ...execution, status: 'SUCCEEDED', stopDate: at(9) });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    // Act
    const stranger = await invoke(get(`/account-requests/${id}`, null, other.arn));
    const sameRole = await invoke(
      get(`/account-requests/${id}`, null, `${caller.arn.replace(/portal$/, 'batch-job')}`),
    );
    const reader = await invoke(get(`/account-requests/${id}`, null, auditor));

    // Assess
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json.message).toBe(`there is no account request ${id}`);
    expect(sameRole.statusCode).toBe(200);
    expect(reader.statusCode).toBe(200);
  });

  it('shows a request whose execution is gone from its record: its outcome, account and request', async () => {
    // Prepare
    await recordSubmission(store, {
      requestId: id,
      idempotencyKey: 'portal-7f3a',
      caller,
      request,
      now: at(0).getTime(),
    });
    const recorder = { ...store, now: () => at(50).getTime(), countRefusal: () => undefined };
    await recordRequest(recorder, {
      requestId: id,
      caller,
      request,
      state: 'CONFIGURING',
      accountId: '123456789012',
    });
    await recordRequest(recorder, {
      requestId: id,
      caller,
      request,
      state: 'FAILED',
      error: 'PolicyNotFoundError',
      cause: JSON.stringify({ errorMessage: 'policy p-deny00001 no longer exists; ask again without it' }),
    });
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());

    // Act
    const response = await invoke(get(`/account-requests/${id}`));
    const stranger = await invoke(get(`/account-requests/${id}`, null, other.arn));

    // Assess
    expect(response.json).toEqual({
      requestId: id,
      state: 'FAILED',
      error: 'PolicyNotFoundError',
      reason: 'policy p-deny00001 no longer exists; ask again without it',
      accountId: '123456789012',
      request,
      createdAt: '2026-03-01T10:15:00.000Z',
      updatedAt: '2026-03-01T10:15:50.000Z',
      completedAt: '2026-03-01T10:15:50.000Z',
      steps: [],
    });
    expect(sfnMock).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
    expect(stranger.statusCode).toBe(404);
  });

  it('shows a request that could not be served as FAILED, though its execution succeeded', async () => {
    // Prepare
    const message = 'the email address payments-prod@orgflow.example already belongs to an account';
    const cause = JSON.stringify({ errorType: 'EmailAlreadyExistsError', errorMessage: message });
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...execution,
      status: 'SUCCEEDED',
      stopDate: at(50),
      output: JSON.stringify({ requestId: id, state: 'FAILED', error: 'EmailAlreadyExistsError', cause }),
    });
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolves({ events: [entered('Request Refused', 50, 'SucceedStateEntered')] });

    // Act
    const response = await invoke(get(`/account-requests/${id}`));

    // Assess
    expect(response.json).toMatchObject({
      state: 'FAILED',
      error: 'EmailAlreadyExistsError',
      reason: message,
      accountId: null,
      completedAt: '2026-03-01T10:15:50.000Z',
    });
  });

  it('answers 404 for a request that does not exist, or an id that cannot be one', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());

    // Act
    const unknown = await invoke(get('/account-requests/ar-ffffffffffffffffffffffffffffffff'));
    const malformed = await invoke(get('/account-requests/..%2Fetc'));

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(malformed.statusCode).toBe(404);
  });
});

describe('GET /account-requests', () => {
  const recorder = (now: number) => ({ ...store, now: () => now, countRefusal: () => undefined });
  /** `n` requests of `asker`, a second apart, named team-<n>. */
  async function requestsOf(asker: typeof caller, from: number, count: number) {
    for (let n = from; n < from + count; n++)
      await recordSubmission(store, {
        requestId: `ar-${n.toString(16).padStart(32, '0')}`,
        idempotencyKey: `key-${n}`,
        caller: asker,
        request: { ...request, accountName: `team-${n}` },
        now: at(n).getTime(),
      });
  }

  it("lists the caller's requests newest first, with account name and id, one Query a page and no execution read", async () => {
    // Prepare
    await requestsOf(caller, 1, 3);
    await recordRequest(recorder(at(9).getTime()), {
      requestId: `ar-${'2'.padStart(32, '0')}`,
      caller,
      request,
      state: 'SUCCEEDED',
      accountId: '123456789012',
    });
    // every DynamoDB call of the handler's own client
    const calls = vi.spyOn(DynamoDBDocumentClient.prototype, 'send');

    // Act
    const first = await invoke(get('/account-requests', { limit: '2' }));
    const second = await invoke(get('/account-requests', { limit: '2', nextToken: first.json.nextToken }));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.json.requests).toEqual([
      {
        requestId: `ar-${'3'.padStart(32, '0')}`,
        state: 'PENDING',
        accountName: 'team-3',
        accountId: null,
        createdAt: '2026-03-01T10:15:03.000Z',
        statusUrl: `https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/account-requests/ar-${'3'.padStart(32, '0')}`,
      },
      expect.objectContaining({
        requestId: `ar-${'2'.padStart(32, '0')}`,
        state: 'SUCCEEDED',
        accountName: 'team-2',
        accountId: '123456789012',
        completedAt: '2026-03-01T10:15:09.000Z',
      }),
    ]);
    expect(second.json.requests.map((r: { accountName: string }) => r.accountName)).toEqual(['team-1']);
    expect(second.json.nextToken).toBeUndefined();
    expect(sfnMock).not.toHaveReceivedAnyCommand();
    expect(calls.mock.calls.map(([command]) => command.constructor.name)).toEqual([
      'QueryCommand',
      'QueryCommand',
    ]);
    calls.mockRestore();
  });

  it('lists the requests in a state', async () => {
    // Prepare
    await requestsOf(caller, 1, 3);
    await recordRequest(recorder(at(9).getTime()), {
      requestId: `ar-${'1'.padStart(32, '0')}`,
      caller,
      request,
      state: 'CREATING',
    });

    // Act
    const response = await invoke(get('/account-requests', { state: 'CREATING', limit: '10' }));

    // Assess
    expect(response.json.requests.map((r: { accountName: string }) => r.accountName)).toEqual(['team-1']);
  });

  it('shows a caller only its own requests, and a reader every request', async () => {
    // Prepare
    await requestsOf(caller, 1, 1);
    await requestsOf(other, 2, 1);

    // Act
    const own = await invoke(get('/account-requests'));
    const all = await invoke(get('/account-requests', null, auditor));

    // Assess
    expect(own.json.requests.map((r: { accountName: string }) => r.accountName)).toEqual(['team-1']);
    expect(all.json.requests.map((r: { accountName: string }) => r.accountName)).toEqual([
      'team-2',
      'team-1',
    ]);
  });

  it('refuses a nextToken this API did not give out, or gave another caller, with 400', async () => {
    // Prepare
    await requestsOf(other, 1, 2);
    const theirs = await invoke(get('/account-requests', { limit: '1' }, other.arn));

    // Act
    const forged = await invoke(get('/account-requests', { nextToken: 'not-a-token' }));
    const borrowed = await invoke(get('/account-requests', { nextToken: theirs.json.nextToken }));

    // Assess
    for (const response of [forged, borrowed]) {
      expect(response.statusCode).toBe(400);
      expect(response.json.issues).toEqual([
        expect.objectContaining({ path: 'nextToken', rule: 'invalid-token' }),
      ]);
    }
  });

  it('refuses an unknown state with 400', async () => {
    // Act
    const response = await invoke(get('/account-requests', { state: 'DONE' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.issues).toEqual([expect.objectContaining({ path: 'state', rule: 'one-of' })]);
  });
});
