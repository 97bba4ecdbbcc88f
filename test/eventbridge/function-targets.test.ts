import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeadLetter, type EventBridgeEvent, EventBuses } from '../../local/eventbridge/bus';
import { ManualClock, seededRandom } from '../../local/eventbridge/clock';
import { functionTarget, installRules, parseRuleFile } from '../../local/eventbridge/rule-files';
import { startEventBridgeServer } from '../../local/eventbridge/server';
import { LambdaRunner, type LambdaTimers } from '../../local/lambda/runner';
import { invocations } from './fixtures/functions/rule-targets';

const ACCOUNT = '111111111111';
const FUNCTIONS = fileURLToPath(new URL('./fixtures/functions/rule-targets.ts', import.meta.url));
const sample = (name: string): EventBridgeEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../events/samples', `${name}.json`), 'utf8'));

/** The runner's timeouts on the bus's manual clock. */
const timersOn = (clock: ManualClock): LambdaTimers => ({
  now: () => clock.now(),
  schedule(ms, fire) {
    const cancelled = new AbortController();
    void clock.waitUntil(clock.now() + ms, cancelled.signal).then(() => {
      if (!cancelled.signal.aborted) fire();
    });
    return () => cancelled.abort();
  },
});

/** A bus whose rules (given as rule files) invoke the fixture functions through a real Lambda runner. */
function stackWith(...rules: Record<string, unknown>[]) {
  const clock = new ManualClock();
  const letters: DeadLetter[] = [];
  const buses = new EventBuses({
    clock,
    random: seededRandom(5),
    backoff: { baseMs: 1000, maxMs: 1000 },
    onDeadLetter: (letter) => letters.push(letter),
  });
  const lambda = new LambdaRunner({ accountId: ACCOUNT, timers: timersOn(clock) });
  const exports = { RecordEvent: 'record', FailAlways: 'fail', FailOnce: 'failOnce' };
  for (const [name, exported] of Object.entries(exports))
    lambda.register(name, { module: FUNCTIONS, export: exported, timeoutMs: 3000, memoryMb: 128 });
  const bus = buses.forAccount(ACCOUNT);
  installRules(
    bus,
    rules.map((rule, i) => parseRuleFile(`rule-${i}.json`, JSON.stringify(rule))),
    {
      stateMachine: (name) => {
        throw new Error(`these rules start no state machine, not even ${name}`);
      },
      function: (name) => functionTarget(lambda, name, Object.keys(exports)),
    },
  );
  closers.push(() => buses.close());
  /** advances the clock a second at a time, letting the bus run in between */
  const runFor = async (seconds: number) => {
    await bus.settled();
    for (let i = 0; i < seconds; i++) {
      clock.advance(1000);
      await bus.settled();
    }
  };
  return { bus, buses, clock, letters, runFor };
}

const creationResults = {
  source: ['aws.organizations'],
  'detail-type': ['AWS Service Event via CloudTrail'],
  detail: { eventName: ['CreateAccountResult'] },
};
const ruleFor = (fn: string, more: Record<string, unknown> = {}) => ({
  name: `to-${fn}`,
  eventPattern: creationResults,
  target: { function: fn },
  ...more,
});

