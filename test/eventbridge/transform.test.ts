import { describe, expect, it } from 'vitest';
import { EventBridgeError } from '../../local/eventbridge/errors';
import { compileTargetInput, type TargetInputSpec } from '../../local/eventbridge/transform';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'core.update-account-command',
  source: 'core.update-account-command',
  account: '111111111111',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    command: 'update-account',
    payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' },
    count: 3,
    quote: 'say "hi"\nnow',
    items: [{ id: 'a' }, { id: 'b' }],
    nothing: null,
  },
};

const context = {
  ruleName: 'my-rule',
  ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/my-rule',
  ingestionTime: Date.UTC(2026, 0, 1, 0, 0, 5, 250),
};

const paths = { 'detail-type': '$.detail-type', timestamp: '$.time', command: '$.detail.command' };
const missing = { ...paths, command: '$.detail.notinmessage' };

const render = (spec: Omit<TargetInputSpec, 'id'>) =>
  compileTargetInput({ id: 't1', ...spec }).render(event, context);

describe('target input: Input, InputPath and InputTransformer as EventBridge applies them', () => {
  it.each<[string, Omit<TargetInputSpec, 'id'>, string]>([
    ['no input settings: the whole event', {}, JSON.stringify(event)],
    ['Input: the constant', { input: '{"fixed":true}' }, '{"fixed":true}'],
    ['InputPath to an object', { inputPath: '$.detail.payload' }, '{"acc_id":"0a787ecb-4015","sf_id":"baz"}'],
    ['InputPath to a string', { inputPath: '$.detail.payload.sf_id' }, '"baz"'],
    ['InputPath in bracket notation', { inputPath: "$['detail']['count']" }, '3'],
    ['InputPath to nothing', { inputPath: '$.detail.absent' }, 'null'],
    [
      'a quoted template inserts values without quotes',
      {
        inputTransformer: {
          InputPathsMap: paths,
          InputTemplate:
            '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
        },
      },
      '"Event of core.update-account-command type, at time 2026-01-01T00:00:00Z, info extracted from detail update-account"',
    ],
    [
      'a quoted template: a missing path inserts nothing',
      { inputTransformer: { InputPathsMap: missing, InputTemplate: '"info <command>"' } },
      '"info "',
    ],
    [
      'a JSON template quotes strings placed outside quotes',
      {
        inputTransformer: {
          InputPathsMap: paths,
          InputTemplate: '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
        },
      },
      '{"detailType": "core.update-account-command",  "time": "2026-01-01T00:00:00Z", "command": "update-account"}',
    ],
    [
      'a JSON template: a missing path becomes the empty string',
      { inputTransformer: { InputPathsMap: missing, InputTemplate: '{"command": <command>}' } },
      '{"command": ""}',
    ],
    [
      'numbers, objects, arrays and null keep their JSON outside quotes',
      {
        inputTransformer: {
          InputPathsMap: {
            n: '$.detail.count',
            o: '$.detail.payload',
            a: '$.detail.items',
            z: '$.detail.nothing',
          },
          InputTemplate: '{"n": <n>, "o": <o>, "a": <a>, "z": <z>}',
        },
      },
      '{"n": 3, "o": {"acc_id":"0a787ecb-4015","sf_id":"baz"}, "a": [{"id":"a"},{"id":"b"}], "z": null}',
    ],
    [
      'inside quotes, values are JSON-string escaped',
      {
        inputTransformer: {
          InputPathsMap: { q: '$.detail.quote', o: '$.detail.payload' },
          InputTemplate: '{"text": "<q>", "object": "<o>"}',
        },
      },
      '{"text": "say \\"hi\\"\\nnow", "object": "{\\"acc_id\\":\\"0a787ecb-4015\\",\\"sf_id\\":\\"baz\\"}"}',
    ],
    [
      'a plain-text template inserts strings as they are',
      { inputTransformer: { InputPathsMap: paths, InputTemplate: '<command> at <timestamp>' } },
      'update-account at 2026-01-01T00:00:00Z',
    ],
    [
      'an escaped quote inside a string does not end it',
      { inputTransformer: { InputPathsMap: paths, InputTemplate: '"a \\"<command>\\" b"' } },
      '"a \\"update-account\\" b"',
    ],
    [
      'a wildcard path gives the list it reached',
      {
        inputTransformer: { InputPathsMap: { ids: '$.detail.items[*].id' }, InputTemplate: '{"ids": <ids>}' },
      },
      '{"ids": ["a","b"]}',
    ],
    [
      'predefined variables: rule name, rule ARN and ingestion time',
      {
        inputTransformer: {
          InputTemplate: '"<aws.events.rule-name> <aws.events.rule-arn> <aws.events.event.ingestion-time>"',
        },
      },
      '"my-rule arn:aws:events:us-east-1:111111111111:rule/my-rule 2026-01-01T00:00:05Z"',
    ],
  ])('%s', (_name, spec, expected) => {
    // Act
    const input = render(spec);

    // Assess
    expect(input).toBe(expected);
  });

  it('<aws.events.event> is the envelope without detail, <aws.events.event.json> the whole event', () => {
    // Act
    const input = render({
      inputTransformer: {
        InputTemplate: '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}',
      },
    });

    // Assess
    expect(JSON.parse(input)).toEqual({
      originalEvent: {
        id: event.id,
        account: event.account,
        detailType: event['detail-type'],
        time: event.time,
        source: event.source,
        region: event.region,
        resources: [],
        version: '0',
      },
      originalEventJson: event,
    });
  });

  it.each<[string, Omit<TargetInputSpec, 'id'>, RegExp]>([
    [
      'a placeholder no path defines',
      {
        inputTransformer: {
          InputPathsMap: paths,
          InputTemplate: '"Event of <detail-type>, key <notdefinedkey>"',
        },
      },
      /InputTemplate for target t1 contains invalid placeholder notdefinedkey\./,
    ],
    [
      'Input and InputPath together',
      { input: '{}', inputPath: '$.detail' },
      /Only one of Input, InputPath, or InputTransformer must be provided for target t1\./,
    ],
    [
      'InputPath and InputTransformer together',
      { inputPath: '$.detail', inputTransformer: { InputTemplate: '"x"' } },
      /Only one of Input, InputPath, or InputTransformer/,
    ],
    ['an Input that is not JSON', { input: 'not json' }, /Input for target t1 must be valid JSON/],
    [
      'an InputPath that is not a path',
      { inputPath: 'detail.x' },
      /InputPath for target t1 is not a valid JSON path/,
    ],
    [
      'a placeholder used as an object key',
      { inputTransformer: { InputPathsMap: paths, InputTemplate: '{<command>: 1}' } },
      /uses placeholder <command> as an object key/,
    ],
    [
      'an InputPathsMap key that claims the aws. prefix',
      { inputTransformer: { InputPathsMap: { 'AWS.x': '$.id' }, InputTemplate: '"x"' } },
      /InputPathsMap key "AWS.x"/,
    ],
    [
      'an InputPathsMap value that is not a path',
      { inputTransformer: { InputPathsMap: { a: 'id' }, InputTemplate: '"<a>"' } },
      /not a valid JSON path/,
    ],
    ['an empty template', { inputTransformer: { InputTemplate: '' } }, /1 to 8192 characters/],
  ])('PutTargets refuses %s with ValidationException', (_name, spec, message) => {
    // Act
    const attempt = () => compileTargetInput({ id: 't1', ...spec });

    // Assess
    expect(attempt).toThrow(EventBridgeError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as EventBridgeError).type).toBe('ValidationException');
    }
  });
});
