import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../catalog/routes';
import { type RunningApiGateway, startApiGateway } from '../../local/apigateway/server';
import type { KeyOwners } from '../../local/identity';
import { type LambdaInvoker, LambdaRunner, LambdaServiceError } from '../../local/lambda/runner';

const sample: APIGatewayProxyEvent = JSON.parse(
  readFileSync(new URL('../../events/samples/apigateway-rest-proxy.json', import.meta.url), 'utf8'),
);
const HANDLERS = fileURLToPath(new URL('../lambda/fixtures/handlers.ts', import.meta.url));

const API_ACCOUNT = '111111111111';
const MEMBER = '222233334444';
const ORG = 'o-a1b2c3d4e5';
const SESSION_KEY = 'ASIAIOSFODNN7EXAMPLE';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKEN';
const OUTSIDER = '999988887777';

/** Plays the Organizations emulator's keys: account keys, one role session (the sample's), one outsider. */
const keyOwners: KeyOwners = {
  sessionOf: (accessKeyId) =>
    accessKeyId === SESSION_KEY
      ? {
          accountId: MEMBER,
          assumedRole: {
            roleArn: `arn:aws:iam::${MEMBER}:role/PortalRole`,
            sessionName: 'portal',
            roleId: 'AROAIDPPEZS35WEXAMPLE',
          },
          expiresAt: Number.POSITIVE_INFINITY,
          sessionToken: SESSION_TOKEN,
        }
      : undefined,
  defaultAccountId: undefined,
  now: () => 0,
};
const organizationOf = (accountId: string) => (accountId === OUTSIDER ? null : ORG);

