import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { EventRules } from '../../infra/event-rules';
import { ruleTargetsOf } from '../../infra/orgflow-stack';
import { loadRuleFiles } from '../../infra/rule-files';
import { loadRuleFiles as loadRuleFilesLocally } from '../../local/eventbridge/rule-files';

const fixtures = join(import.meta.dirname, 'fixtures', 'rules');

function synth(dir: string) {
  // the template check CDK runs at synth is the stack test's business; these stacks are not deployed
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Rules', {
    env: { region: 'us-east-1' },
  });
  const machine = new StateMachine(stack, 'Machine', {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Pass')),
  });
  const queue = new Queue(stack, 'DeadLetters');
  new EventRules(stack, 'Rules', {
    rules: loadRuleFiles(dir),
    stateMachines: ruleTargetsOf(new Map([['AccountVending', machine]])),
    deadLetterQueue: queue,
  });
  return { template: Template.fromStack(stack), stack, machine, queue };
}

describe('the rule files', () => {
  it('are read as the local event bus reads them', () => {
    const rules = loadRuleFiles(fixtures);
    const local = loadRuleFilesLocally(fixtures);

    expect(rules.map(({ file: _file, ...rule }) => rule)).toEqual(
      local.map(({ file: _file, ...rule }) => rule),
    );
  });

  it('may be none: a missing or empty directory deploys no rule', () => {
    const empty = mkdtempSync(join(tmpdir(), 'orgflow-rules-'));

    expect(loadRuleFiles(join(empty, 'missing'))).toEqual([]);
    expect(synth(empty).template.findResources('AWS::Events::Rule')).toEqual({});
  });

  it('refuses a file that is not a rule, naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-rules-'));
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ name: 'x', eventPatern: {}, target: {} }));

    expect(() => loadRuleFiles(dir)).toThrow(/typo\.json: not a rule file \(.*eventPattern/);
  });
});

describe('the rules', () => {
  it('start their state machine from the default bus, with retries and the dead-letter queue', () => {
    // Prepare
    const { template, stack, machine, queue } = synth(fixtures);
    const machineArn = stack.resolve(machine.stateMachineArn);
    const queueArn = stack.resolve(queue.queueArn);

    // Assess
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'baseline-joined-account',
      Description: 'An account that accepted an invitation gets the baseline',
      EventPattern: {
        source: ['aws.organizations'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventName: ['AcceptHandshake'], errorCode: [{ exists: false }] },
      },
      Targets: [
        {
          Arn: machineArn,
          Id: 'Target0',
          RoleArn: Match.anyValue(),
          InputTransformer: {
            InputPathsMap: { account: '$.detail.recipientAccountId' },
            InputTemplate: '{"accountId": <account>}',
          },
          DeadLetterConfig: { Arn: queueArn },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        },
      ],
    });
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', { Properties: { Name: 'record-create-account-result' } }),
    ) as { Properties: { EventBusName?: string; Targets: Record<string, unknown>[] } }[];
    expect(rule!.Properties.EventBusName).toBeUndefined();
    expect(rule!.Properties.Targets[0]).toMatchObject({
      Arn: machineArn,
      InputPath: '$.detail.serviceEventDetails',
      DeadLetterConfig: { Arn: queueArn },
      // AWS's defaults, written out
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    });
  });

  it('refuse a target that is not a state machine of the stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-rules-'));
    writeFileSync(
      join(dir, 'close.json'),
      JSON.stringify({
        name: 'close',
        eventPattern: { source: ['aws.organizations'] },
        target: { stateMachine: 'batch-closure' },
      }),
    );

    expect(() => synth(dir)).toThrow(
      /target\.stateMachine "batch-closure" is not a workflow of statemachines\//,
    );
  });
});
