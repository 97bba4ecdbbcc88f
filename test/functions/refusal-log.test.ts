import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../functions/_shared/errors';
import { type ApiEvent, jsonApi } from '../../functions/api/http';
import { lambdaContext } from './fixtures/lambda-context';

// A refusal's reason reaches the log line under a key of its own: Powertools reserves `message` (the line's own
// words), `level`, `service`, `timestamp` and `sampling_rate`, and drops them from the extra attributes.

let lines: Record<string, unknown>[] = [];

beforeEach(() => {
  lines = [];
  // Powertools writes INFO lines to stdout, WARN and ERROR to stderr
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      return true;
    });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const refusing = (error: Error) =>
  middy<ApiEvent, APIGatewayProxyResult>()
    .use(jsonApi({ logger: new Logger({ serviceName: 'orgflow', logLevel: 'INFO' }) }))
    .handler(() => {
      throw error;
    });

const event = {
  body: null,
  headers: {},
  requestContext: { path: '/prod/account-requests' },
  path: '/account-requests',
};

describe('refusals in the log', () => {
  it('a refused request logs the rule it broke under reason', async () => {
    // Prepare
    const handler = refusing(
      new ValidationError([
        { path: 'email', rule: 'email-in-use', message: 'alice@example.com already belongs to an account' },
      ]),
    );

    // Act
    const response = await handler(event as unknown as ApiEvent, lambdaContext('ApiHandler'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'request refused',
        statusCode: 400,
        reason: 'the request is not valid: email: alice@example.com already belongs to an account',
      }),
    ]);
  });

  it('AWS being busy logs its words under reason, with no warning about a reserved key', async () => {
    // Prepare
    const handler = refusing(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    // Act
    const response = await handler(event as unknown as ApiEvent, lambdaContext('ApiHandler'));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'AWS is busy; asked the caller to retry',
        error: 'TooManyRequestsException',
        reason: 'Rate exceeded',
      }),
    ]);
  });
});
