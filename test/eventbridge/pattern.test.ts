import { describe, expect, it } from 'vitest';
import {
  API_PATTERN_MAX_LENGTH,
  InvalidEventPatternError,
  matches,
  validatePattern,
} from '../../local/eventbridge/pattern';
import { cases, ec2 } from './pattern-cases';

describe('matches: EventBridge content filtering', () => {
  it.each(cases)('$name → $match', ({ pattern, event, match }) => {
    // Act
    const result = matches(pattern, event ?? ec2);

    // Assess
    expect(result).toBe(match);
  });
});

interface Rejection {
  name: string;
  pattern: unknown;
  path: string;
  reason: RegExp;
}

const longPattern = { source: Array.from({ length: 200 }, (_, i) => `source-number-${i}`) };

const rejections: Rejection[] = [
  // structure
  {
    name: 'a pattern that is not an object',
    pattern: ['not', 'an', 'object'],
    path: '$',
    reason: /Filter is not an object/,
  },
  { name: 'the empty pattern', pattern: {}, path: '$', reason: /Empty objects are not allowed/ },
  {
    name: 'an empty nested object',
    pattern: { source: ['x'], detail: {} },
    path: '$.detail',
    reason: /Empty objects/,
  },
  {
    name: 'a string leaf',
    pattern: { string: 'my-value' },
    path: '$.string',
    reason: /"string" must be an object or an array/,
  },
  {
    name: 'a number leaf',
    pattern: { detail: { int: 42 } },
    path: '$.detail.int',
    reason: /must be an object or an array/,
  },
  {
    name: 'a boolean leaf',
    pattern: { flag: true },
    path: '$.flag',
    reason: /must be an object or an array/,
  },
  {
    name: 'a null leaf',
    pattern: { nothing: null },
    path: '$.nothing',
    reason: /must be an object or an array/,
  },
  {
    name: 'an empty array',
    pattern: { resources: [] },
    path: '$.resources',
    reason: /Empty arrays are not allowed/,
  },
  { name: 'an array inside a leaf', pattern: { k: [['a']] }, path: '$.k[0]', reason: /Match value must be/ },
  {
    name: 'an empty match expression',
    pattern: { k: [{}] },
    path: '$.k[0]',
    reason: /Match expression name not found/,
  },
  {
    name: 'two operators in one object',
    pattern: { k: [{ prefix: 'a', suffix: 'b' }] },
    path: '$.k[0]',
    reason: /Only one key allowed/,
  },
  {
    name: 'path of a hyphenated key',
    pattern: { 'detail-type': 'x' },
    path: '$["detail-type"]',
    reason: /must be an object or an array/,
  },
  // operator names
  {
    name: 'EXISTS in upper case',
    pattern: { my_key: [{ EXISTS: true }] },
    path: '$.my_key[0]',
    reason: /Unrecognized match type EXISTS.*write exists/,
  },
  {
    name: 'NUMERIC in upper case',
    pattern: { detail: { equal: [{ NUMERIC: ['=', 5] }] } },
    path: '$.detail.equal[0]',
    reason: /Unrecognized match type NUMERIC/,
  },
  {
    name: 'an unknown operator',
    pattern: { k: [{ contains: 'x' }] },
    path: '$.k[0]',
    reason: /Unrecognized match type contains/,
  },
  // string operators take strings
  {
    name: 'prefix of a number',
    pattern: { time: [{ prefix: 123 }] },
    path: '$.time[0].prefix',
    reason: /prefix match pattern must be a string/,
  },
  {
    name: 'prefix of a list',
    pattern: { time: [{ prefix: ['2022-07-13'] }] },
    path: '$.time[0].prefix',
    reason: /prefix match pattern must be a string/,
  },
  {
    name: 'suffix of a number',
    pattern: { FileName: [{ suffix: 123 }] },
    path: '$.FileName[0].suffix',
    reason: /suffix match pattern must be a string/,
  },
  {
    name: 'suffix of a list',
    pattern: { FileName: [{ suffix: ['.png'] }] },
    path: '$.FileName[0].suffix',
    reason: /suffix match pattern must be a string/,
  },
  {
    name: 'prefix ignoring case of a number',
    pattern: { k: [{ prefix: { 'equals-ignore-case': 5 } }] },
    path: '$.k[0].prefix["equals-ignore-case"]',
    reason: /equals-ignore-case match pattern must be a string/,
  },
  {
    name: 'prefix with another operator inside',
    pattern: { k: [{ prefix: { suffix: 'x' } }] },
    path: '$.k[0].prefix',
    reason: /prefix match pattern must be a string/,
  },
  {
    name: 'equals-ignore-case of a list',
    pattern: { 'detail-type': [{ 'equals-ignore-case': ['ec2 instance state-change notification'] }] },
    path: '$["detail-type"][0]["equals-ignore-case"]',
    reason: /equals-ignore-case match pattern must be a string/,
  },
  {
    name: 'equals-ignore-case of an operator',
    pattern: { 'detail-type': [{ 'equals-ignore-case': { prefix: 'ec2' } }] },
    path: '$["detail-type"][0]["equals-ignore-case"]',
    reason: /must be a string/,
  },
  {
    name: 'wildcard of a number',
    pattern: { EventBusArn: [{ wildcard: 123 }] },
    path: '$.EventBusArn[0].wildcard',
    reason: /wildcard match pattern must be a string/,
  },
  {
    name: 'wildcard of a list',
    pattern: { EventBusArn: [{ wildcard: ['a*'] }] },
    path: '$.EventBusArn[0].wildcard',
    reason: /wildcard match pattern must be a string/,
  },
  // wildcard syntax and complexity
  {
    name: 'two * in a row',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] },
    path: '$.EventBusArn[0].wildcard',
    reason: /Consecutive wildcard characters at pos 26/,
  },
  {
    name: 'a backslash escaping a letter',
    pattern: { k: [{ wildcard: 'a\\b*' }] },
    path: '$.k[0].wildcard',
    reason: /Invalid escape character/,
  },
  {
    name: 'a trailing backslash',
    pattern: { k: [{ wildcard: 'a*\\' }] },
    path: '$.k[0].wildcard',
    reason: /Invalid escape character/,
  },
  {
    name: 'a wildcard that is too complex',
    pattern: { EventBusArn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] },
    path: '$.EventBusArn',
    reason: /Rule is too complex/,
  },
  {
    name: 'wildcards on one field that are too complex together',
    pattern: {
      key: [
        { wildcard: '*/datasync/*.bif' },
        { wildcard: '*/datasync/*.tif' },
        { wildcard: '*/datasync/*.tiff' },
        { wildcard: '*/datasync/*.svs' },
      ],
    },
    path: '$.key',
    reason: /Rule is too complex/,
  },
  // anything-but
  {
    name: 'anything-but mixing strings and numbers',
    pattern: { k: [{ 'anything-but': ['a', 1] }] },
    path: '$.k[0]["anything-but"]',
    reason: /mixed type is not supported/,
  },
  {
    name: 'anything-but list with null',
    pattern: { k: [{ 'anything-but': ['a', null] }] },
    path: '$.k[0]["anything-but"][1]',
    reason: /not supported/,
  },
  {
    name: 'anything-but of a boolean',
    pattern: { k: [{ 'anything-but': true }] },
    path: '$.k[0]["anything-but"]',
    reason: /must be an array or single string\/number value/,
  },
  {
    name: 'anything-but of null',
    pattern: { k: [{ 'anything-but': null }] },
    path: '$.k[0]["anything-but"]',
    reason: /must be an array or single string\/number value/,
  },
  {
    name: 'anything-but of an empty list',
    pattern: { k: [{ 'anything-but': [] }] },
    path: '$.k[0]["anything-but"]',
    reason: /must not be empty/,
  },
  {
    name: 'anything-but prefix of a number',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 123 } }] } },
    path: '$.detail.state[0]["anything-but"].prefix',
    reason: /prefix\/suffix match pattern must be a string/,
  },
  {
    name: 'anything-but suffix list with a number',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: [123, '.txt'] } }] } },
    path: '$.detail.FileName[0]["anything-but"].suffix[0]',
    reason: /prefix\/suffix match pattern must be a string/,
  },
  {
    name: 'anything-but prefix of the empty string',
    pattern: { k: [{ 'anything-but': { prefix: '' } }] },
    path: '$.k[0]["anything-but"].prefix',
    reason: /Null prefix\/suffix not allowed/,
  },
  {
    name: 'anything-but prefix ignoring case',
    pattern: { detail: { FileName: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] } },
    path: '$.detail.FileName[0]["anything-but"].prefix',
    reason: /must be an array or single string\/number value/,
  },
  {
    name: 'anything-but equals-ignore-case of a number',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 123 } }] } },
    path: '$.detail.state[0]["anything-but"]["equals-ignore-case"]',
    reason: /anything-but\/equals-ignore-case list, number\|start\|null\|boolean is not supported/,
  },
  {
    name: 'anything-but wildcard list with a number',
    pattern: { detail: { state: [{ 'anything-but': { wildcard: [123, '*/dir/*'] } }] } },
    path: '$.detail.state[0]["anything-but"].wildcard[0]',
    reason: /wildcard match pattern must be a string/,
  },
  {
    name: 'anything-but of another operator',
    pattern: { k: [{ 'anything-but': { numeric: ['>', 1] } }] },
    path: '$.k[0]["anything-but"].numeric',
    reason: /Unsupported anything-but pattern: numeric/,
  },
  // cidr
  {
    name: 'a CIDR without /',
    pattern: { ip: [{ cidr: '10.0.0.0' }] },
    path: '$.ip[0].cidr',
    reason: /Malformed CIDR, one '\/' required/,
  },
  {
    name: 'a CIDR mask that is not a number',
    pattern: { ip: [{ cidr: '10.0.0.0/xx' }] },
    path: '$.ip[0].cidr',
    reason: /mask bits must be an integer/,
  },
  {
    name: 'a CIDR with a bad IPv4 address',
    pattern: { ip: [{ cidr: 'xx.11.xx/24' }] },
    path: '$.ip[0].cidr',
    reason: /Nonstandard IP address: xx.11.xx/,
  },
  {
    name: 'a CIDR with an octet over 255',
    pattern: { ip: [{ cidr: '10.0.0.256/24' }] },
    path: '$.ip[0].cidr',
    reason: /Nonstandard IP address/,
  },
  {
    name: 'a CIDR with a bad IPv6 address',
    pattern: { ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] },
    path: '$.ip[0].cidr',
    reason: /Nonstandard IP address: xxxx:db8:1234:1a00::/,
  },
  {
    name: 'an IPv4 mask longer than 31 bits',
    pattern: { ip: [{ cidr: '10.0.0.1/33' }] },
    path: '$.ip[0].cidr',
    reason: /IPv4 mask bits must be < 32/,
  },
  {
    name: 'an IPv6 mask longer than 127 bits',
    pattern: { ip: [{ cidr: '2001:db8::/129' }] },
    path: '$.ip[0].cidr',
    reason: /IPv6 mask bits must be < 128/,
  },
  {
    name: 'a negative mask',
    pattern: { ip: [{ cidr: '10.0.0.0/-1' }] },
    path: '$.ip[0].cidr',
    reason: /must not be negative/,
  },
  {
    name: 'a CIDR that is a list',
    pattern: { ip: [{ cidr: ['bad-type'] }] },
    path: '$.ip[0].cidr',
    reason: /cidr match pattern must be a string/,
  },
  // numeric
  {
    name: 'numeric with two lower bounds',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '>', 0] }] } },
    path: '$.detail["c-count"][0].numeric[2]',
    reason: /Bad numeric range operator: >/,
  },
  {
    name: 'numeric with a missing operand',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<'] }] } },
    path: '$.detail["c-count"][0].numeric[3]',
    reason: /Value of < must be numeric/,
  },
  {
    name: 'numeric with a string operand',
    pattern: { k: [{ numeric: ['>', '5'] }] },
    path: '$.k[0].numeric[1]',
    reason: /Value of > must be numeric/,
  },
  {
    name: 'numeric with an unknown operator',
    pattern: { k: [{ numeric: ['!=', 5] }] },
    path: '$.k[0].numeric[0]',
    reason: /Unrecognized numeric range operator: !=/,
  },
  {
    name: 'numeric starting with a number',
    pattern: { k: [{ numeric: [5] }] },
    path: '$.k[0].numeric[0]',
    reason: /Invalid member in numeric match/,
  },
  {
    name: 'numeric = with more terms',
    pattern: { k: [{ numeric: ['=', 5, '<', 6] }] },
    path: '$.k[0].numeric[2]',
    reason: /Too many elements/,
  },
  {
    name: 'numeric upper bound first',
    pattern: { k: [{ numeric: ['<', 5, '>', 3] }] },
    path: '$.k[0].numeric[2]',
    reason: /Too many elements/,
  },
  {
    name: 'numeric with five terms',
    pattern: { k: [{ numeric: ['>', 1, '<', 5, 6] }] },
    path: '$.k[0].numeric[4]',
    reason: /Too many terms/,
  },
  {
    name: 'numeric that is not a list',
    pattern: { k: [{ numeric: '>5' }] },
    path: '$.k[0].numeric',
    reason: /must be an array/,
  },
  {
    name: 'numeric bottom above top',
    pattern: { k: [{ numeric: ['>', 5, '<', 1] }] },
    path: '$.k[0].numeric[3]',
    reason: /Bottom must be less than top/,
  },
  {
    name: 'numeric operand out of range',
    pattern: { k: [{ numeric: ['>', 6e9] }] },
    path: '$.k[0].numeric[1]',
    reason: /between -5.0E9 and 5.0E9/,
  },
  // exists
  {
    name: 'exists of a string',
    pattern: { k: [{ exists: 'true' }] },
    path: '$.k[0].exists',
    reason: /either true or false/,
  },
  // $or
  {
    name: '$or with one branch',
    pattern: { $or: [{ source: ['a'] }] },
    path: '$.$or',
    reason: /at least 2 Objects in \$or/,
  },
  {
    name: '$or with no branch',
    pattern: { source: ['a'], $or: [] },
    path: '$.$or',
    reason: /at least 2 Objects/,
  },
  {
    name: '$or that is not a list',
    pattern: { $or: { source: ['a'] } },
    path: '$.$or',
    reason: /must be an Array followed with \$or/,
  },
  {
    name: '$or with a non-object branch',
    pattern: { $or: [{ source: ['a'] }, 'b'] },
    path: '$.$or[1]',
    reason: /Only JSON object is allowed/,
  },
  {
    name: '$or branch naming an operator',
    pattern: { $or: [{ numeric: [123] }, { prefix: ['abc'] }] },
    path: '$.$or[0].numeric',
    reason: /reserved fieldName/,
  },
  {
    name: 'an empty $or branch',
    pattern: { $or: [{ source: ['a'] }, {}] },
    path: '$.$or[1]',
    reason: /Empty objects/,
  },
  // size
  {
    name: 'a pattern over 2,048 characters',
    pattern: longPattern,
    path: '$',
    reason: /over the limit of 2048/,
  },
];

