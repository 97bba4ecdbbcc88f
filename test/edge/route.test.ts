import { describe, expect, it } from 'vitest';
import { type EdgeRequest, routeOf } from '../../local/edge/route';

// How the edge endpoint reads which service a request is for (local/edge/route.ts), with plain requests.

const scope = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=111111111111/20261206/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
});

const request = (over: Partial<EdgeRequest>): EdgeRequest => ({
  method: 'POST',
  url: '/',
  headers: {},
  ...over,
});

describe('routeOf', () => {
  it.each([
    [
      'an Organizations target',
      { headers: { 'x-amz-target': 'AWSOrganizationsV20161128.ListAccounts' } },
      'organizations',
      'target',
    ],
    [
      'a Step Functions target',
      { headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution' } },
      'stepfunctions',
      'target',
    ],
    ['an EventBridge target', { headers: { 'x-amz-target': 'AWSEvents.PutEvents' } }, 'events', 'target'],
    ['a DynamoDB target', { headers: { 'x-amz-target': 'DynamoDB_20120810.Query' } }, 'dynamodb', 'target'],
    // the target wins over the scope: a JSON request is its target's
    [
      'a target signed for another service',
      { headers: { ...scope('sts'), 'x-amz-target': 'AWSEvents.PutEvents' } },
      'events',
      'target',
    ],
    [
      'an STS query signed for sts',
      { headers: { ...scope('sts'), 'content-type': 'application/x-www-form-urlencoded' } },
      'sts',
      'scope',
    ],
    ['a request signed for states without a target', { headers: scope('states') }, 'stepfunctions', 'scope'],
    [
      'an API call signed for execute-api',
      { url: '/prod/account-requests', headers: scope('execute-api') },
      'api',
      'scope',
    ],
    [
      'a presigned API call',
      {
        method: 'GET',
        url: '/prod/account-requests?X-Amz-Credential=111111111111%2F20261206%2Fus-east-1%2Fexecute-api%2Faws4_request',
      },
      'api',
      'scope',
    ],
    [
      'an unsigned API call (API Gateway answers it)',
      { method: 'GET', url: '/prod/account-requests' },
      'api',
      'path',
    ],
    [
      'the admin event stream',
      { method: 'GET', url: '/_orgflow/events?after=0', headers: scope('organizations') },
      'organizations',
      'path',
    ],
    [
      'an unsigned STS form (AssumeRoleWithWebIdentity)',
      { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } },
      'sts',
      'action',
    ],
    [
      'an STS GET with an Action query',
      { method: 'GET', url: '/?Action=GetCallerIdentity&Version=2011-06-15' },
      'sts',
      'action',
    ],
    ['the console page', { method: 'GET', url: '/' }, 'console', 'console'],
    ["the console's API", { method: 'GET', url: '/api/runs' }, 'console', 'console'],
  ] as const)('%s', (_name, over, service, by) => {
    expect(routeOf(request(over))).toEqual({ service, by });
  });

  it.each([
    [
      'an unknown target prefix',
      { headers: { 'x-amz-target': 'AmazonSQS.ListQueues' } },
      /^X-Amz-Target 'AmazonSQS.ListQueues' names no service/,
    ],
    [
      'a scope of a service the stack lacks',
      { headers: scope('s3') },
      /^the request is signed for 's3', which the local stack does not serve/,
    ],
    [
      'an unsigned POST of JSON',
      { url: '/x', headers: { 'content-type': 'application/json' } },
      /^POST \/x names no service of the local stack/,
    ],
  ] as const)('refuses %s, saying why', (_name, over, message) => {
    const route = routeOf(request(over));
    expect(route).toEqual({ refusal: expect.stringMatching(message) });
  });
});
