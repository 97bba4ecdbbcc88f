import { beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../local/stepfunctions/index';
import { machine, run, single } from './harness';

const input = {
  name: 'Arnav',
  template: 'Hello, my name is {}.',
  escaped: '{"foo": "bar"}',
  object: { foo: 'bar', n: [1, 2] },
  numbers: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  dupes: [1, 2, 3, 3, 3, 3, 3, 3, 4, { a: 1 }, { a: 1 }],
  arn: 'arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe.demo/1.0.0',
  split: 'This.is+a,test=string',
};

/** Evaluates `expression` as the value of a `.$` field of a Pass state's Parameters. */
async function evaluate(expression: string, given: Json = input) {
  const result = await run(single({ Type: 'Pass', Parameters: { 'value.$': expression } }), given);
  if (result.status !== 'SUCCEEDED') throw new Error(`${result.error}: ${result.cause}`);
  return (result.output as { value: unknown }).value;
}

const table: [string, Json][] = [
  ["States.Format('Hello, my name is {}.', $.name)", 'Hello, my name is Arnav.'],
  ['States.Format($.template, $.name)', 'Hello, my name is Arnav.'],
  [
    "States.Format('{} has {} items, escaped \\{\\} and \\' kept', $.name, 3)",
    "Arnav has 3 items, escaped {} and ' kept",
  ],
  ['States.StringToJson($.escaped)', { foo: 'bar' }],
  ['States.JsonToString($.object)', '{"foo":"bar","n":[1,2]}'],
  ['States.Array($.name, 1, true, null)', ['Arnav', 1, true, null]],
  ['States.Array()', []],
  ['States.ArrayPartition($.numbers, 4)', [[1, 2, 3, 4], [5, 6, 7, 8], [9]]],
  ['States.ArrayContains($.numbers, 5)', true],
  ['States.ArrayContains($.dupes, $.object)', false],
  ['States.ArrayRange(1, 9, 2)', [1, 3, 5, 7, 9]],
  ['States.ArrayRange(10, 0, -5)', [10, 5, 0]],
  ['States.ArrayGetItem($.numbers, 5)', 6],
  ['States.ArrayLength($.numbers)', 9],
  ['States.ArrayUnique($.dupes)', [1, 2, 3, 4, { a: 1 }]],
  ["States.Base64Encode('Data to encode')", 'RGF0YSB0byBlbmNvZGU='],
  ["States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", 'Data to encode'],
  ["States.Hash('input data', 'SHA-1')", 'aaff4a450a104cd177d28d18d74485e8cae074b7'],
  ["States.Hash('input data', 'MD5')", '812f45842bc6d66ee14572ce20db8e86'],
  ['States.JsonMerge($.object, States.StringToJson($.escaped), false)', { foo: 'bar', n: [1, 2] }],
  ['States.MathAdd(111, -1)', 110],
  ["States.StringSplit('1,2,3,4,5', ',')", ['1', '2', '3', '4', '5']],
  ["States.StringSplit($.split, '.+,=')", ['This', 'is', 'a', 'test', 'string']],
  [
    "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 1), 'x')",
    '1.0.x',
  ],
];

describe('intrinsic functions', () => {
  // one Pass state evaluates the whole table: one definition to load
  let values: Record<string, Json>;
  beforeAll(async () => {
    const parameters = Object.fromEntries(table.map(([expression], i) => [`v${i}.$`, expression]));
    const result = await run(single({ Type: 'Pass', Parameters: parameters }), input);
    if (result.status !== 'SUCCEEDED') throw new Error(`${result.error}: ${result.cause}`);
    values = result.output as Record<string, Json>;
  });

  it.each(table.map(([expression, expected], i) => [expression, expected, i] as const))(
    '%s',
    (_expression, expected, i) => {
      expect(values[`v${i}`]).toEqual(expected);
    },
  );

  it('States.JsonMerge merges shallowly: the second object wins', async () => {
    const given = { a: { a: { a1: 1, a2: 2 }, b: 2 }, b: { a: { a3: 1, a4: 2 }, c: 3 } };
    expect(await evaluate('States.JsonMerge($.a, $.b, false)', given)).toEqual({
      a: { a3: 1, a4: 2 },
      b: 2,
      c: 3,
    });
  });

  it('States.MathAdd rounds its arguments to integers', async () => {
    expect(await evaluate('States.MathAdd($.a, $.b)', { a: 1.4, b: 2.6 })).toBe(4);
  });

  it('States.MathRandom draws an integer between its bounds, reproducibly with a seed', async () => {
    const values = await Promise.all([1, 2, 3, 4, 5].map(() => evaluate('States.MathRandom(1, 999)')));
    for (const value of values) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(1);
      expect(value).toBeLessThanOrEqual(999);
    }
    expect(await evaluate('States.MathRandom(1, 999, 1234)')).toBe(
      await evaluate('States.MathRandom(1, 999, 1234)'),
    );
  });

  it('States.UUID gives a version 4 UUID', async () => {
    expect(await evaluate('States.UUID()')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('States.Hash supports SHA-256, SHA-384 and SHA-512', async () => {
    expect(await evaluate("States.Hash('abc', 'SHA-256')")).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(((await evaluate("States.Hash('abc', 'SHA-384')")) as string).length).toBe(96);
    expect(((await evaluate("States.Hash('abc', 'SHA-512')")) as string).length).toBe(128);
  });

  it('works in ResultSelector and in Assign', async () => {
    const definition = machine({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Pass',
          Result: { items: [3, 1, 3] },
          Assign: { 'count.$': 'States.ArrayLength($.items)' },
          Next: 'B',
        },
        B: {
          Type: 'Pass',
          Parameters: { 'count.$': '$count', 'u.$': 'States.ArrayUnique(States.Array(1, 1))' },
          End: true,
        },
      },
    });
    expect((await run(definition, {})).output).toEqual({ count: 3, u: [1] });
  });

  it.each([
    ['States.ArrayGetItem($.numbers, 99)', /out of bounds/],
    ['States.ArrayPartition($.numbers, 0)', /positive integer/],
    ['States.ArrayRange(1, 2000, 1)', /more than 1000/],
    ['States.ArrayRange(1, 5, 0)', /not be zero/],
    ['States.StringToJson($.name)', /not a JSON text/],
    ["States.Hash($.name, 'SHA-2')", /algorithm must be one of/],
    ['States.JsonMerge($.object, $.object, true)', /shallow merge/],
    ["States.Format('{} {}', $.name)", /2 '\{\}' but 1 value/],
    ['States.ArrayLength($.name)', /must be an array/],
    ["States.Base64Decode('not base64!')", /not base64/],
  ])('fails %s with States.IntrinsicFailure', async (expression, cause) => {
    const result = await run(single({ Type: 'Pass', Parameters: { 'value.$': expression } }), input);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.IntrinsicFailure');
    expect(result.cause).toMatch(cause);
  });

  it('can be caught as States.IntrinsicFailure on a Task', async () => {
    const definition = machine({
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f',
          Parameters: { 'value.$': 'States.ArrayGetItem($.list, 5)' },
          Catch: [{ ErrorEquals: ['States.IntrinsicFailure'], ResultPath: '$.caught', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Pass', OutputPath: '$.caught.Error', End: true },
      },
    });
    expect((await run(definition, { list: [] })).output).toBe('States.IntrinsicFailure');
  });
});