const closers: (() => Promise<void> | void)[] = [];
beforeEach(() => {
  invocations().length = 0;
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('a rule whose target is a function', () => {
  it('invokes the function with the event, or what the target makes of it', async () => {
    // Prepare
    const { bus, letters, runFor } = stackWith(ruleFor('RecordEvent'), {
      ...ruleFor('RecordEvent'),
      name: 'status-only',
      target: { function: 'RecordEvent', inputPath: '$.detail.serviceEventDetails.createAccountStatus' },
    });
    const succeeded = sample('organizations-create-account-result-succeeded');

    // Act
    bus.publish(succeeded);
    bus.publish(sample('organizations-move-account'));
    await runFor(0);

    // Assess
    expect(invocations()).toEqual(
      expect.arrayContaining([
        { functionName: 'RecordEvent', event: succeeded },
        {
          functionName: 'RecordEvent',
          event: expect.objectContaining({ state: 'SUCCEEDED', accountId: '444455556666' }),
        },
      ]),
    );
    expect(invocations()).toHaveLength(2);
    expect(letters).toEqual([]);
    expect(bus.listTargets('to-RecordEvent')).toEqual([
      { id: 'RecordEvent', arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:RecordEvent` },
    ]);
  });

  it('retries a function that failed, and delivers once it succeeds', async () => {
    // Prepare
    const { bus, letters, runFor } = stackWith(
      ruleFor('FailOnce', { retryPolicy: { MaximumRetryAttempts: 3 } }),
    );
    const failed = sample('organizations-create-account-result-failed');

    // Act
    bus.publish(failed);
    await runFor(5);

    // Assess
    expect(invocations()).toEqual([
      { functionName: 'FailOnce', event: failed },
      { functionName: 'FailOnce', event: failed },
    ]);
    expect(letters).toEqual([]);
  });

  it('retries a failing function by the rule’s retry policy, then dead-letters the event', async () => {
    // Prepare
    const { bus, clock, letters, runFor } = stackWith(
      ruleFor('FailAlways', { retryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } }),
    );
    const succeeded = sample('organizations-create-account-result-succeeded');

    // Act
    bus.publish(succeeded);
    await runFor(10);

    // Assess
    expect(invocations()).toHaveLength(3);
    expect(letters).toEqual([
      expect.objectContaining({
        ruleName: 'to-FailAlways',
        targetId: 'FailAlways',
        targetArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:FailAlways`,
        errorCode: 'FunctionInvocationError',
        errorMessage: 'FailAlways failed: TableUnavailableError: the governor table is unavailable',
        exhaustedRetryCondition: 'MaximumRetryAttemptsExhausted',
        retryAttempts: 2,
        event: succeeded,
      }),
    ]);
    expect(clock.pendingWaits).toBe(0);
  });

  it('dead-letters at once an event for a function that is not in the catalog, naming it and the known ones', async () => {
    // Prepare
    const { bus, letters, runFor } = stackWith(ruleFor('CompleteAccountCreation'));

    // Act
    bus.publish(sample('organizations-create-account-result-succeeded'));
    await runFor(0);

    // Assess
    expect(invocations()).toEqual([]);
    expect(letters).toEqual([
      expect.objectContaining({
        targetId: 'CompleteAccountCreation',
        errorCode: 'ResourceNotFoundException',
        errorMessage: 'no function named CompleteAccountCreation (known: RecordEvent, FailAlways, FailOnce)',
        retryAttempts: 0,
      }),
    ]);
    expect(letters[0]).not.toHaveProperty('exhaustedRetryCondition');
  });

  it('dead-letters at once an input that is not JSON, which Lambda would refuse', async () => {
    // Prepare
    const { bus, letters, runFor } = stackWith(
      ruleFor('RecordEvent', {
        target: {
          function: 'RecordEvent',
          inputTransformer: {
            InputPathsMap: { state: '$.detail.serviceEventDetails.createAccountStatus.state' },
            InputTemplate: 'creation <state>',
          },
        },
      }),
    );

    // Act
    bus.publish(sample('organizations-create-account-result-succeeded'));
    await runFor(0);

    // Assess
    expect(invocations()).toEqual([]);
    expect(letters.map((letter) => [letter.errorCode, letter.input, letter.retryAttempts])).toEqual([
      ['InvalidRequestContentException', 'creation SUCCEEDED', 0],
    ]);
  });

  it('invokes the function for an event put through @aws-sdk/client-eventbridge', async () => {
    // Prepare
    const { buses, runFor } = stackWith({
      name: 'orders',
      eventPattern: { source: ['com.example.shop'] },
      target: { function: 'RecordEvent', inputPath: '$.detail' },
    });
    const server = await startEventBridgeServer(buses, { port: 0, onInternalError: () => {} });
    closers.push(() => server.close());
    const events = new EventBridgeClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    closers.push(() => events.destroy());

    // Act
    const { FailedEntryCount } = await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'com.example.shop', DetailType: 'Order Placed', Detail: '{"orderId":"o-1"}' }],
      }),
    );
    await runFor(0);

    // Assess
    expect(FailedEntryCount).toBe(0);
    expect(invocations()).toEqual([{ functionName: 'RecordEvent', event: { orderId: 'o-1' } }]);
  });
});
