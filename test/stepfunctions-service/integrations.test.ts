import { ListOrganizationalUnitsForParentCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { type RunningServer, startOrganizationsServer } from '../../local/organizations/server';
import { exceptionName } from '../../local/stepfunctions/service/aws-sdk';
import type { PutEventsEntry, PutEventsResult } from '../../local/stepfunctions/service/index';
import {
  ACCOUNT,
  createMachine,
  describe as describeExecution,
  eventually,
  finished,
  reached,
  START,
  type Stack,
  startExecution,
  startStack,
} from './harness';

// The service integrations of the task port: aws-sdk:<service>:<action> with the real SDK clients against
// local endpoints, events:putEvents, states:startExecution (plain and .sync:2), and unknown resources.

let stack: Stack;
let organizations: { emulator: OrganizationsEmulator; server: RunningServer };
let putEventsResult: (entries: PutEventsEntry[]) => PutEventsResult;
const endpoints: Record<string, string> = {};

beforeEach(async () => {
  const emulator = new OrganizationsEmulator();
  const server = await startOrganizationsServer(emulator, { onInternalError: () => {} });
  organizations = { emulator, server };
  putEventsResult = (entries) => ({ FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'e-1' })) });
  for (const key of Object.keys(endpoints)) delete endpoints[key];
  endpoints.organizations = server.url;
  stack = await startStack({ endpoints, putEvents: (entries) => putEventsResult(entries) });
  // the service's own endpoint is known once it listens: the port reads endpoints at call time
  endpoints.sfn = stack.server.url;
});

afterEach(async () => {
  await stack.close();
  await organizations.server.close();
  organizations.emulator.close();
});

