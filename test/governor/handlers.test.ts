import 'aws-sdk-client-mock-vitest/extend';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../functions/fixtures/lambda-context';
import { governorTableOnDynalite } from '../governor-table';

// Acquire Create Slot and Release Create Slot as Lambda runs them: environment, input, the table on dynalite
// and Step Functions mocked with aws-sdk-client-mock. The governor's races are tested in store-dynalite.test.ts.

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const table = governorTableOnDynalite();
const sfn = mockClient(SFNClient);
const handlers: Record<string, Handler> = {};
const NOW = Date.UTC(2026, 2, 1, 10, 0, 0);

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  vi.stubEnv('CREATE_ACCOUNT_SLOTS', '1');
  for (const folder of ['acquire-create-slot', 'release-create-slot'])
    handlers[folder] = (
      (await import(`../../functions/account-vending/${folder}/handler.ts`)) as { handler: Handler }
    ).handler;
});
afterAll(() => vi.unstubAllEnvs());

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const invoke = (folder: string, event: unknown) =>
  (handlers[folder] as Handler)(event, lambdaContext(folder));
const first = 'ar-0123456789abcdef0123456789abcdef';
const second = 'ar-fedcba9876543210fedcba9876543210';

describe('Acquire Create Slot and Release Create Slot', () => {
  it('hands a free slot to the acquiring task itself, paced to go now', async () => {
    // Act
    const result = await invoke('acquire-create-slot', { requestId: first, taskToken: 'token-1' });

    // Assess
    expect(result).toEqual({ ticket: 1, handedOver: 1 });
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({
        slot: 0,
        ticket: 1,
        leaseExpiresAt: new Date(NOW + 3600 * 1000).toISOString(),
        callAt: NOW,
      }),
    });
    expect(await table.item('create-account', 'slot#000')).toMatchObject({ holder: first, callAt: NOW });
  });

  it('leaves a waiter waiting while CREATE_ACCOUNT_SLOTS are held, and the release hands it the slot', async () => {
    // Prepare
    await invoke('acquire-create-slot', { requestId: first, taskToken: 'token-1' });
    sfn.resetHistory();

    // Act
    const waiting = await invoke('acquire-create-slot', { requestId: second, taskToken: 'token-2' });
    const sentWhileFull = sfn.commandCalls(SendTaskSuccessCommand).length;
    vi.setSystemTime(NOW + 60_000);
    const released = await invoke('release-create-slot', { requestId: first });

    // Assess
    expect(waiting).toEqual({ ticket: 2, handedOver: 0 });
    expect(sentWhileFull).toBe(0);
    expect(released).toEqual({ released: true });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-2',
      output: expect.stringContaining('"slot":0,"ticket":2'),
    });
    expect(await table.item('create-account', 'slot#000')).toMatchObject({ holder: second });
  });

  it('gives the slot back when the waiter it was sent to is gone', async () => {
    // Prepare: the waiter's task timed out: Step Functions refuses its token
    await invoke('acquire-create-slot', { requestId: first, taskToken: 'token-1' });
    await invoke('acquire-create-slot', { requestId: second, taskToken: 'token-2' });
    sfn
      .on(SendTaskSuccessCommand, { taskToken: 'token-2' })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    // Act
    await invoke('release-create-slot', { requestId: first });

    // Assess
    const slot = await table.item('create-account', 'slot#000');
    expect(slot?.holder).toBeUndefined();
    expect(await table.item('create-account', 'ticket#000000000000002')).toBeUndefined();
    expect(await table.item(`request#${second}`, 'create-account')).toMatchObject({ ticket: 2 });
  });

  it('paces the calls by CREATE_ACCOUNT_CALLS_PER_SECOND and CREATE_ACCOUNT_CALL_BURST', async () => {
    // Prepare: the bucket is empty (its tat 10.5 s ahead, burst 3)
    await table.put({ pk: 'create-account', sk: 'pace', tat: NOW + 3 * 10_500 });
    // watches the table's commands (they still reach the table)
    const sent = vi.spyOn(DynamoDBDocumentClient.prototype, 'send');

    // Act
    await invoke('acquire-create-slot', { requestId: first, taskToken: 'token-1' });

    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      output: expect.stringContaining(`"callAt":${NOW + 11_000}`),
    });
    const paceWrites = sent.mock.calls
      .map(([command]) => command)
      .filter((command) => command instanceof UpdateCommand)
      .map((command) => command.input)
      .filter((input) => input.Key?.sk === 'pace');
    expect(paceWrites).toEqual([
      expect.objectContaining({
        Key: { pk: 'create-account', sk: 'pace' },
        ConditionExpression: 'tat = :previous',
      }),
    ]);
    expect(await table.item('create-account', 'pace')).toEqual({
      pk: 'create-account',
      sk: 'pace',
      tat: NOW + 4 * 10_500,
    });
  });

  it('refuses an attempt without its task token', async () => {
    // Act
    const attempt = invoke('acquire-create-slot', { requestId: first });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError' });
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });
});
