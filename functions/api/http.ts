import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ConflictError, HttpError, NotFoundError, ValidationError } from '../_shared/errors';

/** An API event once `jsonApi` ran: the body is the parsed JSON (undefined when there was none). */
export type ApiEvent = Omit<APIGatewayProxyEvent, 'body'> & { body: unknown };

const standardHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...standardHeaders, ...headers }, body: JSON.stringify(body) };
}

// AWS answers these when it is busy, not broken: the caller should simply try again a little later
const busyErrors = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ConcurrentModificationException',
  'ServiceUnavailable',
]);

/** The answer for an error: its own words up to 499, 503 when AWS is busy, a generic 500 beyond. */
export function errorResponse(error: unknown, reference: string): APIGatewayProxyResult {
  if (error instanceof Error && busyErrors.has(error.name))
    return json(
      503,
      { message: `AWS is busy (${error.name}); send the same request again in a few seconds` },
      { 'Retry-After': '2' },
    );
  if (error instanceof ValidationError)
    return json(400, { message: 'the request is not valid', issues: error.issues });
  if (error instanceof ConflictError) return json(409, { message: error.message });
  if (error instanceof NotFoundError) return json(404, { message: error.message });
  if (error instanceof HttpError && error.expose) return json(error.statusCode, { message: error.message });
  const statusCode = error instanceof HttpError ? error.statusCode : 500;
  return json(statusCode, {
    message: `orgflow could not answer because of an internal error (reference ${reference})`,
  });
}

/**
 * JSON in and out for a REST API proxy handler: `before` parses the body (415 unless JSON, 400 when it does
 * not parse), `after` adds the standard headers, `onError` answers with {@link errorResponse} and logs
 * what a 5xx hides.
 */
export function jsonApi(options: { logger: Logger }): MiddlewareObj<ApiEvent, APIGatewayProxyResult> {
  const parseJsonBody = (request: Request<ApiEvent, APIGatewayProxyResult>) => {
    const { event } = request;
    if (typeof event.body !== 'string' || event.body.length === 0) {
      event.body = undefined;
      return;
    }
    const contentType = Object.entries(event.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'content-type',
    )?.[1];
    if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType))
      throw new HttpError(415, `send the body as application/json, not ${contentType}`);
    const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    try {
      event.body = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`, { cause: error });
    }
  };

  const addStandardHeaders = (request: Request<ApiEvent, APIGatewayProxyResult>) => {
    if (request.response) request.response.headers = { ...standardHeaders, ...request.response.headers };
  };

  const answerWithError = (request: Request<ApiEvent, APIGatewayProxyResult>) => {
    const reference = request.context.awsRequestId;
    const response = errorResponse(request.error, reference);
    const error = request.error as Error;
    // busy is expected under load and answered with Retry-After: no stack, no alarm
    if (response.statusCode === 503 && busyErrors.has(error.name))
      options.logger.warn('AWS is busy; asked the caller to retry', {
        error: error.name,
        // `message` is the log line's own key in Powertools: the error's goes under `reason`
        reason: error.message,
      });
    else if (response.statusCode >= 500) options.logger.error('request failed', { error });
    else
      options.logger.info('request refused', {
        statusCode: response.statusCode,
        reason: error.message,
      });
    request.response = response;
  };

  return { before: parseJsonBody, after: addStandardHeaders, onError: answerWithError };
}

export function header(event: ApiEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** The URL a client reaches `path` (after the stage) at, the way it called this one. */
export function urlOf(event: ApiEvent, path: string): string {
  const proto = header(event, 'X-Forwarded-Proto') ?? 'https';
  const host = event.requestContext.domainName ?? header(event, 'Host') ?? 'localhost';
  const stage = event.requestContext.path.endsWith(event.path)
    ? event.requestContext.path.slice(0, -event.path.length)
    : '';
  return `${proto}://${host}${stage}${path}`;
}
