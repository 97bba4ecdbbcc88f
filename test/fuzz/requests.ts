import { operations } from '../../local/organizations/operations';
import type { Shape } from '../../local/organizations/validation';
import { badToken, type Draw, depths, huge, jsonText, malformedBody, nested, wrongValue } from './values';

export type Service = 'organizations' | 'sts' | 'stepfunctions' | 'events' | 'dynamodb' | 'api' | 'admin';

/** One request of the run, exactly as it goes on the wire. */
export interface FuzzRequest {
  service: Service;
  /** the operation or route, for the summary and for failures */
  operation: string;
  /** how the valid request was spoiled */
  mutation: string;
  method: string;
  /** after the service's endpoint */
  path: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  /** SigV4 service name; unsigned when undefined */
  signAs: string | undefined;
  accessKeyId: string;
}

/** What the run knows of the stack: ids to aim at, and tokens and ARNs its answers gave out. */
export interface Pools {
  managementAccountId: string;
  rootId: string;
  ouIds: string[];
  accountIds: string[];
  policyIds: string[];
  stateMachineArns: string[];
  /** the state machine StartExecution aims at (a harmless one) */
  echoStateMachineArn: string;
  executionArns: string[];
  tokens: string[];
  tableName: string;
  tableKey: { partition: string; sort: string };
}

type Mutation =
  | 'valid'
  | 'wrong-type'
  | 'unknown-member'
  | 'deep-member'
  | 'deep-body'
  | 'deep-inner'
  | 'huge'
  | 'malformed'
  | 'bad-token'
  | 'content-type'
  | 'auth'
  | 'target';

const mutationWeights: Readonly<Record<Mutation, number>> = {
  valid: 14,
  'wrong-type': 14,
  'unknown-member': 6,
  'deep-member': 9,
  'deep-body': 4,
  'deep-inner': 6,
  huge: 6,
  malformed: 10,
  'bad-token': 10,
  'content-type': 5,
  auth: 9,
  target: 4,
};

interface JsonOperation {
  /** a valid input (as far as the run can tell) */
  input: () => Record<string, unknown>;
  /** members that carry JSON text of their own (Detail, input, definition, policy content, …) */
  inner?: readonly string[];
}

/** The JSON protocols of the AWS services: their target prefix, content type and SigV4 name. */
interface JsonService {
  service: Service;
  signAs: string;
  targetPrefix: string;
  contentType: string;
  operations: Record<string, JsonOperation>;
}

const tokenMembers = new Set(['NextToken', 'nextToken', 'ExclusiveStartKey']);

/** A value for an Organizations member, aimed at the stack's own ids where the member names one. */
function organizationsValue(draw: Draw, pools: Pools, name: string, shape: Shape): unknown {
  switch (shape.kind) {
    case 'string': {
      if (shape.enum) return draw.pick(shape.enum);
      const parents = [pools.rootId, ...pools.ouIds];
      if (/ParentId$/.test(name)) return draw.pick(parents);
      if (name === 'AccountId') return draw.pick(pools.accountIds);
      if (name === 'OrganizationalUnitId') return draw.pick(pools.ouIds.length ? pools.ouIds : parents);
      if (name === 'PolicyId')
        return draw.pick(pools.policyIds.length ? pools.policyIds : ['p-FullAWSAccess']);
      if (/(Target|Resource|Child)Id$/.test(name))
        return draw.pick([...parents, ...pools.accountIds, ...pools.policyIds]);
      if (name === 'Email') return `fuzz-${draw.int(1e6)}@example.com`;
      if (name === 'Content')
        return '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
      if (name === 'NextToken') return draw.pick(pools.tokens.length ? pools.tokens : ['x']);
      if (name === 'ServicePrincipal') return 'fuzz.amazonaws.com';
      return `fuzz-${draw.int(1e6)}`;
    }
    case 'integer':
      return (shape.min ?? 1) + draw.int(Math.max(1, (shape.max ?? 20) - (shape.min ?? 1) + 1));
    case 'boolean':
      return draw.chance(0.5);
    case 'timestamp':
      return Math.floor(Date.now() / 1000);
    case 'list':
      return [organizationsValue(draw, pools, name, shape.member)];
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [member, memberShape] of Object.entries(shape.members))
        if (shape.required?.includes(member) || draw.chance(0.4))
          out[member] = organizationsValue(draw, pools, member, memberShape);
      return out;
    }
  }
}

