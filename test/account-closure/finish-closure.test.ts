import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DuplicateAccountException,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrganizationDirectory } from '../../functions/_shared/organization-directory';
import { readBatch, recordBatch, setAccountState } from '../../functions/account-closure/batch-store';
import { ClosureConfigSchema } from '../../functions/account-closure/closure-config';
import {
  type FinishClosurePorts,
  finishClosure,
  tagValueOf,
} from '../../functions/account-closure/finish-closure/finish-closure';
import { governorTableOnDynalite } from '../governor-table';

// Finish Closure with Organizations and EventBridge mocked and the batch's records on dynalite.

const NOW = Date.UTC(2026, 11, 6, 9, 30);
const ACCOUNT = '222222222222';
const BATCH = 'cb-0001';
const organizationsMock = mockClient(OrganizationsClient);
const eventsMock = mockClient(EventBridgeClient);
const table = governorTableOnDynalite();
let ports: FinishClosurePorts;

beforeEach(async () => {
  organizationsMock.reset();
  eventsMock.reset();
  organizationsMock.on(TagResourceCommand).resolves({});
  organizationsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
  organizationsMock.on(ListOrganizationalUnitsForParentCommand).resolves({ OrganizationalUnits: [] });
  organizationsMock.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12' }).resolves({
    OrganizationalUnits: [
      { Id: 'ou-ab12-decommis', Name: 'Decommission' },
      { Id: 'ou-ab12-closed00', Name: 'Closed' },
    ],
  });
  organizationsMock
    .on(ListParentsCommand, { ChildId: ACCOUNT })
    .resolves({ Parents: [{ Id: 'ou-ab12-decommis', Type: 'ORGANIZATIONAL_UNIT' }] });
  organizationsMock.on(MoveAccountCommand).resolves({});
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  const organizations = new OrganizationsClient({ region: 'us-east-1' });
  ports = {
    organizations,
    directory: new OrganizationDirectory(organizations),
    events: new EventBridgeClient({ region: 'us-east-1' }),
    eventBusName: 'default',
    db: table.db,
    table: table.name,
    config: ClosureConfigSchema.parse({}),
    now: () => NOW,
  };
  await recordBatch(
    ports,
    {
      batchId: BATCH,
      reason: 'the sandbox OU is swept',
      requestedBy: 'arn:aws:sts::111111111111:assumed-role/CloudOps/jane',
      source: 'api',
      dryRun: false,
      createdAt: new Date(NOW).toISOString(),
      selection: { accountIds: [ACCOUNT], includeSubOrganizationalUnits: false },
      plan: [{ accountId: ACCOUNT, decision: 'close-now' }],
      quota: { used: 0, limit: 250, nextFitsAt: new Date(NOW).toISOString() },
    },
    NOW,
  );
});

const accountRecord = async () => (await readBatch(ports, BATCH))?.accounts[0];
/** A failure as the state machine catches it from a Lambda step: Cause is the runtime's JSON. */
const lambdaFailure = (name: string, message: string) => ({
  Error: name,
  Cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [`${name}: ${message}`] }),
});

describe('finishClosure of a closed account', () => {
  it('tags it with when, which batch and why (the reason made a valid tag value), announces it, and records it closed', async () => {
    // Act
    const finished = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'Project "Falcon" ended; see ticket #42 <ops>',
      outcome: 'closed',
    });

    // Assess
    const closedAt = new Date(NOW).toISOString();
    expect(finished).toEqual({ accountId: ACCOUNT, outcome: 'closed', eventId: 'evt-1' });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      ResourceId: ACCOUNT,
      Tags: [
        { Key: 'orgflow:closed-at', Value: closedAt },
        { Key: 'orgflow:closure-batch', Value: BATCH },
        { Key: 'orgflow:closure-reason', Value: 'Project Falcon ended see ticket 42 ops' },
      ],
    });
    expect(organizationsMock).not.toHaveReceivedCommand(ListParentsCommand);
    expect(organizationsMock).not.toHaveReceivedCommand(MoveAccountCommand);
    expect(eventsMock).toHaveReceivedCommandExactlyOnceWith(PutEventsCommand, {
      Entries: [
        {
          Source: 'orgflow',
          DetailType: 'Account Closed',
          EventBusName: 'default',
          Detail: JSON.stringify({
            batchId: BATCH,
            accountId: ACCOUNT,
            reason: 'Project "Falcon" ended; see ticket #42 <ops>',
            closedAt,
          }),
        },
      ],
    });
    expect(await accountRecord()).toEqual({
      accountId: ACCOUNT,
      state: 'closed',
      closedAt,
      updatedAt: closedAt,
    });
  });

  it('moves it into the configured closed OU and says so in the event', async () => {
    // Prepare
    ports.config = ClosureConfigSchema.parse({ closedOrganizationalUnit: 'Closed' });

    // Act
    const finished = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'swept',
      outcome: 'closed',
    });

    // Assess
    expect(finished).toMatchObject({ outcome: 'closed', movedTo: 'Closed' });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(MoveAccountCommand, {
      AccountId: ACCOUNT,
      SourceParentId: 'ou-ab12-decommis',
      DestinationParentId: 'ou-ab12-closed00',
    });
    const detail = JSON.parse(
      eventsMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}',
    );
    expect(detail).toMatchObject({ organizationalUnit: 'Closed' });
  });

  it('does not move an account already in the closed OU, nor fail when a retry finds it moved', async () => {
    // Prepare
    ports.config = ClosureConfigSchema.parse({ closedOrganizationalUnit: 'Closed' });
    organizationsMock
      .on(ListParentsCommand, { ChildId: ACCOUNT })
      .resolvesOnce({ Parents: [{ Id: 'ou-ab12-closed00', Type: 'ORGANIZATIONAL_UNIT' }] })
      .resolves({ Parents: [{ Id: 'ou-ab12-decommis', Type: 'ORGANIZATIONAL_UNIT' }] });
    organizationsMock
      .on(MoveAccountCommand)
      .rejects(new DuplicateAccountException({ message: 'already there', $metadata: {} }));

    // Act
    const there = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'r',
      outcome: 'closed',
    });
    const movedMeanwhile = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'r',
      outcome: 'closed',
    });

    // Assess
    expect([there.movedTo, movedMeanwhile.movedTo]).toEqual(['Closed', 'Closed']);
    expect(organizationsMock).toHaveReceivedCommandTimes(MoveAccountCommand, 1);
    expect((await accountRecord())?.state).toBe('closed');
  });

  it('fails with OrganizationalUnitNotFoundError when the closed OU is gone, before announcing anything', async () => {
    // Prepare
    ports.config = ClosureConfigSchema.parse({ closedOrganizationalUnit: 'Archive' });

    // Act
    const finishing = finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'r',
      outcome: 'closed',
    });

    // Assess
    await expect(finishing).rejects.toMatchObject({ name: 'OrganizationalUnitNotFoundError' });
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
    expect((await accountRecord())?.state).toBe('planned');
  });

  it('fails with EventNotPublishedError when EventBridge refuses the event, leaving the account to be finished again', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    // Act
    const finishing = finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'r',
      outcome: 'closed',
    });

    // Assess
    await expect(finishing).rejects.toMatchObject({ name: 'EventNotPublishedError' });
    expect((await accountRecord())?.state).toBe('planned');
  });
});

