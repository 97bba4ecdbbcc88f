import { readFileSync } from 'node:fs';
import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { governorTableOnDynalite } from '../governor-table';
import { lambdaContext } from './fixtures/lambda-context';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

// Each step's handler as Lambda runs it: its environment, its clients built at module load. Organizations,
// EventBridge and Step Functions are mocked; the governor table is dynalite's.

const organizationsMock = mockClient(OrganizationsClient);
const table = governorTableOnDynalite();
const eventsMock = mockClient(EventBridgeClient);
const sfnMock = mockClient(SFNClient);
const handlers: Record<string, Handler> = {};

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  vi.stubEnv('CREATE_ACCOUNT_SLOTS', '1');
  vi.stubEnv(
    'VENDING_CONFIG',
    JSON.stringify({
      callers: [{ principal: 'arn:aws:sts::222233334444:assumed-role/*', organizationalUnits: ['Sandbox'] }],
    }),
  );
  for (const folder of [
    'validate-request',
    'acquire-create-slot',
    'create-account',
    'watch-account-creation',
    'complete-account-creation',
    'release-create-slot',
    'publish-account-vended',
  ])
    handlers[folder] = (
      (await import(`../../functions/account-vending/${folder}/handler.ts`)) as { handler: Handler }
    ).handler;
});

beforeEach(() => {
  organizationsMock.reset();
  eventsMock.reset();
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
});

const invoke = (folder: string, event: unknown) =>
  (handlers[folder] as Handler)(event, lambdaContext(folder));
const requestId = 'ar-0123456789abcdef0123456789abcdef';
const caller = { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' };
const request = {
  accountName: 'sandbox-alice',
  email: 'alice+sandbox@orgflow.example',
  organizationalUnit: { id: 'ou-ab12-sandbox1', path: 'Sandbox' },
  tags: [],
  policies: [],
};

describe('step handlers', () => {
  it('Validate Request normalizes the execution input with the configuration from VENDING_CONFIG', async () => {
    // Prepare
    organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12' }] });
    organizationsMock.on(ListAccountsCommand).resolves({ Accounts: [] });
    organizationsMock
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-sandbox1', Name: 'Sandbox' }] });

    // Act
    const result = await invoke('validate-request', {
      caller,
      request: { ...request, organizationalUnit: 'Sandbox' },
    });

    // Assess
    expect(result).toEqual(request);
  });

  it('Acquire and Release Create Slot share CREATE_ACCOUNT_SLOTS through the table', async () => {
    // Act
    const first = await invoke('acquire-create-slot', { requestId, taskToken: 'token-1' });
    const second = await invoke('acquire-create-slot', { requestId: 'ar-second', taskToken: 'token-2' });
    const released = await invoke('release-create-slot', { requestId });

    // Assess
    expect(first).toEqual({ ticket: 1, handedOver: 1 });
    expect(second).toEqual({ ticket: 2, handedOver: 0 });
    expect(released).toEqual({ released: true });
    const grants = sfnMock.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input);
    expect(grants.map((grant) => grant.taskToken)).toEqual(['token-1', 'token-2']);
    expect(grants.map((grant) => JSON.parse(grant.output as string))).toMatchObject([
      { slot: 0, ticket: 1 },
      { slot: 0, ticket: 2 },
    ]);
  });

  it('Create Account records the request in GOVERNOR_TABLE_NAME', async () => {
    // Prepare
    organizationsMock
      .on(CreateAccountCommand)
      .resolves({ CreateAccountStatus: { Id: 'car-1', State: 'IN_PROGRESS' } });

    // Act
    const result = await invoke('create-account', { requestId, request });

    // Assess
    expect(result).toEqual({ createAccountRequestId: 'car-1', source: 'new' });
    expect(await table.item(`request#${requestId}`, 'account-creation')).toMatchObject({
      createAccountRequestId: 'car-1',
    });
  });

  it('Wait For Account answers its token at once when a retried wait finds the account created', async () => {
    // Prepare
    organizationsMock
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { State: 'SUCCEEDED', AccountId: '123456789012' } });

    // Act
    const result = await invoke('watch-account-creation', {
      createAccountRequestId: 'car-1',
      email: request.email,
      taskToken: 'token-watch',
      look: true,
    });

    // Assess
    expect(result).toMatchObject({ answered: true });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-watch',
      output: JSON.stringify({ state: 'SUCCEEDED', accountId: '123456789012' }),
    });
    expect(await table.item('creation#car-1', 'watch')).toMatchObject({ taskToken: 'token-watch' });
  });

  it('Complete Account Creation records what the CreateAccountResult event says in GOVERNOR_TABLE_NAME', async () => {
    // Prepare
    const event = JSON.parse(
      readFileSync('events/samples/organizations-create-account-result-succeeded.json', 'utf8'),
    );
    const id = event.detail.serviceEventDetails.createAccountStatus.id;

    // Act
    const result = await invoke('complete-account-creation', event);

    // Assess
    expect(result).toEqual({ createAccountRequestId: id, state: 'SUCCEEDED', woke: false });
    expect(await table.item(`creation#${id}`, 'watch')).toMatchObject({ result: { state: 'SUCCEEDED' } });
  });

  it('Publish Account Vended puts the event on the default bus unless EVENT_BUS_NAME says otherwise', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });

    // Act
    await invoke('publish-account-vended', {
      requestId,
      caller,
      request,
      accountId: '123456789012',
      adopted: false,
    });

    // Assess
    expect(eventsMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({ EventBusName: 'default', Source: 'orgflow', DetailType: 'Account Vended' }),
      ],
    });
  });

  it('refuses an event that is not its input with a ValidationError naming the fields', async () => {
    // Act
    const watch = invoke('watch-account-creation', { createAccountRequestId: '' });

    // Assess
    await expect(watch).rejects.toMatchObject({
      name: 'ValidationError',
      issues: [
        { path: 'createAccountRequestId', rule: 'min-length' },
        { path: 'email', rule: 'required' },
        { path: 'taskToken', rule: 'required' },
      ],
    });
    expect(organizationsMock).not.toHaveReceivedAnyCommand();
  });
});
