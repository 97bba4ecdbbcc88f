import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../local/stepfunctions/index';
import { machine, run } from './harness';

/** A Choice with one rule: 'yes' when it matches, 'no' (the Default) otherwise. */
async function decide(rule: object, input: Json): Promise<unknown> {
  const definition = machine({
    StartAt: 'Decide',
    States: {
      Decide: { Type: 'Choice', Choices: [{ ...rule, Next: 'Yes' }], Default: 'No' },
      Yes: { Type: 'Pass', Result: 'yes', End: true },
      No: { Type: 'Pass', Result: 'no', End: true },
    },
  });
  const result = await run(definition, input);
  if (result.status !== 'SUCCEEDED') throw new Error(`${result.error}: ${result.cause}`);
  return result.output;
}

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T12:30:00.500Z';
const T1_OFFSET = '2026-01-01T01:00:00+01:00';

// [operator, value, operand, matches]
const comparisons: [string, Json, Json, boolean][] = [
  ['StringEquals', 'a', 'a', true],
  ['StringEquals', 'a', 'b', false],
  ['StringEquals', 1, '1', false],
  ['StringLessThan', 'a', 'b', true],
  ['StringLessThan', 'b', 'a', false],
  ['StringGreaterThan', 'b', 'a', true],
  ['StringGreaterThan', 'a', 'a', false],
  ['StringLessThanEquals', 'a', 'a', true],
  ['StringLessThanEquals', 'b', 'a', false],
  ['StringGreaterThanEquals', 'a', 'a', true],
  ['StringGreaterThanEquals', 'a', 'b', false],
  ['NumericEquals', 5, 5, true],
  ['NumericEquals', 5, 5.5, false],
  ['NumericEquals', '5', 5, false],
  ['NumericLessThan', 1, 2, true],
  ['NumericLessThan', 2, 2, false],
  ['NumericGreaterThan', 3, 2, true],
  ['NumericGreaterThan', 2, 2, false],
  ['NumericLessThanEquals', 2, 2, true],
  ['NumericLessThanEquals', 3, 2, false],
  ['NumericGreaterThanEquals', 2, 2, true],
  ['NumericGreaterThanEquals', 1, 2, false],
  ['BooleanEquals', true, true, true],
  ['BooleanEquals', false, true, false],
  ['BooleanEquals', 'true', true, false],
  ['TimestampEquals', T1, T1_OFFSET, true],
  ['TimestampEquals', T1, T2, false],
  ['TimestampEquals', 'not a time', T1, false],
  ['TimestampLessThan', T1, T2, true],
  ['TimestampLessThan', T2, T1, false],
  ['TimestampGreaterThan', T2, T1, true],
  ['TimestampGreaterThan', T1, T1, false],
  ['TimestampLessThanEquals', T1, T1_OFFSET, true],
  ['TimestampLessThanEquals', T2, T1, false],
  ['TimestampGreaterThanEquals', T1, T1, true],
  ['TimestampGreaterThanEquals', T1, T2, false],
];

/**
 * Decides many rules in one execution (one definition to load): a Parallel with one Choice per rule,
 * rule i reading `$.cases[i].value` (and `.operand`). Resolves to 'yes'/'no' per rule.
 */
async function decideAll(cases: { rule: object; value?: Json; operand?: Json }[]): Promise<unknown[]> {
  const branches = cases.map(({ rule }, i) => {
    const text = JSON.stringify(rule)
      .replaceAll('"$.value"', `"$.cases[${i}].value"`)
      .replaceAll('"$.operand"', `"$.cases[${i}].operand"`);
    return {
      StartAt: `Decide ${i}`,
      States: {
        [`Decide ${i}`]: {
          Type: 'Choice',
          Choices: [{ ...JSON.parse(text), Next: `Yes ${i}` }],
          Default: `No ${i}`,
        },
        [`Yes ${i}`]: { Type: 'Pass', Result: 'yes', End: true },
        [`No ${i}`]: { Type: 'Pass', Result: 'no', End: true },
      },
    };
  });
  const definition = machine({
    StartAt: 'All',
    States: { All: { Type: 'Parallel', Branches: branches, End: true } },
  });
  const input = {
    cases: cases.map(({ value, operand }) => ({ value: value ?? null, operand: operand ?? null })),
  };
  const result = await run(definition, input);
  if (result.status !== 'SUCCEEDED') throw new Error(`${result.error}: ${result.cause}`);
  return result.output as unknown[];
}