describe('validatePattern: the patterns AWS refuses', () => {
  it.each(rejections)('$name', ({ pattern, path, reason }) => {
    // Act
    const attempt = () => validatePattern(pattern);

    // Assess
    expect(attempt).toThrow(InvalidEventPatternError);
    try {
      attempt();
    } catch (error) {
      const invalid = error as InvalidEventPatternError;
      expect(invalid.path).toBe(path);
      expect(invalid.reason).toMatch(reason);
      expect(invalid.message).toContain(path);
    }
  });

  it('accepts the same long pattern under the API limit of 4,096', () => {
    // Prepare
    expect(JSON.stringify(longPattern).length).toBeGreaterThan(2048);

    // Act + Assess
    expect(() => validatePattern(longPattern, { maxLength: API_PATTERN_MAX_LENGTH })).not.toThrow();
  });

  it.each([
    [
      'every operator together',
      {
        time: [{ prefix: '2017' }],
        detail: {
          state: [{ 'anything-but': 'x' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'x-limit': [{ 'anything-but': [100, 200] }],
          'source-ip': [{ cidr: '10.0.0.0/8' }],
        },
      },
    ],
    [
      'wildcards AWS accepts on one field',
      { key: [{ wildcard: '*.bif' }, { wildcard: '*.tiff' }, { wildcard: '*.tif' }, { wildcard: '*.svs' }] },
    ],
    ['anything-but wildcard of the empty string', { k: [{ 'anything-but': { wildcard: '' } }] }],
    ['prefix of the empty string', { k: [{ prefix: '' }] }],
    [
      '$or as an operator-free field in a nested object',
      { detail: { $or: [{ a: ['1'] }, { b: [{ exists: false }] }] } },
    ],
    ['numbers, booleans and null as values', { k: [1, true, null, 'x'] }],
  ])('accepts %s', (_name, pattern) => {
    expect(() => validatePattern(pattern)).not.toThrow();
  });
});
