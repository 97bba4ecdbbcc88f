import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  AccountNotFoundException,
  DescribeAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CloseAccountResultEvent,
  CloseAccountResultEventSchema,
} from '../../functions/account-closure/complete-account-closure/complete-account-closure';
import { lambdaContext } from '../functions/fixtures/lambda-context';
import { governorTableOnDynalite } from '../governor-table';

// The wait for a closure without polling (functions/account-closure/closure-watch.ts): Wait For Closure and
// Complete Account Closure as Lambda runs them, meeting on the governor table (dynalite); Step Functions and
// Organizations are mocked.

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const table = governorTableOnDynalite();
const sfnMock = mockClient(SFNClient);
const organizationsMock = mockClient(OrganizationsClient);
let watch: Handler;
let complete: Handler;

const SAMPLE = 'events/samples/organizations-close-account-result.json';
const sampleJson = () => JSON.parse(readFileSync(SAMPLE, 'utf8')) as CloseAccountResultEvent;
const ACCOUNT = '555555555555';

/** The sample event, for another account and outcome. */
function resultEvent(state: string, accountId = ACCOUNT, failureReason?: string): CloseAccountResultEvent {
  const event = sampleJson();
  event.detail.serviceEventDetails.closeAccountStatus = {
    ...event.detail.serviceEventDetails.closeAccountStatus,
    accountId,
    state,
    ...(failureReason ? { failureReason } : {}),
  };
  return event;
}

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  watch = (
    (await import('../../functions/account-closure/watch-account-closure/handler')) as { handler: Handler }
  ).handler;
  complete = (
    (await import('../../functions/account-closure/complete-account-closure/handler')) as { handler: Handler }
  ).handler;
});
afterAll(() => vi.unstubAllEnvs());
beforeEach(() => {
  sfnMock.reset();
  organizationsMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
});

const wait = (taskToken: string, extra: { accountId?: string; look?: boolean } = {}) =>
  watch(
    { batchId: 'cb-0001', accountId: extra.accountId ?? ACCOUNT, taskToken, look: extra.look ?? false },
    lambdaContext('watch-account-closure'),
  );
const report = (event: unknown) => complete(event, lambdaContext('complete-account-closure'));

