import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { temporaryDirectories } from '../temp-dirs';

// The local stack resolves rule targets as the CDK stack does (catalog/rule-files.ts): a workflow by its catalog
// name or its ASL file name; and a target added over the API by the ARN of one of its state machines.

const tempDir = temporaryDirectories();
const stacks: LocalStack[] = [];
const clients: EventBridgeClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const stack of stacks.splice(0)) await stack.close();
});

const rule = (name: string, detailType: string, stateMachine: string) => ({
  name,
  eventPattern: { source: ['orgflow.test'], 'detail-type': [detailType] },
  target: { stateMachine },
});

async function start() {
  const rulesDir = tempDir('orgflow-target-rules-');
  writeFileSync(join(rulesDir, 'by-file.json'), JSON.stringify(rule('by-file', 'file', 'account-vending')));
  writeFileSync(
    join(rulesDir, 'by-catalog.json'),
    JSON.stringify(rule('by-catalog', 'catalog', 'AccountVending')),
  );
  const stack = await startLocalStack({
    // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
    functionEnvironments: 'shared',
    dataDir: tempDir('orgflow-targets-'),
    rulesDir,
    timeScale: 'manual',
    throttling: false,
  });
  stacks.push(stack);
  const events = new EventBridgeClient({
    endpoint: stack.endpoints.events,
    region: 'us-east-1',
    credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  clients.push(events);
  return { stack, events };
}

/** Puts one test event, waits until the bus has delivered it, and lists the executions it started. */
async function executionsStartedBy(stack: LocalStack, events: EventBridgeClient, detailType: string) {
  const machine = stack.stateMachineArns.AccountVending!;
  const before = (await stack.stepFunctions.listExecutions({ stateMachineArn: machine })).executions.length;
  const { FailedEntryCount } = await events.send(
    new PutEventsCommand({ Entries: [{ Source: 'orgflow.test', DetailType: detailType, Detail: '{}' }] }),
  );
  expect(FailedEntryCount).toBe(0);
  await stack.buses.settled();
  return (await stack.stepFunctions.listExecutions({ stateMachineArn: machine })).executions.length - before;
}

describe('rule targets on the local stack', () => {
  it('start a workflow named by its ASL file name or by its catalog name alike', async () => {
    const { stack, events } = await start();

    expect(await executionsStartedBy(stack, events, 'file')).toBe(1);
    expect(await executionsStartedBy(stack, events, 'catalog')).toBe(1);
  });

  it("deliver to a target added over the API by the ARN of one of the stack's state machines", async () => {
    const { stack, events } = await start();
    await events.send(
      new PutRuleCommand({ Name: 'by-arn', EventPattern: JSON.stringify({ 'detail-type': ['arn'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'by-arn',
        Targets: [{ Id: 'vending', Arn: stack.stateMachineArns.AccountVending! }],
      }),
    );

    expect(await executionsStartedBy(stack, events, 'arn')).toBe(1);
  });
});
