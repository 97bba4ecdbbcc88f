import { describe, expect, it } from 'vitest';
import type { Json } from '../../local/stepfunctions/index';
import { begin, FN, harness, machine, refusal, run, runToEnd, START, single } from './harness';

// Issue #17: the engine answers as AWS does, down to the error name. Each case comes from the Step
// Functions developer guide (docs.aws.amazon.com/step-functions/latest/dg/<page>), named above it; where
// the guide is silent, the choice is the one local/stepfunctions/README.md records under "Fidelity
// choices".

const JSONATA = { QueryLanguage: 'JSONata' };
const ONE_PASS = { StartAt: 'Each', States: { Each: { Type: 'Pass', End: true } } };

describe('error names', () => {
  // state-map: "Items … a JSON array, or a JSONata expression that must evaluate to an array";
  // concepts-error-handling: States.QueryEvaluationError names a JSONata evaluation that failed
  it('fails a JSONata Map whose Items is not an array with States.QueryEvaluationError', async () => {
    const result = await run(
      machine({
        ...JSONATA,
        StartAt: 'Fan Out',
        States: {
          'Fan Out': {
            Type: 'Map',
            Items: '{% $states.input.accounts %}',
            ItemProcessor: ONE_PASS,
            End: true,
          },
        },
      }),
      { accounts: { id: '111122223333' } },
    );

    expect(result.error).toBe('States.QueryEvaluationError');
  });

  // transforming-data: JSON cannot hold "undefined", so an Output that evaluates to nothing is an error
  it('fails a JSONata Output that evaluates to nothing with States.QueryEvaluationError', async () => {
    const result = await run(
      machine({
        ...JSONATA,
        StartAt: 'Shape',
        States: { Shape: { Type: 'Pass', Output: '{% $states.input.missing %}', End: true } },
      }),
    );

    expect(result.error).toBe('States.QueryEvaluationError');
  });
});

describe('definitions AWS runs', () => {
  // transforming-data: "The Output field accepts any JSON value (object, array, string, number,
  // boolean, null)"
  it.each<[string, Json]>([
    ['null', null],
    ['0', 0],
    ['true', true],
    ['a string', 'done'],
    ['a list', [1, 'two']],
  ])('runs a JSONata Output given as the literal %s', async (_label, literal) => {
    const result = await run(single({ Type: 'Pass', Output: literal }, JSONATA), { ignored: true });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual(literal);
  });

  // workflow-variables: a variable may be assigned any JSON value, null included
  it('assigns null inside an Assign', async () => {
    const result = await run(
      machine({
        StartAt: 'Clear',
        States: {
          Clear: { Type: 'Pass', Assign: { owner: null, tags: { team: null } }, Next: 'Read' },
          Read: { Type: 'Pass', Parameters: { 'owner.$': '$owner', 'tags.$': '$tags' }, End: true },
        },
      }),
    );

    expect(result.output).toEqual({ owner: null, tags: { team: null } });
  });

  // state-choice: a JSONata Choice Rule's Condition is a boolean or an expression yielding one
  it('runs a literal "Condition": true', async () => {
    const result = await run(
      machine({
        ...JSONATA,
        StartAt: 'Decide',
        States: {
          Decide: { Type: 'Choice', Choices: [{ Condition: true, Next: 'Yes' }], Default: 'No' },
          Yes: { Type: 'Pass', Output: 'yes', End: true },
          No: { Type: 'Pass', Output: 'no', End: true },
        },
      }),
    );

    expect(result.output).toBe('yes');
  });

  // amazon-states-language-paths: paths "follow JsonPath syntax" (Jayway JsonPath), where `.[0]` is
  // `[0]`, `$` inside a filter is the root, `['a','b']` selects several names, and filters compare with
  // literals
  it.each<[string, string, Json, Json]>([
    ['$.[0]', '$.[0]', [{ id: 'a' }, { id: 'b' }], { id: 'a' }],
    ['$.a.[0].b', '$.a.[0].b', { a: [{ b: 7 }] }, 7],
    [
      'a filter that refers to the root',
      '$.items[?(@.size > $.minimum)]',
      { minimum: 2, items: [{ size: 1 }, { size: 3 }] },
      [{ size: 3 }],
    ],
    [
      'a filter that compares with an unquoted value',
      '$.items[?(@.status == ACTIVE)]',
      { items: [{ status: 'ACTIVE' }, { status: 'SUSPENDED' }] },
      [{ status: 'ACTIVE' }],
    ],
    [
      "a union subscript $.[*].['a','b']",
      "$.[*].['a','b']",
      [
        { a: 1, b: 2, c: 3 },
        { a: 4, b: 5, c: 6 },
      ],
      [
        { a: 1, b: 2 },
        { a: 4, b: 5 },
      ],
    ],
  ])('runs the JSONPath form %s', async (_label, path, input, expected) => {
    const result = await run(single({ Type: 'Pass', Parameters: { 'value.$': path } }), input);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ value: expected });
  });

  it('runs $.[0] as an InputPath', async () => {
    const result = await run(single({ Type: 'Pass', InputPath: '$.[0]' }), [{ id: 'a' }]);

    expect(result.output).toEqual({ id: 'a' });
  });

  // transforming-data: a JSONata expression is a string that starts with {% and ends with %}
  it('runs {% … %} written without a space before %}', async () => {
    const result = await run(single({ Type: 'Pass', Output: '{% $states.input.n + 1%}' }, JSONATA), {
      n: 41,
    });

    expect(result.output).toBe(42);
  });
});

