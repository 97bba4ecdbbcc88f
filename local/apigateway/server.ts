import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiFunctionName, type ApiRoute, apiRoutes, apiStageName } from '../../catalog/routes';
import { type RunningServer, serveHttp } from '../http-server';
import { accountKeys, identify, type KeyOwners } from '../identity';
import type { LambdaInvoker } from '../lambda/runner';
import { proxyEventOf, traceIdOf } from './event';
import { apiCallerOf, signingKeyOf } from './identity';
import { ResourceTree } from './resources';
import { type GatewayResponse, gatewayError, matchesMediaType, proxyResponseOf } from './response';

export interface ApiGatewayOptions {
  invoker: LambdaInvoker;
  /** the function ARN behind each logical function name of the route table */
  functions: Record<ApiFunctionName, string>;
  /** the account that owns the API (`requestContext.accountId`) */
  accountId: string;
  routes?: readonly ApiRoute[];
  stage?: string;
  /** 10 lowercase letters and digits, as API Gateway issues them */
  apiId?: string;
  /** who owns the access keys (local/identity.ts; the emulator's `keyOwners` in the stack); default: 12-digit keys only */
  keyOwners?: KeyOwners;
  /** the organization of an account (`aws:PrincipalOrgID`); default: none */
  organizationOf?: (accountId: string) => string | null;
  /** the API's resource policy: when set, callers outside this organization (aws:PrincipalOrgID) are denied */
  principalOrgId?: string;
  /** media types whose bodies travel base64-encoded (none by default, as the CDK stack declares none) */
  binaryMediaTypes?: readonly string[];
  /** API Gateway's integration timeout (29 s) */
  integrationTimeoutMs?: number;
  /** epoch ms for requestTime / requestTimeEpoch */
  now?: () => number;
  port?: number;
  host?: string;
  /** failed and malformed invocations, for the operator's log */
  onInternalError?: (error: unknown) => void;
}

