import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Delivery, EventBuses } from '../../local/eventbridge/bus';
import { ManualClock, seededRandom } from '../../local/eventbridge/clock';
import { matches } from '../../local/eventbridge/pattern';
import { type RunningServer, startEventBridgeServer } from '../../local/eventbridge/server';
import { cases, ec2 } from './pattern-cases';

let server: RunningServer;
let buses: EventBuses;
const delivered: { arn: string; input: string; delivery: Delivery }[] = [];
const clients: EventBridgeClient[] = [];

function client(accessKeyId = '111111111111'): EventBridgeClient {
  const created = new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  clients.push(created);
  return created;
}

/** The error an SDK call fails with (its name is the AWS error type). */
async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  buses = new EventBuses({
    clock: new ManualClock(),
    random: seededRandom(11),
    resolveTarget: (arn) =>
      arn.startsWith('arn:aws:states:')
        ? (input, delivery) => {
            delivered.push({ arn, input, delivery });
          }
        : undefined,
    onDeadLetter: () => {},
  });
  server = await startEventBridgeServer(buses, { port: 0, onInternalError: () => {} });
});

afterAll(async () => {
  for (const each of clients) each.destroy();
  buses.close();
  await server.close();
});

beforeEach(() => {
  delivered.length = 0;
});

const stateMachine = (name: string) => `arn:aws:states:us-east-1:111111111111:stateMachine:${name}`;

