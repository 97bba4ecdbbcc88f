import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';

const VENDING_RULE = 'complete-account-creation';
const creationResult = (): EventBridgeEvent =>
  JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../events/samples/organizations-create-account-result-succeeded.json'),
      'utf8',
    ),
  );

const dirs: string[] = [];
const stacks: LocalStack[] = [];
const clients: EventBridgeClient[] = [];
const internalErrors: unknown[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const stack of stacks.splice(0).reverse()) await stack.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ stack: LocalStack; events: EventBridgeClient }> {
  const stack = await startLocalStack({
    // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
    functionEnvironments: 'shared',
    dataDir,
    timeScale: 'manual',
    throttling: false,
    onInternalError: (error) => internalErrors.push(error),
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

async function stop(stack: LocalStack): Promise<void> {
  stacks.splice(stacks.indexOf(stack), 1);
  await stack.close();
}

describe('the local stack keeps EventBridge rule changes in its data directory', () => {
  it('still has the vending rule disabled, and a rule made over the API, after a restart', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-events-restart-'));
    dirs.push(dataDir);
    const first = await start(dataDir);
    const target = {
      Id: 'audit',
      Arn: `arn:aws:states:us-east-1:${DEMO_MANAGEMENT_ACCOUNT}:stateMachine:audit`,
    };
    await first.events.send(new DisableRuleCommand({ Name: VENDING_RULE }));
    await first.events.send(
      new PutRuleCommand({
        Name: 'audit-moves',
        EventPattern: JSON.stringify({ source: ['orgflow.audit'] }),
      }),
    );
    await first.events.send(new PutTargetsCommand({ Rule: 'audit-moves', Targets: [target] }));

    // Act
    await stop(first.stack);
    const second = await start(dataDir);
    const vending = await second.events.send(new DescribeRuleCommand({ Name: VENDING_RULE }));
    const audit = await second.events.send(new DescribeRuleCommand({ Name: 'audit-moves' }));
    const auditTargets = await second.events.send(new ListTargetsByRuleCommand({ Rule: 'audit-moves' }));

    // Assess
    expect(vending.State).toBe('DISABLED');
    // the baseline reaction's rule matches a creation's result too: only the vending rule was disabled
    expect(
      second.stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT).matchingRules(creationResult()),
    ).not.toContain(VENDING_RULE);
    expect(audit.State).toBe('ENABLED');
    expect(auditTargets.Targets).toEqual([target]);
    expect(internalErrors).toEqual([]);
  });
});