describe('definitions AWS refuses', () => {
  const task = (extra: object) => ({
    StartAt: 'Call',
    States: { Call: { Type: 'Task', End: true, ...extra } },
  });

  // concepts-access-cross-acct-resources: Credentials holds the RoleArn of the role to assume
  it('refuses Credentials without RoleArn', () => {
    const error = refusal(task({ Resource: `${FN}:f`, Credentials: { Role: 'arn:aws:iam::1:role/x' } }));

    expect(error.problems).toContainEqual(expect.objectContaining({ state: 'Call', field: 'Credentials' }));
  });

  // state-wait: "an uppercase T must separate the date and time portions"
  it('refuses a Wait timestamp with a space instead of T', () => {
    const error = refusal({
      StartAt: 'Pause',
      States: { Pause: { Type: 'Wait', Timestamp: '2026-01-01 00:00:00Z', End: true } },
    });

    expect(error.problems).toContainEqual(expect.objectContaining({ state: 'Pause', field: 'Timestamp' }));
  });

  // integrate-services: the optimized integrations are a fixed list (lambda:invoke, sqs:sendMessage…)
  it.each(['arn:aws:states:::organizations:createAccount', 'arn:aws:states:::sqs:receiveMessage'])(
    'refuses the Task resource %s, an integration AWS does not offer',
    (resource) => {
      const error = refusal(task({ Resource: resource }));

      expect(error.problems).toContainEqual(expect.objectContaining({ state: 'Call', field: 'Resource' }));
    },
  );
});

describe('the context object', () => {
  // input-output-contextobject: State holds EnteredTime, Name and RetryCount, the last for the states
  // that retry
  it('shows $$.State.RetryCount in a Task state but not in a Pass state', async () => {
    const result = await run(
      machine({
        StartAt: 'Look',
        States: {
          Look: { Type: 'Pass', Parameters: { 'state.$': '$$.State' }, ResultPath: '$.pass', Next: 'Call' },
          Call: {
            Type: 'Task',
            Resource: `${FN}:echo`,
            Parameters: { 'state.$': '$$.State' },
            ResultPath: '$.task',
            End: true,
          },
        },
      }),
      {},
      { [`${FN}:echo`]: (input) => input },
    );

    expect(result.output).toEqual({
      pass: { state: { EnteredTime: new Date(START).toISOString(), Name: 'Look' } },
      task: { state: { EnteredTime: new Date(START).toISOString(), Name: 'Call', RetryCount: 0 } },
    });
  });
});

describe('intrinsics and JSONata functions', () => {
  const value = (expression: string, input: Json = {}) =>
    run(single({ Type: 'Pass', Parameters: { 'value.$': expression } }), input).then(
      (result) => (result.output as { value: Json }).value,
    );

  // intrinsic-functions: States.Format puts each value into the template; JSON text is
  // States.JsonToString's job
  it('renders objects and arrays in States.Format as AWS does, not as JSON', async () => {
    const input = { account: { id: '1', tags: ['a', 'b'] }, ous: ['ou-1', 'ou-2'] };

    expect(await value("States.Format('{} in {}', $.account, $.ous)", input)).toBe(
      '{id=1, tags=[a, b]} in [ou-1, ou-2]',
    );
  });

  it('gives null for States.StringToJson of an empty string', async () => {
    expect(await value("States.StringToJson('')")).toBeNull();
  });

  // state-map: MaxConcurrencyPath selects the limit from the state input
  it('reads a MaxConcurrencyPath that yields a numeric string', async () => {
    const h = harness({ [`${FN}:hold`]: 'hold' });
    const execution = await begin(
      machine({
        StartAt: 'Fan Out',
        States: {
          'Fan Out': {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrencyPath: '$.limit',
            ItemProcessor: {
              StartAt: 'Work',
              States: { Work: { Type: 'Task', Resource: `${FN}:hold`, End: true } },
            },
            End: true,
          },
        },
      }),
      { items: [1, 2, 3, 4], limit: '2' },
      h,
    );

    expect(execution.status).toBe('RUNNING');
    expect(h.tasks.maxInFlight).toBe(2);
  });

  // transforming-data ($range): a sequence of one value is that value in JSONata
  it('gives the start alone for $range with a step larger than the range', async () => {
    const result = await run(single({ Type: 'Pass', Output: '{% $range(0, 3, 10) %}' }, JSONATA));

    expect(result.output).toBe(0);
  });
});

