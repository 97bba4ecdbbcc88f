import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { type Delivery, type EventBridgeEvent, EventBuses } from '../../local/eventbridge/bus';
import { ManualClock, seededRandom } from '../../local/eventbridge/clock';
import { RuleChangesFileError } from '../../local/eventbridge/errors';
import {
  afterDeleteRule,
  afterPutRule,
  afterPutTargets,
  afterRemoveTargets,
  afterStateChange,
  effectiveRule,
  type RuleSetup,
} from '../../local/eventbridge/rule-changes';
import { installRules, loadRuleFiles } from '../../local/eventbridge/rule-files';
import { type RunningServer, startEventBridgeServer } from '../../local/eventbridge/server';

const ACCOUNT = '111111111111';
/** the rules the repository ships: complete-account-creation wakes the vending workflow */
const shippedRules = join(import.meta.dirname, '../../events/rules');
const VENDING_RULE = 'complete-account-creation';
const VENDING_TARGET = 'CompleteAccountCreation';
const creationResult = (): EventBridgeEvent =>
  JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../events/samples/organizations-create-account-result-succeeded.json'),
      'utf8',
    ),
  );
const stateMachine = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;

const dirs: string[] = [];
const running: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const each of running.splice(0).reverse()) await each.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgflow-rule-changes-'));
  dirs.push(dir);
  return dir;
}

/**
 * One start of the event bus on `dir`: the shipped rule files installed (their targets record what they
 * get), API targets resolved by ARN to a recorder, the EventBridge API on a free port.
 */
async function startBus(dir: string, options: { ship?: boolean } = {}) {
  const delivered: { arn: string; input: string; delivery: Delivery }[] = [];
  const record = (arn: string) => (input: string, delivery: Delivery) => {
    delivered.push({ arn, input, delivery });
  };
  const buses = new EventBuses({
    clock: new ManualClock(),
    random: seededRandom(5),
    resolveTarget: (arn) => (arn.startsWith('arn:aws:states:') ? record(arn) : undefined),
    onDeadLetter: () => {},
    ruleChangesFile: join(dir, 'events', 'rule-changes.json'),
  });
  if (options.ship ?? true)
    installRules(buses.forAccount(ACCOUNT), loadRuleFiles(shippedRules), {
      stateMachine: (name) => ({ arn: stateMachine(name), deliver: record(stateMachine(name)) }),
      function: (name) => {
        const arn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
        return { arn, deliver: record(arn) };
      },
    });
  const server: RunningServer = await startEventBridgeServer(buses, { port: 0, onInternalError: () => {} });
  const events = new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const started = {
    buses,
    bus: buses.forAccount(ACCOUNT),
    events,
    delivered,
    async close() {
      running.splice(running.indexOf(started), 1);
      events.destroy();
      buses.close();
      await server.close();
    },
  };
  running.push(started);
  return started;
}

/** The error an SDK call fails with. */
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

