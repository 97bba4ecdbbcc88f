import { describe, expect, it } from 'vitest';
import { begin, FN, harness, machine, run, START } from './harness';

const JSONATA = { QueryLanguage: 'JSONata' };

function jsonata(states: Record<string, object>, startAt = Object.keys(states)[0] as string) {
  return machine({ ...JSONATA, StartAt: startAt, States: states });
}

describe('JSONata states', () => {
  it('builds Arguments from $states.input and shapes Output from $states.result', async () => {
    // Prepare
    const definition = jsonata({
      Vend: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: {
          FunctionName: 'create-account',
          Payload: {
            email: '{% $lowercase($states.input.Email) %}',
            tags: ['{% $states.input.team %}', 'fixed'],
          },
        },
        Output: { accountId: '{% $states.result.Payload.id %}', requested: '{% $states.input.Email %}' },
        End: true,
      },
    });

    // Act
    const h = harness({ 'create-account': (payload) => ({ id: '111122223333', payload }) });
    const execution = await begin(definition, { Email: 'A@Example.com', team: 'ops' }, h);

    // Assess
    expect(h.tasks.calls[0]?.input).toEqual({ email: 'a@example.com', tags: ['ops', 'fixed'] });
    expect(execution.state.output).toEqual({ accountId: '111122223333', requested: 'A@Example.com' });
  });

  it('outputs the task result by default, and a Pass state its input', async () => {
    const result = await run(
      jsonata({
        Call: { Type: 'Task', Resource: `${FN}:f`, Next: 'Keep' },
        Keep: { Type: 'Pass', End: true },
      }),
      { a: 1 },
      { [`${FN}:f`]: () => ({ from: 'task' }) },
    );
    expect(result.output).toEqual({ from: 'task' });
  });

  it('exposes the context object as $states.context', async () => {
    const result = await run(
      jsonata({
        Only: {
          Type: 'Pass',
          Output: {
            execution: '{% $states.context.Execution.Name %}',
            input: '{% $states.context.Execution.Input %}',
            state: '{% $states.context.State.Name %}',
            entered: '{% $states.context.State.EnteredTime %}',
            machine: '{% $states.context.StateMachine.Name %}',
          },
          End: true,
        },
      }),
      { x: 1 },
    );
    expect(result.output).toEqual({
      execution: 'test-execution',
      input: { x: 1 },
      state: 'Only',
      entered: new Date(START).toISOString(),
      machine: 'test',
    });
  });

  it('leaves strings without {% %} as they are', async () => {
    const result = await run(
      jsonata({ Only: { Type: 'Pass', Output: { a: '$states.input', b: '{% 1 + 1 %}' }, End: true } }),
    );
    expect(result.output).toEqual({ a: '$states.input', b: 2 });
  });

  it('routes a Choice by Condition, with the matched rule’s Output and Assign', async () => {
    const definition = jsonata({
      Decide: {
        Type: 'Choice',
        Choices: [
          {
            Condition: '{% $states.input.count > 10 %}',
            Output: { size: 'big', n: '{% $states.input.count %}' },
            Assign: { decided: 'big' },
            Next: 'Done',
          },
        ],
        Default: 'Done',
        Output: { size: 'small' },
        Assign: { decided: 'small' },
      },
      Done: { Type: 'Pass', Output: '{% $merge([$states.input, {"variable": $decided}]) %}', End: true },
    });
    expect((await run(definition, { count: 11 })).output).toEqual({ size: 'big', n: 11, variable: 'big' });
    expect((await run(definition, { count: 1 })).output).toEqual({ size: 'small', variable: 'small' });
  });

  it('provides the functions Step Functions adds to JSONata, and $now/$millis on the engine clock', async () => {
    const result = await run(
      jsonata({
        Only: {
          Type: 'Pass',
          Output: {
            partition: '{% $partition([1,2,3,4,5], 2) %}',
            range: '{% $range(0, 10, 5) %}',
            hash: '{% $hash("input data", "SHA-1") %}',
            parse: '{% $parse("{\\"a\\": [1]}") %}',
            seeded: '{% $random(7) = $random(7) %}',
            random: '{% $random() >= 0 and $random() < 1 %}',
            uuid: '{% $uuid() %}',
            now: '{% $now() %}',
            millis: '{% $millis() %}',
          },
          End: true,
        },
      }),
    );
    expect(result.output).toEqual({
      partition: [[1, 2], [3, 4], [5]],
      range: [0, 5, 10],
      hash: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
      parse: { a: [1] },
      seeded: true,
      random: true,
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4/),
      now: new Date(START).toISOString(),
      millis: START,
    });
  });

  it('fails with States.QueryEvaluationError when an expression returns nothing, which Catch can route', async () => {
    const definition = jsonata({
      Call: {
        Type: 'Task',
        Resource: `${FN}:f`,
        Arguments: '{% $states.input.missing %}',
        Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    });
    const result = await run(definition, {});
    expect(result.output).toEqual({
      Error: 'States.QueryEvaluationError',
      Cause:
        "An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.input.missing' specified for the field 'Arguments' returned nothing (undefined)",
    });
  });

  it('fails with States.QueryEvaluationError when an expression throws', async () => {
    const result = await run(
      jsonata({ Only: { Type: 'Pass', Output: '{% $error("no way") %}', End: true } }),
    );
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.cause).toMatch(/no way/);
  });

  it('fails with States.QueryEvaluationError when a Condition is not a boolean', async () => {
    const result = await run(
      jsonata({
        Decide: { Type: 'Choice', Choices: [{ Condition: '{% "yes" %}', Next: 'Done' }], Default: 'Done' },
        Done: { Type: 'Succeed' },
      }),
    );
    expect(result.error).toBe('States.QueryEvaluationError');
  });

  it('evaluates Fail Error and Cause', async () => {
    const result = await run(
      jsonata({
        Stop: {
          Type: 'Fail',
          Error: '{% $states.input.code %}',
          Cause: '{% "account " & $states.input.id %}',
        },
      }),
      { code: 'AccountNotFoundError', id: '123' },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'AccountNotFoundError', cause: 'account 123' });
  });

  it('runs a JSONata state inside a JSONPath state machine', async () => {
    const definition = machine({
      StartAt: 'Path',
      States: {
        Path: { Type: 'Pass', Parameters: { 'n.$': '$.value' }, Next: 'Ata' },
        Ata: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.n * 2 %}', End: true },
      },
    });
    expect((await run(definition, { value: 21 })).output).toBe(42);
  });

  it('gives Parallel branches the Arguments and outputs $states.result', async () => {
    const definition = jsonata({
      Both: {
        Type: 'Parallel',
        Arguments: { n: '{% $states.input.n + 1 %}' },
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $states.input.n %}', End: true } } },
          { StartAt: 'B', States: { B: { Type: 'Pass', Output: '{% $states.input.n * 10 %}', End: true } } },
        ],
        Output: '{% $sum($states.result) %}',
        End: true,
      },
    });
    expect((await run(definition, { n: 1 })).output).toBe(22);
  });
});