function organizations(draw: Draw, pools: Pools): JsonService {
  const ops: Record<string, JsonOperation> = {};
  for (const [name, definition] of Object.entries(operations))
    ops[name] = {
      input: () => organizationsValue(draw, pools, name, definition.input) as Record<string, unknown>,
      ...(/Policy/.test(name) ? { inner: ['Content'] } : {}),
    };
  return {
    service: 'organizations',
    signAs: 'organizations',
    targetPrefix: 'AWSOrganizationsV20161128.',
    contentType: 'application/x-amz-json-1.1',
    operations: ops,
  };
}

const passMachine = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

function stepFunctions(draw: Draw, pools: Pools): JsonService {
  const role = `arn:aws:iam::${pools.managementAccountId}:role/fuzz`;
  const machine = () =>
    draw.pick([...pools.stateMachineArns, `${pools.echoStateMachineArn}-missing`, 'arn:aws:states:nope']);
  const execution = () =>
    draw.pick([
      ...pools.executionArns,
      `${pools.echoStateMachineArn.replace(':stateMachine:', ':execution:')}:nope`,
    ]);
  const page = (input: Record<string, unknown>) => ({
    ...input,
    ...(draw.chance(0.5) ? { maxResults: 1 + draw.int(3) } : {}),
    ...(draw.chance(0.3) && pools.tokens.length ? { nextToken: draw.pick(pools.tokens) } : {}),
  });
  const taskToken = () => draw.pick(['x', Buffer.from('{"e":"arn","s":"x"}').toString('base64url')]);
  return {
    service: 'stepfunctions',
    signAs: 'states',
    targetPrefix: 'AWSStepFunctions.',
    contentType: 'application/x-amz-json-1.0',
    operations: {
      CreateStateMachine: {
        input: () => ({ name: `fuzz-${draw.int(50)}`, definition: passMachine, roleArn: role }),
        inner: ['definition'],
      },
      UpdateStateMachine: {
        input: () => ({ stateMachineArn: machine(), definition: passMachine }),
        inner: ['definition'],
      },
      DeleteStateMachine: {
        input: () => ({
          stateMachineArn: draw.pick([
            ...pools.stateMachineArns.filter((arn) => /:fuzz-\d+$/.test(arn)),
            `${pools.echoStateMachineArn}-missing`,
          ]),
        }),
      },
      DescribeStateMachine: { input: () => ({ stateMachineArn: machine() }) },
      DescribeStateMachineForExecution: { input: () => ({ executionArn: execution() }) },
      ListStateMachines: { input: () => page({}) },
      StartExecution: {
        input: () => ({
          stateMachineArn: pools.echoStateMachineArn,
          ...(draw.chance(0.5) ? { name: `fuzz-${draw.int(1e6)}` } : {}),
          input: '{"detail":{"eventName":"Fuzz"}}',
        }),
        inner: ['input'],
      },
      DescribeExecution: { input: () => ({ executionArn: execution() }) },
      ListExecutions: { input: () => page({ stateMachineArn: machine() }) },
      GetExecutionHistory: { input: () => page({ executionArn: execution(), reverseOrder: true }) },
      StopExecution: { input: () => ({ executionArn: execution(), error: 'Fuzz', cause: 'fuzz' }) },
      SendTaskSuccess: { input: () => ({ taskToken: taskToken(), output: '{}' }), inner: ['output'] },
      SendTaskFailure: { input: () => ({ taskToken: taskToken(), error: 'Fuzz' }) },
      SendTaskHeartbeat: { input: () => ({ taskToken: taskToken() }) },
    },
  };
}