export interface RunningApiGateway extends RunningServer {
  /** the stage's invoke URL with a trailing slash, like CDK's `RestApi.url`: `http://127.0.0.1:4710/prod/` */
  invokeUrl: string;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const region = 'us-east-1';

/**
 * A REST API (Lambda proxy integrations, AWS_IAM auth on every method) served on loopback: requests go
 * to `/<stage>/<resource path>`, answers and failures are API Gateway's. Signatures are read for the
 * access key but not verified, and IAM policies are not evaluated beyond the optional organization check.
 */
export async function startApiGateway(options: ApiGatewayOptions): Promise<RunningApiGateway> {
  const routes = options.routes ?? apiRoutes;
  const apiId = options.apiId ?? 'orgflowapi';
  if (!/^[a-z0-9]{10}$/.test(apiId))
    throw new Error(`apiId '${apiId}' must be 10 lowercase letters and digits`);
  const stage = options.stage ?? apiStageName;
  for (const route of routes)
    if (!options.functions[route.function])
      throw new Error(
        `route ${route.method} ${route.path} needs a function ARN for '${route.function}' in functions`,
      );
  const gateway: Gateway = {
    ...options,
    tree: new ResourceTree(routes, apiId),
    apiId,
    stage,
    keyOwners: options.keyOwners ?? accountKeys(),
    organizationOf: options.organizationOf ?? (() => null),
    binaryMediaTypes: options.binaryMediaTypes ?? [],
    integrationTimeoutMs: options.integrationTimeoutMs ?? 29_000,
    now: options.now ?? Date.now,
    onInternalError: options.onInternalError ?? ((error) => console.error('orgflow api:', error)),
  };
  const server = await serveHttp(
    (req, body, res) => {
      const requestId = randomUUID();
      const extendedRequestId = `${randomBytes(11).toString('base64').slice(0, 15)}=`;
      handle(gateway, req, body, requestId, extendedRequestId)
        .catch((error: unknown) => {
          gateway.onInternalError(error);
          return gatewayError.internalServerError();
        })
        .then((response) => send(res, response, requestId, extendedRequestId, gateway.now()))
        .catch(gateway.onInternalError);
    },
    {
      maxBodyBytes: MAX_BODY_BYTES,
      tooLarge: (_req, res) => send(res, gatewayError.requestTooLarge(), randomUUID(), '', Date.now()),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
    },
  );
  return { ...server, invokeUrl: `${server.url}/${stage}/` };
}

interface Gateway extends ApiGatewayOptions {
  tree: ResourceTree;
  apiId: string;
  stage: string;
  keyOwners: KeyOwners;
  organizationOf: (accountId: string) => string | null;
  binaryMediaTypes: readonly string[];
  integrationTimeoutMs: number;
  now: () => number;
  onInternalError: (error: unknown) => void;
}

async function handle(
  gateway: Gateway,
  req: IncomingMessage,
  body: Buffer,
  requestId: string,
  extendedRequestId: string,
): Promise<GatewayResponse> {
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? '' : target.slice(queryStart + 1);
  const [, stage, ...rest] = rawPath.split('/');
  if (stage !== gateway.stage) return gatewayError.forbidden();
  const path = `/${rest.join('/')}`;
  const method = req.method ?? 'GET';
  const route = gateway.tree.resolve(method, path);
  if (!route) return gatewayError.missingAuthenticationToken();

  const signing = signingKeyOf(req.headers, new URLSearchParams(query), region);
  if (signing === undefined) return gatewayError.missingAuthenticationToken();
  if ('errorType' in signing) return gatewayError.signature(signing.errorType, signing.message);
  const identified = identify(signing, gateway.keyOwners);
  if ('refusal' in identified) return gatewayError.refused(identified.refusal.reason);
  const caller = apiCallerOf(identified.caller, gateway.organizationOf(identified.caller.accountId));
  if (gateway.principalOrgId !== undefined && caller.principalOrgId !== gateway.principalOrgId)
    return gatewayError.accessDenied(
      caller.userArn,
      `arn:aws:execute-api:${region}:${gateway.accountId}:${gateway.apiId}/${gateway.stage}/${method}${path}`,
    );

  const now = gateway.now();
  const event = proxyEventOf(
    {
      method,
      path,
      query,
      rawHeaders: req.rawHeaders,
      body,
      binaryBody: matchesMediaType(req.headers['content-type'], gateway.binaryMediaTypes),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      localPort: req.socket.localPort ?? 0,
      httpVersion: req.httpVersion,
      route,
      caller,
    },
    {
      apiId: gateway.apiId,
      accountId: gateway.accountId,
      stage: gateway.stage,
      requestId,
      extendedRequestId,
      now,
    },
  );
  const functionArn = gateway.functions[route.route.function];
  const outcome = await withTimeout(
    gateway.invoker.invoke(functionArn, event).catch((error: unknown) => {
      // the gateway takes 10 MB, a function's event at most 6 MB: a body between the two is refused as too long
      if (error instanceof Error && error.name === 'RequestEntityTooLargeException')
        return 'too large' as const;
      throw error;
    }),
    gateway.integrationTimeoutMs,
  );
  if (outcome === 'too large') return gatewayError.requestTooLarge();
  if (outcome === 'timeout') return gatewayError.endpointTimeout();
  if ('error' in outcome) {
    const { errorType, errorMessage } = outcome.error;
    gateway.onInternalError(
      new Error(`${method} ${path}: Lambda execution failed (${functionArn}): ${errorType}: ${errorMessage}`),
    );
    return gatewayError.badGateway();
  }
  const accept = req.headers.accept;
  const response = proxyResponseOf(outcome.result, matchesMediaType(accept, gateway.binaryMediaTypes));
  if (!response) {
    gateway.onInternalError(
      new Error(
        `${method} ${path}: Execution failed due to configuration error: Malformed Lambda proxy response: ${JSON.stringify(outcome.result)?.slice(0, 500)}`,
      ),
    );
    return gatewayError.badGateway();
  }
  return response;
}

/** Races the invocation against the integration timeout; the invocation itself runs on. */
function withTimeout<T>(invocation: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([invocation, timeout]).finally(() => clearTimeout(timer));
}

function send(
  res: ServerResponse,
  response: GatewayResponse,
  requestId: string,
  extendedRequestId: string,
  now: number,
): void {
  const grouped = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: string) => {
    const entry = grouped.get(name.toLowerCase()) ?? { name, values: [] };
    entry.values.push(value);
    grouped.set(name.toLowerCase(), entry);
  };
  for (const [name, value] of response.headers) add(name, value);
  add('x-amzn-RequestId', requestId);
  if (extendedRequestId) add('x-amz-apigw-id', extendedRequestId);
  if (response.statusCode < 400) add('X-Amzn-Trace-Id', traceIdOf(now));
  for (const { name, values } of grouped.values())
    res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.setHeader('Content-Length', response.body.length);
  res.statusCode = response.statusCode;
  res.end(response.body);
}