/** A SigV4 Authorization header for `accessKeyId` (the gateway reads the key, not the signature). */
const signedAs = (accessKeyId: string, service = 'execute-api') => ({
  Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260301/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`,
  'X-Amz-Date': '20260301T101530Z',
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with headers exactly as given: names in their case, repeated names kept. */
function rawRequest(url: string, method: string, headers: [string, string][], body = ''): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const raw = [
      'Host',
      new URL(url).host,
      ...headers.flat(),
      'Content-Length',
      String(Buffer.byteLength(body)),
    ];
    const req = httpRequest(url, { method, headers: raw }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local REST API', () => {
  let api: RunningApiGateway;
  const internalErrors: unknown[] = [];
  const now = sample.requestContext.requestTimeEpoch;

  beforeAll(async () => {
    const runner = new LambdaRunner({ accountId: API_ACCOUNT });
    runner.register('orgflow-api', { module: HANDLERS, export: 'apiEcho', timeoutMs: 3_000, memoryMb: 256 });
    api = await startApiGateway({
      invoker: runner,
      functions: { ApiHandler: runner.arnOf('orgflow-api') },
      accountId: API_ACCOUNT,
      apiId: sample.requestContext.apiId,
      keyOwners,
      organizationOf,
      now: () => now,
      onInternalError: (error) => internalErrors.push(error),
    });
  });
  afterAll(() => api.close());

  const echoed = async (reply: Reply | Response): Promise<APIGatewayProxyEvent> => {
    const status = reply instanceof Response ? reply.status : reply.status;
    const body = reply instanceof Response ? await reply.text() : reply.body;
    expect(status, body).toBe(200);
    return JSON.parse(body);
  };

  it('turns a signed POST into the REST proxy event of the sample, field by field', async () => {
    // Prepare: the client headers of the sample, in its case and order
    const clientHeaders = (
      ['Accept', 'Authorization', 'Content-Type', 'User-Agent', 'X-Amz-Date', 'X-Amz-Security-Token'] as const
    ).map((name): [string, string] => [name, sample.headers[name]!]);

    // Act
    const event = await echoed(
      await rawRequest(`${api.invokeUrl}account-requests`, 'POST', clientHeaders, sample.body!),
    );

    // Assess
    const host = new URL(api.url).host;
    const local = {
      Host: host,
      'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-69a411c2-[0-9a-f]{24}$/),
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Port': String(api.port),
      'X-Forwarded-Proto': 'http',
    };
    const asMulti = (headers: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
    expect(event).toEqual({
      ...sample,
      headers: { ...sample.headers, ...local },
      multiValueHeaders: {
        ...sample.multiValueHeaders,
        ...asMulti(local),
        'X-Amzn-Trace-Id': [event.headers['X-Amzn-Trace-Id']],
      },
      requestContext: {
        ...sample.requestContext,
        resourceId: expect.stringMatching(/^[a-z0-9]{6}$/),
        extendedRequestId: expect.stringMatching(/^[A-Za-z0-9+/]{15}=$/),
        requestId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        domainName: host,
        domainPrefix: '127',
        identity: { ...sample.requestContext.identity, sourceIp: '127.0.0.1' },
      },
    });
    // the real-shaped values the sample fixes: time, stage path, caller
    expect(event.requestContext.requestTime).toBe('01/Mar/2026:10:15:30 +0000');
    expect(event.requestContext.path).toBe('/prod/account-requests');
    expect(event.requestContext.identity.userArn).toBe(
      'arn:aws:sts::222233334444:assumed-role/PortalRole/portal',
    );
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('fills pathParameters from the resource template and keeps the resource apart from the path', async () => {
    const event = await echoed(
      await fetch(`${api.invokeUrl}account-requests/car-0123abc`, { headers: signedAs(MEMBER) }),
    );

    expect(event.resource).toBe('/account-requests/{id}');
    expect(event.path).toBe('/account-requests/car-0123abc');
    expect(event.pathParameters).toEqual({ id: 'car-0123abc' });
    expect(event.requestContext.resourcePath).toBe('/account-requests/{id}');
    expect(event.requestContext.path).toBe('/prod/account-requests/car-0123abc');
    expect(event.httpMethod).toBe('GET');
    expect(event.body).toBeNull();
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
  });

  it('gives each resource its own id, the same for every method on it', async () => {
    const get = await echoed(await fetch(`${api.invokeUrl}account-requests`, { headers: signedAs(MEMBER) }));
    const post = await echoed(
      await fetch(`${api.invokeUrl}account-requests`, {
        method: 'POST',
        headers: signedAs(MEMBER),
        body: '{}',
      }),
    );
    const one = await echoed(
      await fetch(`${api.invokeUrl}account-requests/x`, { headers: signedAs(MEMBER) }),
    );

    expect(get.requestContext.resourceId).toBe(post.requestContext.resourceId);
    expect(one.requestContext.resourceId).not.toBe(get.requestContext.resourceId);
    expect(get.pathParameters).toBeNull();
  });

  it('keeps the last value of a repeated query parameter, and all of them in the multi-value map', async () => {
    const event = await echoed(
      await fetch(
        `${api.invokeUrl}account-requests?status=IN_PROGRESS&status=FAILED&limit=5&q=a%20b&empty=`,
        {
          headers: signedAs(MEMBER),
        },
      ),
    );

    expect(event.queryStringParameters).toEqual({ status: 'FAILED', limit: '5', q: 'a b', empty: '' });
    expect(event.multiValueQueryStringParameters).toEqual({
      status: ['IN_PROGRESS', 'FAILED'],
      limit: ['5'],
      q: ['a b'],
      empty: [''],
    });
  });

  it('keeps header names as sent, the last value of a repeated header, and all of them in the multi-value map', async () => {
    const signed = Object.entries(signedAs(MEMBER));
    const event = await echoed(
      await rawRequest(`${api.invokeUrl}account-requests`, 'GET', [
        ...signed,
        ['X-Orgflow-Team', 'payments'],
        ['x-orgflow-team', 'platform'],
        ['Connection', 'keep-alive'],
      ]),
    );

    expect(event.headers['X-Orgflow-Team']).toBe('platform');
    expect(event.multiValueHeaders['X-Orgflow-Team']).toEqual(['payments', 'platform']);
    expect(event.headers).not.toHaveProperty('x-orgflow-team');
    expect(event.headers).not.toHaveProperty('Connection');
    expect(event.headers['X-Amz-Date']).toBe('20260301T101530Z');
  });

  it("shows an account key's caller as the account's root", async () => {
    const event = await echoed(
      await fetch(`${api.invokeUrl}account-requests`, { headers: signedAs(MEMBER) }),
    );

    expect(event.requestContext.accountId).toBe(API_ACCOUNT);
    expect(event.requestContext.identity).toMatchObject({
      accountId: MEMBER,
      accessKey: MEMBER,
      caller: MEMBER,
      user: MEMBER,
      userArn: `arn:aws:iam::${MEMBER}:root`,
      principalOrgId: ORG,
      cognitoIdentityId: null,
    });
  });

  it('reads the key of a presigned URL (X-Amz-Credential)', async () => {
    const credential = encodeURIComponent(`${MEMBER}/20260301/us-east-1/execute-api/aws4_request`);
    const event = await echoed(
      await fetch(`${api.invokeUrl}account-requests?X-Amz-Credential=${credential}`),
    );

    expect(event.requestContext.identity.accountId).toBe(MEMBER);
  });

  describe('refusals, as API Gateway words them', () => {
    const refusal = async (response: Response) => ({
      status: response.status,
      errorType: response.headers.get('x-amzn-errortype'),
      body: await response.text(),
    });
    const missingToken = {
      status: 403,
      errorType: 'MissingAuthenticationTokenException',
      body: '{"message":"Missing Authentication Token"}',
    };

    it('answers an unsigned request with 403 Missing Authentication Token', async () => {
      expect(await refusal(await fetch(`${api.invokeUrl}account-requests`))).toEqual(missingToken);
    });

    it('answers an unknown path or a method the resource lacks with the same 403, signed or not', async () => {
      const headers = signedAs(MEMBER);

      expect(await refusal(await fetch(`${api.invokeUrl}accounts`, { headers }))).toEqual(missingToken);
      expect(await refusal(await fetch(`${api.invokeUrl}account-requests/a/b`, { headers }))).toEqual(
        missingToken,
      );
      expect(
        await refusal(await fetch(`${api.invokeUrl}account-requests/r-1`, { method: 'DELETE', headers })),
      ).toEqual(missingToken);
      expect(
        await refusal(await fetch(`${api.invokeUrl}account-requests/r-1`, { method: 'POST', headers })),
      ).toEqual(missingToken);
    });

    it('answers another stage with 403 Forbidden', async () => {
      expect(
        await refusal(await fetch(`${api.url}/dev/account-requests`, { headers: signedAs(MEMBER) })),
      ).toEqual({
        status: 403,
        errorType: 'ForbiddenException',
        body: '{"message":"Forbidden"}',
      });
    });

    it('answers an unknown access key with 403 UnrecognizedClientException', async () => {
      expect(
        await refusal(
          await fetch(`${api.invokeUrl}account-requests`, { headers: signedAs('AKIAIOSFODNN7UNKNOWN') }),
        ),
      ).toEqual({
        status: 403,
        errorType: 'UnrecognizedClientException',
        body: '{"message":"The security token included in the request is invalid."}',
      });
    });

    it('answers an Authorization header that is not SigV4, or signed for another service', async () => {
      const bearer = await refusal(
        await fetch(`${api.invokeUrl}account-requests`, { headers: { Authorization: 'Bearer abc' } }),
      );
      const wrongService = await refusal(
        await fetch(`${api.invokeUrl}account-requests`, { headers: signedAs(MEMBER, 'states') }),
      );

      expect(bearer.status).toBe(403);
      expect(bearer.errorType).toBe('IncompleteSignatureException');
      expect(JSON.parse(bearer.body).message).toContain(
        "Authorization header requires 'Credential' parameter.",
      );
      expect(wrongService).toEqual({
        status: 403,
        errorType: 'InvalidSignatureException',
        body: '{"message":"Credential should be scoped to correct service: \'execute-api\'. "}',
      });
    });

    it('answers a body over 10 MB with 413', async () => {
      const response = await fetch(`${api.invokeUrl}account-requests`, {
        method: 'POST',
        headers: signedAs(MEMBER),
        body: 'x'.repeat(10 * 1024 * 1024 + 1),
      });

      expect(response.status).toBe(413);
      expect(await response.text()).toBe('{"message":"Request Too Long"}');
    });
  });
});

describe('what the function answers', () => {
  const routesFor = (invoker: LambdaInvoker, extra: Partial<Parameters<typeof startApiGateway>[0]> = {}) =>
    startApiGateway({
      invoker,
      functions: { ApiHandler: 'arn:aws:lambda:us-east-1:111111111111:function:orgflow-api' },
      accountId: API_ACCOUNT,
      keyOwners,
      organizationOf,
      onInternalError: () => {},
      ...extra,
    });
  const answering = (result: unknown): LambdaInvoker => ({ invoke: async () => ({ result }) });
  const call = async (gateway: RunningApiGateway, init: RequestInit = {}) => {
    const response = await fetch(`${gateway.invokeUrl}account-requests`, {
      headers: signedAs(MEMBER),
      ...init,
    });
    return { response, body: await response.text() };
  };

  it('becomes the HTTP response: status, headers, multi-value headers and body', async () => {
    const api = await routesFor(
      answering({
        statusCode: 202,
        headers: {
          'Content-Type': 'application/json',
          Location: '/prod/account-requests/r-1',
          'X-Both': 'single',
        },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Both': ['multi-1', 'multi-2'] },
        body: '{"requestId":"r-1"}',
      }),
    );
    try {
      const { response, body } = await call(api, { method: 'POST', body: '{}' });

      expect(response.status).toBe(202);
      expect(body).toBe('{"requestId":"r-1"}');
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('location')).toBe('/prod/account-requests/r-1');
      expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(response.headers.get('x-both')).toBe('multi-1, multi-2');
      expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-amz-apigw-id')).toMatch(/=$/);
    } finally {
      await api.close();
    }
  });

  it('defaults the Content-Type to application/json and renames headers API Gateway owns', async () => {
    const api = await routesFor(
      answering({ statusCode: 200, headers: { Server: 'mine', Date: 'yesterday' } }),
    );
    try {
      const { response, body } = await call(api);

      expect(body).toBe('');
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('x-amzn-remapped-server')).toBe('mine');
      expect(response.headers.get('x-amzn-remapped-date')).toBe('yesterday');
    } finally {
      await api.close();
    }
  });

  it('answers 502 Internal server error when the function fails', async () => {
    const runner = new LambdaRunner({ accountId: API_ACCOUNT });
    const arn = runner.register('orgflow-api', {
      module: HANDLERS,
      export: 'fails',
      timeoutMs: 3_000,
      memoryMb: 256,
    });
    const errors: unknown[] = [];
    const api = await routesFor(runner, {
      functions: { ApiHandler: arn },
      onInternalError: (e) => errors.push(e),
    });
    try {
      const { response, body } = await call(api);

      expect(response.status).toBe(502);
      expect(response.headers.get('x-amzn-errortype')).toBe('InternalServerErrorException');
      expect(body).toBe('{"message": "Internal server error"}');
      expect(String(errors[0])).toContain(
        'AccountNotFoundError: account 444455556666 is not in the organization',
      );
    } finally {
      await api.close();
    }
  });

  it('answers 502 for a malformed proxy response', async () => {
    for (const malformed of [
      { statusCode: 200, body: { not: 'a string' } },
      { body: 'no status' },
      { statusCode: 200, body: 'ok', extra: 'key' },
      'just a string',
      null,
    ]) {
      const api = await routesFor(answering(malformed));
      try {
        const { response, body } = await call(api);
        expect([response.status, body], JSON.stringify(malformed)).toEqual([
          502,
          '{"message": "Internal server error"}',
        ]);
      } finally {
        await api.close();
      }
    }
  });

  it('answers 500 when Lambda refuses the invocation', async () => {
    const refusing: LambdaInvoker = {
      invoke: async () => {
        throw new LambdaServiceError('ResourceNotFoundException', 'Function not found', 404);
      },
    };
    const api = await routesFor(refusing);
    try {
      const { response, body } = await call(api);

      expect([response.status, body]).toEqual([500, '{"message": "Internal server error"}']);
    } finally {
      await api.close();
    }
  });

  it('answers 504 when the function outlasts the integration timeout', async () => {
    const api = await routesFor({ invoke: () => new Promise(() => {}) }, { integrationTimeoutMs: 50 });
    try {
      const { response, body } = await call(api);

      expect([response.status, body]).toEqual([504, '{"message": "Endpoint request timed out"}']);
    } finally {
      await api.close();
    }
  });

  it('denies callers outside the organization when the resource policy names one', async () => {
    let invoked = 0;
    const api = await routesFor(
      {
        invoke: async () => {
          invoked++;
          return { result: { statusCode: 204 } };
        },
      },
      { principalOrgId: ORG, apiId: 'a1b2c3d4e5' },
    );
    try {
      const member = await call(api);
      const outsider = await fetch(`${api.invokeUrl}account-requests`, { headers: signedAs(OUTSIDER) });

      expect(member.response.status).toBe(204);
      expect(outsider.status).toBe(403);
      expect(outsider.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
      expect(await outsider.json()).toEqual({
        Message: `User: arn:aws:iam::${OUTSIDER}:root is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:${API_ACCOUNT}:a1b2c3d4e5/prod/GET/account-requests with an explicit deny`,
      });
      expect(invoked).toBe(1);
    } finally {
      await api.close();
    }
  });

  it('passes a body of a binary media type base64-encoded, and decodes a base64 answer for it', async () => {
    const events: APIGatewayProxyEvent[] = [];
    const api = await routesFor(
      {
        invoke: async (_arn, payload) => {
          events.push(payload as APIGatewayProxyEvent);
          return {
            result: {
              statusCode: 200,
              body: Buffer.from([0, 1, 2]).toString('base64'),
              isBase64Encoded: true,
            },
          };
        },
      },
      { binaryMediaTypes: ['application/octet-stream'] },
    );
    try {
      const response = await fetch(`${api.invokeUrl}account-requests`, {
        method: 'POST',
        headers: {
          ...signedAs(MEMBER),
          'Content-Type': 'application/octet-stream',
          Accept: 'application/octet-stream',
        },
        body: new Uint8Array([255, 254, 0]),
      });

      expect(events[0]).toMatchObject({ body: '//4A', isBase64Encoded: true });
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2]));
    } finally {
      await api.close();
    }
  });

  it('refuses to start without a function for every route of the table', async () => {
    await expect(
      startApiGateway({
        invoker: answering(null),
        functions: {} as { ApiHandler: string },
        accountId: API_ACCOUNT,
        routes: apiRoutes,
      }),
    ).rejects.toThrow("route POST /account-requests needs a function ARN for 'ApiHandler' in functions");
  });
});