describe('aws-sdk integrations', () => {
  it('runs Organizations actions with the real SDK against the emulator, as the state machine account', async () => {
    // Prepare: the organization does not exist yet; the first call fails with AWS's error name
    const machine = await createMachine(stack.client, 'baseline', {
      StartAt: 'Describe Organization',
      States: {
        'Describe Organization': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:organizations:describeOrganization',
          ResultSelector: { 'id.$': '$.Organization.Id' },
          ResultPath: '$.organization',
          Catch: [
            {
              ErrorEquals: ['Organizations.AwsOrganizationsNotInUseException'],
              ResultPath: '$.notInUse',
              Next: 'Create Organization',
            },
          ],
          Next: 'List Roots',
        },
        'Create Organization': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:organizations:createOrganization',
          Parameters: { FeatureSet: 'ALL' },
          ResultSelector: { 'id.$': '$.Organization.Id' },
          ResultPath: '$.organization',
          Next: 'List Roots',
        },
        'List Roots': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:organizations:listRoots',
          Parameters: {},
          ResultSelector: { 'rootId.$': '$.Roots[0].Id' },
          ResultPath: '$.root',
          Next: 'Create Decommission OU',
        },
        'Create Decommission OU': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:organizations:createOrganizationalUnit',
          Parameters: { 'ParentId.$': '$.root.rootId', Name: 'Decommission' },
          ResultPath: '$.ou',
          Catch: [
            {
              ErrorEquals: ['Organizations.DuplicateOrganizationalUnitException'],
              ResultPath: '$.duplicate',
              Next: 'Already There',
            },
          ],
          End: true,
        },
        'Already There': { Type: 'Succeed' },
      },
    });

    // Act: twice; the second run finds the organization and the OU
    const first = await finished(stack.client, await startExecution(stack.client, machine));
    const second = await finished(stack.client, await startExecution(stack.client, machine));

    // Assess
    const out1 = JSON.parse(first.output!);
    const out2 = JSON.parse(second.output!);
    expect(first.status).toBe('SUCCEEDED');
    expect(out1.notInUse.Error).toBe('Organizations.AwsOrganizationsNotInUseException');
    expect(out1.notInUse.Cause).toMatch(/\(Service: Organizations, Status Code: 400, Request ID: [\w-]+\)$/);
    expect(out1.ou.OrganizationalUnit).toMatchObject({
      Name: 'Decommission',
      Id: expect.stringMatching(/^ou-/),
    });
    expect(out2.notInUse).toBeUndefined();
    expect(out2.organization.id).toBe(out1.organization.id);
    expect(out2.duplicate.Error).toBe('Organizations.DuplicateOrganizationalUnitException');
    const client = new OrganizationsClient({
      region: 'us-east-1',
      endpoint: organizations.server.url,
      credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'local' },
    });
    const { OrganizationalUnits } = await client.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: out1.root.rootId }),
    );
    client.destroy();
    expect(OrganizationalUnits?.map((ou) => ou.Name)).toEqual(['Decommission']);
  });

  it("acts as the account of the Task's Credentials.RoleArn, as an assumed role would", async () => {
    const machine = await createMachine(stack.client, 'as-member', {
      StartAt: 'Create Organization',
      States: {
        'Create Organization': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:organizations:createOrganization',
          Parameters: { FeatureSet: 'ALL' },
          ResultSelector: { 'managementAccount.$': '$.Organization.MasterAccountId' },
          ResultPath: '$.mine',
          Next: 'Describe As Member',
        },
        'Describe As Member': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:organizations:describeOrganization',
          Credentials: {
            'RoleArn.$': "States.Format('arn:aws:iam::{}:role/OrganizationAccountAccessRole', $.member)",
          },
          Catch: [
            {
              ErrorEquals: ['Organizations.AwsOrganizationsNotInUseException'],
              ResultPath: '$.member',
              Next: 'Done',
            },
          ],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    });
    const end = await finished(
      stack.client,
      await startExecution(stack.client, machine, { member: '222222222222' }),
    );
    const output = JSON.parse(end.output!);
    expect(output.mine.managementAccount).toBe(ACCOUNT);
    expect(output.member.Error).toBe('Organizations.AwsOrganizationsNotInUseException');
  });

  it('serialises dates as ISO text and calls any service it has an endpoint for (aws-sdk:sfn back into itself)', async () => {
    const target = await createMachine(stack.client, 'target', {
      StartAt: 'P',
      States: { P: { Type: 'Pass', End: true } },
    });
    const machine = await createMachine(stack.client, 'inspect', {
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:describeStateMachine',
          Parameters: { StateMachineArn: target },
          ResultSelector: { 'name.$': '$.Name', 'created.$': '$.CreationDate' },
          ResultPath: '$.described',
          Next: 'Missing',
        },
        Missing: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
          Parameters: { ExecutionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:target:none` },
          Catch: [
            { ErrorEquals: ['Sfn.ExecutionDoesNotExistException'], ResultPath: '$.missing', Next: 'Done' },
          ],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    });
    const end = await finished(stack.client, await startExecution(stack.client, machine));
    const output = JSON.parse(end.output!);
    expect(output.described).toEqual({ name: 'target', created: new Date(START).toISOString() });
    expect(output.missing.Error).toBe('Sfn.ExecutionDoesNotExistException');
  });

  it('names SDK errors after the AWS SDK for Java 2.x exception classes', () => {
    expect(exceptionName('AWSOrganizationsNotInUseException')).toBe('AwsOrganizationsNotInUseException');
    expect(exceptionName('ConcurrentModificationException')).toBe('ConcurrentModificationException');
    expect(exceptionName('ExecutionAlreadyExists')).toBe('ExecutionAlreadyExistsException');
    expect(exceptionName('IDPRejectedClaimException')).toBe('IdpRejectedClaimException');
    expect(exceptionName('TooManyRequestsException')).toBe('TooManyRequestsException');
  });

  it('fails clearly, naming the resource, when it cannot run a Task', async () => {
    const run = async (name: string, resource: string) => {
      const machine = await createMachine(stack.client, name, {
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: resource, Parameters: {}, End: true } },
      });
      return finished(stack.client, await startExecution(stack.client, machine));
    };
    expect(await run('queue', 'arn:aws:states:::sqs:sendMessage')).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: expect.stringContaining('arn:aws:states:::sqs:sendMessage'),
    });
    expect(await run('no-client', 'arn:aws:states:::aws-sdk:nosuchservice:doThing')).toMatchObject({
      error: 'States.Runtime',
      cause: expect.stringContaining('npm install @aws-sdk/client-nosuchservice'),
    });
    expect(await run('no-endpoint', 'arn:aws:states:::aws-sdk:sts:getCallerIdentity')).toMatchObject({
      error: 'States.Runtime',
      cause: expect.stringContaining('endpoints.sts'),
    });
  });
});

describe('events:putEvents', () => {
  it('puts the entries with their Detail as JSON text and the execution as a resource; fails on failed entries', async () => {
    // Prepare
    const sent: PutEventsEntry[][] = [];
    const machine = await createMachine(stack.client, 'announce', {
      StartAt: 'Announce',
      States: {
        Announce: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents',
          Parameters: {
            Entries: [
              { Source: 'orgflow', DetailType: 'Account Vended', Detail: { 'accountId.$': '$.accountId' } },
            ],
          },
          Catch: [{ ErrorEquals: ['EventBridge.FailedEntry'], ResultPath: '$.failed', Next: 'Failed' }],
          End: true,
        },
        Failed: { Type: 'Pass', End: true },
      },
    });
    putEventsResult = (entries) => {
      sent.push(entries);
      return { FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] };
    };

    // Act
    const okArn = await startExecution(stack.client, machine, { accountId: '444455556666' });
    const ok = await finished(stack.client, okArn);
    putEventsResult = () => ({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    const refused = await finished(
      stack.client,
      await startExecution(stack.client, machine, { accountId: '1' }),
    );

    // Assess
    expect(sent[0]).toEqual([
      {
        Source: 'orgflow',
        DetailType: 'Account Vended',
        Detail: '{"accountId":"444455556666"}',
        Resources: [okArn, machine],
      },
    ]);
    expect(JSON.parse(ok.output!)).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
    expect(JSON.parse(refused.output!).failed).toEqual({
      Error: 'EventBridge.FailedEntry',
      Cause: expect.stringContaining('MalformedDetail'),
    });
  });
});

describe('states:startExecution', () => {
  const child = {
    StartAt: 'Wait A Minute',
    States: {
      'Wait A Minute': { Type: 'Wait', Seconds: 60, Next: 'Decide' },
      Decide: {
        Type: 'Choice',
        Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Fail' }],
        Default: 'Done',
      },
      Done: { Type: 'Pass', Parameters: { 'closed.$': '$.account' }, End: true },
      Fail: { Type: 'Fail', Error: 'CloseFailed', Cause: 'the account is suspended' },
    },
  };

  const parent = (childArn: string, resource: string) => ({
    StartAt: 'Close Account',
    States: {
      'Close Account': {
        Type: 'Task',
        Resource: resource,
        Parameters: { StateMachineArn: childArn, Input: { 'account.$': '$.account', 'fail.$': '$.fail' } },
        Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Report' }],
        End: true,
      },
      Report: { Type: 'Pass', End: true },
    },
  });

  it('starts a child and returns its ARN and start date', async () => {
    const childArn = await createMachine(stack.client, 'close-account', child);
    const machine = await createMachine(
      stack.client,
      'close-batch',
      parent(childArn, 'arn:aws:states:::states:startExecution'),
    );
    const end = await finished(
      stack.client,
      await startExecution(stack.client, machine, { account: 'a', fail: false }),
    );
    const output = JSON.parse(end.output!);
    expect(output).toEqual({
      ExecutionArn: expect.stringContaining(':execution:close-account:'),
      StartDate: START,
    });
    expect((await describeExecution(stack.client, output.ExecutionArn)).status).toBe('RUNNING');
  });

  it('waits for the child with .sync:2 and returns its description with JSON output, or fails with it', async () => {
    // Prepare
    const childArn = await createMachine(stack.client, 'close-account', child);
    const machine = await createMachine(
      stack.client,
      'close-batch',
      parent(childArn, 'arn:aws:states:::states:startExecution.sync:2'),
    );

    // Act
    const okArn = await startExecution(stack.client, machine, { account: 'a', fail: false });
    const failArn = await startExecution(stack.client, machine, { account: 'b', fail: true });
    const children = await eventually(async () => {
      const { executions } = await stack.client.send(
        new ListExecutionsCommand({ stateMachineArn: childArn }),
      );
      if (executions?.length !== 2) throw new Error('the children have not started yet');
      return executions;
    });
    for (const { executionArn } of children) await reached(stack.client, executionArn!, 'WaitStateEntered');
    stack.clock.advance(60_000);
    const ok = await finished(stack.client, okArn);
    const failed = await finished(stack.client, failArn);

    // Assess
    expect(JSON.parse(ok.output!)).toMatchObject({
      Status: 'SUCCEEDED',
      Output: { closed: 'a' },
      Input: { account: 'a', fail: false },
      StateMachineArn: childArn,
      StartDate: START,
      StopDate: START + 60_000,
    });
    const failure = JSON.parse(failed.output!).failure;
    expect(failure.Error).toBe('States.TaskFailed');
    expect(JSON.parse(failure.Cause)).toMatchObject({
      Status: 'FAILED',
      Error: 'CloseFailed',
      Cause: 'the account is suspended',
    });
  });
});
