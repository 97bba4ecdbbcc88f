import { describe, expect, it } from 'vitest';
import { FN, machine, run } from './harness';

describe('variables in JSONPath states', () => {
  it('assigns literal and path values, read later as $name and $name.path', async () => {
    // Prepare
    const definition = machine({
      StartAt: 'Remember',
      States: {
        Remember: {
          Type: 'Pass',
          Assign: {
            limit: 3,
            'request.$': '$.request',
            'ou.$': '$.request.target.ou',
            'when.$': '$$.Execution.StartTime',
          },
          Next: 'Use',
        },
        Use: {
          Type: 'Pass',
          Parameters: {
            'limit.$': '$limit',
            'email.$': '$request.email',
            'ou.$': '$ou',
            'started.$': '$when',
          },
          End: true,
        },
      },
    });

    // Act
    const result = await run(definition, { request: { email: 'a@example.com', target: { ou: 'ou-1' } } });

    // Assess
    expect(result.output).toEqual({
      limit: 3,
      email: 'a@example.com',
      ou: 'ou-1',
      started: '2026-01-01T00:00:00.000Z',
    });
    expect(result.history.find((e) => e.type === 'PassStateExited')?.stateExitedEventDetails).toMatchObject({
      assignedVariables: { limit: '3', ou: '"ou-1"' },
    });
  });

  it('evaluates Assign against the result after ResultSelector, before ResultPath', async () => {
    const definition = machine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:f`,
          ResultSelector: { 'id.$': '$.account.id' },
          ResultPath: '$.created',
          Assign: { 'accountId.$': '$.id' },
          Next: 'Show',
        },
        Show: {
          Type: 'Pass',
          Parameters: { 'accountId.$': '$accountId', 'created.$': '$.created' },
          End: true,
        },
      },
    });
    const result = await run(definition, {}, { [`${FN}:f`]: () => ({ account: { id: '111122223333' } }) });
    expect(result.output).toEqual({ accountId: '111122223333', created: { id: '111122223333' } });
  });

  it('reads the old values within the state that assigns new ones', async () => {
    const definition = machine({
      StartAt: 'First',
      States: {
        First: { Type: 'Pass', Assign: { x: 1 }, Next: 'Second' },
        Second: {
          Type: 'Pass',
          Assign: { x: 2, 'previous.$': '$x' },
          Parameters: { 'seen.$': '$x' },
          Next: 'Third',
        },
        Third: {
          Type: 'Pass',
          Parameters: { 'x.$': '$x', 'previous.$': '$previous', 'seen.$': '$.seen' },
          End: true,
        },
      },
    });
    expect((await run(definition)).output).toEqual({ x: 2, previous: 1, seen: 1 });
  });

  it('assigns from a catcher with $ as the error output', async () => {
    const definition = machine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: `${FN}:f`,
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Assign: { 'failure.$': '$.Error' },
              ResultPath: null,
              Next: 'Show',
            },
          ],
          End: true,
        },
        Show: { Type: 'Pass', Parameters: { 'failure.$': '$failure' }, End: true },
      },
    });
    const result = await run(
      definition,
      {},
      {
        [`${FN}:f`]: () => {
          throw { error: 'Boom', cause: '' };
        },
      },
    );
    expect(result.output).toEqual({ failure: 'Boom' });
  });

  it('assigns from the Choice rule that matched', async () => {
    const definition = machine({
      StartAt: 'Decide',
      States: {
        Decide: {
          Type: 'Choice',
          Choices: [
            {
              Variable: '$.n',
              NumericGreaterThan: 0,
              Assign: { 'sign.$': "States.Format('{}', 'positive')" },
              Next: 'Show',
            },
          ],
          Default: 'Show',
          Assign: { sign: 'not positive' },
        },
        Show: { Type: 'Pass', Parameters: { 'sign.$': '$sign' }, End: true },
      },
    });
    expect((await run(definition, { n: 1 })).output).toEqual({ sign: 'positive' });
    expect((await run(definition, { n: 0 })).output).toEqual({ sign: 'not positive' });
  });
});

describe('variable scopes', () => {
  it('lets Map iterations read outer variables but keeps their own assignments to themselves', async () => {
    // Prepare
    const definition = machine({
      QueryLanguage: 'JSONata',
      StartAt: 'Setup',
      States: {
        Setup: { Type: 'Pass', Assign: { prefix: 'acct-', seen: 'outer' }, Next: 'Each' },
        Each: {
          Type: 'Map',
          Items: '{% $states.input.ids %}',
          ItemProcessor: {
            StartAt: 'Name',
            States: {
              Name: {
                Type: 'Pass',
                // an inner scope may shadow an outer name; the outer value stays as it was
                Assign: { seen: '{% "iteration " & $states.input %}', mine: '{% $states.input %}' },
                Output: '{% $prefix & $states.input %}',
                Next: 'Check',
              },
              Check: {
                Type: 'Pass',
                Output: { name: '{% $states.input %}', seen: '{% $seen %}', mine: '{% $mine %}' },
                End: true,
              },
            },
          },
          Next: 'After',
        },
        After: {
          Type: 'Pass',
          Output: {
            names: '{% $states.input %}',
            seen: '{% $seen %}',
            mineVisibleOutside: '{% $exists($mine) %}',
          },
          End: true,
        },
      },
    });

    // Act
    const result = await run(definition, { ids: [1, 2] });

    // Assess
    expect(result.output).toEqual({
      names: [
        { name: 'acct-1', seen: 'iteration 1', mine: 1 },
        { name: 'acct-2', seen: 'iteration 2', mine: 2 },
      ],
      seen: 'outer',
      mineVisibleOutside: false,
    });
  });

  it('lets Parallel branches read outer variables; the Parallel state assigns from the branch results', async () => {
    const definition = machine({
      StartAt: 'Setup',
      States: {
        Setup: { Type: 'Pass', Assign: { base: 10 }, Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'A',
              States: {
                A: { Type: 'Pass', Parameters: { 'v.$': '$base' }, Assign: { inner: 'a' }, End: true },
              },
            },
            {
              StartAt: 'B',
              States: { B: { Type: 'Pass', Parameters: { 'v.$': 'States.MathAdd($base, 1)' }, End: true } },
            },
          ],
          Assign: { 'first.$': '$[0].v', 'second.$': '$[1].v' },
          Next: 'Show',
        },
        Show: {
          Type: 'Pass',
          Parameters: { 'first.$': '$first', 'second.$': '$second', 'base.$': '$base' },
          End: true,
        },
      },
    });
    expect((await run(definition)).output).toEqual({ first: 10, second: 11, base: 10 });
  });

  it('does not let an inner variable leak out: reading it outside fails the path', async () => {
    const definition = machine({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Set',
            States: { Set: { Type: 'Pass', Assign: { inner: 1 }, End: true } },
          },
          Next: 'Read',
        },
        Read: { Type: 'Pass', Parameters: { 'inner.$': '$inner' }, End: true },
      },
    });
    const result = await run(definition, [1]);
    expect(result.error).toBe('States.ParameterPathFailure');
  });

  it('sees in JSONata Output the variables as they were when the state was entered', async () => {
    const definition = machine({
      QueryLanguage: 'JSONata',
      StartAt: 'One',
      States: {
        One: { Type: 'Pass', Assign: { n: 1 }, Next: 'Two' },
        Two: { Type: 'Pass', Assign: { n: '{% $n + 1 %}' }, Output: { during: '{% $n %}' }, Next: 'Three' },
        Three: {
          Type: 'Pass',
          Output: { during: '{% $states.input.during %}', after: '{% $n %}' },
          End: true,
        },
      },
    });
    expect((await run(definition)).output).toEqual({ during: 1, after: 2 });
  });
});
