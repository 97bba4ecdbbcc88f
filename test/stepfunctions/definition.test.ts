import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DefinitionError, loadDefinitionFile, parseDefinition } from '../../local/stepfunctions/index';
import { FN, refusal, run } from './harness';

const fixtures = join(import.meta.dirname, 'fixtures');

const problem = (definition: object) => refusal(definition, 'statemachines/test.asl.json');

const pass = { Type: 'Pass', End: true };

describe('loading a definition', () => {
  it('substitutes placeholders in the file text as CDK definitionSubstitutions does', async () => {
    // Prepare
    const file = join(fixtures, 'substitutions.asl.json');

    // Act
    const definition = loadDefinitionFile(file, {
      substitutions: { CreateAccountFunctionArn: `${FN}:create-account`, TargetOuId: 'ou-root-12345678' },
    });
    const result = await run(
      definition,
      { email: 'a@example.com' },
      { [`${FN}:create-account`]: (input) => input },
    );

    // Assess
    expect(definition.source).toBe(file);
    expect(definition.states.get('Create Account')?.def.Resource).toBe(`${FN}:create-account`);
    expect(result.output).toEqual({ email: 'a@example.com', ou: 'ou-root-12345678' });
  });

  it('refuses a placeholder left without a value, naming the file and the placeholder', () => {
    const file = join(fixtures, 'substitutions.asl.json');
    expect(() =>
      loadDefinitionFile(file, { substitutions: { CreateAccountFunctionArn: `${FN}:x` } }),
    ).toThrow(`${file}: no substitution was given for \${TargetOuId}: add it to the substitutions`);
  });

  it('names the file, the state and the field of an unknown field', () => {
    const file = join(fixtures, 'unknown-field.asl.json');
    let error: DefinitionError | undefined;
    try {
      loadDefinitionFile(file);
    } catch (e) {
      error = e as DefinitionError;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error?.source).toBe(file);
    expect(error?.state).toBe('Wait For Account');
    expect(error?.field).toBe('Retry');
    expect(error?.message).toContain(
      `${file}: state 'Wait For Account', field 'Retry': unknown field for a Wait state`,
    );
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseDefinition('{ "StartAt": ', { source: 'broken.asl.json' })).toThrow(
      /^broken\.asl\.json: the definition is not valid JSON/,
    );
  });
});

