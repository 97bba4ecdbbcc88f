import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Delivery, type EventBridgeEvent, EventBus } from '../../local/eventbridge/bus';
import { ManualClock, seededRandom } from '../../local/eventbridge/clock';
import { RuleFileError } from '../../local/eventbridge/errors';
import { installRules, loadRuleFiles } from '../../local/eventbridge/rule-files';

const fixtures = join(import.meta.dirname, 'fixtures', 'rules');
const sample = (name: string): EventBridgeEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../events/samples', `${name}.json`), 'utf8'));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function ruleDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgflow-rules-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

const validRule = {
  name: 'valid',
  eventPattern: { source: ['aws.organizations'] },
  target: { stateMachine: 'baseline-account' },
};

describe('loadRuleFiles', () => {
  it('reads every rule file in name order', () => {
    // Act
    const rules = loadRuleFiles(fixtures);

    // Assess
    expect(rules.map((rule) => [rule.name, rule.target])).toEqual([
      ['baseline-new-account', expect.objectContaining({ stateMachine: 'baseline-account' })],
      ['close-decommissioned-account', expect.objectContaining({ stateMachine: 'batch-closure' })],
      ['complete-account-creation', { function: 'CompleteAccountCreation' }],
    ]);
    expect(rules[0]).toMatchObject({
      file: join(fixtures, 'baseline-new-account.json'),
      target: { inputPath: '$.detail.serviceEventDetails.createAccountStatus' },
      retryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
    });
  });

  it('installs the rules on a bus so Organizations events start their state machines and invoke their functions with the right input', async () => {
    // Prepare
    const bus = new EventBus({ account: '111111111111', clock: new ManualClock(), random: seededRandom(3) });
    const started: { stateMachine: string; input: unknown; delivery: Delivery }[] = [];
    const invoked: { function: string; input: unknown }[] = [];
    installRules(bus, loadRuleFiles(fixtures), {
      stateMachine: (stateMachine) => ({
        arn: `arn:aws:states:us-east-1:111111111111:stateMachine:${stateMachine}`,
        deliver: (input, delivery) => {
          started.push({ stateMachine, input: JSON.parse(input), delivery });
        },
      }),
      function: (name) => ({
        arn: `arn:aws:lambda:us-east-1:111111111111:function:${name}`,
        deliver: (input) => {
          invoked.push({ function: name, input: JSON.parse(input) });
        },
      }),
    });
    const move = sample('organizations-move-account');
    const succeeded = sample('organizations-create-account-result-succeeded');
    const failed = sample('organizations-create-account-result-failed');

    // Act
    bus.publish(move);
    bus.publish(succeeded);
    bus.publish(failed);
    bus.publish(sample('organizations-detach-policy'));
    await bus.settled();

    // Assess
    expect(started.map((start) => [start.stateMachine, start.input])).toEqual([
      [
        'batch-closure',
        {
          accountIds: ['444455556666'],
          reason: 'moved to close-decommissioned-account',
          dedupeKey: (move.detail as { eventID: string }).eventID,
        },
      ],
      ['baseline-account', expect.objectContaining({ state: 'SUCCEEDED', accountId: '444455556666' })],
    ]);
    expect(bus.listTargets('baseline-new-account')).toEqual([
      expect.objectContaining({
        id: 'baseline-account',
        arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:baseline-account',
        retryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      }),
    ]);
    // a function target gets the whole event, as the rule file gives no input
    expect(invoked).toEqual([
      { function: 'CompleteAccountCreation', input: succeeded },
      { function: 'CompleteAccountCreation', input: failed },
    ]);
    expect(bus.listTargets('complete-account-creation')).toEqual([
      {
        id: 'CompleteAccountCreation',
        arn: 'arn:aws:lambda:us-east-1:111111111111:function:CompleteAccountCreation',
        retryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      },
    ]);
    bus.close();
  });

  it.each<[string, unknown, string, RegExp]>([
    ['text that is not JSON', '{"name": ', '$', /not valid JSON/],
    [
      'a rule without a target',
      { name: 'r', eventPattern: { source: ['a'] } },
      '$.target',
      /expected object/,
    ],
    ['a misspelt key', { ...validRule, eventpattern: {} }, '$', /Unrecognized key: "eventpattern"/],
    ['a rule name with spaces', { ...validRule, name: 'my rule' }, '$.name', /letters, digits/],
    [
      'a pattern leaf that is not an array',
      { ...validRule, eventPattern: { detail: { eventName: 'MoveAccount' } } },
      '$.eventPattern.detail.eventName',
      /"eventName" must be an object or an array/,
    ],
    [
      'an operator in the wrong case',
      { ...validRule, eventPattern: { detail: { errorCode: [{ EXISTS: false }] } } },
      '$.eventPattern.detail.errorCode[0]',
      /Unrecognized match type EXISTS/,
    ],
    [
      'a pattern over 2,048 characters',
      {
        ...validRule,
        eventPattern: { source: Array.from({ length: 150 }, (_, i) => `source-${i}-padding`) },
      },
      '$.eventPattern',
      /over the limit of 2048/,
    ],
    [
      'a transformer placeholder no path defines',
      {
        ...validRule,
        target: { stateMachine: 'x', inputTransformer: { InputTemplate: '{"a": <missing>}' } },
      },
      '$.target',
      /contains invalid placeholder missing/,
    ],
    [
      'both inputPath and inputTransformer',
      {
        ...validRule,
        target: { stateMachine: 'x', inputPath: '$.detail', inputTransformer: { InputTemplate: '"a"' } },
      },
      '$.target',
      /Only one of Input, InputPath, or InputTransformer/,
    ],
    [
      'a target naming both a state machine and a function',
      { ...validRule, target: { stateMachine: 'baseline-account', function: 'CompleteAccountCreation' } },
      '$.target',
      /give stateMachine or function, not both/,
    ],
    [
      'a target naming neither a state machine nor a function',
      { ...validRule, target: { inputPath: '$.detail' } },
      '$.target',
      /give stateMachine \(a workflow of statemachines\/, by catalog or file name\) or function \(a function of catalog\/functions\.ts\)/,
    ],
    [
      'a function name that is not a catalog name',
      { ...validRule, target: { function: 'complete-account-creation' } },
      '$.target.function',
      /PascalCase/,
    ],
    [
      'a retry policy over AWS’s limit',
      { ...validRule, retryPolicy: { MaximumRetryAttempts: 500 } },
      '$.retryPolicy.MaximumRetryAttempts',
      /185/,
    ],
  ])('refuses %s, naming the file and the path', (_name, content, path, reason) => {
    // Prepare
    const dir = ruleDir({ 'a-good.json': { ...validRule, name: 'good' }, 'bad.json': content });

    // Act
    const attempt = () => loadRuleFiles(dir);

    // Assess
    expect(attempt).toThrow(RuleFileError);
    try {
      attempt();
    } catch (error) {
      const refused = error as RuleFileError;
      expect(refused.file).toBe(join(dir, 'bad.json'));
      expect(refused.path).toBe(path);
      expect(refused.message).toMatch(reason);
      expect(refused.message.startsWith(`${join(dir, 'bad.json')}: ${path}: `)).toBe(true);
    }
  });

  it('refuses two files with the same rule name; a directory that does not exist holds no rules', () => {
    // Prepare
    const dir = ruleDir({ 'a.json': validRule, 'b.json': validRule });

    // Act + Assess
    expect(() => loadRuleFiles(dir)).toThrow(/b\.json: \$\.name: rule name valid is already used by a\.json/);
    expect(loadRuleFiles(join(dir, 'missing'))).toEqual([]);
  });
});
