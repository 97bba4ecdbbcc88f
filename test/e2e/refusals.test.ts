import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callApi } from '../../cli/api';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { awsJson, signedFetch } from './signed-fetch';
import { dataDirs } from './stack-process';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const common = {
  region: 'us-east-1',
  credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
  maxAttempts: 1,
};
const dirs = dataDirs();
const internalErrors: unknown[] = [];
let stack: LocalStack;

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  stack = await startLocalStack({
    // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
    functionEnvironments: 'shared',
    dataDir: dirs.fresh(),
    timeScale: 'manual',
    throttling: false,
    extraStateMachinesDir: join(fixtures, 'statemachines'),
    rulesDir: join(fixtures, 'rules'),
    onInternalError: (error) => internalErrors.push(error),
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  dirs.removeAll();
  vi.unstubAllEnvs();
});

describe('requests AWS would refuse are refused with a 4xx that changes nothing', () => {
  it.each([
    ['a Source that is not a string', { Source: 1, DetailType: 'Fuzz', Detail: '{}' }],
    ['a DetailType that is not a string', { Source: 'fuzz.app', DetailType: {}, Detail: '{}' }],
    ['a Detail that is not a string', { Source: 'fuzz.app', DetailType: 'Fuzz', Detail: { n: 1 } }],
    [
      'Resources that are not a list',
      { Source: 'fuzz.app', DetailType: 'Fuzz', Detail: '{}', Resources: 'arn' },
    ],
  ])('EventBridge PutEvents with %s: 400 SerializationException', async (_case, entry) => {
    // Prepare
    const delivered = vi.fn();
    const bus = stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT);
    bus.putRule({ name: 'refusals-observer', eventPattern: '{"source":["fuzz.app"]}' });
    bus.putTargets('refusals-observer', [
      { id: 'observer', arn: 'arn:aws:local:observer', deliver: delivered },
    ]);

    // Act
    const answer = await signedFetch(stack.endpoints.events, {
      headers: awsJson('AWSEvents.PutEvents', '1.1'),
      body: JSON.stringify({ Entries: [entry, { Source: 'fuzz.app', DetailType: 'Fuzz', Detail: '{}' }] }),
      service: 'events',
    });
    await stack.buses.settled();

    // Assess
    expect({ status: answer.status, type: answer.errorType }).toEqual({
      status: 400,
      type: 'SerializationException',
    });
    expect(delivered).not.toHaveBeenCalled();
    bus.removeTargets('refusals-observer', ['observer']);
    bus.deleteRule('refusals-observer');
  });

  it('Step Functions StartExecution with input nested 5,000 levels: 400 InvalidExecutionInput, no execution', async () => {
    // Prepare
    const sfn = new SFNClient({ ...common, endpoint: stack.endpoints.stepfunctions });
    const stateMachineArn = stack.stateMachineArns.EchoEvent!;
    const input = `{"detail":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;

    // Act
    const started = sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'deep', input }));

    // Assess
    await expect(started).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
      $metadata: { httpStatusCode: 400 },
    });
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions).toEqual([]);
    sfn.destroy();
  });

  it('GET /account-requests with a nextToken nobody gave out: 400 naming nextToken', async () => {
    // Act
    const answer = await callApi(
      { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT },
      'GET',
      '/account-requests?nextToken=invalid',
    );

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ issues: [{ path: 'nextToken', rule: 'invalid-token' }] });
  });

  it('POST /account-requests with a body too big for the function: 413, not 500', async () => {
    // Prepare: under the gateway's 10 MB, over Lambda's 6 MB once escaped into the event
    const body = { accountName: '\u0000'.repeat(1_200_000) };

    // Act
    const answer = await callApi(
      { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT },
      'POST',
      '/account-requests',
      body,
      { 'Idempotency-Key': 'too-big' },
    );

    // Assess
    expect(answer.status).toBe(413);
  });

  it.each(['null', '[]', '"text"', '42'])(
    'DynamoDB with the body %s: 400 SerializationException, and the stack still answers',
    async (body) => {
      // Prepare
      const dynamodb = new DynamoDBClient({ ...common, endpoint: stack.endpoints.dynamodb });

      // Act
      const answer = await signedFetch(stack.endpoints.dynamodb, {
        headers: awsJson('DynamoDB_20120810.ListTables', '1.0'),
        body,
        service: 'dynamodb',
      });

      // Assess
      expect({ status: answer.status, type: answer.errorType }).toEqual({
        status: 400,
        type: 'com.amazon.coral.service#SerializationException',
      });
      await expect(dynamodb.send(new ListTablesCommand({}))).resolves.toMatchObject({
        TableNames: ['orgflow-governor'],
      });
      dynamodb.destroy();
    },
  );

  it('reported no internal error', () => {
    expect(internalErrors.map(String)).toEqual([]);
  });
});