describe('EventBridge API over HTTP, through @aws-sdk/client-eventbridge', () => {
  it('puts, describes and lists rules', async () => {
    // Prepare
    const events = client();
    const pattern = JSON.stringify({ source: ['com.example.shop'] });

    // Act
    const put = await events.send(
      new PutRuleCommand({ Name: 'shop-orders', EventPattern: pattern, Description: 'orders from the shop' }),
    );
    await events.send(new PutRuleCommand({ Name: 'shop-refunds', EventPattern: pattern, State: 'DISABLED' }));
    await events.send(new PutRuleCommand({ Name: 'other', EventPattern: pattern }));
    const described = await events.send(new DescribeRuleCommand({ Name: 'shop-orders' }));
    const firstPage = await events.send(new ListRulesCommand({ NamePrefix: 'shop-', Limit: 1 }));
    const secondPage = await events.send(
      new ListRulesCommand({ NamePrefix: 'shop-', Limit: 1, NextToken: firstPage.NextToken }),
    );

    // Assess
    expect(put.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/shop-orders');
    expect(described).toMatchObject({
      Name: 'shop-orders',
      Arn: put.RuleArn,
      EventPattern: pattern,
      State: 'ENABLED',
      Description: 'orders from the shop',
      EventBusName: 'default',
      CreatedBy: '111111111111',
    });
    expect(firstPage.Rules?.map((rule) => rule.Name)).toEqual(['shop-orders']);
    expect(secondPage.Rules?.map((rule) => [rule.Name, rule.State])).toEqual([['shop-refunds', 'DISABLED']]);
    expect(secondPage.NextToken).toBeUndefined();
  });

  it('puts and lists targets, then delivers PutEvents to them with their input settings', async () => {
    // Prepare
    const events = client();
    await events.send(
      new PutRuleCommand({ Name: 'vend', EventPattern: JSON.stringify({ 'detail-type': ['Vend'] }) }),
    );
    const transformer = {
      InputPathsMap: { email: '$.detail.email' },
      InputTemplate: '{"email": <email>, "rule": "<aws.events.rule-name>"}',
    };

    // Act
    await events.send(
      new PutTargetsCommand({
        Rule: 'vend',
        Targets: [
          {
            Id: 'vend-account',
            Arn: stateMachine('vend'),
            RoleArn: 'arn:aws:iam::111111111111:role/events',
            InputTransformer: transformer,
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
            DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111111111111:dlq' },
          },
          { Id: 'whole', Arn: stateMachine('audit') },
        ],
      }),
    );
    const listed = await events.send(new ListTargetsByRuleCommand({ Rule: 'vend' }));
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'orgflow.api', DetailType: 'Vend', Detail: JSON.stringify({ email: 'a@example.com' }) },
          { Source: 'orgflow.api', DetailType: 'Vend', Detail: 'not json' },
        ],
      }),
    );
    await buses.settled();

    // Assess
    expect(listed.Targets).toEqual([
      {
        Id: 'vend-account',
        Arn: stateMachine('vend'),
        RoleArn: 'arn:aws:iam::111111111111:role/events',
        InputTransformer: transformer,
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111111111111:dlq' },
      },
      { Id: 'whole', Arn: stateMachine('audit') },
    ]);
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: expect.any(String) });
    const byArn = Object.fromEntries(delivered.map((d) => [d.arn, d]));
    expect(JSON.parse(byArn[stateMachine('vend')]?.input ?? '')).toEqual({
      email: 'a@example.com',
      rule: 'vend',
    });
    expect(byArn[stateMachine('vend')]?.delivery.roleArn).toBe('arn:aws:iam::111111111111:role/events');
    expect(JSON.parse(byArn[stateMachine('audit')]?.input ?? '')).toMatchObject({
      id: put.Entries?.[0]?.EventId,
      source: 'orgflow.api',
      'detail-type': 'Vend',
      account: '111111111111',
      detail: { email: 'a@example.com' },
    });
  });

  it('enables, disables, removes targets and deletes rules like AWS', async () => {
    // Prepare
    const events = client();
    const pattern = JSON.stringify({ source: ['orgflow.toggle'] });
    await events.send(new PutRuleCommand({ Name: 'toggle', EventPattern: pattern }));
    await events.send(
      new PutTargetsCommand({ Rule: 'toggle', Targets: [{ Id: 't', Arn: stateMachine('t') }] }),
    );
    const send = () =>
      events.send(
        new PutEventsCommand({ Entries: [{ Source: 'orgflow.toggle', DetailType: 'x', Detail: '{}' }] }),
      );

    // Act
    await events.send(new DisableRuleCommand({ Name: 'toggle' }));
    await send();
    await buses.settled();
    const whileDisabled = delivered.length;
    await events.send(new EnableRuleCommand({ Name: 'toggle' }));
    await send();
    await buses.settled();
    const refused = await failure(events.send(new DeleteRuleCommand({ Name: 'toggle' })));
    await events.send(new RemoveTargetsCommand({ Rule: 'toggle', Ids: ['t'] }));
    await events.send(new DeleteRuleCommand({ Name: 'toggle' }));
    await events.send(new DeleteRuleCommand({ Name: 'toggle' }));
    const gone = await failure(events.send(new DescribeRuleCommand({ Name: 'toggle' })));

    // Assess
    expect(whileDisabled).toBe(0);
    expect(delivered).toHaveLength(1);
    expect(refused).toMatchObject({
      name: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    });
    expect(gone).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Rule toggle does not exist on EventBus default.',
    });
    expect(gone.$metadata?.httpStatusCode).toBe(400);
  });

  it.each([
    [
      'an invalid pattern',
      new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": "aws.ec2"}' }),
      'InvalidEventPatternException',
      /"source" must be an object or an array/,
    ],
    [
      'a pattern that is not JSON',
      new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": [' }),
      'InvalidEventPatternException',
      /not valid JSON/,
    ],
    [
      'a rule without a pattern',
      new PutRuleCommand({ Name: 'bad' }),
      'ValidationException',
      /EventPattern or ScheduleExpression/,
    ],
    [
      'targets for a rule that does not exist',
      new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'a', Arn: stateMachine('a') }] }),
      'ResourceNotFoundException',
      /Rule missing does not exist/,
    ],
    [
      'a custom event bus',
      new ListRulesCommand({ EventBusName: 'custom' }),
      'ResourceNotFoundException',
      /Event bus custom does not exist/,
    ],
    [
      'too many PutEvents entries',
      new PutEventsCommand({
        Entries: Array.from({ length: 11 }, () => ({ Source: 'a', DetailType: 'b', Detail: '{}' })),
      }),
      'ValidationException',
      /1 to 10 entries/,
    ],
  ])('refuses %s with an AWS-shaped error', async (_name, command, type, message) => {
    // Act
    const error = await failure(client().send(command as PutRuleCommand));

    // Assess
    expect(error.name).toBe(type);
    expect(error.message).toMatch(message);
  });

  it('refuses two input settings on one target with ValidationException', async () => {
    // Prepare
    const events = client();
    await events.send(
      new PutRuleCommand({ Name: 'inputs', EventPattern: JSON.stringify({ source: ['x'] }) }),
    );

    // Act
    const error = await failure(
      events.send(
        new PutTargetsCommand({
          Rule: 'inputs',
          Targets: [{ Id: 'a', Arn: stateMachine('a'), Input: '{}', InputPath: '$.detail' }],
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Only one of Input, InputPath, or InputTransformer must be provided for target a.',
    });
  });

  it('takes the caller account from the access key: a 12-digit key is that account, others the default', async () => {
    // Act
    const member = await client('222222222222').send(
      new PutRuleCommand({ Name: 'mine', EventPattern: JSON.stringify({ source: ['x'] }) }),
    );
    const other = await client('AKIAIOSFODNN7EXAMPLE').send(new ListRulesCommand({ NamePrefix: 'mine' }));
    const own = await client('222222222222').send(new ListRulesCommand({ NamePrefix: 'mine' }));

    // Assess
    expect(member.RuleArn).toBe('arn:aws:events:us-east-1:222222222222:rule/mine');
    expect(other.Rules).toEqual([]);
    expect(own.Rules?.map((rule) => rule.Name)).toEqual(['mine']);
  });

  it("lists the caller's event buses: its default bus, by name prefix", async () => {
    // Act
    const all = await client('222222222222').send(new ListEventBusesCommand({}));
    const prefixed = await client().send(new ListEventBusesCommand({ NamePrefix: 'def', Limit: 1 }));
    const none = await client().send(new ListEventBusesCommand({ NamePrefix: 'custom' }));

    // Assess
    expect(all.EventBuses).toEqual([
      { Name: 'default', Arn: 'arn:aws:events:us-east-1:222222222222:event-bus/default' },
    ]);
    expect(all.NextToken).toBeUndefined();
    expect(prefixed.EventBuses?.map((bus) => bus.Name)).toEqual(['default']);
    expect(none.EventBuses).toEqual([]);
  });

  it('answers raw protocol errors with __type and message', async () => {
    // Act
    const unknown = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.CreateEventBus' },
      body: '{}',
    });
    const unsigned = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
      body: '{}',
    });

    // Assess
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      __type: 'UnknownOperationException',
      // what the local bus serves, so that a caller knows what it can send instead
      message: expect.stringMatching(
        /'AWSEvents\.CreateEventBus' names no operation of EventBridge here: send AWSEvents\.<Operation> with one of DeleteRule, DescribeRule, .*ListEventBuses/,
      ),
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

