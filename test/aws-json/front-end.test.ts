import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsJsonApi,
  AwsJsonError,
  MAX_BODY_BYTES,
  type RunningServer,
  serveAwsJson,
} from '../../local/aws-json';
import { accountKeys } from '../../local/identity';
import { MAX_JSON_DEPTH } from '../../local/json-body';

// The one AWS JSON front end, serving a toy service: each refusal of the protocol, with its type and status.

const ACCOUNT = '222233334444';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

class ToyError extends AwsJsonError {
  override bodyMembers(): Record<string, string> {
    return { Reason: 'TOY_REASON' };
  }
}

const toy: AwsJsonApi = {
  service: 'Toy',
  targetPrefix: 'ToyService',
  contentTypes: [CONTENT_TYPE, 'application/json'],
  messageMember: 'Message',
  errorTypes: { internal: 'ToyInternalError', tooLarge: 'ToyTooLargeException' },
  operations: {
    Echo: (input, { caller, operation }) => ({
      input,
      operation,
      account: caller.accountId,
      at: new Date(1_500),
    }),
    Nothing: async () => undefined,
    Refuse: () => {
      throw new ToyError('ToyRefusedException', 'refused on purpose', { statusCode: 409 });
    },
    Crash: () => {
      throw new Error('a detail only the operator may see');
    },
  },
  keyOwners: accountKeys(),
  routes: { '/_toy/': (_req, _body, res) => res.end('beside the API') },
};

const internalErrors: unknown[] = [];
let server: RunningServer;

beforeAll(async () => {
  server = await serveAwsJson(toy, { onInternalError: (error) => internalErrors.push(error) });
});

afterAll(() => server?.close());

interface Request {
  method?: string;
  target?: string;
  contentType?: string;
  accessKey?: string | null;
  body?: string;
}

/** Sends a raw request signed (unverified, as the local services read signatures) with `accessKey`. */
async function send({
  method = 'POST',
  target = 'ToyService.Echo',
  contentType = CONTENT_TYPE,
  accessKey = ACCOUNT,
  body = '{}',
}: Request) {
  const response = await fetch(server.url, {
    method,
    headers: {
      'content-type': contentType,
      'x-amz-target': target,
      ...(accessKey === null
        ? {}
        : {
            authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/20260101/us-east-1/toy/aws4_request, SignedHeaders=host, Signature=0`,
          }),
    },
    ...(method === 'GET' ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    requestId: response.headers.get('x-amzn-requestid'),
    contentType: response.headers.get('content-type'),
    text,
    json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

describe('the AWS JSON front end', () => {
  it('runs the operation as the signing account and answers its output, dates as epoch seconds', async () => {
    // Act
    const answer = await send({ body: '{"Name":"x"}' });

    // Assess
    expect(answer).toMatchObject({ status: 200, errorType: null, contentType: CONTENT_TYPE });
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.json).toEqual({ input: { Name: 'x' }, operation: 'Echo', account: ACCOUNT, at: 1.5 });
  });

  it('reads an empty body as {}, accepts the other content types, and answers undefined with an empty body', async () => {
    // Act
    const empty = await send({ body: '' });
    const plainJson = await send({ contentType: 'application/json; charset=utf-8' });
    const nothing = await send({ target: 'ToyService.Nothing' });

    // Assess
    expect(empty.json).toMatchObject({ input: {} });
    expect(plainJson.status).toBe(200);
    expect(nothing).toMatchObject({ status: 200, text: '' });
  });

  it.each([
    ['a GET', { method: 'GET' }, 400, 'UnknownOperationException'],
    ['a PUT', { method: 'PUT' }, 400, 'UnknownOperationException'],
    ['a wrong content type', { contentType: 'text/plain' }, 400, 'SerializationException'],
    [
      'the other protocol version',
      { contentType: 'application/x-amz-json-1.0' },
      400,
      'SerializationException',
    ],
    ['no target', { target: '' }, 400, 'UnknownOperationException'],
    ['another service target', { target: 'AWSEvents.Echo' }, 400, 'UnknownOperationException'],
    ['an unknown operation', { target: 'ToyService.MakeCoffee' }, 400, 'UnknownOperationException'],
    ['an inherited name', { target: 'ToyService.constructor' }, 400, 'UnknownOperationException'],
    ['no signature', { accessKey: null }, 403, 'MissingAuthenticationTokenException'],
    ['a key of no account', { accessKey: 'AKIAEXAMPLE' }, 403, 'UnrecognizedClientException'],
    ['malformed JSON', { body: '{"Name":' }, 400, 'SerializationException'],
    ['a JSON array', { body: '[]' }, 400, 'SerializationException'],
    ['JSON null', { body: 'null' }, 400, 'SerializationException'],
    ['a JSON string', { body: '"x"' }, 400, 'SerializationException'],
  ] as const)('refuses %s with %i %s', async (_case, request, status, type) => {
    // Act
    const answer = await send(request);

    // Assess
    expect(answer).toMatchObject({ status, errorType: type, json: { __type: type } });
    expect(answer.json?.Message).toEqual(expect.any(String));
    expect(answer.requestId).toBeTruthy();
  });

  it('refuses a body nested deeper than the JSON depth guard allows before parsing it', async () => {
    // Act
    const answer = await send({ body: `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}` });

    // Assess
    expect(answer).toMatchObject({ status: 400, errorType: 'SerializationException' });
    expect(answer.json?.Message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('refuses an oversized body with 413 and the service’s type, and keeps serving', async () => {
    // Act
    const oversized = await send({ body: JSON.stringify({ Name: 'x'.repeat(MAX_BODY_BYTES) }) });
    const after = await send({});

    // Assess
    expect(oversized).toMatchObject({ status: 413, errorType: 'ToyTooLargeException' });
    expect(after.status).toBe(200);
  });

  it('answers the service’s own error with its status, type and members, and reports nothing', async () => {
    // Prepare
    internalErrors.length = 0;

    // Act
    const answer = await send({ target: 'ToyService.Refuse' });

    // Assess
    expect(answer).toMatchObject({ status: 409, errorType: 'ToyRefusedException' });
    expect(answer.json).toEqual({
      __type: 'ToyRefusedException',
      Message: 'refused on purpose',
      Reason: 'TOY_REASON',
    });
    expect(internalErrors).toEqual([]);
  });

  it('answers any other failure with the service’s 500, keeps its details for the operator alone', async () => {
    // Prepare
    internalErrors.length = 0;

    // Act
    const answer = await send({ target: 'ToyService.Crash' });

    // Assess
    expect(answer).toMatchObject({ status: 500, errorType: 'ToyInternalError' });
    expect(answer.text).not.toContain('a detail only the operator may see');
    expect(internalErrors).toEqual([new Error('a detail only the operator may see')]);
  });

  it('hands the requests of a route to its handler', async () => {
    // Act
    const response = await fetch(`${server.url}/_toy/health`);

    // Assess
    expect(await response.text()).toBe('beside the API');
  });
});
