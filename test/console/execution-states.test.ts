import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { executionRun } from '../../local/console/execution-states';

// Real-shaped history events (as GetExecutionHistory returns them), built step by step.
function history() {
  const events: HistoryEvent[] = [];
  const add = (type: string, details: Record<string, unknown> = {}, previous = events.length) => {
    const key = `${type.replace(/^(Task|Wait|Choice|Succeed|Fail|Pass)State(Entered|Exited)$/, 'state$2')}`;
    const detailsKey = key.startsWith('state')
      ? `${key}EventDetails`
      : `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
    events.push({
      id: events.length + 1,
      previousEventId: previous,
      type,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, events.length)),
      [detailsKey]: details,
    } as HistoryEvent);
    return events.length;
  };
  return { events, add };
}

describe('what happened to each state', () => {
  it('a task retried then succeeded, and a task parked on its token now', () => {
    // Prepare
    const { events, add } = history();
    add('ExecutionStarted', { input: '{}' }, 0);
    add('TaskStateEntered', { name: 'Create Account', input: '{"a":1}' });
    add('LambdaFunctionScheduled', {
      resource: 'arn:aws:lambda:us-east-1:111111111111:function:CreateAccount',
    });
    add('LambdaFunctionFailed', { error: 'TooManyRequestsException', cause: 'slow down' });
    add('LambdaFunctionScheduled', {
      resource: 'arn:aws:lambda:us-east-1:111111111111:function:CreateAccount',
    });
    add('LambdaFunctionSucceeded', { output: '{"ok":true}' });
    add('TaskStateExited', { name: 'Create Account', output: '{"ok":true}' });
    add('TaskStateEntered', { name: 'Wait For Account', input: '{"ok":true}' });
    add('TaskScheduled', { resource: 'invoke.waitForTaskToken', resourceType: 'lambda' });
    add('TaskStarted', { resource: 'invoke.waitForTaskToken', resourceType: 'lambda' });
    add('TaskSubmitted', { resource: 'invoke.waitForTaskToken', resourceType: 'lambda' });

    // Act
    const run = executionRun(events);

    // Assess
    expect(run.states['Create Account']).toMatchObject({
      status: 'retried',
      retries: 1,
      visits: 1,
      current: false,
      input: '{"a":1}',
      output: '{"ok":true}',
    });
    expect(run.states['Wait For Account']).toMatchObject({ status: 'waiting', current: true });
    expect(run.transitions).toEqual(['Create Account→Wait For Account']);
    expect(run.last).toBe('Wait For Account');
  });

  it('a failure caught by a Catch leaves the state failed with its error, and the catcher runs', () => {
    // Prepare
    const { events, add } = history();
    add('ExecutionStarted', {}, 0);
    add('TaskStateEntered', { name: 'Wait For Account' });
    add('TaskScheduled', { resource: 'invoke.waitForTaskToken' });
    add('TaskFailed', { error: 'EmailAlreadyExistsError', cause: '{"errorMessage":"taken"}' });
    add('TaskStateExited', { name: 'Wait For Account', output: '{"Error":"EmailAlreadyExistsError"}' });
    add('TaskStateEntered', { name: 'Record Failure' });

    // Act
    const run = executionRun(events);

    // Assess
    expect(run.states['Wait For Account']).toMatchObject({
      status: 'failed',
      error: 'EmailAlreadyExistsError',
      cause: '{"errorMessage":"taken"}',
      current: false,
    });
    expect(run.states['Record Failure']).toMatchObject({ status: 'entered', current: true });
  });

  it('an execution that failed: the Fail state, the error, and nothing left current', () => {
    // Prepare
    const { events, add } = history();
    add('ExecutionStarted', {}, 0);
    add('PassStateEntered', { name: 'Start Closure' });
    add('PassStateExited', { name: 'Start Closure' });
    add('FailStateEntered', { name: 'Closure Failed' });
    add('ExecutionFailed', { error: 'AccountNotFoundError', cause: 'gone' });

    // Act
    const run = executionRun(events);

    // Assess
    expect(run.states['Closure Failed']).toMatchObject({ status: 'failed', current: false });
    expect(run).toMatchObject({ error: 'AccountNotFoundError', cause: 'gone', last: 'Closure Failed' });
    expect(run.transitions).toEqual(['Start Closure→Closure Failed']);
  });

  it('a state entered again counts its visits; the iterations of a Map stay apart', () => {
    // Prepare: two iterations interleaved, each chained to its own entered event
    const { events, add } = history();
    add('ExecutionStarted', {}, 0);
    const a = add('TaskStateEntered', { name: 'Close One Account' });
    const b = add('TaskStateEntered', { name: 'Close One Account' });
    const failedA = add('TaskScheduled', { resource: 'startExecution.sync:2' }, a);
    add('TaskScheduled', { resource: 'startExecution.sync:2' }, b);
    add('TaskFailed', { error: 'States.TaskFailed' }, failedA);

    // Act
    const run = executionRun(events);

    // Assess: the state shows its last visit (b), still running; a's failure is not b's
    expect(run.states['Close One Account']).toMatchObject({ visits: 2, status: 'entered' });
  });
});
