import { describe, expect, it } from 'vitest';
import { FN, machine, run, START, single } from './harness';

const input = {
  comment: 'test',
  details: { who: 'Step Functions', n: 3 },
  items: [{ n: 1 }, { n: 2 }, { n: 3 }],
};

describe('JSONPath input and output processing', () => {
  it('applies InputPath, Parameters, ResultSelector, ResultPath and OutputPath in that order', async () => {
    // Prepare
    const definition = single({
      Type: 'Task',
      Resource: `${FN}:greet`,
      InputPath: '$.details',
      Parameters: {
        'name.$': '$.who',
        static: 'hello',
        nested: { 'count.$': '$.n', list: [{ 'again.$': '$.who' }] },
      },
      ResultSelector: { 'greeting.$': '$.text', fixed: 1 },
      ResultPath: '$.result',
      OutputPath: '$.result',
    });
    const greet = (args: unknown) => ({ text: `hi ${(args as { name: string }).name}`, extra: true });

    // Act
    const result = await run(definition, input, { [`${FN}:greet`]: greet });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ greeting: 'hi Step Functions', fixed: 1 });
    const scheduled = result.history.find((e) => e.type === 'LambdaFunctionScheduled');
    expect(JSON.parse(scheduled?.lambdaFunctionScheduledEventDetails?.input as string)).toEqual({
      name: 'Step Functions',
      static: 'hello',
      nested: { count: 3, list: [{ again: 'Step Functions' }] },
    });
  });

  it('keeps the raw input when ResultPath is null and sends {} when InputPath is null', async () => {
    const result = await run(
      single({ Type: 'Task', Resource: `${FN}:f`, InputPath: null, ResultPath: null }),
      input,
      { [`${FN}:f`]: (args) => ({ got: args }) },
    );
    expect(result.output).toEqual(input);
  });

  it('replaces the output with {} when OutputPath is null', async () => {
    expect((await run(single({ Type: 'Pass', OutputPath: null }), input)).output).toEqual({});
  });

  it('creates missing objects along a ResultPath and leaves the input record untouched', async () => {
    const given = { a: { keep: 1 } };
    const result = await run(single({ Type: 'Pass', Result: 'x', ResultPath: '$.a.b.c' }), given);
    expect(result.output).toEqual({ a: { keep: 1, b: { c: 'x' } } });
    expect(given).toEqual({ a: { keep: 1 } });
  });

  it('gives a Pass state its Result, placed by ResultPath', async () => {
    const result = await run(single({ Type: 'Pass', Result: { x: [1, 2] }, ResultPath: '$.r' }), { y: 0 });
    expect(result.output).toEqual({ y: 0, r: { x: [1, 2] } });
  });

  it('returns every match of an indefinite path as an array', async () => {
    const result = await run(
      single({
        Type: 'Pass',
        Parameters: {
          'big.$': '$.items[?(@.n > 1)].n',
          'all.$': '$..n',
          'wild.$': '$.items[*].n',
          'first.$': '$.items[0].n',
          'none.$': '$.items[?(@.n > 9)]',
        },
      }),
      input,
    );
    expect(result.output).toEqual({ big: [2, 3], all: [3, 1, 2, 3], wild: [1, 2, 3], first: 1, none: [] });
  });

  it('reads the context object through $$', async () => {
    const result = await run(
      single({
        Type: 'Pass',
        Parameters: {
          'id.$': '$$.Execution.Id',
          'name.$': '$$.Execution.Name',
          'input.$': '$$.Execution.Input',
          'start.$': '$$.Execution.StartTime',
          'role.$': '$$.Execution.RoleArn',
          'state.$': '$$.State.Name',
          'entered.$': '$$.State.EnteredTime',
          'machine.$': '$$.StateMachine.Id',
          'machineName.$': '$$.StateMachine.Name',
        },
      }),
      { a: 1 },
    );
    expect(result.output).toEqual({
      id: 'arn:aws:states:us-east-1:111111111111:execution:test:test-execution',
      name: 'test-execution',
      input: { a: 1 },
      start: new Date(START).toISOString(),
      role: 'arn:aws:iam::111111111111:role/StepFunctions-test',
      state: 'Only',
      entered: new Date(START).toISOString(),
      machine: 'arn:aws:states:us-east-1:111111111111:stateMachine:test',
      machineName: 'test',
    });
  });
});

describe('path failures', () => {
  it('fails with States.ParameterPathFailure when a Parameters path finds nothing, which Catch can route', async () => {
    const definition = machine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:f`,
          Parameters: { 'x.$': '$.missing' },
          Catch: [{ ErrorEquals: ['States.ParameterPathFailure'], Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    });
    const result = await run(definition, { present: 1 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      Error: 'States.ParameterPathFailure',
      Cause: `An error occurred while executing the state 'Call' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{"present":1}'`,
    });
  });

  it('fails with States.ResultPathMatchFailure when the ResultPath cannot be applied', async () => {
    const definition = machine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:f`,
          ResultPath: '$.text.inner',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    });
    const result = await run(definition, { text: 'a string' }, { [`${FN}:f`]: () => 1 });
    expect(result.output).toEqual({
      text: 'a string',
      error: {
        Error: 'States.ResultPathMatchFailure',
        Cause: `An error occurred while executing the state 'Call' (entered at the event id #2). Unable to apply ResultPath '$.text.inner' to input '{"text":"a string"}'`,
      },
    });
  });

  it('fails the execution with States.Runtime for an InputPath that finds nothing: States.ALL does not catch it', async () => {
    const definition = machine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:f`,
          InputPath: '$.missing',
          Retry: [{ ErrorEquals: ['States.ALL'] }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    });
    const result = await run(definition, {});
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.history.at(-1)?.type).toBe('ExecutionFailed');
  });

  it('fails with States.DataLimitExceeded when a state output exceeds 256 KiB', async () => {
    const result = await run(single({ Type: 'Pass', Parameters: { 'a.$': '$.big', 'b.$': '$.big' } }), {
      big: 'x'.repeat(140 * 1024),
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
  });
});
