import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  type Deliver,
  type Delivery,
  type EventBridgeEvent,
  EventBus,
  EventBuses,
  type EventBusOptions,
} from '../../local/eventbridge/bus';
import { ManualClock, seededRandom } from '../../local/eventbridge/clock';
import { EventBridgeError, NonRetryableDeliveryError } from '../../local/eventbridge/errors';

const ACCOUNT = '111111111111';
const sample = (name: string): EventBridgeEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../events/samples', `${name}.json`), 'utf8'));

interface Recorded {
  input: string;
  delivery: Delivery;
}

/** A target that records what it gets; `failures` first attempts throw `error`. */
function recorder(failures = 0, error: () => Error = () => new Error('target unavailable')) {
  const calls: Recorded[] = [];
  const delivered: Recorded[] = [];
  const deliver: Deliver = (input, delivery) => {
    calls.push({ input, delivery });
    if (calls.length <= failures) throw error();
    delivered.push({ input, delivery });
  };
  return { calls, delivered, deliver };
}

const closers: (() => void)[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function busWith(options: Partial<EventBusOptions> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const bus = new EventBus({ account: ACCOUNT, clock, random: seededRandom(7), ...options });
  closers.push(() => bus.close());
  return { bus, clock };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgflow-eventbridge-'));
  dirs.push(dir);
  return dir;
}

const orderPlaced = (detail: Record<string, unknown> = { orderId: 'o-1', amount: 30 }) => ({
  Source: 'com.example.shop',
  DetailType: 'Order Placed',
  Detail: JSON.stringify(detail),
});

describe('EventBus: rules and matching', () => {
  it('delivers a matching event, whole, to every target of every matching rule', async () => {
    // Prepare
    const { bus } = busWith();
    const first = recorder();
    const second = recorder();
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putRule({ name: 'big-orders', eventPattern: { detail: { amount: [{ numeric: ['>', 20] }] } } });
    bus.putRule({ name: 'refunds', eventPattern: { 'detail-type': ['Refund Issued'] } });
    bus.putTargets('orders', [
      { id: 'a', arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:a', deliver: first.deliver },
    ]);
    bus.putTargets('big-orders', [{ id: 'b', arn: 'arn:b', deliver: second.deliver }]);

    // Act
    const result = bus.putEvents([orderPlaced()]);
    await bus.settled();

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    const [entry] = result.Entries;
    expect(entry).toEqual({ EventId: expect.any(String) });
    expect(first.delivered).toHaveLength(1);
    expect(second.delivered).toHaveLength(1);
    const event = JSON.parse(first.delivered[0]?.input ?? '');
    expect(event).toEqual({
      version: '0',
      id: (entry as { EventId: string }).EventId,
      'detail-type': 'Order Placed',
      source: 'com.example.shop',
      account: ACCOUNT,
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { orderId: 'o-1', amount: 30 },
    });
    expect(first.delivered[0]?.delivery).toMatchObject({
      ruleName: 'orders',
      ruleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders`,
      targetId: 'a',
      attempt: 0,
      duplicate: false,
    });
  });

  it('does not deliver an event no rule matches', async () => {
    // Prepare
    const { bus } = busWith();
    const target = recorder();
    bus.putRule({ name: 'refunds', eventPattern: { 'detail-type': ['Refund Issued'] } });
    bus.putTargets('refunds', [{ id: 'a', arn: 'arn:a', deliver: target.deliver }]);

    // Act
    bus.putEvents([orderPlaced()]);
    await bus.settled();

    // Assess
    expect(target.calls).toHaveLength(0);
  });

  it('skips a disabled rule until it is enabled again', async () => {
    // Prepare
    const { bus } = busWith();
    const target = recorder();
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] }, state: 'DISABLED' });
    bus.putTargets('orders', [{ id: 'a', arn: 'arn:a', deliver: target.deliver }]);

    // Act
    bus.putEvents([orderPlaced()]);
    await bus.settled();
    const whileDisabled = target.calls.length;
    bus.enableRule('orders');
    bus.putEvents([orderPlaced()]);
    await bus.settled();
    bus.disableRule('orders');
    bus.putEvents([orderPlaced()]);
    await bus.settled();

    // Assess
    expect(whileDisabled).toBe(0);
    expect(target.calls).toHaveLength(1);
    expect(bus.describeRule('orders').state).toBe('DISABLED');
  });

  it('routes CloudTrail events of the Organizations emulator, read-only calls only to rules that opt in', async () => {
    // Prepare
    const { bus } = busWith();
    const decommission = recorder();
    const everything = recorder();
    bus.putRule({
      name: 'decommission',
      eventPattern: {
        source: ['aws.organizations'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['organizations.amazonaws.com'], eventName: ['MoveAccount'] },
      },
    });
    bus.putRule({
      name: 'all-org-calls',
      eventPattern: { source: ['aws.organizations'] },
      state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    });
    bus.putTargets('decommission', [{ id: 'close', arn: 'arn:close', deliver: decommission.deliver }]);
    bus.putTargets('all-org-calls', [{ id: 'log', arn: 'arn:log', deliver: everything.deliver }]);
    const move = sample('organizations-move-account');
    const readOnly = {
      ...move,
      detail: { ...(move.detail as object), eventName: 'MoveAccount', readOnly: true },
    };

    // Act
    const matchedMove = bus.publish(move);
    const matchedReadOnly = bus.publish(readOnly);
    bus.publish(sample('organizations-create-account'));
    await bus.settled();

    // Assess
    expect(matchedMove).toEqual(['all-org-calls', 'decommission']);
    expect(matchedReadOnly).toEqual(['all-org-calls']);
    expect(decommission.delivered).toHaveLength(1);
    expect(JSON.parse(decommission.delivered[0]?.input ?? '')).toEqual(move);
    expect(everything.delivered).toHaveLength(3);
  });

  it('hands the target what its input transformer makes of the event', async () => {
    // Prepare
    const { bus } = busWith();
    const target = recorder();
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [
      {
        id: 'a',
        arn: 'arn:a',
        deliver: target.deliver,
        inputTransformer: {
          InputPathsMap: { order: '$.detail.orderId', eventId: '$.id' },
          InputTemplate: '{"order": <order>, "dedupe": "<eventId>", "rule": "<aws.events.rule-name>"}',
        },
      },
    ]);

    // Act
    const { Entries } = bus.putEvents([orderPlaced()]);
    await bus.settled();

    // Assess
    expect(JSON.parse(target.delivered[0]?.input ?? '')).toEqual({
      order: 'o-1',
      dedupe: (Entries[0] as { EventId: string }).EventId,
      rule: 'orders',
    });
  });

  it('puts each account’s events on that account’s bus', async () => {
    // Prepare
    const buses = new EventBuses({ clock: new ManualClock(), random: seededRandom(1) });
    closers.push(() => buses.close());
    const management = recorder();
    const member = recorder();
    for (const [account, target] of [
      ['111111111111', management],
      ['222222222222', member],
    ] as const) {
      buses.forAccount(account).putRule({ name: 'org', eventPattern: { source: ['aws.organizations'] } });
      buses.forAccount(account).putTargets('org', [{ id: 't', arn: 'arn:t', deliver: target.deliver }]);
    }

    // Act
    buses.publish(sample('organizations-move-account'));
    await buses.settled();

    // Assess
    expect(management.delivered).toHaveLength(1);
    expect(member.delivered).toHaveLength(0);
  });
});

describe('EventBus: PutEvents validation', () => {
  it('reports each bad entry with its own error and accepts the rest', () => {
    // Prepare
    const { bus } = busWith();

    // Act
    const result = bus.putEvents([
      orderPlaced(),
      { DetailType: 'Order Placed', Detail: '{}' },
      { ...orderPlaced(), Detail: '[1, 2]' },
      { ...orderPlaced(), Detail: '{not json' },
      { ...orderPlaced(), Source: 'aws.organizations' },
      { ...orderPlaced(), DetailType: 'x'.repeat(129) },
      { ...orderPlaced(), EventBusName: 'custom-bus' },
      { ...orderPlaced(), Time: new Date('2025-06-01T12:00:00Z') },
    ]);

    // Assess
    expect(result.FailedEntryCount).toBe(6);
    expect(result.Entries.map((entry) => ('ErrorCode' in entry ? entry.ErrorCode : 'ok'))).toEqual([
      'ok',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'NotAuthorizedForSourceException',
      'InvalidArgument',
      'InvalidArgument',
      'ok',
    ]);
    expect(result.Entries[1]).toMatchObject({
      ErrorMessage: expect.stringContaining('Source is a required argument'),
    });
    const ids = result.Entries.filter((entry) => 'EventId' in entry).map(
      (entry) => (entry as { EventId: string }).EventId,
    );
    expect(new Set(ids).size).toBe(2);
  });

  it.each([
    ['no entries', []],
    ['more than 10 entries', Array.from({ length: 11 }, () => orderPlaced())],
    [
      'entries over 256 KB in total',
      [orderPlaced({ blob: 'x'.repeat(200_000) }), orderPlaced({ blob: 'y'.repeat(70_000) })],
    ],
    ['no entry with Source, DetailType and Detail', [{ Source: 'a' }, { Detail: '{}' }]],
  ])('refuses a request with %s', (_name, entries) => {
    // Prepare
    const { bus } = busWith();

    // Act
    const attempt = () => bus.putEvents(entries);

    // Assess
    expect(attempt).toThrow(EventBridgeError);
    expect(attempt).toThrow(expect.objectContaining({ type: 'ValidationException' }));
  });
});

describe('EventBus: rule and target management', () => {
  it('refuses to delete a rule that has targets, deletes it once they are removed, and again without error', () => {
    // Prepare
    const { bus } = busWith();
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [{ id: 'a', arn: 'arn:a' }]);

    // Act
    const refused = () => bus.deleteRule('orders');

    // Assess
    expect(refused).toThrow("Rule can't be deleted since it has targets.");
    bus.removeTargets('orders', ['a']);
    bus.deleteRule('orders');
    expect(() => bus.deleteRule('orders')).not.toThrow();
    expect(() => bus.describeRule('orders')).toThrow(
      expect.objectContaining({ type: 'ResourceNotFoundException' }),
    );
  });

  it('keeps targets when a rule is replaced, and allows at most five', () => {
    // Prepare
    const { bus } = busWith();
    bus.putRule({ name: 'r', eventPattern: { source: ['a'] } });
    bus.putTargets(
      'r',
      ['1', '2', '3', '4', '5'].map((id) => ({ id, arn: `arn:${id}` })),
    );

    // Act
    bus.putRule({ name: 'r', eventPattern: { source: ['b'] }, description: 'now b' });

    // Assess
    expect(bus.listTargets('r').map((target) => target.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(bus.describeRule('r')).toMatchObject({ eventPattern: '{"source":["b"]}', description: 'now b' });
    expect(() => bus.putTargets('r', [{ id: '6', arn: 'arn:6' }])).toThrow(
      expect.objectContaining({ type: 'LimitExceededException' }),
    );
    expect(() => bus.putTargets('missing', [{ id: '1', arn: 'arn:1' }])).toThrow(
      expect.objectContaining({ type: 'ResourceNotFoundException' }),
    );
  });

  it('holds at most 30 rules with wildcards', () => {
    // Prepare
    const { bus } = busWith();
    for (let i = 0; i < 30; i++)
      bus.putRule({ name: `w${i}`, eventPattern: { source: [{ wildcard: `app-${i}-*` }] } });

    // Act
    const thirtyFirst = () => bus.putRule({ name: 'w30', eventPattern: { source: [{ wildcard: 'x-*' }] } });

    // Assess
    expect(thirtyFirst).toThrow(expect.objectContaining({ type: 'LimitExceededException' }));
    expect(() =>
      bus.putRule({ name: 'w0', eventPattern: { source: [{ wildcard: 'replaced-*' }] } }),
    ).not.toThrow();
    expect(() => bus.putRule({ name: 'plain', eventPattern: { source: ['x'] } })).not.toThrow();
  });

  it('refuses an invalid pattern with InvalidEventPatternException naming the path', () => {
    // Prepare
    const { bus } = busWith();

    // Act
    const attempt = () =>
      bus.putRule({ name: 'bad', eventPattern: { detail: { state: [{ EXISTS: true }] } } });

    // Assess
    expect(attempt).toThrow(expect.objectContaining({ type: 'InvalidEventPatternException' }));
    expect(attempt).toThrow(/Unrecognized match type EXISTS.*\$\.detail\.state\[0\]/);
  });
});

describe('EventBus: at-least-once delivery', () => {
  it('delivers some events twice when duplicates are injected, reproducibly for a seed', async () => {
    // Prepare
    const run = async (seed: number) => {
      const { bus } = busWith({ random: seededRandom(seed), faults: { duplicateProbability: 0.5 } });
      const target = recorder();
      bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
      bus.putTargets('orders', [{ id: 'a', arn: 'arn:a', deliver: target.deliver }]);
      for (let i = 0; i < 10; i++) bus.putEvents([orderPlaced({ orderId: `o-${i}` })]);
      await bus.settled();
      return target.delivered;
    };

    // Act
    const first = await run(42);
    const again = await run(42);

    // Assess
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThan(20);
    expect(again.map((d) => d.delivery.event.detail)).toEqual(first.map((d) => d.delivery.event.detail));
    const copies = first.filter((d) => d.delivery.duplicate);
    expect(copies).toHaveLength(first.length - 10);
    for (const copy of copies) {
      const original = first.find(
        (d) => !d.delivery.duplicate && d.delivery.event.id === copy.delivery.event.id,
      );
      expect(original?.input).toBe(copy.input);
      expect(original?.delivery.deliveryId).not.toBe(copy.delivery.deliveryId);
    }
  });

  it('holds deliveries back by the injected delay, on the clock', async () => {
    // Prepare
    const { bus, clock } = busWith({ faults: { maxDelayMs: 5000 } });
    const target = recorder();
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [{ id: 'a', arn: 'arn:a', deliver: target.deliver }]);

    // Act
    bus.putEvents([orderPlaced()]);
    await bus.settled();
    const beforeDelay = target.calls.length;
    clock.advance(5000);
    await bus.settled();

    // Assess
    expect(beforeDelay).toBe(0);
    expect(clock.pendingWaits).toBe(0);
    expect(target.delivered).toHaveLength(1);
  });
});

describe('EventBus: retries and the dead-letter file', () => {
  it('retries a failing target with growing, jittered backoff on the clock until it succeeds', async () => {
    // Prepare
    const { bus, clock } = busWith({ backoff: { baseMs: 1000, maxMs: 60_000 } });
    const target = recorder(3);
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [{ id: 'a', arn: 'arn:a', deliver: target.deliver }]);
    const attemptTimes: number[] = [];

    // Act
    bus.putEvents([orderPlaced()]);
    await bus.settled();
    attemptTimes.push(clock.now());
    for (let step = 0; step < 60 && target.delivered.length === 0; step++) {
      const before = target.calls.length;
      clock.advance(250);
      await bus.settled();
      if (target.calls.length > before) attemptTimes.push(clock.now());
    }

    // Assess
    expect(target.calls.map((call) => call.delivery.attempt)).toEqual([0, 1, 2, 3]);
    expect(target.delivered).toHaveLength(1);
    const waits = attemptTimes.slice(1).map((time, i) => time - (attemptTimes[i] as number));
    // retry n waits between half and all of base·2^n (rounded up to the 250 ms steps of the test)
    waits.forEach((wait, n) => {
      expect(wait).toBeGreaterThanOrEqual(500 * 2 ** n);
      expect(wait).toBeLessThanOrEqual(1000 * 2 ** n + 250);
    });
  });

  it('dead-letters a delivery after MaximumRetryAttempts, as a JSON line in the given file', async () => {
    // Prepare
    const file = join(tempDir(), 'dlq', 'dead-letters.jsonl');
    const { bus, clock } = busWith({ deadLetterFile: file, backoff: { baseMs: 100, maxMs: 100 } });
    const target = recorder(Number.POSITIVE_INFINITY, () =>
      Object.assign(new Error('throttled'), { name: 'ThrottlingException' }),
    );
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [
      {
        id: 'a',
        arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:vend',
        deliver: target.deliver,
        retryPolicy: { MaximumRetryAttempts: 2 },
        deadLetterArn: 'arn:aws:sqs:us-east-1:111111111111:orgflow-dlq',
      },
    ]);

    // Act
    const { Entries } = bus.putEvents([orderPlaced()]);
    for (let i = 0; i < 5; i++) {
      await bus.settled();
      clock.advance(100);
    }
    await bus.settled();

    // Assess
    expect(target.calls).toHaveLength(3);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const letter: DeadLetter = JSON.parse(lines[0] ?? '');
    expect(letter).toMatchObject({
      ruleName: 'orders',
      ruleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders`,
      targetId: 'a',
      targetArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:vend',
      deadLetterArn: 'arn:aws:sqs:us-east-1:111111111111:orgflow-dlq',
      errorCode: 'ThrottlingException',
      errorMessage: 'throttled',
      exhaustedRetryCondition: 'MaximumRetryAttemptsExhausted',
      retryAttempts: 2,
    });
    expect(letter.event.id).toBe((Entries[0] as { EventId: string }).EventId);
    expect(JSON.parse(letter.input)).toEqual(letter.event);
  });

  it('dead-letters a delivery whose next retry would pass MaximumEventAgeInSeconds', async () => {
    // Prepare
    const letters: DeadLetter[] = [];
    const { bus, clock } = busWith({
      onDeadLetter: (letter) => letters.push(letter),
      backoff: { baseMs: 20_000, maxMs: 20_000 },
    });
    const target = recorder(Number.POSITIVE_INFINITY);
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [
      { id: 'a', arn: 'arn:a', deliver: target.deliver, retryPolicy: { MaximumEventAgeInSeconds: 60 } },
    ]);

    // Act
    bus.putEvents([orderPlaced()]);
    for (let i = 0; i < 10; i++) {
      await bus.settled();
      clock.advance(10_000);
    }
    await bus.settled();

    // Assess
    expect(letters).toHaveLength(1);
    expect(letters[0]?.exhaustedRetryCondition).toBe('MaximumEventAgeExhausted');
    expect(target.calls.length).toBeGreaterThanOrEqual(3);
    expect(target.calls.length).toBeLessThanOrEqual(6);
    expect(clock.pendingWaits).toBe(0);
  });

  it('dead-letters a non-retryable failure at once, and a target nothing answers to', async () => {
    // Prepare
    const letters: DeadLetter[] = [];
    const { bus } = busWith({
      onDeadLetter: (letter) => letters.push(letter),
      resolveTarget: () => undefined,
    });
    const target = recorder(
      1,
      () => new NonRetryableDeliveryError('StateMachineDoesNotExist', 'no such state machine'),
    );
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [
      { id: 'gone', arn: 'arn:gone', deliver: target.deliver },
      { id: 'unknown', arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:nowhere' },
    ]);

    // Act
    bus.putEvents([orderPlaced()]);
    await bus.settled();

    // Assess
    expect(target.calls).toHaveLength(1);
    expect(letters.map((letter) => [letter.targetId, letter.errorCode, letter.retryAttempts])).toEqual(
      expect.arrayContaining([
        ['gone', 'StateMachineDoesNotExist', 0],
        ['unknown', 'ResourceNotFoundException', 0],
      ]),
    );
    expect(letters.every((letter) => letter.exhaustedRetryCondition === undefined)).toBe(true);
  });

  it('waits for an asynchronous target before it calls the bus settled', async () => {
    // Prepare
    const { bus } = busWith();
    const seen: string[] = [];
    bus.putRule({ name: 'orders', eventPattern: { source: ['com.example.shop'] } });
    bus.putTargets('orders', [
      {
        id: 'slow',
        arn: 'arn:slow',
        deliver: async (input) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          seen.push(input);
        },
      },
    ]);

    // Act
    bus.putEvents([orderPlaced()]);
    await bus.settled();

    // Assess
    expect(seen).toHaveLength(1);
  });
});
