/** Table of EventBridge content-filtering cases shared by the matcher test and the TestEventPattern test. */

// the EC2 example event of the EventBridge user guide and event-ruler README, plus fields the cases need
export const ec2 = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'source-ip-v6': '2001:db8:1234:1a00::42',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
    FileName: 'photo.PNG',
    FilePath: '/usr/lib/libc.so',
    flag: true,
    nothing: null,
    empty: '',
    tags: ['prod', 'web'],
    none: [],
    nested: { status: 'ok' },
    'dotted.key': 'yes',
  },
};

export interface PatternCase {
  name: string;
  pattern: unknown;
  event?: unknown;
  match: boolean;
}

const detail = (fields: Record<string, unknown>) => ({ detail: fields });

export const cases: PatternCase[] = [
  // basics: structure, AND, OR, case sensitivity
  {
    name: 'nested fields all match (AND)',
    pattern: { source: ['aws.ec2'], detail: { state: ['running'] } },
    match: true,
  },
  {
    name: 'one field of the AND fails',
    pattern: { source: ['aws.ec2'], detail: { state: ['stopped'] } },
    match: false,
  },
  { name: 'leaf array is an OR', pattern: detail({ state: ['pending', 'running'] }), match: true },
  { name: 'no value of the OR matches', pattern: detail({ state: ['pending', 'stopped'] }), match: false },
  { name: 'a pattern field missing from the event', pattern: detail({ colour: ['red'] }), match: false },
  { name: 'values are case-sensitive', pattern: detail({ state: ['Running'] }), match: false },
  { name: 'keys are case-sensitive', pattern: detail({ State: ['running'] }), match: false },
  { name: 'structure must mirror the event', pattern: { state: ['running'] }, match: false },
  // exact values of every JSON type
  { name: 'number equals number', pattern: detail({ 'c-count': [5] }), match: true },
  {
    name: 'numbers compare numerically (3.018e2 = 301.8)',
    pattern: detail({ 'x-limit': [3.018e2] }),
    match: true,
  },
  { name: 'number 5.0 equals 5', pattern: detail({ 'c-count': [5.0] }), match: true },
  { name: 'a string never equals a number', pattern: detail({ 'c-count': ['5'] }), match: false },
  { name: 'a number never equals a string', pattern: { account: [12345679012] }, match: false },
  { name: 'boolean true', pattern: detail({ flag: [true] }), match: true },
  { name: 'the string "true" is not true', pattern: detail({ flag: ['true'] }), match: false },
  { name: 'boolean false does not match true', pattern: detail({ flag: [false] }), match: false },
  // arrays in events
  { name: 'event array: any element matches', pattern: detail({ tags: ['web'] }), match: true },
  { name: 'event array: no element matches', pattern: detail({ tags: ['db'] }), match: false },
  {
    name: 'pattern and event arrays intersect',
    pattern: { resources: ['x', ec2.resources[0]] },
    match: true,
  },
  {
    name: 'arrays of objects are flattened',
    pattern: { automations: { id: [{ exists: true }] } },
    event: { automations: [{ name: 'a' }, { id: 'b' }] },
    match: true,
  },
  {
    name: 'arrays of objects: no element has the field',
    pattern: { automations: { id: [{ exists: true }] } },
    event: { automations: [{ name: 'a' }, { name: 'b' }] },
    match: false,
  },
  {
    name: 'nested arrays of objects are flattened too',
    pattern: { employees: { firstName: ['Peter'] } },
    event: { employees: [[{ firstName: 'John' }], [{ firstName: 'Peter' }]] },
    match: true,
  },
  {
    name: 'fields from one array element match together',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    event: {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
    },
    match: true,
  },
  {
    name: 'fields from different elements of one array do not match together',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Doe'] } },
    event: {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
    },
    match: false,
  },
  // prefix / suffix
  { name: 'prefix', pattern: { time: [{ prefix: '2017-10-02' }] }, match: true },
  { name: 'prefix not at the start', pattern: { time: [{ prefix: '10-02' }] }, match: false },
  { name: 'prefix is case-sensitive', pattern: detail({ state: [{ prefix: 'RUN' }] }), match: false },
  {
    name: 'prefix with equals-ignore-case',
    pattern: detail({ state: [{ prefix: { 'equals-ignore-case': 'RUN' } }] }),
    match: true,
  },
  {
    name: 'prefix with equals-ignore-case, other start',
    pattern: detail({ state: [{ prefix: { 'equals-ignore-case': 'STOP' } }] }),
    match: false,
  },
  { name: 'prefix matches strings only', pattern: detail({ 'c-count': [{ prefix: '5' }] }), match: false },
  { name: 'suffix', pattern: { source: [{ suffix: 'ec2' }] }, match: true },
  { name: 'suffix is case-sensitive', pattern: detail({ FileName: [{ suffix: '.png' }] }), match: false },
  {
    name: 'suffix with equals-ignore-case',
    pattern: detail({ FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }),
    match: true,
  },
  {
    name: 'suffix with equals-ignore-case, other end',
    pattern: detail({ FileName: [{ suffix: { 'equals-ignore-case': '.jpg' } }] }),
    match: false,
  },
  { name: 'suffix matches strings only', pattern: detail({ 'c-count': [{ suffix: '5' }] }), match: false },
  // equals-ignore-case
  { name: 'equals-ignore-case', pattern: { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, match: true },
  {
    name: 'equals-ignore-case is still equality',
    pattern: { source: [{ 'equals-ignore-case': 'AWS.EC' }] },
    match: false,
  },
  {
    name: 'equals-ignore-case of the empty string',
    pattern: detail({ empty: [{ 'equals-ignore-case': '' }] }),
    match: true,
  },
  {
    name: 'equals-ignore-case matches strings only',
    pattern: detail({ flag: [{ 'equals-ignore-case': 'TRUE' }] }),
    match: false,
  },
  // wildcard
  { name: 'wildcard', pattern: detail({ 'instance-id': [{ wildcard: 'i-*0' }] }), match: true },
  {
    name: 'wildcard must match the whole value',
    pattern: detail({ 'instance-id': [{ wildcard: 'i-*a' }] }),
    match: false,
  },
  {
    name: 'wildcard with several stars',
    pattern: { resources: [{ wildcard: 'arn:aws:ec2:*:*:instance/*' }] },
    match: true,
  },
  {
    name: 'wildcard star matches the empty run',
    pattern: detail({ state: [{ wildcard: 'run*ning' }] }),
    match: true,
  },
  {
    name: 'wildcard \\* is a literal star',
    pattern: { k: [{ wildcard: 'a\\*b' }] },
    event: { k: 'a*b' },
    match: true,
  },
  {
    name: 'wildcard \\* does not match other characters',
    pattern: { k: [{ wildcard: 'a\\*b' }] },
    event: { k: 'axb' },
    match: false,
  },
  {
    name: 'wildcard \\\\ is a literal backslash',
    pattern: { k: [{ wildcard: 'c:\\\\*' }] },
    event: { k: 'c:\\temp' },
    match: true,
  },
  {
    name: 'wildcard matches strings only',
    pattern: detail({ 'c-count': [{ wildcard: '*' }] }),
    match: false,
  },
  // anything-but: every form, and its missing/null rules
  {
    name: 'anything-but string',
    pattern: detail({ state: [{ 'anything-but': 'initializing' }] }),
    match: true,
  },
  {
    name: 'anything-but string, excluded',
    pattern: detail({ state: [{ 'anything-but': 'running' }] }),
    match: false,
  },
  { name: 'anything-but number', pattern: detail({ 'c-count': [{ 'anything-but': 4 }] }), match: true },
  {
    name: 'anything-but number, excluded',
    pattern: detail({ 'c-count': [{ 'anything-but': 5 }] }),
    match: false,
  },
  {
    name: 'anything-but number vs a string value',
    pattern: detail({ state: [{ 'anything-but': 5 }] }),
    match: true,
  },
  {
    name: 'anything-but string list',
    pattern: detail({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }),
    match: true,
  },
  {
    name: 'anything-but string list, excluded',
    pattern: detail({ state: [{ 'anything-but': ['stopped', 'running'] }] }),
    match: false,
  },
  {
    name: 'anything-but number list',
    pattern: detail({ 'x-limit': [{ 'anything-but': [100, 200, 300] }] }),
    match: true,
  },
  {
    name: 'anything-but number list, excluded',
    pattern: detail({ 'x-limit': [{ 'anything-but': [100, 301.8] }] }),
    match: false,
  },
  {
    name: 'anything-but string list vs a number',
    pattern: detail({ 'c-count': [{ 'anything-but': ['5'] }] }),
    match: true,
  },
  { name: 'anything-but prefix', pattern: { region: [{ 'anything-but': { prefix: 'eu-' } }] }, match: true },
  {
    name: 'anything-but prefix, excluded',
    pattern: { region: [{ 'anything-but': { prefix: 'us-' } }] },
    match: false,
  },
  {
    name: 'anything-but prefix list',
    pattern: { region: [{ 'anything-but': { prefix: ['eu-', 'ap-'] } }] },
    match: true,
  },
  {
    name: 'anything-but prefix vs a number',
    pattern: detail({ 'c-count': [{ 'anything-but': { prefix: '5' } }] }),
    match: true,
  },
  {
    name: 'anything-but suffix',
    pattern: detail({ FileName: [{ 'anything-but': { suffix: '.jpg' } }] }),
    match: true,
  },
  {
    name: 'anything-but suffix, excluded',
    pattern: detail({ FileName: [{ 'anything-but': { suffix: '.PNG' } }] }),
    match: false,
  },
  {
    name: 'anything-but suffix list, excluded',
    pattern: detail({ FileName: [{ 'anything-but': { suffix: ['.gif', '.PNG'] } }] }),
    match: false,
  },
  {
    name: 'anything-but equals-ignore-case',
    pattern: detail({ state: [{ 'anything-but': { 'equals-ignore-case': 'STOPPED' } }] }),
    match: true,
  },
  {
    name: 'anything-but equals-ignore-case, excluded',
    pattern: detail({ state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] }),
    match: false,
  },
  {
    name: 'anything-but equals-ignore-case list, excluded',
    pattern: detail({ state: [{ 'anything-but': { 'equals-ignore-case': ['A', 'Running'] } }] }),
    match: false,
  },
  {
    name: 'anything-but wildcard',
    pattern: detail({ FilePath: [{ 'anything-but': { wildcard: '*/bin/*' } }] }),
    match: true,
  },
  {
    name: 'anything-but wildcard, excluded',
    pattern: detail({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }),
    match: false,
  },
  {
    name: 'anything-but wildcard list, excluded',
    pattern: detail({ FilePath: [{ 'anything-but': { wildcard: ['*.txt', '*/lib/*'] } }] }),
    match: false,
  },
  {
    name: 'anything-but wildcard vs a number',
    pattern: detail({ 'c-count': [{ 'anything-but': { wildcard: '*' } }] }),
    match: true,
  },
  {
    name: 'anything-but: an event array with one other value',
    pattern: detail({ tags: [{ 'anything-but': 'prod' }] }),
    match: true,
  },
  ...(
    [
      ['value', 'x'],
      ['number', 1],
      ['list', ['x', 'y']],
      ['prefix', { prefix: 'x' }],
      ['suffix', { suffix: 'x' }],
      ['equals-ignore-case', { 'equals-ignore-case': 'x' }],
      ['wildcard', { wildcard: 'x*' }],
    ] as const
  ).flatMap(([form, operand]): PatternCase[] => [
    {
      name: `anything-but ${form} fails on a missing field`,
      pattern: detail({ missing: [{ 'anything-but': operand }] }),
      match: false,
    },
    {
      name: `anything-but ${form} matches null`,
      pattern: detail({ nothing: [{ 'anything-but': operand }] }),
      match: true,
    },
  ]),
  // numeric
  { name: 'numeric range', pattern: detail({ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }), match: true },
  {
    name: 'numeric range, open top excludes it',
    pattern: detail({ 'c-count': [{ numeric: ['>', 0, '<', 5] }] }),
    match: false,
  },
  { name: 'numeric >=', pattern: detail({ 'c-count': [{ numeric: ['>=', 5] }] }), match: true },
  { name: 'numeric >', pattern: detail({ 'c-count': [{ numeric: ['>', 5] }] }), match: false },
  { name: 'numeric <', pattern: detail({ 'd-count': [{ numeric: ['<', 10] }] }), match: true },
  { name: 'numeric <=', pattern: detail({ 'd-count': [{ numeric: ['<=', 2] }] }), match: false },
  {
    name: 'numeric = with exponent',
    pattern: detail({ 'x-limit': [{ numeric: ['=', 3.018e2] }] }),
    match: true,
  },
  {
    name: 'numeric >= closed bottom',
    pattern: detail({ 'c-count': [{ numeric: ['>=', 5, '<', 6] }] }),
    match: true,
  },
  {
    name: 'numeric never matches a numeric string',
    pattern: { v: [{ numeric: ['>', 0] }] },
    event: { v: '300' },
    match: false,
  },
  { name: 'numeric never matches null', pattern: detail({ nothing: [{ numeric: ['>', 0] }] }), match: false },
  {
    name: 'numeric on an event array',
    pattern: { v: [{ numeric: ['>', 10] }] },
    event: { v: [1, 20] },
    match: true,
  },
  // cidr
  { name: 'cidr IPv4', pattern: detail({ 'source-ip': [{ cidr: '10.0.0.0/24' }] }), match: true },
  { name: 'cidr IPv4 outside', pattern: detail({ 'source-ip': [{ cidr: '10.0.1.0/24' }] }), match: false },
  { name: 'cidr IPv4 /8', pattern: detail({ 'source-ip': [{ cidr: '10.0.0.0/8' }] }), match: true },
  {
    name: 'cidr IPv6',
    pattern: detail({ 'source-ip-v6': [{ cidr: '2001:db8:1234:1a00::/64' }] }),
    match: true,
  },
  {
    name: 'cidr IPv6 outside',
    pattern: detail({ 'source-ip-v6': [{ cidr: '2001:db8:1234:1b00::/64' }] }),
    match: false,
  },
  {
    name: 'cidr IPv4 range vs an IPv6 value',
    pattern: detail({ 'source-ip-v6': [{ cidr: '0.0.0.0/0' }] }),
    match: false,
  },
  { name: 'cidr vs a non-IP string', pattern: detail({ state: [{ cidr: '10.0.0.0/8' }] }), match: false },
  { name: 'cidr vs a number', pattern: detail({ 'c-count': [{ cidr: '10.0.0.0/8' }] }), match: false },
  {
    name: 'an exact IP matches its other spellings',
    pattern: { ip: ['2001:db8::1'] },
    event: { ip: '2001:0db8:0:0:0:0:0:1' },
    match: true,
  },
  // exists
  { name: 'exists true', pattern: detail({ 'c-count': [{ exists: true }] }), match: true },
  { name: 'exists true, field missing', pattern: detail({ 'e-count': [{ exists: true }] }), match: false },
  { name: 'exists true matches null', pattern: detail({ nothing: [{ exists: true }] }), match: true },
  {
    name: 'exists true does not match an empty array',
    pattern: detail({ none: [{ exists: true }] }),
    match: false,
  },
  {
    name: 'exists false matches an empty array',
    pattern: detail({ none: [{ exists: false }] }),
    match: true,
  },
  { name: 'exists false, field missing', pattern: detail({ 'e-count': [{ exists: false }] }), match: true },
  { name: 'exists false, field present', pattern: detail({ 'c-count': [{ exists: false }] }), match: false },
  {
    name: 'exists false matches a missing parent',
    pattern: { nowhere: { deeper: [{ exists: false }] } },
    match: true,
  },
  {
    name: 'exists works on leaves only: true on an object',
    pattern: detail({ nested: [{ exists: true }] }),
    match: false,
  },
  {
    name: 'exists works on leaves only: false on an object',
    pattern: detail({ nested: [{ exists: false }] }),
    match: true,
  },
  {
    name: 'exists false or a value: missing parent takes the exists branch',
    pattern: {
      dynamodb: { NewImage: { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } } },
    },
    event: { dynamodb: { NewImage: { purchased: { N: '789' } } } },
    match: true,
  },
  // $or
  {
    name: '$or: second branch matches',
    pattern: { $or: [{ source: ['aws.s3'] }, { detail: { state: ['running'] } }] },
    match: true,
  },
  {
    name: '$or: no branch matches',
    pattern: { $or: [{ source: ['aws.s3'] }, { detail: { state: ['stopped'] } }] },
    match: false,
  },
  {
    name: '$or inside detail, ANDed with a sibling',
    pattern: {
      source: ['aws.ec2'],
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [3] }] },
    },
    match: true,
  },
  {
    name: '$or nested in a $or branch',
    pattern: {
      source: ['aws.ec2'],
      $or: [
        { region: ['eu-west-1'] },
        { detail: { state: ['running'] }, $or: [{ account: ['1'] }, { detail: { flag: [true] } }] },
      ],
    },
    match: true,
  },
  {
    name: '$or nested: inner AND fails',
    pattern: {
      $or: [
        { region: ['eu-west-1'] },
        { detail: { state: ['running'] }, $or: [{ account: ['1'] }, { detail: { flag: [false] } }] },
      ],
    },
    match: false,
  },
  {
    name: 'two $or side by side are ANDed',
    pattern: {
      $or: [{ region: ['us-east-1'] }, { account: ['1'] }],
      detail: { $or: [{ flag: [false] }, { state: ['x'] }] },
    },
    match: false,
  },
  // null and empty string
  { name: '[null] matches null', pattern: detail({ nothing: [null] }), match: true },
  { name: '[null] does not match the empty string', pattern: detail({ empty: [null] }), match: false },
  { name: '[""] matches the empty string', pattern: detail({ empty: [''] }), match: true },
  { name: '[""] does not match null', pattern: detail({ nothing: [''] }), match: false },
  { name: '[null] does not match an empty array', pattern: detail({ none: [null] }), match: false },
  { name: '[null] does not match a missing field', pattern: detail({ absent: [null] }), match: false },
  // dotted keys
  { name: 'a dotted pattern key equals nesting', pattern: { 'detail.nested.status': ['ok'] }, match: true },
  {
    name: 'a dotted pattern key, other value',
    pattern: { detail: { 'nested.status': ['bad'] } },
    match: false,
  },
  {
    name: 'a dotted event key equals nesting',
    pattern: { detail: { dotted: { key: ['yes'] } } },
    match: true,
  },
  { name: 'a dotted event key, other value', pattern: { detail: { dotted: { key: ['no'] } } }, match: false },
];