describe('TestEventPattern', () => {
  const events = () => client();
  const envelope = {
    id: '1',
    account: '111111111111',
    source: 's',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    'detail-type': 'd',
    resources: [],
  };

  it.each(cases)('agrees with matches(): $name', async ({ pattern, event, match }) => {
    // Prepare
    const tested = event === undefined ? ec2 : { ...envelope, ...(event as object) };

    // Act
    const result = await events().send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(tested) }),
    );

    // Assess
    expect(result.Result).toBe(match);
    expect(result.Result).toBe(matches(pattern, tested));
  });

  it.each([
    [
      'an invalid pattern',
      { EventPattern: '{"my_key": [{"EXISTS": true}]}', Event: JSON.stringify(ec2) },
      'InvalidEventPatternException',
      /Unrecognized match type EXISTS/,
    ],
    [
      'an event that is not JSON',
      { EventPattern: '{"source": ["a"]}', Event: 'plain string' },
      'ValidationException',
      /Parameter Event is not valid/,
    ],
    [
      'an event without its mandatory fields',
      { EventPattern: '{"source": ["a"]}', Event: '{"source": "a"}' },
      'ValidationException',
      /id, account, time, region, detail-type/,
    ],
    [
      'a pattern over 4,096 characters',
      { EventPattern: JSON.stringify({ source: ['x'.repeat(4100)] }), Event: JSON.stringify(ec2) },
      'ValidationException',
      /less than or equal to 4096/,
    ],
  ])('refuses %s', async (_name, input, type, message) => {
    // Act
    const error = await failure(events().send(new TestEventPatternCommand(input)));

    // Assess
    expect(error.name).toBe(type);
    expect(error.message).toMatch(message);
  });
});
