import type { IncomingHttpHeaders } from 'node:http';
import { apiStageName } from '../../catalog/routes';

// Which local service a request to the edge endpoint is for, read from the request itself, in this order:
//   1. the path /_orgflow/…: the Organizations emulator's admin endpoint (faults, clock, the event stream);
//   2. X-Amz-Target `<prefix>.<Operation>`: the JSON protocols (Organizations, Step Functions, EventBridge,
//      DynamoDB);
//   3. the service of the SigV4 credential scope (`Credential=AKID/date/region/<service>/aws4_request`, in the
//      Authorization header or a presigned URL's X-Amz-Credential): STS's query protocol, the REST API
//      (execute-api), and any JSON request that carries no target;
//   4. the path /<stage>/…: the REST API, which answers an unsigned request as API Gateway does;
//   5. an `Action=` query or form body (a POST of application/x-www-form-urlencoded): STS, the only query
//      protocol service here (AssumeRoleWithWebIdentity is unsigned);
//   6. any other GET or HEAD: the web console.
// Anything else names no service, and is refused with what the edge reads.

/** The services behind the edge endpoint, by their name in endpoints.json. */
export const edgeServices = [
  'organizations',
  'sts',
  'stepfunctions',
  'events',
  'dynamodb',
  'api',
  'console',
] as const;

export type EdgeService = (typeof edgeServices)[number];

/** X-Amz-Target prefixes, as each service's AWS JSON protocol spells them. */
export const targetPrefixes: Readonly<Record<string, EdgeService>> = {
  AWSOrganizationsV20161128: 'organizations',
  AWSStepFunctions: 'stepfunctions',
  AWSEvents: 'events',
  DynamoDB_20120810: 'dynamodb',
};

/** SigV4 signing names (the service of the credential scope). */
export const signingNames: Readonly<Record<string, EdgeService>> = {
  organizations: 'organizations',
  sts: 'sts',
  states: 'stepfunctions',
  events: 'events',
  dynamodb: 'dynamodb',
  'execute-api': 'api',
};

export interface EdgeRequest {
  method: string;
  /** the request target: path and query */
  url: string;
  headers: IncomingHttpHeaders;
}

export type EdgeRoute =
  | { service: EdgeService; by: 'path' | 'target' | 'scope' | 'action' | 'console' }
  | { refusal: string };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The service of a request's SigV4 credential scope, from its Authorization header or presigned query. */
export function signingNameOf(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const credential =
    /Credential=([^,\s]+)/.exec(header(headers, 'authorization') ?? '')?.[1] ??
    query.get('X-Amz-Credential') ??
    undefined;
  return credential?.split('/')[3];
}

const known = (table: Readonly<Record<string, string>>) => Object.keys(table).join(', ');

/** The service a request is for, or why it names none. */
export function routeOf(request: EdgeRequest): EdgeRoute {
  const url = new URL(request.url, 'http://edge');
  if (url.pathname === '/_orgflow' || url.pathname.startsWith('/_orgflow/'))
    return { service: 'organizations', by: 'path' };

  const target = header(request.headers, 'x-amz-target');
  if (target) {
    const prefix = target.split('.')[0]!;
    const service = Object.hasOwn(targetPrefixes, prefix) ? targetPrefixes[prefix] : undefined;
    if (service) return { service, by: 'target' };
    return {
      refusal: `X-Amz-Target '${target}' names no service of the local stack: its prefix is one of ${known(targetPrefixes)}.`,
    };
  }

  const signingName = signingNameOf(request.headers, url.searchParams);
  if (signingName !== undefined) {
    const service = Object.hasOwn(signingNames, signingName) ? signingNames[signingName] : undefined;
    if (service) return { service, by: 'scope' };
    return {
      refusal: `the request is signed for '${signingName}', which the local stack does not serve: it serves ${known(signingNames)} (the service of the SigV4 credential scope).`,
    };
  }

  if (url.pathname.startsWith(`/${apiStageName}/`)) return { service: 'api', by: 'path' };
  const type = (header(request.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (
    url.searchParams.has('Action') ||
    (request.method === 'POST' && type === 'application/x-www-form-urlencoded')
  )
    return { service: 'sts', by: 'action' };
  if (request.method === 'GET' || request.method === 'HEAD') return { service: 'console', by: 'console' };
  return {
    refusal: `${request.method} ${url.pathname} names no service of the local stack: the edge endpoint routes by X-Amz-Target (${known(targetPrefixes)}), by the service of the SigV4 credential scope (${known(signingNames)}), by an Action= form body (STS), or by the path (/${apiStageName}/… for the API, /_orgflow/… for the emulator's admin endpoint, any other GET for the console).`,
  };
}