function events(draw: Draw, pools: Pools): JsonService {
  const rule = () => `fuzz-rule-${draw.int(8)}`;
  const pattern = '{"source":["fuzz.app"]}';
  const event = () =>
    JSON.stringify({
      id: '1',
      account: pools.managementAccountId,
      source: 'fuzz.app',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      'detail-type': 'Fuzz',
      resources: [],
      detail: { n: 1 },
    });
  const page = (input: Record<string, unknown>) => ({
    ...input,
    ...(draw.chance(0.5) ? { Limit: 1 + draw.int(3) } : {}),
    ...(draw.chance(0.3) && pools.tokens.length ? { NextToken: draw.pick(pools.tokens) } : {}),
  });
  return {
    service: 'events',
    signAs: 'events',
    targetPrefix: 'AWSEvents.',
    contentType: 'application/x-amz-json-1.1',
    operations: {
      PutEvents: {
        input: () => ({
          Entries: [
            {
              Source: draw.pick(['fuzz.app', 'aws.organizations']),
              DetailType: 'Fuzz',
              Detail: '{"n":1}',
              ...(draw.chance(0.3) ? { Resources: ['arn:aws:fuzz'] } : {}),
              ...(draw.chance(0.2) ? { Time: Math.floor(Date.now() / 1000) } : {}),
            },
          ],
        }),
        inner: ['Entries'],
      },
      TestEventPattern: {
        input: () => ({ EventPattern: pattern, Event: event() }),
        inner: ['EventPattern', 'Event'],
      },
      PutRule: { input: () => ({ Name: rule(), EventPattern: pattern }), inner: ['EventPattern'] },
      PutTargets: {
        input: () => ({
          Rule: rule(),
          Targets: [{ Id: 't1', Arn: 'arn:aws:sqs:us-east-1:111111111111:fuzz', Input: '{"a":1}' }],
        }),
        inner: ['Targets'],
      },
      ListRules: { input: () => page({}) },
      ListTargetsByRule: { input: () => page({ Rule: rule() }) },
      DescribeRule: { input: () => ({ Name: rule() }) },
      DeleteRule: { input: () => ({ Name: rule() }) },
      RemoveTargets: { input: () => ({ Rule: rule(), Ids: ['t1'] }) },
      EnableRule: { input: () => ({ Name: rule() }) },
      DisableRule: { input: () => ({ Name: rule() }) },
    },
  };
}

function dynamodb(draw: Draw, pools: Pools): JsonService {
  const key = () => ({
    [pools.tableKey.partition]: { S: `fuzz-${draw.int(5)}` },
    [pools.tableKey.sort]: { S: 'item' },
  });
  return {
    service: 'dynamodb',
    signAs: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810.',
    contentType: 'application/x-amz-json-1.0',
    operations: {
      ListTables: { input: () => ({}) },
      DescribeTable: { input: () => ({ TableName: pools.tableName }) },
      GetItem: { input: () => ({ TableName: pools.tableName, Key: key() }) },
      PutItem: { input: () => ({ TableName: pools.tableName, Item: { ...key(), n: { N: '1' } } }) },
      Scan: {
        input: () => ({
          TableName: pools.tableName,
          Limit: 1 + draw.int(3),
          ...(draw.chance(0.3) ? { ExclusiveStartKey: key() } : {}),
        }),
      },
    },
  };
}

/** Wrong JSON types, unknown members, depth and size put into an otherwise valid input. */
function spoil(
  draw: Draw,
  input: Record<string, unknown>,
  mutation: Mutation,
  op: JsonOperation,
  pools: Pools,
) {
  const members = Object.keys(input);
  const member = members.length ? draw.pick(members) : 'Unknown';
  switch (mutation) {
    case 'wrong-type':
      return { ...input, [member]: wrongValue(draw) };
    case 'unknown-member':
      return { ...input, [`Fuzz${draw.int(100)}`]: wrongValue(draw) };
    case 'deep-member':
      return { ...input, [draw.chance(0.5) ? member : 'Unknown']: nested(draw.pick(depths)) };
    case 'huge':
      return { ...input, [member]: huge(draw) };
    case 'bad-token': {
      const tokenMember = members.find((name) => tokenMembers.has(name)) ?? draw.pick([...tokenMembers]);
      return { ...input, [tokenMember]: badToken(draw, pools.tokens) };
    }
    case 'deep-inner': {
      const inner = op.inner?.length ? draw.pick(op.inner) : member;
      const text = nested(draw.pick(depths)).text;
      if (inner === 'Entries')
        return { ...input, Entries: [{ Source: 'fuzz.app', DetailType: 'Fuzz', Detail: text }] };
      if (inner === 'Targets')
        return { ...input, Targets: [{ Id: 't1', Arn: 'arn:aws:sqs:us-east-1:1:x', Input: text }] };
      return { ...input, [inner]: text };
    }
    default:
      return input;
  }
}

