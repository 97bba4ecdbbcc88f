import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AccountNotFoundException,
  DescribeAccountCommand,
  ListHandshakesForOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseOrThrow } from '../../functions/_shared/schemas';
import { readBatch, recordBatch, setAccountState } from '../../functions/account-closure/batch-store';
import { registerClosureWaiter } from '../../functions/account-closure/closure-watch';
import { registerApprovalWaiter } from '../../functions/all-features/approval-watch';
import { CloseAccountPoolEnvSchema, closeAccountPool } from '../../functions/governor/pools';
import { joinLine, ticketOf } from '../../functions/governor/store';
import {
  accountDeparted,
  type DepartedEvent,
  DepartedEventSchema,
  type DepartedPorts,
} from '../../functions/reactions/account-departed/account-departed';
import { governorTableOnDynalite } from '../governor-table';

// Account Departed with Organizations, Step Functions and EventBridge mocked, the governor table (batches, the
// close pool's line, the rendezvous) on dynalite. The event is the sample of events/samples/: account
// 222222222222 REMOVED.

const sample = (): DepartedEvent =>
  DepartedEventSchema.parse(
    JSON.parse(readFileSync('events/samples/organizations-account-departed-organization.json', 'utf8')),
  );
const ACCOUNT = '222222222222';
const OTHER = '333333333333';
const BATCH = 'cb-0001';
const NOW = Date.UTC(2026, 4, 29, 9, 42);
const CLOSURE_MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:orgflow-AccountClosure';
const execution = (name: string) => ({
  name,
  executionArn: `arn:aws:states:us-east-1:111111111111:execution:orgflow-AccountClosure:${name}`,
  stateMachineArn: CLOSURE_MACHINE,
  status: 'RUNNING' as const,
  startDate: new Date(NOW - 60_000),
});

const organizationsMock = mockClient(OrganizationsClient);
const sfnMock = mockClient(SFNClient);
const eventsMock = mockClient(EventBridgeClient);
const table = governorTableOnDynalite();
const pool = closeAccountPool(CloseAccountPoolEnvSchema.parse({ GOVERNOR_TABLE_NAME: table.name }));
let ports: DepartedPorts;

beforeEach(async () => {
  organizationsMock.reset();
  sfnMock.reset();
  eventsMock.reset();
  organizationsMock
    .on(DescribeAccountCommand)
    .rejects(new AccountNotFoundException({ message: 'not a member', $metadata: {} }));
  organizationsMock.on(ListHandshakesForOrganizationCommand).resolves({ Handshakes: [] });
  sfnMock.on(ListExecutionsCommand).resolves({ executions: [execution(`${BATCH}-${ACCOUNT}`)] });
  sfnMock.on(SendTaskFailureCommand).resolves({});
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  eventsMock.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'ev-1' }], FailedEntryCount: 0 });
  const sfn = new SFNClient({ region: 'us-east-1' });
  ports = {
    organizations: new OrganizationsClient({ region: 'us-east-1' }),
    sfn,
    rendezvous: { db: table.db, sfn, table: table.name, now: () => NOW },
    closePool: pool,
    closureStateMachineArn: CLOSURE_MACHINE,
    events: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'default',
  };
  await recordBatch(
    { db: table.db, table: table.name },
    {
      batchId: BATCH,
      reason: 'swept',
      requestedBy: 'arn:aws:iam::111111111111:role/CloudOps',
      source: 'api',
      dryRun: false,
      createdAt: new Date(NOW - 60_000).toISOString(),
      selection: { accountIds: [ACCOUNT, OTHER], includeSubOrganizationalUnits: false },
      plan: [
        { accountId: ACCOUNT, decision: 'close-now' },
        { accountId: OTHER, decision: 'close-now' },
      ],
      quota: { used: 0, limit: 250, nextFitsAt: new Date(NOW).toISOString() },
    },
    NOW - 60_000,
  );
});

