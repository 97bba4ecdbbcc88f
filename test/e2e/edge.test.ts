import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { orgflow, repoRoot } from '../cli/run-cli';
import { signedFetch } from '../organizations/signed-fetch';
import { dataDirs, killAll, type StackProcess, spawnStack } from './stack-process';

// The edge endpoint as a user reaches it: the AWS CLI, boto3 and the JS SDK v3, each in a process of its own
// whose environment names the edge alone (AWS_ENDPOINT_URL, the region, the demo key), call every service of
// an `npm start` stack; the REST API, the console and the emulator's event stream answer there too.

const dirs = dataDirs();
const accountVending = `arn:aws:states:us-east-1:${DEMO_MANAGEMENT_ACCOUNT}:stateMachine:AccountVending`;
let stack: StackProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = dirs.fresh();
  stack = await spawnStack(join(dataDir, 'stack'), ['--create-account-seconds', '0']);
}, 30_000);

afterAll(async () => {
  await killAll();
  dirs.removeAll();
});

/** This process's environment without any AWS_ variable, and only the edge's. */
function edgeOnly(extra: Record<string, string> = {}): Record<string, string> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => !entry[0].startsWith('AWS_') && entry[1] !== undefined,
    ),
  );
  return {
    ...clean,
    AWS_ENDPOINT_URL: stack.endpoints.edge,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: DEMO_MANAGEMENT_ACCOUNT,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_PAGER: '',
    ...extra,
  };
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(file, args, { cwd: repoRoot, env, encoding: 'utf8' }, (error, stdout, stderr) =>
      done({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
}

describe('the edge endpoint', () => {
  it('is in endpoints.json as edge, and orgflow env --edge prints its variables', async () => {
    // Act
    const env = await orgflow(['env', '--edge', '--data-dir', join(dataDir, 'stack')]);

    // Assess
    expect(stack.endpoints.edge).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.output).toContain(`edge           ${stack.endpoints.edge}`);
    expect(env.status).toBe(0);
    expect(env.stdout.split('\n').filter((line) => line.startsWith('export '))).toEqual([
      'export AWS_REGION=us-east-1',
      'export AWS_DEFAULT_REGION=us-east-1',
      `export AWS_ACCESS_KEY_ID=${DEMO_MANAGEMENT_ACCOUNT}`,
      'export AWS_SECRET_ACCESS_KEY=local',
      `export AWS_ENDPOINT_URL=${stack.endpoints.edge}`,
      'export AWS_DISABLE_HOST_PREFIX_INJECTION=true',
    ]);
  });

  it('answers the AWS CLI for every service with only AWS_ENDPOINT_URL set', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const script = [
      'aws organizations describe-organization --query Organization.MasterAccountId --output text',
      'aws sts get-caller-identity --query Account --output text',
      "aws stepfunctions list-state-machines --query 'stateMachines[].name' --output text",
      "aws events list-event-buses --query 'EventBuses[].Name' --output text",
      "aws dynamodb list-tables --query 'TableNames' --output text",
    ].join('\n');

    // Act
    const calls = await run('bash', ['-e', '-c', script], edgeOnly());
    // the AWS CLI prefixes StartSyncExecution's host with sync- unless told not to
    const sync = await run(
      'aws',
      ['stepfunctions', 'start-sync-execution', '--state-machine-arn', accountVending],
      edgeOnly({ AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' }),
    );

    // Assess
    expect(calls.stderr).toBe('');
    expect(calls.stdout.trim().split('\n')).toEqual([
      DEMO_MANAGEMENT_ACCOUNT,
      DEMO_MANAGEMENT_ACCOUNT,
      'AccountVending\tAccountClosure\tClosureBatch\tAllFeaturesMigration',
      'default',
      'orgflow-governor',
    ]);
    // the request reached Step Functions, which runs STANDARD state machines only
    expect(sync.status).not.toBe(0);
    expect(sync.stderr).toContain(
      '(StateMachineTypeNotSupported) when calling the StartSyncExecution operation',
    );
  });

  it('answers boto3 for every service with only AWS_ENDPOINT_URL set', { timeout: 60_000 }, async () => {
    // Prepare
    const script = `
import json, boto3
from botocore.config import Config
sfn = boto3.client("stepfunctions")
machines = sfn.list_state_machines()["stateMachines"]
vending = next(m["stateMachineArn"] for m in machines if m["name"] == "AccountVending")
def code(call):
    try:
        call()
    except Exception as error:
        return error.response["Error"]["Code"]
print(json.dumps({
    "organization": boto3.client("organizations").describe_organization()["Organization"]["MasterAccountId"],
    "account": boto3.client("sts").get_caller_identity()["Account"],
    "stateMachines": [m["name"] for m in machines],
    "tags": sfn.list_tags_for_resource(resourceArn=vending)["tags"],
    "eventBuses": [b["Name"] for b in boto3.client("events").list_event_buses()["EventBuses"]],
    "tables": boto3.client("dynamodb").list_tables()["TableNames"],
    "startSync": code(lambda: boto3.client("stepfunctions", config=Config(inject_host_prefix=False)).start_sync_execution(stateMachineArn=vending)),
}))
`;

    // Act
    const result = await run('python3', ['-c', script], edgeOnly());

    // Assess
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      organization: DEMO_MANAGEMENT_ACCOUNT,
      account: DEMO_MANAGEMENT_ACCOUNT,
      stateMachines: ['AccountVending', 'AccountClosure', 'ClosureBatch', 'AllFeaturesMigration'],
      tags: [],
      eventBuses: ['default'],
      tables: ['orgflow-governor'],
      startSync: 'StateMachineTypeNotSupported',
    });
  });

  it('answers the JS SDK v3 for every service, StartSyncExecution and TestState with disableHostPrefix', async () => {
    // Act
    const result = await run(
      process.execPath,
      [join(repoRoot, 'test/e2e/fixtures/edge-smoke.mjs')],
      edgeOnly({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }),
    );

    // Assess
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      organization: expect.stringMatching(/^o-[a-z0-9]{10}$/),
      account: DEMO_MANAGEMENT_ACCOUNT,
      stateMachines: ['AccountVending', 'AccountClosure', 'ClosureBatch', 'AllFeaturesMigration'],
      tags: [],
      validation: 'FAIL',
      eventBuses: ['default'],
      tables: ['orgflow-governor'],
      startSync: { error: 'StateMachineTypeNotSupported', message: expect.stringContaining('STANDARD') },
      // reached: the local service names what it serves
      testState: { error: 'UnknownOperationException', message: expect.stringContaining('StartExecution') },
    });
  });

  it('serves the REST API, the console and the event stream', async () => {
    // Act
    const requests = await signedFetch(
      `${stack.endpoints.edge}/prod/account-requests`,
      { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
      { service: 'execute-api' },
    );
    const unsigned = await fetch(`${stack.endpoints.edge}/prod/account-requests`);
    const page = await fetch(`${stack.endpoints.edge}/`);
    const organization = await fetch(`${stack.endpoints.edge}/api/organization`);
    const abort = new AbortController();
    const events = await signedFetch(
      `${stack.endpoints.edge}/_orgflow/events?after=0`,
      { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
      { signal: abort.signal },
    );
    const reader = events.body!.getReader();
    const { value } = await reader.read();
    abort.abort();

    // Assess
    expect(requests.status).toBe(200);
    expect(await requests.json()).toMatchObject({ requests: expect.any(Array) });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(await page.text()).toContain('<script type="module" src="/console.js">');
    expect(await organization.json()).toMatchObject({ managementAccountId: DEMO_MANAGEMENT_ACCOUNT });
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(new TextDecoder().decode(value)).toMatch(/^id: \d+\ndata: \{/);
  });

  it('refuses a request that names no service, saying how it routes', async () => {
    // Act
    const response = await fetch(`${stack.endpoints.edge}/nothing`, { method: 'POST', body: '{}' });
    const unknownTarget = await fetch(stack.endpoints.edge, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.ListQueues' },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownServiceException');
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^POST \/nothing names no service of the local stack: the edge endpoint routes by X-Amz-Target/,
    );
    expect(((await unknownTarget.json()) as { message: string }).message).toBe(
      "X-Amz-Target 'AmazonSQS.ListQueues' names no service of the local stack: its prefix is one of AWSOrganizationsV20161128, AWSStepFunctions, AWSEvents, DynamoDB_20120810.",
    );
  });
});