function authHeaders(draw: Draw): {
  signAs: string | undefined;
  accessKeyId: string;
  headers: Record<string, string>;
} {
  switch (draw.int(5)) {
    case 0:
      return { signAs: undefined, accessKeyId: '', headers: {} };
    case 1:
      return {
        signAs: undefined,
        accessKeyId: '',
        headers: { authorization: draw.pick(['garbage', 'AWS4-HMAC-SHA256', 'Bearer x', '']) },
      };
    case 2:
      return { signAs: 'x', accessKeyId: 'ASIAFUZZFUZZFUZZFUZZ', headers: {} };
    case 3:
      return {
        signAs: undefined,
        accessKeyId: '',
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/x/aws4_request, SignedHeaders=host, Signature=00',
          'x-amz-security-token': 'forged',
        },
      };
    default:
      return {
        signAs: 'x',
        accessKeyId: 'ASIA'.padEnd(20, 'Z'),
        headers: { 'x-amz-security-token': 'x'.repeat(5_000) },
      };
  }
}

function jsonRequest(draw: Draw, pools: Pools, spec: JsonService, mutation: Mutation): FuzzRequest {
  const name = draw.pick(Object.keys(spec.operations));
  const op = spec.operations[name]!;
  const valid = op.input();
  let target = `${spec.targetPrefix}${name}`;
  let contentType = spec.contentType;
  let method = 'POST';
  let signAs: string | undefined = spec.signAs;
  let accessKeyId = draw.chance(0.9) ? pools.managementAccountId : draw.pick(pools.accountIds);
  const headers: Record<string, string> = {};
  let body: string | Buffer = jsonText(spoil(draw, valid, mutation, op, pools));
  switch (mutation) {
    case 'deep-body':
      body = nested(draw.pick(depths)).text;
      break;
    case 'malformed':
      body = malformedBody(draw, jsonText(valid));
      break;
    case 'content-type':
      contentType = draw.pick([
        '',
        'application/json',
        'text/plain',
        'application/x-amz-json-1.1; charset=utf-8',
        'application/x-www-form-urlencoded',
      ]);
      break;
    case 'auth':
      ({ signAs, accessKeyId } = authHeaders(draw));
      Object.assign(headers, authHeaders(draw).headers);
      break;
    case 'target':
      if (draw.chance(0.5))
        target = draw.pick([
          '',
          spec.targetPrefix,
          `${spec.targetPrefix}Nope`,
          `Other.${name}`,
          `${spec.targetPrefix}__proto__`,
          `${spec.targetPrefix}constructor`,
        ]);
      else method = draw.pick(['GET', 'PUT', 'DELETE']);
      break;
  }
  if (contentType) headers['content-type'] = contentType;
  if (target) headers['x-amz-target'] = target;
  return {
    service: spec.service,
    operation: name,
    mutation,
    method,
    path: '',
    headers,
    body: method === 'GET' ? undefined : body,
    signAs,
    accessKeyId,
  };
}

