import {
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DescribeOrganizationCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningApiGateway, startApiGateway } from '../../local/apigateway/server';
import { EventBuses } from '../../local/eventbridge/bus';
import { type RunningServer, startEventBridgeServer } from '../../local/eventbridge/server';
import { seededRandom } from '../../local/random';
import { StepFunctionsService, startStepFunctionsServer } from '../../local/stepfunctions/service';
import { addMemberRows, MANAGEMENT } from '../organizations/harness';
import { type SigningCredentials, signedFetch } from '../organizations/signed-fetch';
import { type Credentials, startStsHarness } from '../sts/harness';

const MEMBER = '222233334444';
const ROLE = `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`;
const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
const common = { region: 'us-east-1', maxAttempts: 1 };

/**
 * Every local service on one Organizations emulator, as the stack composes them: Organizations and STS,
 * Step Functions, EventBridge and the API gateway, all identifying callers with the emulator's keys.
 */
async function startServices() {
  const h = await startStsHarness();
  addMemberRows(h, h.organization.Id!, [MEMBER]);
  const { keyOwners } = h.emulator;
  const stepFunctions = new StepFunctionsService({ clock: h.clock, accountId: MANAGEMENT });
  const sfnServer = await startStepFunctionsServer(stepFunctions, { keyOwners, onInternalError: () => {} });
  const delivered: string[] = [];
  const buses = new EventBuses({
    clock: h.clock,
    random: seededRandom(7),
    resolveTarget: () => (input) => {
      delivered.push(input);
    },
  });
  const eventsServer: RunningServer = await startEventBridgeServer(buses, {
    keyOwners,
    onInternalError: () => {},
  });
  const api: RunningApiGateway = await startApiGateway({
    // the function answers with the account API Gateway saw calling
    invoker: {
      invoke: async (_arn, event) => ({
        result: {
          statusCode: 200,
          body: (event as APIGatewayProxyEvent).requestContext.identity.accountId ?? '',
        },
      }),
    },
    functions: { ApiHandler: `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:orgflow-api` },
    accountId: MANAGEMENT,
    keyOwners,
    organizationOf: (accountId) => h.emulator.store.accounts.get(accountId)?.orgId ?? null,
    onInternalError: () => {},
  });
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  return {
    ...h,
    stepFunctions,
    buses,
    delivered,
    sfn: (credentials: Credentials) =>
      track(new SFNClient({ ...common, endpoint: sfnServer.url, credentials })),
    events: (credentials: Credentials) =>
      track(new EventBridgeClient({ ...common, endpoint: eventsServer.url, credentials })),
    /** GET /account-requests on the API, signed with `credentials` */
    callApi: (credentials: SigningCredentials) =>
      signedFetch(`${api.invokeUrl}account-requests`, credentials, { service: 'execute-api' }),
    sfnUrl: sfnServer.url,
    async close() {
      for (const client of clients) client.destroy();
      await api.close();
      await eventsServer.close();
      buses.close();
      await sfnServer.close();
      stepFunctions.close();
      await h.close();
    },
  };
}

type Services = Awaited<ReturnType<typeof startServices>>;

/** Credentials of the member's OrganizationAccountAccessRole, from the emulator's STS through the real SDK. */
async function memberSession(s: Services, durationSeconds = 3600): Promise<Credentials> {
  const { Credentials: issued } = await s
    .sts(MANAGEMENT)
    .send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'orgflow', DurationSeconds: durationSeconds }),
    );
  return {
    accessKeyId: issued!.AccessKeyId!,
    secretAccessKey: issued!.SecretAccessKey!,
    sessionToken: issued!.SessionToken!,
  };
}

/** The error an SDK call fails with: its name (the AWS error type) and HTTP status. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    const failure = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to be refused');
}

/** The answer of the admin endpoint, as status and AWS error type. */
const adminAnswer = (response: Response) => ({
  status: response.status,
  errorType: response.headers.get('x-amzn-errortype'),
});