describe('the CloseAccountResult event', () => {
  it('is read from the real sample', () => {
    // Act
    const parsed = CloseAccountResultEventSchema.safeParse(sampleJson());

    // Assess
    expect(parsed.success).toBe(true);
    expect(parsed.data?.detail.serviceEventDetails.closeAccountStatus).toMatchObject({
      accountId: ACCOUNT,
      state: 'SUCCEEDED',
    });
  });

  it('is refused when it is another event, with ValidationError', async () => {
    // Prepare
    const event = sampleJson() as unknown as { detail: { eventName: string } };
    event.detail.eventName = 'CreateAccountResult';

    // Act
    const reporting = report(event);

    // Assess
    await expect(reporting).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('waiting for a closure without polling', () => {
  it('wakes the waiting execution when the event comes after it started waiting', async () => {
    // Act
    const waiting = await wait('token-1');
    const reported = await report(sampleJson());

    // Assess
    expect(waiting).toEqual({ answered: false });
    expect(reported).toEqual({ accountId: ACCOUNT, state: 'SUCCEEDED', woke: true });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({ accountId: ACCOUNT, state: 'SUCCEEDED' }),
    });
    expect(organizationsMock).not.toHaveReceivedCommand(DescribeAccountCommand);
  });

  it('answers at once an execution that starts waiting after the event came', async () => {
    // Act
    const reported = await report(sampleJson());
    const waiting = await wait('token-2');

    // Assess
    expect(reported).toEqual({ accountId: ACCOUNT, state: 'SUCCEEDED', woke: false });
    expect(waiting).toEqual({ answered: true });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'token-2',
      output: JSON.stringify({ accountId: ACCOUNT, state: 'SUCCEEDED' }),
    });
  });

  it('fails the wait with AccountClosureFailedError when AWS reports FAILED', async () => {
    // Prepare
    await wait('token-3', { accountId: '666666666666' });

    // Act
    const reported = await report(resultEvent('FAILED', '666666666666', 'INTERNAL_FAILURE'));

    // Assess
    expect(reported).toMatchObject({ state: 'FAILED', woke: true });
    const failure = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(failure).toMatchObject({ taskToken: 'token-3', error: 'AccountClosureFailedError' });
    expect(JSON.parse(failure?.cause ?? '{}')).toEqual({
      errorType: 'AccountClosureFailedError',
      errorMessage: 'AWS did not close account 666666666666: INTERNAL_FAILURE',
    });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('names a failure without a reason UNKNOWN', async () => {
    // Prepare
    await report(resultEvent('FAILED', '777777777777'));

    // Act
    await wait('token-4', { accountId: '777777777777' });

    // Assess
    const failure = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(JSON.parse(failure?.cause ?? '{}').errorMessage).toBe(
      'AWS did not close account 777777777777: UNKNOWN',
    );
  });

  it.each([
    ['the event woke it', 'event-last'],
    ['it found the result waiting', 'event-first'],
  ])('does not fail a later closure of the same account with a FAILED result once %s', async (_, order) => {
    // Prepare: a closure AWS reported FAILED, answered
    const failedEvent = resultEvent('FAILED', ACCOUNT, 'INTERNAL_FAILURE');
    if (order === 'event-last') {
      await wait('first');
      await report(failedEvent);
    } else {
      await report(failedEvent);
      await wait('first');
    }
    sfnMock.resetHistory();

    // Act: days later, another batch closes the account again and waits
    const waiting = await wait('second');
    const reported = await report(sampleJson());

    // Assess
    expect(waiting).toEqual({ answered: false });
    expect(reported).toMatchObject({ state: 'SUCCEEDED', woke: true });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: 'second',
      output: JSON.stringify({ accountId: ACCOUNT, state: 'SUCCEEDED' }),
    });
  });

  it('keeps a FAILED result for the retried wait when the token it went to no longer waits', async () => {
    // Prepare
    sfnMock
      .on(SendTaskFailureCommand, { taskToken: 'timed-out' })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await wait('timed-out');
    await report(resultEvent('FAILED', ACCOUNT, 'INTERNAL_FAILURE'));

    // Act
    const retried = await wait('retry');

    // Assess
    expect(retried).toEqual({ answered: true });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'retry',
      error: 'AccountClosureFailedError',
    });
  });

  it('records a state that is not an outcome without waking anyone', async () => {
    // Prepare
    await wait('token-5');

    // Act
    const reported = await report(resultEvent('IN_PROGRESS'));

    // Assess
    expect(reported).toEqual({ accountId: ACCOUNT, state: 'IN_PROGRESS', woke: false });
    expect(sfnMock.calls()).toHaveLength(0);
    expect((await table.item(`closure#${ACCOUNT}`, 'watch'))?.result).toBeUndefined();
  });

  it.each([
    ['timed out', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['gone', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])(
    'takes a token whose task %s calmly, and wakes the newest token of a retried wait',
    async (_, refusal) => {
      // Prepare
      sfnMock.on(SendTaskSuccessCommand, { taskToken: 'old' }).rejects(refusal);
      await wait('old');
      const onlyOld = await report(sampleJson());
      await table.put({ pk: `closure#${ACCOUNT}`, sk: 'watch', taskToken: 'old' });

      // Act
      await wait('new');
      const reported = await report(sampleJson());

      // Assess
      expect(onlyOld).toMatchObject({ woke: false });
      expect(reported).toMatchObject({ woke: true });
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'new' });
    },
  );

  it('throws a failure to answer that may be retried, so the event is delivered again', async () => {
    // Prepare
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await wait('token-6');

    // Act
    const reporting = report(sampleJson());

    // Assess
    await expect(reporting).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('looking when the event does not come', () => {
  it.each([
    ['SUSPENDED', { Account: { Id: ACCOUNT, State: 'SUSPENDED' } }, true],
    ['CLOSED', { Account: { Id: ACCOUNT, State: 'CLOSED' } }, true],
    ['SUSPENDED in the older Status field', { Account: { Id: ACCOUNT, Status: 'SUSPENDED' } }, true],
    ['PENDING_CLOSURE', { Account: { Id: ACCOUNT, State: 'PENDING_CLOSURE' } }, false],
  ] as const)('a retried wait finds an account %s', async (_, described, answered) => {
    // Prepare
    organizationsMock.on(DescribeAccountCommand).resolves(described);

    // Act
    const waiting = await wait('token-7', { look: true });

    // Assess
    expect(waiting).toEqual({ answered });
    expect(organizationsMock).toHaveReceivedCommandExactlyOnceWith(DescribeAccountCommand, {
      AccountId: ACCOUNT,
    });
    if (answered)
      expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
        taskToken: 'token-7',
        output: JSON.stringify({ accountId: ACCOUNT, state: 'SUCCEEDED' }),
      });
    else expect(sfnMock.calls()).toHaveLength(0);
  });

  it('takes an account AWS no longer knows (removed after its closure) as closed', async () => {
    // Prepare
    organizationsMock
      .on(DescribeAccountCommand)
      .rejects(new AccountNotFoundException({ message: 'gone', $metadata: {} }));

    // Act
    const waiting = await wait('token-8', { look: true });

    // Assess
    expect(waiting).toEqual({ answered: true });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-8' });
  });

  it('does not look on the first wait, nor when the result is known', async () => {
    // Act
    const first = await wait('token-9');
    await report(resultEvent('SUCCEEDED', '888888888888'));
    const known = await wait('token-10', { accountId: '888888888888', look: true });

    // Assess
    expect([first, known]).toEqual([{ answered: false }, { answered: true }]);
    expect(organizationsMock).not.toHaveReceivedCommand(DescribeAccountCommand);
  });
});
