import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { matches } from '../../local/eventbridge/pattern';
import type { ExecutionStatusChangeEvent } from '../../local/stepfunctions/service/index';
import {
  ACCOUNT,
  createMachine,
  eventually,
  finished,
  reached,
  START,
  type Stack,
  startExecution,
  startStack,
} from './harness';

// The service tells the bus of the state machine's account each execution's start and end, as Step Functions
// does with its "Step Functions Execution Status Change" events.

const parked = {
  StartAt: 'Park',
  States: { Park: { Type: 'Wait', Seconds: 3600, End: true } },
};
const quick = {
  StartAt: 'Answer',
  States: { Answer: { Type: 'Pass', Result: { answer: 42 }, End: true } },
};

describe('Step Functions Execution Status Change events', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function start() {
    const events: ExecutionStatusChangeEvent[] = [];
    stack = await startStack({ publishStatusChange: (event) => events.push(event) });
    return { stack, events };
  }

  it('tells of a stopped execution: RUNNING as it starts, then ABORTED, shaped as AWS documents', async () => {
    // Prepare
    const { stack, events } = await start();
    const machine = await createMachine(stack.client, 'park', parked);
    const execution = await startExecution(stack.client, machine, { requestId: 'r-1' }, 'r-1');
    await reached(stack.client, execution, 'WaitStateEntered');
    stack.clock.advance(5000);

    // Act
    await stack.client.send(new StopExecutionCommand({ executionArn: execution, error: 'Operator' }));
    await finished(stack.client, execution);

    // Assess
    expect(events.map((e) => e.detail.status)).toEqual(['RUNNING', 'ABORTED']);
    const envelope = {
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: ACCOUNT,
      region: 'us-east-1',
      resources: [execution],
    };
    expect(events[0]).toEqual({
      ...envelope,
      time: new Date(START).toISOString().replace('.000Z', 'Z'),
      detail: {
        executionArn: execution,
        stateMachineArn: machine,
        name: 'r-1',
        status: 'RUNNING',
        startDate: START,
        stopDate: null,
        input: '{"requestId":"r-1"}',
        inputDetails: { included: true },
        output: null,
        outputDetails: null,
      },
    });
    expect(events[1]).toEqual({
      ...envelope,
      time: new Date(START + 5000).toISOString().replace('.000Z', 'Z'),
      detail: {
        executionArn: execution,
        stateMachineArn: machine,
        name: 'r-1',
        status: 'ABORTED',
        startDate: START,
        stopDate: START + 5000,
        input: '{"requestId":"r-1"}',
        inputDetails: { included: true },
        output: null,
        outputDetails: null,
        error: 'Operator',
      },
    });
    expect(events[0]!.id).not.toBe(events[1]!.id);
  });

  it('tells of an execution that times out, and of one that succeeds with its output', async () => {
    // Prepare
    const { stack, events } = await start();
    const slow = await createMachine(stack.client, 'slow', { ...parked, TimeoutSeconds: 60 });
    const fast = await createMachine(stack.client, 'fast', quick);

    // Act
    const timedOut = await startExecution(stack.client, slow, {}, 'slow-1');
    await reached(stack.client, timedOut, 'WaitStateEntered');
    stack.clock.advance(60_000);
    await finished(stack.client, timedOut);
    const succeeded = await startExecution(stack.client, fast, {}, 'fast-1');
    await finished(stack.client, succeeded);

    // Assess
    await eventually(() => expect(events).toHaveLength(4));
    expect(events.map((e) => [e.detail.name, e.detail.status])).toEqual([
      ['slow-1', 'RUNNING'],
      ['slow-1', 'TIMED_OUT'],
      ['fast-1', 'RUNNING'],
      ['fast-1', 'SUCCEEDED'],
    ]);
    expect(events[1]!.detail).toMatchObject({ stopDate: START + 60_000, error: 'States.Timeout' });
    expect(events[3]!.detail).toMatchObject({
      output: '{"answer":42}',
      outputDetails: { included: true },
    });
  });

  it('leaves the input out when input and output pass the 248 KB of an event', async () => {
    // Prepare
    const { stack, events } = await start();
    const machine = await createMachine(stack.client, 'echo', {
      StartAt: 'Echo',
      States: { Echo: { Type: 'Pass', End: true } },
    });

    // Act
    const execution = await startExecution(stack.client, machine, { blob: 'x'.repeat(130 * 1024) }, 'big');
    await finished(stack.client, execution);

    // Assess
    expect(events.map((e) => [e.detail.status, e.detail.inputDetails, e.detail.outputDetails])).toEqual([
      ['RUNNING', { included: true }, null],
      ['SUCCEEDED', { included: false }, { included: true }],
    ]);
    expect(events[1]!.detail.input).toBeNull();
  });

  it('is matched by the rule that records an ended request, for each end and not for a start', async () => {
    // Prepare
    const rule = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../events/rules/record-ended-request.json'), 'utf8'),
    );
    const { stack, events } = await start();
    const machine = await createMachine(stack.client, 'park', parked);
    const stopped = await startExecution(stack.client, machine, {}, 'stopped');
    await reached(stack.client, stopped, 'WaitStateEntered');
    const done = await startExecution(stack.client, await createMachine(stack.client, 'fast', quick), {});

    // Act
    await stack.client.send(new StopExecutionCommand({ executionArn: stopped }));
    await finished(stack.client, stopped);
    await finished(stack.client, done);

    // Assess
    const matched = events.filter((event) => matches(rule.eventPattern, event));
    expect(matched.map((e) => e.detail.status).sort()).toEqual(['ABORTED', 'SUCCEEDED']);
    expect(events.filter((event) => event.detail.status === 'RUNNING')).toHaveLength(2);
  });
});