describe('a member account role session', () => {
  let s: Services;
  beforeEach(async () => {
    s = await startServices();
  });
  afterEach(() => s.close());

  it('is the member in Step Functions: its state machines are the member account’s', async () => {
    // Prepare
    s.stepFunctions.createStateMachine(
      { name: 'management-only', definition, roleArn: `arn:aws:iam::${MANAGEMENT}:role/orgflow` },
      { accountId: MANAGEMENT },
    );
    const sfn = s.sfn(await memberSession(s));

    // Act
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'mine',
        definition,
        roleArn: `arn:aws:iam::${MEMBER}:role/orgflow`,
      }),
    );
    const listed = await sfn.send(new ListStateMachinesCommand({}));

    // Assess
    expect(created.stateMachineArn).toBe(`arn:aws:states:us-east-1:${MEMBER}:stateMachine:mine`);
    expect(listed.stateMachines?.map((machine) => machine.stateMachineArn)).toEqual([
      created.stateMachineArn,
    ]);
  });

  it('is the member in EventBridge: its rules are on the member bus and its events name the member', async () => {
    // Prepare
    const events = s.events(await memberSession(s));
    const rule = await events.send(
      new PutRuleCommand({ Name: 'mine', EventPattern: JSON.stringify({ source: ['orgflow.test'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'mine',
        Targets: [{ Id: 'capture', Arn: `arn:aws:states:us-east-1:${MEMBER}:stateMachine:capture` }],
      }),
    );

    // Act
    await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'orgflow.test', DetailType: 'Probe', Detail: '{}' }] }),
    );
    await s.buses.settled();

    // Assess
    expect(rule.RuleArn).toBe(`arn:aws:events:us-east-1:${MEMBER}:rule/mine`);
    expect(s.delivered.map((input) => JSON.parse(input).account)).toEqual([MEMBER]);
  });

  it('is the member in Organizations, STS and the API as well', async () => {
    // Prepare
    const session = await memberSession(s);

    // Act
    const identity = await s.sts(session).send(new GetCallerIdentityCommand({}));
    const roots = await refusal(s.orgs(session).send(new ListRootsCommand({})));
    const api = await s.callApi(session);

    // Assess
    expect(identity.Account).toBe(MEMBER);
    // ListRoots is for the management account: a member is told so
    expect(roots).toEqual({ name: 'AccessDeniedException', status: 400 });
    expect(await api.text()).toBe(MEMBER);
  });
});