function stsRequest(draw: Draw, pools: Pools, mutation: Mutation): FuzzRequest {
  const action = draw.pick(['GetCallerIdentity', 'AssumeRole', 'GetSessionToken', '']);
  const params: Record<string, string> = { Action: action, Version: '2011-06-15' };
  if (action === 'AssumeRole') {
    params.RoleArn = `arn:aws:iam::${draw.pick(pools.accountIds)}:role/OrganizationAccountAccessRole`;
    params.RoleSessionName = 'fuzz';
    if (draw.chance(0.5)) params.DurationSeconds = '900';
  }
  const keys = Object.keys(params);
  let contentType = 'application/x-www-form-urlencoded';
  let method = 'POST';
  let signAs: string | undefined = 'sts';
  let accessKeyId = pools.managementAccountId;
  const headers: Record<string, string> = {};
  let body: string | Buffer = new URLSearchParams(params).toString();
  switch (mutation) {
    case 'wrong-type':
    case 'unknown-member':
      params[draw.chance(0.5) ? draw.pick(keys) : `Fuzz${draw.int(9)}`] = String(jsonText(wrongValue(draw)));
      body = new URLSearchParams(params).toString();
      break;
    case 'deep-member':
    case 'deep-inner':
      params[draw.pick(['Policy', 'RoleSessionName', 'Tags.member.1.Key'])] = nested(draw.pick(depths)).text;
      body = new URLSearchParams(params).toString();
      break;
    case 'huge':
      params[draw.pick(keys)] = huge(draw);
      body = new URLSearchParams(params).toString();
      break;
    case 'deep-body':
    case 'malformed':
      body = draw.chance(0.5) ? malformedBody(draw, JSON.stringify(params)) : `${body}&&=%%%&Action`;
      break;
    case 'content-type':
      contentType = draw.pick(['', 'application/json', 'text/xml', 'multipart/form-data']);
      break;
    case 'auth':
      ({ signAs, accessKeyId } = authHeaders(draw));
      Object.assign(headers, authHeaders(draw).headers);
      break;
    case 'target':
    case 'bad-token':
      method = draw.pick(['GET', 'PUT', 'DELETE']);
      break;
  }
  if (contentType) headers['content-type'] = contentType;
  const query = method === 'GET' ? `?${new URLSearchParams(params).toString()}` : '';
  return {
    service: 'sts',
    operation: action || '(none)',
    mutation,
    method,
    path: query,
    headers,
    body: method === 'GET' ? undefined : body,
    signAs,
    accessKeyId,
  };
}

// no submission is ever valid and acted on: the OUs do not exist, so nothing is vended or closed behind the
// run's back; a migration is only ever a dry run, which changes nothing
const submissions: Record<string, Record<string, unknown>> = {
  '/account-requests': { accountName: 'fuzz', email: 'fuzz@example.com', organizationalUnit: 'Nowhere/Fuzz' },
  '/closure-batches': { organizationalUnit: 'Nowhere/Fuzz', reason: 'fuzz' },
  '/all-features-migrations': { dryRun: true },
};

function apiRequest(draw: Draw, pools: Pools, mutation: Mutation): FuzzRequest {
  const route = draw.pick([
    'GET /account-requests',
    'GET /account-requests/{id}',
    'POST /account-requests',
    'GET /closure-batches/{id}',
    'POST /closure-batches',
    'GET /all-features-migrations/{id}',
    'POST /all-features-migrations',
  ]);
  let [method = 'GET', path = ''] = route.split(' ');
  const collection = `/${path.split('/')[1]}`;
  let signAs: string | undefined = 'execute-api';
  let accessKeyId = pools.managementAccountId;
  const headers: Record<string, string> = {};
  let body: string | Buffer | undefined;
  const query: Record<string, string> = {};
  if (route === 'GET /account-requests') {
    if (draw.chance(0.5)) query.limit = String(1 + draw.int(5));
    if (draw.chance(0.3)) query.state = draw.pick(['PENDING', 'SUCCEEDED', 'FAILED']);
  }
  path = path.replace(
    '{id}',
    draw.pick(['ar-fuzz', 'cb-fuzz', 'afm-fuzz', 'x', '..', '%2e%2e', 'a'.repeat(300)]),
  );
  const submission = submissions[collection] as Record<string, unknown>;
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    headers['idempotency-key'] = `fuzz-${draw.int(1e6)}`;
  }
  switch (mutation) {
    case 'wrong-type':
    case 'unknown-member':
    case 'deep-member':
    case 'deep-inner':
    case 'huge':
      if (method === 'POST')
        body = jsonText(spoil(draw, submission, mutation, { input: () => submission }, pools));
      else
        query[draw.pick(['limit', 'state', 'nextToken', 'x'])] =
          mutation === 'huge' ? 'x'.repeat(100_000) : String(jsonText(wrongValue(draw)));
      break;
    case 'bad-token':
      if (method === 'POST') headers['idempotency-key'] = badToken(draw, pools.tokens);
      else query.nextToken = badToken(draw, pools.tokens);
      break;
    case 'deep-body':
    case 'malformed':
      body = draw.chance(0.5) ? malformedBody(draw, jsonText(submission)) : nested(draw.pick(depths)).text;
      if (method === 'GET') method = 'POST';
      path = collection;
      headers['content-type'] = 'application/json';
      break;
    case 'content-type':
      headers['content-type'] = draw.pick([
        'text/plain',
        'application/xml',
        '',
        'application/json; charset=latin1',
      ]);
      if (method === 'POST') body = jsonText(submission);
      break;
    case 'auth':
      ({ signAs, accessKeyId } = authHeaders(draw));
      Object.assign(headers, authHeaders(draw).headers);
      break;
    case 'target':
      method = draw.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET']);
      path = draw.pick(['/nope', '/account-requests/x/y', '/', '//account-requests', '/account-requests?x']);
      break;
    default:
      if (method === 'POST') body = jsonText(submission);
  }
  if (method === 'POST' && body === undefined) body = jsonText(submission);
  const search = new URLSearchParams(query).toString();
  const stage = mutation === 'target' && draw.chance(0.3) ? 'test' : 'prod';
  return {
    service: 'api',
    operation: route,
    mutation,
    method,
    path: `${stage}${path}${search ? `?${search}` : ''}`,
    headers,
    body,
    signAs,
    accessKeyId,
  };
}