describe('limits', () => {
  // state-wait: Seconds from 0 to 99999999; the longest wait of a Standard workflow is one year
  it('refuses a Wait of more than 99999999 seconds', () => {
    const error = refusal({
      StartAt: 'Pause',
      States: { Pause: { Type: 'Wait', Seconds: 100_000_000, End: true } },
    });

    expect(error.problems).toContainEqual(expect.objectContaining({ state: 'Pause', field: 'Seconds' }));
  });

  it.each<[string, object, Json]>([
    ['SecondsPath beyond 99999999', { SecondsPath: '$.seconds' }, { seconds: 100_000_000 }],
    ['SecondsPath beyond a year', { SecondsPath: '$.seconds' }, { seconds: 400 * 24 * 3600 }],
    ['TimestampPath beyond a year', { TimestampPath: '$.at' }, { at: '2030-01-01T00:00:00Z' }],
  ])('fails at once a Wait with %s', async (_label, wait, input) => {
    const h = harness();
    const execution = await begin(single({ Type: 'Wait', ...wait }), input, h);

    expect(execution.status).toBe('FAILED');
    expect(execution.state.error).toBe('States.Runtime');
    expect(h.clock.now()).toBe(START);
  });
});

describe('cause text', () => {
  // concepts-error-handling: a failure Step Functions attributes to a state names it and the event
  // that entered it
  it('begins "An error occurred while executing the state …" for a path that is not found', async () => {
    const result = await run(
      machine({
        StartAt: 'Prepare',
        States: {
          Prepare: { Type: 'Pass', Next: 'Read' },
          Read: { Type: 'Pass', InputPath: '$.missing', End: true },
        },
      }),
    );

    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toBe(
      "An error occurred while executing the state 'Read' (entered at the event id #4). The JSONPath '$.missing' specified for the field 'InputPath' could not be found in the input '{}'",
    );
  });

  it('keeps a task failure’s own cause', async () => {
    const result = await run(single({ Type: 'Task', Resource: `${FN}:missing` }));

    expect(result.cause).toBe(`no handler for ${FN}:missing`);
  });
});

describe('Distributed Map', () => {
  const distributed = (extra: object) => ({
    StartAt: 'Fan Out',
    States: {
      'Fan Out': {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Each',
          States: { Each: { Type: 'Pass', End: true } },
        },
        End: true,
        ...extra,
      },
    },
  });

  // input-output-itembatcher: each child workflow receives { "BatchInput": …, "Items": [ … ] }
  it('batches items read from the state input with ItemBatcher', async () => {
    const result = await run(
      machine(
        distributed({
          ItemsPath: '$.accounts',
          ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'wave.$': '$.wave' } },
        }),
      ),
      { wave: 3, accounts: ['a', 'b', 'c'] },
    );

    expect(result.output).toEqual([
      { BatchInput: { wave: 3 }, Items: ['a', 'b'] },
      { BatchInput: { wave: 3 }, Items: ['c'] },
    ]);
  });

  it('keeps each batch within MaxInputBytesPerBatch', async () => {
    const result = await run(machine(distributed({ ItemBatcher: { MaxInputBytesPerBatch: 35 } })), [
      'aaaaaaaa',
      'bbbbbbbb',
      'cccccccc',
    ]);

    expect(result.output).toEqual([{ Items: ['aaaaaaaa', 'bbbbbbbb'] }, { Items: ['cccccccc'] }]);
  });

  // input-output-itemreader / input-output-resultwriter: both read or write Amazon S3
  it.each([
    [
      'ItemReader',
      { ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} } },
      /Amazon S3/,
    ],
    [
      'ResultWriter',
      { ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: {} } },
      /Amazon S3/,
    ],
  ])('refuses %s, whose source cannot run locally, with a precise message', (field, extra, message) => {
    const error = refusal(distributed(extra));

    expect(error.problems).toContainEqual(
      expect.objectContaining({ state: 'Fan Out', field, problem: expect.stringMatching(message) }),
    );
  });
});

// a clock check kept honest: nothing above advances time, so a Wait that "fails at once" did not wait
it('runs a Wait within the limits to its end on the manual clock', async () => {
  const h = harness();
  const execution = await begin(single({ Type: 'Wait', Seconds: 60 }), {}, h);
  await runToEnd(execution, h.clock);

  expect(execution.status).toBe('SUCCEEDED');
  expect(h.clock.now()).toBe(START + 60_000);
});