describe('a refused caller', () => {
  let s: Services;
  beforeEach(async () => {
    s = await startServices();
  });
  afterEach(() => s.close());

  it('is refused in every service once its session has expired', async () => {
    // Prepare
    const session = await memberSession(s, 900);
    s.clock.advance(900_000);

    // Act
    const sts = await refusal(s.sts(session).send(new GetCallerIdentityCommand({})));
    const organizations = await refusal(s.orgs(session).send(new DescribeOrganizationCommand({})));
    const stepFunctions = await refusal(s.sfn(session).send(new ListStateMachinesCommand({})));
    const eventBridge = await refusal(s.events(session).send(new ListRulesCommand({})));
    const api = await s.callApi(session);
    const admin = await signedFetch(`${s.server.url}/_orgflow/clock`, session);

    // Assess
    expect(sts).toEqual({ name: 'ExpiredToken', status: 403 });
    expect(organizations).toEqual({ name: 'ExpiredTokenException', status: 403 });
    expect(stepFunctions).toEqual({ name: 'ExpiredTokenException', status: 403 });
    expect(eventBridge).toEqual({ name: 'ExpiredTokenException', status: 403 });
    expect(adminAnswer(api)).toEqual({ status: 403, errorType: 'ExpiredTokenException' });
    expect(adminAnswer(admin)).toEqual({ status: 403, errorType: 'ExpiredTokenException' });
  });

  it('is refused in every service when it signs with a session key but not its token', async () => {
    // Prepare
    const { sessionToken: _, ...withoutToken } = await memberSession(s);

    // Act
    const sts = await refusal(s.sts(withoutToken).send(new GetCallerIdentityCommand({})));
    const organizations = await refusal(s.orgs(withoutToken).send(new DescribeOrganizationCommand({})));
    const stepFunctions = await refusal(s.sfn(withoutToken).send(new ListStateMachinesCommand({})));
    const eventBridge = await refusal(s.events(withoutToken).send(new ListRulesCommand({})));
    const api = await s.callApi(withoutToken);
    const admin = await signedFetch(`${s.server.url}/_orgflow/clock`, withoutToken);

    // Assess
    expect(sts).toEqual({ name: 'InvalidClientTokenId', status: 403 });
    expect(organizations).toEqual({ name: 'UnrecognizedClientException', status: 403 });
    expect(stepFunctions).toEqual({ name: 'UnrecognizedClientException', status: 403 });
    expect(eventBridge).toEqual({ name: 'UnrecognizedClientException', status: 403 });
    expect(adminAnswer(api)).toEqual({ status: 403, errorType: 'UnrecognizedClientException' });
    expect(adminAnswer(admin)).toEqual({ status: 403, errorType: 'UnrecognizedClientException' });
  });

  it('gets 403 MissingAuthenticationTokenException from Step Functions when unsigned', async () => {
    // Act
    const response = await fetch(s.sfnUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.CreateStateMachine',
      },
      body: JSON.stringify({
        name: 'unsigned',
        definition,
        roleArn: `arn:aws:iam::${MANAGEMENT}:role/orgflow`,
      }),
    });

    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    expect(s.stepFunctions.listStateMachines({}, { accountId: MANAGEMENT }).stateMachines).toEqual([]);
  });

  it('gets 403 from the admin endpoint when unsigned, and changes nothing there', async () => {
    // Prepare
    const before = { now: s.clock.now(), faults: s.emulator.faults.get() };
    const admin = (path: string, init: RequestInit = {}) => fetch(`${s.server.url}/_orgflow/${path}`, init);

    // Act
    const answers = [
      await admin('health'),
      await admin('events?after=0'),
      await admin('clock'),
      await admin('faults'),
      await admin('faults', { method: 'PUT', body: JSON.stringify({ '*': { throttle: 1 } }) }),
      await admin('clock/advance', { method: 'POST', body: JSON.stringify({ ms: 60_000 }) }),
    ];

    // Assess
    expect(answers.map(adminAnswer)).toEqual(
      answers.map(() => ({ status: 403, errorType: 'MissingAuthenticationTokenException' })),
    );
    expect({ now: s.clock.now(), faults: s.emulator.faults.get() }).toEqual(before);
  });

  it('is the default account with a key that is neither an account id nor STS-issued, in every service', async () => {
    // Prepare: the local stack's convention (its emulator's default account is the demo management account)
    s.emulator.defaultAccountId = MANAGEMENT;
    const other = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'local' };
    const forged = { accessKeyId: 'ASIAIOSFODNN7FORGED0', secretAccessKey: 'local', sessionToken: 'x' };

    // Act
    const identity = await s.sts(other).send(new GetCallerIdentityCommand({}));
    const machine = await s.sfn(other).send(
      new CreateStateMachineCommand({
        name: 'default',
        definition,
        roleArn: `arn:aws:iam::${MANAGEMENT}:role/orgflow`,
      }),
    );
    const rule = await s
      .events(other)
      .send(new PutRuleCommand({ Name: 'default', EventPattern: JSON.stringify({ source: ['x'] }) }));
    const api = await s.callApi(other);
    const admin = await signedFetch(`${s.server.url}/_orgflow/clock`, other);
    const refused = [
      await refusal(s.sts(forged).send(new GetCallerIdentityCommand({}))),
      await refusal(s.sfn(forged).send(new ListStateMachinesCommand({}))),
      await refusal(s.events(forged).send(new ListRulesCommand({}))),
    ];

    // Assess
    expect(identity.Account).toBe(MANAGEMENT);
    expect(machine.stateMachineArn).toBe(`arn:aws:states:us-east-1:${MANAGEMENT}:stateMachine:default`);
    expect(rule.RuleArn).toBe(`arn:aws:events:us-east-1:${MANAGEMENT}:rule/default`);
    expect(await api.text()).toBe(MANAGEMENT);
    expect(admin.status).toBe(200);
    expect(refused).toEqual([
      { name: 'InvalidClientTokenId', status: 403 },
      { name: 'UnrecognizedClientException', status: 403 },
      { name: 'UnrecognizedClientException', status: 403 },
    ]);
  });
});