describe('finishClosure of an account not closed', () => {
  it("records a skip with the plan's reason and its words, and touches nothing else", async () => {
    // Act
    const finished = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'swept',
      outcome: 'skipped',
      failure: {
        Error: 'ClosureRefusedError',
        Cause: 'tagged orgflow:protected=true',
        reason: 'protected-account',
      },
    });

    // Assess
    expect(finished).toEqual({ accountId: ACCOUNT, outcome: 'skipped' });
    expect(await accountRecord()).toMatchObject({
      state: 'skipped',
      reason: 'protected-account',
      detail: 'tagged orgflow:protected=true',
    });
    expect(organizationsMock.calls()).toHaveLength(0);
    expect(eventsMock.calls()).toHaveLength(0);
  });

  it.each([
    [
      'a Lambda error',
      lambdaFailure('AccountClosureFailedError', `AWS did not close account ${ACCOUNT}: INTERNAL_FAILURE`),
      'AccountClosureFailedError',
      `AWS did not close account ${ACCOUNT}: INTERNAL_FAILURE`,
    ],
    [
      "the state machine's own words",
      { Error: 'AccountClosureTimeoutError', Cause: 'AWS was still closing the account after about 2 hours' },
      'AccountClosureTimeoutError',
      'AWS was still closing the account after about 2 hours',
    ],
    ['no cause', { Error: 'States.Timeout' }, 'States.Timeout', 'States.Timeout'],
    ['no failure at all', null, 'unknown', 'unknown'],
  ])('records a failure with %s', async (_, failure, reason, detail) => {
    // Act
    const finished = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'swept',
      outcome: 'failed',
      failure,
    });

    // Assess
    expect(finished).toEqual({ accountId: ACCOUNT, outcome: 'failed' });
    expect(await accountRecord()).toEqual({
      accountId: ACCOUNT,
      state: 'failed',
      reason,
      detail,
      updatedAt: new Date(NOW).toISOString(),
    });
    expect(organizationsMock.calls()).toHaveLength(0);
  });
});

describe('finishClosure of an account that departed', () => {
  it('records it departed, not failed, with the words of AccountDepartedError, and touches nothing else', async () => {
    // Prepare: the Account Departed reaction recorded it first, then answered the wait
    const words = `account ${ACCOUNT} was removed from the organization (May 29, 2026 9:41:37 AM) while orgflow was working on it`;
    await setAccountState(ports, BATCH, ACCOUNT, 'departed', NOW - 1000, {
      reason: 'account-departed',
      detail: words,
    });

    // Act
    const finished = await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'swept',
      outcome: 'departed',
      failure: lambdaFailure('AccountDepartedError', words),
    });
    // the batch's "did not finish" that would come after a stop writes nothing over it
    await finishClosure(ports, {
      batchId: BATCH,
      accountId: ACCOUNT,
      reason: 'swept',
      outcome: 'failed',
      failure: { Error: 'States.TaskFailed' },
    });

    // Assess
    expect(finished).toEqual({ accountId: ACCOUNT, outcome: 'departed' });
    expect(await accountRecord()).toMatchObject({
      state: 'departed',
      reason: 'account-departed',
      detail: words,
    });
    expect(organizationsMock.calls()).toHaveLength(0);
    expect(eventsMock.calls()).toHaveLength(0);
  });
});

describe('tagValueOf', () => {
  it('keeps letters of any script, digits, spaces and _.:/=+-@, and at most 256 of them', () => {
    // Act
    const kept = tagValueOf('  Überführung: ticket OPS-12/a=b+c@d_e.f  ');
    const replaced = tagValueOf('a\tb\n\nc!?*');
    const long = tagValueOf('x'.repeat(300));

    // Assess
    expect(kept).toBe('Überführung: ticket OPS-12/a=b+c@d_e.f');
    expect(replaced).toBe('a b c');
    expect(long).toHaveLength(256);
  });
});
