import { randomBytes } from 'node:crypto';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiCaller } from './identity';
import type { ResolvedRoute } from './resources';

export interface RequestFacts {
  method: string;
  /** the path after the stage, as the client sent it, e.g. `/account-requests/r-1` */
  path: string;
  /** the raw query string without `?` */
  query: string;
  /** `IncomingMessage.rawHeaders`: names in the client's case, repeated names kept */
  rawHeaders: string[];
  body: Buffer;
  /** whether the body is binary (its Content-Type is one of the API's binary media types) */
  binaryBody: boolean;
  sourceIp: string;
  localPort: number;
  httpVersion: string;
  route: ResolvedRoute;
  caller: ApiCaller;
}

export interface ApiFacts {
  apiId: string;
  /** the API owner's account (`$context.accountId`), not the caller's */
  accountId: string;
  stage: string;
  requestId: string;
  extendedRequestId: string;
  now: number;
}

// connection-level headers a proxy consumes instead of forwarding
const hopByHop = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$context.requestTime`: CLF format, `09/Apr/2015:12:34:56 +0000`. */
export function requestTimeOf(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** An X-Ray trace header as API Gateway adds it: `Root=1-<epoch seconds hex>-<24 hex>`. */
export function traceIdOf(ms: number): string {
  return `Root=1-${Math.floor(ms / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** Collects repeated names case-insensitively, in the first spelling seen; the single-value map keeps the last. */
function multiValueMaps(pairs: [string, string][]): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const spelling = new Map<string, string>();
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [rawName, value] of pairs) {
    const name = spelling.get(rawName.toLowerCase()) ?? rawName;
    spelling.set(rawName.toLowerCase(), name);
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return { single, multi };
}

function headerPairs(rawHeaders: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  return pairs;
}

/** The REST API's Lambda proxy event (payload format 1.0) for one request on an AWS_IAM-authorised method. */
export function proxyEventOf(request: RequestFacts, api: ApiFacts): APIGatewayProxyEvent {
  const pairs = headerPairs(request.rawHeaders);
  const userAgent = pairs.findLast(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  const forwardedFor = pairs.findLast(([name]) => name.toLowerCase() === 'x-forwarded-for')?.[1];
  // what a regional endpoint adds in front of the integration
  const added: [string, string][] = [
    ['X-Amzn-Trace-Id', traceIdOf(api.now)],
    ['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${request.sourceIp}` : request.sourceIp],
    ['X-Forwarded-Port', String(request.localPort)],
    ['X-Forwarded-Proto', 'http'],
  ];
  const dropped = new Set([...hopByHop, ...added.map(([name]) => name.toLowerCase())]);
  const headers = multiValueMaps([...pairs.filter(([name]) => !dropped.has(name.toLowerCase())), ...added]);
  const query = multiValueMaps([...new URLSearchParams(request.query)]);
  const hasQuery = Object.keys(query.single).length > 0;
  const host =
    pairs.findLast(([name]) => name.toLowerCase() === 'host')?.[1] ??
    `${api.apiId}.execute-api.us-east-1.amazonaws.com`;
  const { caller } = request;
  return {
    resource: request.route.resourcePath,
    path: request.path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: hasQuery ? query.single : null,
    multiValueQueryStringParameters: hasQuery ? query.multi : null,
    pathParameters: request.route.pathParameters,
    stageVariables: null,
    requestContext: {
      resourceId: request.route.resourceId,
      resourcePath: request.route.resourcePath,
      httpMethod: request.method,
      extendedRequestId: api.extendedRequestId,
      requestTime: requestTimeOf(api.now),
      path: `/${api.stage}${request.path}`,
      accountId: api.accountId,
      protocol: `HTTP/${request.httpVersion}`,
      stage: api.stage,
      // the loopback host the client called, so links a handler builds from it work locally
      domainPrefix: host.split('.')[0]?.split(':')[0] ?? api.apiId,
      requestTimeEpoch: api.now,
      requestId: api.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: caller.accountId,
        cognitoIdentityId: null,
        caller: caller.principalId,
        sourceIp: request.sourceIp,
        principalOrgId: caller.principalOrgId,
        accessKey: caller.accessKeyId,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: caller.userArn,
        userAgent,
        user: caller.principalId,
        // @types/aws-lambda also declares apiKey, apiKeyId and clientCert, sent only with API keys or mutual TLS
      } as APIGatewayEventIdentity,
      domainName: host,
      apiId: api.apiId,
      // absent with AWS_IAM auth: undefined is dropped when the event is serialised for the function
      authorizer: undefined,
    },
    body:
      request.body.length === 0
        ? null
        : request.binaryBody
          ? request.body.toString('base64')
          : request.body.toString('utf8'),
    isBase64Encoded: request.binaryBody && request.body.length > 0,
  };
}
