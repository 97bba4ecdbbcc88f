import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../catalog/rule-files';
import { EventRules } from '../../infra/event-rules';
import { loadRuleFiles as loadRuleFilesLocally } from '../../local/eventbridge/rule-files';
import { temporaryDirectories } from '../temp-dirs';

const tempDir = temporaryDirectories();

const fixtures = join(import.meta.dirname, 'fixtures', 'rules');

function synth(dir: string) {
  // the template check CDK runs at synth is the stack test's business; these stacks are not deployed
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Rules', {
    env: { region: 'us-east-1' },
  });
  const machine = new StateMachine(stack, 'Machine', {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Pass')),
  });
  const fn = new LambdaFunction(stack, 'Function', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('export const handler = async () => ({})'),
  });
  const queue = new Queue(stack, 'DeadLetters');
  new EventRules(stack, 'Rules', {
    rules: loadRuleFiles(dir),
    stateMachines: new Map([['AccountVending', machine]]),
    functions: new Map([['CompleteAccountCreation', fn]]),
    deadLetterQueue: queue,
  });
  return { template: Template.fromStack(stack), stack, machine, fn, queue };
}

function ruleDir(files: Record<string, unknown>): string {
  const dir = tempDir('orgflow-rules-');
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
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
    const empty = tempDir('orgflow-rules-');

    expect(loadRuleFiles(join(empty, 'missing'))).toEqual([]);
    expect(synth(empty).template.findResources('AWS::Events::Rule')).toEqual({});
  });

  it('refuses a file that is not a rule, naming the file and the field', () => {
    const dir = tempDir('orgflow-rules-');
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ name: 'x', eventPatern: {}, target: {} }));

    expect(() => loadRuleFiles(dir)).toThrow(/typo\.json: \$.*eventPattern/);
  });

  it('refuse a target naming both a state machine and a function, or neither, as the local event bus does', () => {
    const rule = { name: 'x', eventPattern: { source: ['aws.organizations'] } };
    const both = ruleDir({
      'both.json': {
        ...rule,
        target: { stateMachine: 'AccountVending', function: 'CompleteAccountCreation' },
      },
    });
    const neither = ruleDir({ 'neither.json': { ...rule, target: { inputPath: '$.detail' } } });

    expect(() => loadRuleFiles(both)).toThrow(
      /both\.json: \$\.target: give stateMachine or function, not both/,
    );
    expect(() => loadRuleFilesLocally(both)).toThrow(
      /both\.json: \$\.target: give stateMachine or function, not both/,
    );
    expect(() => loadRuleFiles(neither)).toThrow(
      /neither\.json: \$\.target: give stateMachine \(a workflow of statemachines\/, by catalog or file name\) or function/,
    );
    expect(() => loadRuleFilesLocally(neither)).toThrow(
      /neither\.json: \$\.target: give stateMachine \(a workflow of statemachines\/, by catalog or file name\) or function/,
    );
  });
});

describe('the rules', () => {
  it('start their state machine from the default bus, with retries and the dead-letter queue', () => {
    // Prepare
    const { template, stack, machine, queue } = synth(fixtures);
    const machineArn = stack.resolve(machine.stateMachineArn);
    const queueArn = stack.resolve(queue.queueArn);

    // Assess
    template.resourceCountIs('AWS::Events::Rule', 3);
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

  it('invoke their function asynchronously, with retries and the dead-letter queue, and may invoke it', () => {
    // Prepare
    const { template, stack, fn, queue } = synth(fixtures);
    const functionArn = stack.resolve(fn.functionArn);
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { Name: 'complete-account-creation' },
    }) as Record<string, { Properties: { Targets: Record<string, unknown>[] } }>;
    const [ruleId = '', rule] = Object.entries(rules)[0] ?? [];

    // Assess
    expect(Object.keys(rules)).toHaveLength(1);
    expect(rule?.Properties.Targets).toEqual([
      {
        Arn: functionArn,
        Id: 'Target0',
        DeadLetterConfig: { Arn: stack.resolve(queue.queueArn) },
        RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: functionArn,
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('retry a function that throws as Lambda allows, then send the event to the dead-letter queue', () => {
    // Prepare
    const { template, stack, fn, queue } = synth(fixtures);

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: stack.resolve(fn.functionName),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: stack.resolve(queue.queueArn) } },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: stack.resolve(queue.queueArn),
          }),
        ]),
      },
    });
  });

  it('refuse a target that is not a function of the catalog, naming the known ones', () => {
    const dir = ruleDir({
      'complete.json': {
        name: 'complete',
        eventPattern: { source: ['aws.organizations'] },
        target: { function: 'CompleteAccountCreaton' },
      },
    });

    expect(() => synth(dir)).toThrow(
      /complete\.json: target\.function "CompleteAccountCreaton" is not a function of catalog\/functions\.ts \(known: CompleteAccountCreation\)/,
    );
  });

  it('refuse a target that is not a state machine of the stack', () => {
    const dir = tempDir('orgflow-rules-');
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