describe('rule changes made over the EventBridge API, across a restart', () => {
  it('brings back a rule made by PutRule with the targets PutTargets gave it, and routes events to them', async () => {
    // Prepare
    const dir = dataDir();
    const first = await startBus(dir);
    const pattern = JSON.stringify({ source: ['orgflow.test'], 'detail-type': ['Vend'] });
    const targets = [
      {
        Id: 'vend',
        Arn: stateMachine('vend'),
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/events`,
        InputTransformer: {
          InputPathsMap: { email: '$.detail.email' },
          InputTemplate: '{"email": <email>, "rule": "<aws.events.rule-name>"}',
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:dlq` },
      },
      { Id: 'audit', Arn: stateMachine('audit'), InputPath: '$.detail' },
    ];
    await first.events.send(
      new PutRuleCommand({ Name: 'vend-requests', EventPattern: pattern, Description: 'made over the API' }),
    );
    await first.events.send(new PutTargetsCommand({ Rule: 'vend-requests', Targets: targets }));

    // Act
    await first.close();
    const second = await startBus(dir);
    const described = await second.events.send(new DescribeRuleCommand({ Name: 'vend-requests' }));
    const listed = await second.events.send(new ListTargetsByRuleCommand({ Rule: 'vend-requests' }));
    await second.events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'orgflow.test', DetailType: 'Vend', Detail: JSON.stringify({ email: 'a@b.c' }) }],
      }),
    );
    await second.buses.settled();

    // Assess
    expect(described).toMatchObject({
      Name: 'vend-requests',
      EventPattern: pattern,
      State: 'ENABLED',
      Description: 'made over the API',
    });
    expect(listed.Targets).toEqual(targets);
    const inputs = Object.fromEntries(second.delivered.map(({ arn, input }) => [arn, JSON.parse(input)]));
    expect(inputs).toEqual({
      [stateMachine('vend')]: { email: 'a@b.c', rule: 'vend-requests' },
      [stateMachine('audit')]: { email: 'a@b.c' },
    });
  });

  it('keeps the shipped vending rule disabled after DisableRule, and enabled again after EnableRule', async () => {
    // Prepare
    const dir = dataDir();
    const first = await startBus(dir);
    await first.events.send(new DisableRuleCommand({ Name: VENDING_RULE }));

    // Act
    await first.close();
    const second = await startBus(dir);
    const afterDisable = await second.events.send(new DescribeRuleCommand({ Name: VENDING_RULE }));
    const matchedWhileDisabled = second.bus.matchingRules(creationResult());
    await second.events.send(new EnableRuleCommand({ Name: VENDING_RULE }));
    await second.close();
    const third = await startBus(dir);
    const afterEnable = await third.events.send(new DescribeRuleCommand({ Name: VENDING_RULE }));

    // Assess
    expect(afterDisable.State).toBe('DISABLED');
    // the baseline reaction's rule matches a creation's result too: only the vending rule was disabled
    expect(matchedWhileDisabled).not.toContain(VENDING_RULE);
    expect(afterEnable.State).toBe('ENABLED');
    expect(third.bus.matchingRules(creationResult())).toContain(VENDING_RULE);
  });

  it('keeps a shipped rule deleted, and its shipped target removed, across restarts', async () => {
    // Prepare
    const dir = dataDir();
    const first = await startBus(dir);
    await first.events.send(new RemoveTargetsCommand({ Rule: VENDING_RULE, Ids: [VENDING_TARGET] }));
    await first.close();
    const second = await startBus(dir);
    const targetsAfterRemove = await second.events.send(new ListTargetsByRuleCommand({ Rule: VENDING_RULE }));

    // Act
    await second.events.send(new DeleteRuleCommand({ Name: VENDING_RULE }));
    await second.close();
    const third = await startBus(dir);

    // Assess
    expect(targetsAfterRemove.Targets).toEqual([]);
    const { Rules } = await third.events.send(new ListRulesCommand({}));
    expect(Rules?.map((rule) => rule.Name)).not.toContain(VENDING_RULE);
    expect((await failure(third.events.send(new DescribeRuleCommand({ Name: VENDING_RULE })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('keeps PutRule over a shipped rule (its pattern replaced, its shipped target kept) and an API target beside it', async () => {
    // Prepare
    const dir = dataDir();
    const first = await startBus(dir);
    const pattern = JSON.stringify({ source: ['orgflow.replay'] });
    await first.events.send(new PutRuleCommand({ Name: VENDING_RULE, EventPattern: pattern }));
    await first.events.send(
      new PutTargetsCommand({ Rule: VENDING_RULE, Targets: [{ Id: 'audit', Arn: stateMachine('audit') }] }),
    );

    // Act
    await first.close();
    const second = await startBus(dir);
    const described = await second.events.send(new DescribeRuleCommand({ Name: VENDING_RULE }));
    const listed = await second.events.send(new ListTargetsByRuleCommand({ Rule: VENDING_RULE }));
    await second.events.send(
      new PutEventsCommand({ Entries: [{ Source: 'orgflow.replay', DetailType: 'x', Detail: '{}' }] }),
    );
    await second.buses.settled();

    // Assess
    expect(described.EventPattern).toBe(pattern);
    expect(described.Description).toBeUndefined();
    expect(listed.Targets?.map((target) => target.Id)).toEqual([VENDING_TARGET, 'audit']);
    expect(second.delivered.map(({ arn }) => arn).sort()).toEqual([
      `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${VENDING_TARGET}`,
      stateMachine('audit'),
    ]);
  });

  it('writes nothing for a change it refuses, and refuses it as before', async () => {
    // Prepare
    const dir = dataDir();
    const file = join(dir, 'events', 'rule-changes.json');
    const first = await startBus(dir);
    await first.events.send(new DisableRuleCommand({ Name: VENDING_RULE }));
    const before = readFileSync(file, 'utf8');

    // Act
    const refusals = [
      await failure(first.events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": "x"}' }))),
      await failure(
        first.events.send(
          new PutTargetsCommand({
            Rule: VENDING_RULE,
            Targets: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ Id: id, Arn: stateMachine(id) })),
          }),
        ),
      ),
      await failure(
        first.events.send(
          new PutTargetsCommand({
            Rule: VENDING_RULE,
            Targets: [{ Id: 'x', Arn: stateMachine('x'), InputTransformer: { InputTemplate: '<nope>' } }],
          }),
        ),
      ),
      await failure(first.events.send(new DisableRuleCommand({ Name: 'missing' }))),
    ];
    await first.close();
    const second = await startBus(dir);

    // Assess
    expect(refusals.map((error) => [error.name, error.$metadata?.httpStatusCode])).toEqual([
      ['InvalidEventPatternException', 400],
      ['LimitExceededException', 400],
      ['ValidationException', 400],
      ['ResourceNotFoundException', 400],
    ]);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const { Rules } = await second.events.send(new ListRulesCommand({ NamePrefix: VENDING_RULE }));
    expect(Rules?.map((rule) => [rule.Name, rule.State])).toEqual([[VENDING_RULE, 'DISABLED']]);
    const listed = await second.events.send(new ListTargetsByRuleCommand({ Rule: VENDING_RULE }));
    expect(listed.Targets?.map((target) => target.Id)).toEqual([VENDING_TARGET]);
  });

  it('keeps the file and its directory private to their owner (0600, 0700)', async () => {
    // Prepare
    const dir = dataDir();
    const first = await startBus(dir);

    // Act
    await first.events.send(new DisableRuleCommand({ Name: VENDING_RULE }));

    // Assess
    expect(statSync(join(dir, 'events')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'events', 'rule-changes.json')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['not JSON', '{"version": 1, "rules": [', /not readable JSON/],
    [
      'of another shape',
      '{"version": 1, "rules": [{"account": "111111111111", "name": "x", "state": "OFF"}]}',
      /\$\.rules\[0\]\.state/,
    ],
    [
      'with a pattern the bus refuses',
      JSON.stringify({
        version: 1,
        rules: [{ account: ACCOUNT, name: 'x', definition: { eventPattern: '{"source": "x"}' } }],
      }),
      /account 111111111111: rule x: Event pattern is not valid/,
    ],
  ])('refuses to start on a file %s, naming it, and leaves it as it is', (_what, text, reason) => {
    // Prepare
    const dir = dataDir();
    mkdirSync(join(dir, 'events'));
    const file = join(dir, 'events', 'rule-changes.json');
    writeFileSync(file, text);

    // Act
    const start = () => new EventBuses({ ruleChangesFile: file });

    // Assess
    expect(start).toThrow(RuleChangesFileError);
    expect(start).toThrow(file);
    expect(start).toThrow(reason);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('effectiveRule: a shipped rule under the API changes', () => {
  const base: RuleSetup = {
    input: { name: 'shipped', eventPattern: { source: ['a'] }, description: 'from the file' },
    targets: [{ id: 'Shipped', arn: 'arn:shipped' }],
  };
  const apiTarget = { id: 'api', arn: 'arn:api' };

  it('is the file as it is when the API changed nothing', () => {
    expect(effectiveRule('shipped', base, undefined)).toBe(base);
  });

  it('takes the state of EnableRule / DisableRule and the pattern of PutRule, keeping shipped targets', () => {
    // Act
    const disabled = effectiveRule('shipped', base, afterStateChange(undefined, 'DISABLED'));
    const replaced = effectiveRule(
      'shipped',
      base,
      afterPutTargets(afterPutRule(undefined, { eventPattern: '{"source":["b"]}', state: 'ENABLED' }), [
        apiTarget,
      ]),
    );

    // Assess
    expect(disabled).toEqual({ input: { ...base.input, state: 'DISABLED' }, targets: base.targets });
    expect(replaced).toEqual({
      input: { name: 'shipped', eventPattern: '{"source":["b"]}', state: 'ENABLED' },
      targets: [...base.targets, apiTarget],
    });
  });

  it('leaves out removed shipped targets and deleted shipped rules, and brings back a rule made again', () => {
    // Prepare
    const removed = afterRemoveTargets(undefined, ['Shipped'], ['Shipped']);
    const deleted = afterDeleteRule(true);
    const madeAgain = afterPutRule(deleted, { eventPattern: '{"source":["c"]}', state: 'DISABLED' });

    // Act & Assess
    expect(effectiveRule('shipped', base, removed)?.targets).toEqual([]);
    expect(effectiveRule('shipped', base, deleted)).toBeUndefined();
    expect(effectiveRule('shipped', base, madeAgain)).toEqual({
      input: { name: 'shipped', eventPattern: '{"source":["c"]}', state: 'DISABLED' },
      targets: [],
    });
  });

  it('forgets a rule only the API made once it is deleted, and drops changes to a rule no file ships any more', () => {
    expect(afterDeleteRule(false)).toBeUndefined();
    expect(effectiveRule('gone', undefined, afterStateChange(undefined, 'DISABLED'))).toBeUndefined();
    expect(afterRemoveTargets(afterPutTargets(undefined, [apiTarget]), ['api'], [])).toBeUndefined();
  });
});
