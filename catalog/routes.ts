/**
 * The REST API of orgflow: one table read by the CDK stack (resources, methods, Lambda proxy integrations,
 * AWS_IAM auth on every method) and by the local API gateway. Plain data only, so both can import it.
 */

/** `ANY` is API Gateway's catch-all method; a route with a specific method wins over it. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

/** The logical name of the function behind a route; each deployment maps it to a function ARN. */
export type ApiFunctionName = 'ApiHandler';

export interface ApiRoute {
  readonly method: HttpMethod;
  /** an API Gateway resource path: literal segments, `{name}` for one segment, `{name+}` last for the rest */
  readonly path: string;
  readonly function: ApiFunctionName;
}

/** The stage the API is deployed to (CDK's default `deployOptions.stageName`). */
export const apiStageName = 'prod';

export const apiRoutes: readonly ApiRoute[] = [
  { method: 'POST', path: '/account-requests', function: 'ApiHandler' },
  { method: 'GET', path: '/account-requests/{id}', function: 'ApiHandler' },
  { method: 'GET', path: '/account-requests', function: 'ApiHandler' },
  { method: 'POST', path: '/closure-batches', function: 'ApiHandler' },
  { method: 'GET', path: '/closure-batches/{id}', function: 'ApiHandler' },
  { method: 'POST', path: '/all-features-migrations', function: 'ApiHandler' },
  { method: 'GET', path: '/all-features-migrations/{id}', function: 'ApiHandler' },
  { method: 'POST', path: '/all-features-migrations/{id}/resend', function: 'ApiHandler' },
];