describe('checks of our own', () => {
  it.each([
    [
      'a Next that names no state',
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } },
      { state: 'A', field: 'Next' },
    ],
    [
      'an unreachable state',
      { StartAt: 'A', States: { A: pass, Orphan: pass } },
      { state: 'Orphan', problem: /not reachable/ },
    ],
    [
      'both Next and End',
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'A', End: true } } },
      { state: 'A' },
    ],
    [
      'Parameters in a JSONata state',
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { ...pass, Parameters: {} } } },
      { state: 'A', field: 'Parameters', problem: /JSONata states cannot use Parameters/ },
    ],
    [
      'OutputPath in a JSONata state',
      { StartAt: 'A', States: { A: { ...pass, QueryLanguage: 'JSONata', OutputPath: '$.x' } } },
      { state: 'A', field: 'OutputPath' },
    ],
    [
      'Arguments in a JSONPath state',
      { StartAt: 'A', States: { A: { Type: 'Task', Resource: `${FN}:f`, Arguments: {}, End: true } } },
      { state: 'A', field: 'Arguments', problem: /JSONPath states cannot use Arguments/ },
    ],
    [
      'Output in a JSONPath state',
      { StartAt: 'A', States: { A: { ...pass, Output: {} } } },
      { state: 'A', field: 'Output' },
    ],
    [
      'a JSONPath state in a JSONata state machine',
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { ...pass, QueryLanguage: 'JSONPath' } } },
      { state: 'A', field: 'QueryLanguage' },
    ],
    [
      'States.ALL with another error name',
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Task', Resource: `${FN}:f`, Retry: [{ ErrorEquals: ['States.ALL', 'X'] }], End: true },
        },
      },
      { state: 'A', field: 'Retry[0].ErrorEquals', problem: /alone/ },
    ],
    [
      'States.ALL before another catcher',
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: `${FN}:f`,
            Catch: [
              { ErrorEquals: ['States.ALL'], Next: 'B' },
              { ErrorEquals: ['X'], Next: 'B' },
            ],
            End: true,
          },
          B: pass,
        },
      },
      { state: 'A', field: 'Catch[0].ErrorEquals', problem: /must be the last/ },
    ],
    [
      'a JSONata syntax error',
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { ...pass, Output: '{% 1 + %}' } } },
      { state: 'A', field: 'Output', problem: /invalid JSONata expression/ },
    ],
    [
      'an unknown intrinsic function',
      { StartAt: 'A', States: { A: { ...pass, Parameters: { 'x.$': 'States.Nope($.a)' } } } },
      { state: 'A', field: 'Parameters.x.$', problem: /unknown function States\.Nope/ },
    ],
    [
      'a ResultPath that is not a reference path',
      { StartAt: 'A', States: { A: { ...pass, ResultPath: '$.items[*]' } } },
      { state: 'A', field: 'ResultPath', problem: /reference path/ },
    ],
    [
      'a Choice rule without Next',
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true }], Default: 'B' },
          B: pass,
        },
      },
      { state: 'A', field: 'Choices[0]', problem: /needs Next/ },
    ],
    [
      'a Choice rule with two operators',
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, IsNull: false, Next: 'B' }] },
          B: pass,
        },
      },
      { state: 'A', field: 'Choices[0]', problem: /exactly one comparison operator/ },
    ],
    [
      'a Wait with two durations',
      { StartAt: 'A', States: { A: { Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true } } },
      { state: 'A', problem: /exactly one of Seconds/ },
    ],
    [
      'an invalid variable name',
      { StartAt: 'A', States: { A: { ...pass, Assign: { '1st': 1 } } } },
      { state: 'A', field: 'Assign.1st' },
    ],
    [
      'a Map reading items from S3',
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Map',
            ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} },
            ItemProcessor: { StartAt: 'B', States: { B: pass } },
            End: true,
          },
        },
      },
      { state: 'A', field: 'ItemReader', problem: /Amazon S3/ },
    ],
    [
      'a nested state with a duplicate name',
      {
        StartAt: 'A',
        States: { A: { Type: 'Map', ItemProcessor: { StartAt: 'A', States: { A: pass } }, End: true } },
      },
      { state: 'A', problem: /unique/ },
    ],
  ])('refuses %s', (_label, definition, expected) => {
    const error = problem(definition);
    const match = error.problems.find(
      (p) =>
        p.state === expected.state &&
        (!('field' in expected) || p.field === expected.field) &&
        (!('problem' in expected) || (expected.problem as RegExp).test(p.problem)),
    );
    expect(match, error.message).toBeDefined();
    expect(error.message.startsWith('statemachines/test.asl.json: ')).toBe(true);
  });

  it('lists every problem, not only the first', () => {
    const error = problem({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'X', Bogus: 1 }, B: pass } });
    expect(error.problems.map((p) => [p.state, p.field ?? null])).toEqual(
      expect.arrayContaining([
        ['A', 'Bogus'],
        ['A', 'Next'],
        ['B', null],
      ]),
    );
    expect(error.message).toMatch(/^statemachines\/test\.asl\.json: \d+ problems:\n {2}- state 'A'/);
  });

  it('passes what our checks leave to asl-validator and reports it with the file name', () => {
    // a Task Resource that is not an ARN is left to the JSON schema
    const error = problem({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'not-an-arn', End: true } },
    });
    expect(error.message).toMatch(/^statemachines\/test\.asl\.json: .*SCHEMA_VALIDATION_FAILED/);
  });

  it('accepts every state type in both query languages', () => {
    const jsonPath = parseDefinition(
      JSON.stringify({
        StartAt: 'P',
        States: {
          P: { Type: 'Pass', Assign: { 'x.$': '$.a' }, Next: 'C' },
          C: { Type: 'Choice', Choices: [{ Variable: '$x', IsPresent: true, Next: 'W' }], Default: 'F' },
          W: { Type: 'Wait', SecondsPath: '$.s', Next: 'Par' },
          Par: { Type: 'Parallel', Branches: [{ StartAt: 'B1', States: { B1: pass } }], Next: 'M' },
          M: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemSelector: { 'i.$': '$$.Map.Item.Index' },
            MaxConcurrency: 2,
            ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: `${FN}:f`, End: true } } },
            Next: 'S',
          },
          S: { Type: 'Succeed' },
          F: { Type: 'Fail', ErrorPath: '$.error', CausePath: "States.Format('{}', $.cause)" },
        },
      }),
    );
    const jsonata = parseDefinition(
      JSON.stringify({
        QueryLanguage: 'JSONata',
        StartAt: 'P',
        States: {
          P: { Type: 'Pass', Assign: { x: '{% $states.input.a %}' }, Output: { y: '{% $x %}' }, Next: 'C' },
          C: { Type: 'Choice', Choices: [{ Condition: '{% $x > 1 %}', Next: 'W' }], Default: 'F' },
          W: { Type: 'Wait', Seconds: '{% $x %}', Next: 'T' },
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: { FunctionName: `${FN}:f`, Payload: '{% $states.input %}' },
            Output: '{% $states.result.Payload %}',
            TimeoutSeconds: '{% 10 %}',
            End: true,
          },
          F: { Type: 'Fail', Error: '{% "E" %}', Cause: 'literal' },
        },
      }),
    );
    expect(jsonPath.states.size).toBe(9);
    expect(jsonata.states.get('T')?.queryLanguage).toBe('JSONata');
  });
});