/** The closure of ACCOUNT in line for a slot, parked on `token` (as Acquire Close Slot leaves it). */
async function inLineForSlot(token: string, requestId = `${BATCH}-${ACCOUNT}`) {
  const ticket = await ticketOf(table.db, pool, requestId, NOW - 30_000);
  await joinLine(table.db, pool, { requestId, taskToken: token, ticket }, NOW - 30_000);
}

const stateOf = async (accountId = ACCOUNT) =>
  (await readBatch({ db: table.db, table: table.name }, BATCH))?.accounts.find(
    (a) => a.accountId === accountId,
  );
const published = () =>
  eventsMock
    .commandCalls(PutEventsCommand)
    .map((call) => call.args[0].input.Entries?.[0])
    .map((entry) => ({ detailType: entry?.DetailType, detail: JSON.parse(entry?.Detail ?? '{}') }));

describe('accountDeparted', () => {
  it('ends a closure in line for a slot with AccountDepartedError, records it departed, and says so once', async () => {
    // Prepare
    await inLineForSlot('token-in-line');

    // Act
    const outcome = await accountDeparted(ports, sample());

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskFailureCommand, 1);
    const [failure] = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(failure?.args[0].input).toMatchObject({
      taskToken: 'token-in-line',
      error: 'AccountDepartedError',
    });
    expect(JSON.parse(failure?.args[0].input.cause ?? '{}')).toEqual({
      errorType: 'AccountDepartedError',
      errorMessage: expect.stringContaining(
        `account ${ACCOUNT} was removed from the organization (May 29, 2026 9:41:37 AM)`,
      ),
    });
    expect(await stateOf()).toMatchObject({ state: 'departed', reason: 'account-departed' });
    expect(await stateOf(OTHER)).toMatchObject({ state: 'planned' });
    const workflows = [
      {
        workflow: 'account-closure',
        execution: execution(`${BATCH}-${ACCOUNT}`).executionArn,
        batchId: BATCH,
        outcome: 'departed',
        error: 'AccountDepartedError',
        wait: 'close-slot',
      },
    ];
    expect(outcome).toEqual({
      acted: true,
      accountId: ACCOUNT,
      departureMethod: 'REMOVED',
      departureTime: 'May 29, 2026 9:41:37 AM',
      workflows,
      eventId: 'ev-1',
    });
    expect(published()).toEqual([
      {
        detailType: 'Account Departed',
        detail: {
          accountId: ACCOUNT,
          departureMethod: 'REMOVED',
          departureTime: 'May 29, 2026 9:41:37 AM',
          workflows,
          sourceEventId: 'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f',
        },
      },
    ]);
  });

  it('ends a closure waiting for AWS to close the account, through its wait for the result', async () => {
    // Prepare
    await registerClosureWaiter(ports.rendezvous, { accountId: ACCOUNT, taskToken: 'token-closure' });

    // Act
    const outcome = await accountDeparted(ports, sample());

    // Assess
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskFailureCommand, {
      taskToken: 'token-closure',
      error: 'AccountDepartedError',
    });
    expect(outcome).toMatchObject({ acted: true, workflows: [{ wait: 'closure', outcome: 'departed' }] });
  });

  it('records a closure parked in a Wait state departed, for its next Check Account to end it', async () => {
    // Prepare: the only token left is a finished wait's
    await registerClosureWaiter(ports.rendezvous, { accountId: ACCOUNT, taskToken: 'token-finished' });
    sfnMock.on(SendTaskFailureCommand).rejects(new TaskDoesNotExist({ message: 'gone', $metadata: {} }));

    // Act
    const outcome = await accountDeparted(ports, sample());

    // Assess
    expect(outcome).toMatchObject({ acted: true, workflows: [{ wait: 'none', outcome: 'departed' }] });
    expect(await stateOf()).toMatchObject({ state: 'departed' });
  });

  it('leaves a closure already recorded closed so (an account CLEANED after orgflow closed it)', async () => {
    // Prepare
    await setAccountState({ db: table.db, table: table.name }, BATCH, ACCOUNT, 'closed', NOW - 1000, {
      closedAt: new Date(NOW - 1000).toISOString(),
    });

    // Act
    await accountDeparted(ports, sample());

    // Assess
    expect(await stateOf()).toMatchObject({ state: 'closed' });
  });

  it('does nothing for an account that is a member now (it rejoined, or the event is late)', async () => {
    // Prepare
    await inLineForSlot('token-in-line');
    organizationsMock.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: 'ACTIVE' } });

    // Act
    const outcome = await accountDeparted(ports, sample());

    // Assess
    expect(outcome).toMatchObject({ acted: false, reason: 'still-a-member' });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
    expect(eventsMock).not.toHaveReceivedAnyCommand();
    expect(await stateOf()).toMatchObject({ state: 'planned' });
  });

  it("touches no execution that is not one of the account's closures in a batch that planned it", async () => {
    // Prepare: another account's closure, one of a batch that does not exist, one of a batch that skipped it
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [
        execution(`${BATCH}-${OTHER}`),
        execution(`made-by-hand-${ACCOUNT}`),
        execution(`x${ACCOUNT}`),
      ],
    });
    await inLineForSlot('token-other', `${BATCH}-${OTHER}`);
    await inLineForSlot('token-by-hand', `made-by-hand-${ACCOUNT}`);

    // Act
    const outcome = await accountDeparted(ports, sample());

    // Assess
    expect(outcome).toMatchObject({ acted: true, workflows: [] });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(await stateOf(OTHER)).toMatchObject({ state: 'planned' });
    expect(await readBatch({ db: table.db, table: table.name }, 'made-by-hand')).toBeUndefined();
    expect(published()).toHaveLength(1);
  });

  it('wakes the migration waiting on the open round of ENABLE_ALL_FEATURES to look at it', async () => {
    // Prepare
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
    organizationsMock.on(ListHandshakesForOrganizationCommand).resolves({
      Handshakes: [
        { Id: 'h-open', State: 'OPEN', Action: 'ENABLE_ALL_FEATURES' },
        { Id: 'h-done', State: 'ACCEPTED', Action: 'ENABLE_ALL_FEATURES' },
      ],
    });
    await registerApprovalWaiter(ports.rendezvous, {
      handshakeId: 'h-open',
      taskToken: 'token-round',
      migrationId: 'afm-1',
    });

    // Act
    const outcome = await accountDeparted(ports, sample());

    // Assess
    expect(organizationsMock).toHaveReceivedCommandWith(ListHandshakesForOrganizationCommand, {
      Filter: { ActionType: 'ENABLE_ALL_FEATURES' },
    });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'token-round',
    });
    const [woken] = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(JSON.parse(woken?.args[0].input.output ?? '{}')).toMatchObject({
      outcome: 'woken',
      eventName: 'AccountDepartedOrganization',
    });
    expect(outcome).toMatchObject({
      workflows: [{ workflow: 'all-features-migration', roundHandshakeId: 'h-open', outcome: 'woken' }],
    });
  });
});

describe('DepartedEventSchema', () => {
  it('takes a departure whose details differ from the documented choice by its account alone (AWS has not published the shape)', () => {
    // Prepare
    const event = sample();
    const unknown = {
      ...event,
      detail: { ...event.detail, serviceEventDetails: { accountId: ACCOUNT, departureMethod: 'EXPELLED' } },
    };
    const noAccount = {
      ...event,
      detail: { ...event.detail, serviceEventDetails: { departureMethod: 'LEFT' } },
    };

    // Act + Assess
    const details = parseOrThrow(DepartedEventSchema, unknown).detail.serviceEventDetails;
    expect([details.accountId, details.departureMethod, details.departureTime]).toEqual([
      ACCOUNT,
      undefined,
      undefined,
    ]);
    expect(() => parseOrThrow(DepartedEventSchema, noAccount)).toThrow(
      /detail\.serviceEventDetails\.accountId/,
    );
  });
});
