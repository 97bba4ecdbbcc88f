import type { RefusalReason } from '../identity';

/** An HTTP response the gateway sends: headers in order, repeated names allowed. */
export interface GatewayResponse {
  statusCode: number;
  headers: [string, string][];
  body: Buffer;
}

/**
 * API Gateway's own answers (its gateway responses), byte for byte: most bodies are `{"message":…}`, the
 * 502 and 504 bodies carry a space after the colon, and an explicit resource-policy deny says `Message`.
 */
export const gatewayError = {
  missingAuthenticationToken: () =>
    error(403, 'MissingAuthenticationTokenException', '{"message":"Missing Authentication Token"}'),
  forbidden: () => error(403, 'ForbiddenException', '{"message":"Forbidden"}'),
  signature: (errorType: string, message: string) => error(403, errorType, JSON.stringify({ message })),
  unrecognizedClient: () =>
    error(
      403,
      'UnrecognizedClientException',
      '{"message":"The security token included in the request is invalid."}',
    ),
  expiredToken: () =>
    error(
      403,
      'ExpiredTokenException',
      '{"message":"The security token included in the request is expired"}',
    ),
  /** a caller local/identity.ts refuses */
  refused: (reason: RefusalReason) =>
    reason === 'MissingAuthentication'
      ? gatewayError.missingAuthenticationToken()
      : reason === 'ExpiredSession'
        ? gatewayError.expiredToken()
        : gatewayError.unrecognizedClient(),
  accessDenied: (userArn: string, resourceArn: string) =>
    error(
      403,
      'AccessDeniedException',
      JSON.stringify({
        Message: `User: ${userArn} is not authorized to perform: execute-api:Invoke on resource: ${resourceArn} with an explicit deny`,
      }),
    ),
  requestTooLarge: () => error(413, undefined, '{"message":"Request Too Long"}'),
  internalServerError: () =>
    error(500, 'InternalServerErrorException', '{"message": "Internal server error"}'),
  badGateway: () => error(502, 'InternalServerErrorException', '{"message": "Internal server error"}'),
  endpointTimeout: () => error(504, undefined, '{"message": "Endpoint request timed out"}'),
};

function error(statusCode: number, errorType: string | undefined, body: string): GatewayResponse {
  const headers: [string, string][] = [['Content-Type', 'application/json']];
  if (errorType !== undefined) headers.push(['x-amzn-ErrorType', errorType]);
  return { statusCode, headers, body: Buffer.from(body) };
}

// integration headers API Gateway does not pass through as they are, but renames to x-amzn-Remapped-<name>
const remapped = new Set([
  'authorization',
  'connection',
  'content-length',
  'content-md5',
  'date',
  'expect',
  'host',
  'max-forwards',
  'proxy-authenticate',
  'server',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'via',
  'warn',
  'www-authenticate',
]);

const proxyResultKeys = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isHeaderValue = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * Turns a Lambda proxy result (`{statusCode, headers, multiValueHeaders, body, isBase64Encoded}`) into
 * the HTTP response; undefined when API Gateway would call it malformed (and answer 502): not an object,
 * other keys, no integer statusCode, a body that is not a string, header values that are not scalars.
 * A base64 body is decoded only when the request's Accept matches a binary media type, as on AWS.
 */
export function proxyResponseOf(result: unknown, decodeBase64: boolean): GatewayResponse | undefined {
  if (!isRecord(result) || Object.keys(result).some((key) => !proxyResultKeys.has(key))) return undefined;
  const statusCode = typeof result.statusCode === 'string' ? Number(result.statusCode) : result.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
    return undefined;
  const { body, headers = {}, multiValueHeaders = {}, isBase64Encoded = false } = result;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  if (typeof isBase64Encoded !== 'boolean' || !isRecord(headers) || !isRecord(multiValueHeaders))
    return undefined;
  const merged = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of Object.entries(headers)) {
    if (!isHeaderValue(value)) return undefined;
    merged.set(name.toLowerCase(), { name, values: [String(value)] });
  }
  // a name in both maps takes the multi-value list
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    if (!Array.isArray(values) || !values.every(isHeaderValue)) return undefined;
    merged.set(name.toLowerCase(), { name, values: values.map(String) });
  }
  const out: [string, string][] = [];
  for (const [lower, { name, values }] of merged)
    for (const value of values) out.push([remapped.has(lower) ? `x-amzn-Remapped-${name}` : name, value]);
  if (!merged.has('content-type')) out.unshift(['Content-Type', 'application/json']);
  const text = body ?? '';
  return {
    statusCode,
    headers: out,
    body: isBase64Encoded && decodeBase64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

/** Whether a Content-Type or Accept value matches one of the API's binary media types (`*` wildcards allowed). */
export function matchesMediaType(value: string | undefined, binaryMediaTypes: readonly string[]): boolean {
  if (!value || binaryMediaTypes.length === 0) return false;
  const types = value.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  return binaryMediaTypes.some((pattern) => {
    const [patternType = '', patternSub = ''] = pattern.toLowerCase().split('/');
    return types.some((type) => {
      const [t = '', sub = ''] = type.split('/');
      return (patternType === '*' || patternType === t) && (patternSub === '*' || patternSub === sub);
    });
  });
}