describe('Choice comparison operators', () => {
  const rows = comparisons.flatMap(([operator, value, operand, matches]) => [
    { name: operator, rule: { Variable: '$.value', [operator]: operand }, value, operand, matches },
    {
      name: `${operator}Path`,
      rule: { Variable: '$.value', [`${operator}Path`]: '$.operand' },
      value,
      operand,
      matches,
    },
  ]);
  let outcomes: unknown[];
  beforeAll(async () => {
    outcomes = await decideAll(rows);
  });

  it.each(rows.map((row, i) => [row.name, row.value, row.operand, row.matches, i] as const))(
    '%s: %j against %j matches = %s',
    (_name, _value, _operand, matches, i) => {
      expect(outcomes[i]).toBe(matches ? 'yes' : 'no');
    },
  );

  const patterns: [string, string, boolean][] = [
    ['log-2026-01-01.txt', 'log-*.txt', true],
    ['log.txt', 'log-*.txt', false],
    ['anything at all', '*', true],
    ['a*b', 'a\\*b', true],
    ['axb', 'a\\*b', false],
    ['back\\slash', 'back\\\\slash', true],
    ['multi\nline', 'multi*line', true],
    ['(a).[b]+', '(a).[b]+', true],
  ];
  it('StringMatches: * matches any run of characters, \\* a star, \\\\ a backslash', async () => {
    const got = await decideAll(
      patterns.map(([value, pattern]) => ({ rule: { Variable: '$.value', StringMatches: pattern }, value })),
    );
    expect(got).toEqual(patterns.map(([, , matches]) => (matches ? 'yes' : 'no')));
  });

  const typeTests: [string, Json, boolean][] = [
    ['IsNull', null, true],
    ['IsNull', 0, false],
    ['IsNumeric', 1.5, true],
    ['IsNumeric', '1', false],
    ['IsString', 's', true],
    ['IsString', null, false],
    ['IsBoolean', false, true],
    ['IsBoolean', 'false', false],
    ['IsTimestamp', T2, true],
    ['IsTimestamp', '2026-01-01 00:00:00', false],
    ['IsTimestamp', 1767225600, false],
  ];
  it('type tests: IsNull, IsNumeric, IsString, IsBoolean, IsTimestamp, with true and false', async () => {
    const cases = typeTests.flatMap(([operator, value]) => [
      { rule: { Variable: '$.value', [operator]: true }, value },
      { rule: { Variable: '$.value', [operator]: false }, value },
    ]);
    const expected = typeTests.flatMap(([, , matches]) => (matches ? ['yes', 'no'] : ['no', 'yes']));
    expect(await decideAll(cases)).toEqual(expected);
  });

  it('IsPresent tells whether the path exists, without failing when it does not', async () => {
    expect(await decide({ Variable: '$.value', IsPresent: true }, { value: null })).toBe('yes');
    expect(await decide({ Variable: '$.value', IsPresent: true }, {})).toBe('no');
    expect(await decide({ Variable: '$.value', IsPresent: false }, {})).toBe('yes');
  });

  it('combines rules with And, Or and Not', async () => {
    const rule = {
      And: [
        { Variable: '$.n', NumericGreaterThanEquals: 10 },
        {
          Or: [
            { Variable: '$.kind', StringEquals: 'a' },
            { Not: { Variable: '$.kind', StringMatches: 'b*' } },
          ],
        },
      ],
    };
    expect(await decide(rule, { n: 10, kind: 'a' })).toBe('yes');
    expect(await decide(rule, { n: 10, kind: 'c' })).toBe('yes');
    expect(await decide(rule, { n: 10, kind: 'bee' })).toBe('no');
    expect(await decide(rule, { n: 9, kind: 'a' })).toBe('no');
  });

  it('reads the context object and variables as Variable', async () => {
    expect(await decide({ Variable: '$$.Execution.Name', StringEquals: 'test-execution' }, {})).toBe('yes');
    const definition = machine({
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { limit: 3 }, Next: 'Decide' },
        Decide: {
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericGreaterThanPath: '$limit', Next: 'Big' }],
          Default: 'Small',
        },
        Big: { Type: 'Pass', Result: 'big', End: true },
        Small: { Type: 'Pass', Result: 'small', End: true },
      },
    });
    expect((await run(definition, { n: 5 })).output).toBe('big');
    expect((await run(definition, { n: 1 })).output).toBe('small');
  });

  it('takes the first matching rule, in order', async () => {
    const definition = machine({
      StartAt: 'Decide',
      States: {
        Decide: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.n', NumericGreaterThan: 1, Next: 'First' },
            { Variable: '$.n', NumericGreaterThan: 0, Next: 'Second' },
          ],
        },
        First: { Type: 'Pass', Result: 'first', End: true },
        Second: { Type: 'Pass', Result: 'second', End: true },
      },
    });
    expect((await run(definition, { n: 2 })).output).toBe('first');
    expect((await run(definition, { n: 1 })).output).toBe('second');
  });

  it('passes its input through InputPath and OutputPath, and the Choice history records both events', async () => {
    const definition = machine({
      StartAt: 'Decide',
      States: {
        Decide: {
          Type: 'Choice',
          InputPath: '$.inner',
          OutputPath: '$.keep',
          Choices: [{ Variable: '$.flag', BooleanEquals: true, Next: 'Done' }],
        },
        Done: { Type: 'Succeed' },
      },
    });
    const result = await run(definition, { inner: { flag: true, keep: { k: 1 } } });
    expect(result.output).toEqual({ k: 1 });
    expect(result.history.map((e) => e.type)).toContain('ChoiceStateExited');
  });

  it('fails with States.NoChoiceMatched when nothing matches and there is no Default', async () => {
    const definition = machine({
      StartAt: 'Decide',
      States: {
        Decide: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Done' }] },
        Done: { Type: 'Succeed' },
      },
    });
    const result = await run(definition, { n: 2 });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.NoChoiceMatched');
  });

  it('fails with States.Runtime when the Variable path does not exist', async () => {
    const definition = machine({
      StartAt: 'Decide',
      States: {
        Decide: {
          Type: 'Choice',
          Choices: [{ Variable: '$.missing', StringEquals: 'x', Next: 'Done' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    const result = await run(definition, {});
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toBe(
      "An error occurred while executing the state 'Decide' (entered at the event id #2). Invalid path '$.missing': The choice state's condition path references an invalid value.",
    );
  });
});