function adminRequest(draw: Draw, pools: Pools, mutation: Mutation): FuzzRequest {
  // never a valid PUT faults or clock advance: those change the stack on purpose
  const route = draw.pick([
    'GET health',
    'GET faults',
    'PUT faults',
    'GET clock',
    'POST clock/advance',
    'GET events',
    'GET nope',
  ]);
  let [method = 'GET', path = ''] = route.split(' ');
  let body: string | Buffer | undefined;
  const invalidFaults = draw.pick<unknown>([
    { '*': { throttle: 2 } },
    { Nope: { throttle: 0.1 } },
    { '*': { latencyMs: -1 } },
    [],
    'x',
  ]);
  const invalidAdvance = draw.pick<unknown>([{ ms: -1 }, { ms: 'x' }, {}, { ms: null }, []]);
  if (route === 'PUT faults') body = jsonText(invalidFaults);
  if (route === 'POST clock/advance') body = jsonText(invalidAdvance);
  if (route === 'GET events')
    path = `events?after=${draw.pick(['-1', 'x', '1.5', ''.padEnd(400, '9'), '%00'])}`;
  let signAs: string | undefined = 'organizations';
  let accessKeyId = pools.managementAccountId;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (method !== 'GET')
    switch (mutation) {
      case 'deep-body':
      case 'deep-member':
      case 'deep-inner':
        body = nested(draw.pick(depths)).text;
        break;
      case 'malformed':
        body = malformedBody(draw, jsonText(route === 'PUT faults' ? invalidFaults : invalidAdvance));
        break;
      case 'huge':
        body = jsonText({ ms: huge(draw) });
        break;
    }
  if (mutation === 'auth') {
    ({ signAs, accessKeyId } = authHeaders(draw));
    Object.assign(headers, authHeaders(draw).headers);
  }
  if (mutation === 'target') method = draw.pick(['DELETE', 'PATCH']);
  return {
    service: 'admin',
    operation: route,
    mutation,
    method,
    path: `_orgflow/${path}`,
    headers,
    body: method === 'GET' ? undefined : body,
    signAs,
    accessKeyId,
  };
}

const serviceWeights: Readonly<Record<Service, number>> = {
  organizations: 30,
  stepfunctions: 16,
  events: 16,
  api: 14,
  sts: 9,
  dynamodb: 8,
  admin: 7,
};

/** The request generator of a run: every call draws the next request from the seeded source. */
export function requestGenerator(draw: Draw, pools: Pools): () => FuzzRequest {
  const json = {
    organizations: organizations(draw, pools),
    stepfunctions: stepFunctions(draw, pools),
    events: events(draw, pools),
    dynamodb: dynamodb(draw, pools),
  };
  return () => {
    const service = draw.weighted(serviceWeights);
    const mutation = draw.weighted(mutationWeights);
    switch (service) {
      case 'sts':
        return stsRequest(draw, pools, mutation);
      case 'api':
        return apiRequest(draw, pools, mutation);
      case 'admin':
        return adminRequest(draw, pools, mutation);
      default:
        return jsonRequest(draw, pools, json[service], mutation);
    }
  };
}
