import type { Endpoints } from './stack';

// The variables that point the AWS CLI, boto3 and the AWS SDKs at the local stack: the SDKs' standard
// AWS_ENDPOINT_URL_<SERVICE>, named by each service's id (Step Functions' is SFN: AWS_ENDPOINT_URL_STEPFUNCTIONS
// is read by nothing, and the call would go to AWS), both region variables (the AWS CLI v1 and boto3 read only
// AWS_DEFAULT_REGION), and the demo management account's key.

/** The SDKs' service id of each local service, as it appears in AWS_ENDPOINT_URL_<id>. */
export const endpointVariableOf = {
  organizations: 'AWS_ENDPOINT_URL_ORGANIZATIONS',
  sts: 'AWS_ENDPOINT_URL_STS',
  stepfunctions: 'AWS_ENDPOINT_URL_SFN',
  events: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
} as const satisfies Partial<Record<keyof Endpoints, string>>;

/** Both region variables and the key, which every client of the local stack needs first. */
const regionAndKey = (region: string, accessKeyId: string): Record<string, string> => ({
  AWS_REGION: region,
  AWS_DEFAULT_REGION: region,
  AWS_ACCESS_KEY_ID: accessKeyId,
  AWS_SECRET_ACCESS_KEY: 'local',
});

/** Every variable a client of the local stack needs, in the order they are printed. */
export function localEnvironment(
  endpoints: Pick<Endpoints, keyof typeof endpointVariableOf | 'region'>,
  accessKeyId: string,
): Record<string, string> {
  const variables = regionAndKey(endpoints.region, accessKeyId);
  for (const [service, name] of Object.entries(endpointVariableOf))
    variables[name] = endpoints[service as keyof typeof endpointVariableOf];
  return variables;
}

/**
 * The variables that point every client at the edge endpoint alone: the SDKs' standard AWS_ENDPOINT_URL, which
 * every service without a variable of its own uses, and botocore's switch that keeps StartSyncExecution and
 * TestState on that host (the AWS CLI and boto3 would otherwise prefix it with `sync-`, a name that does not
 * resolve; the JS SDK's is the client option `disableHostPrefix: true`).
 */
export function edgeEnvironment(
  endpoints: Pick<Endpoints, 'edge' | 'region'>,
  accessKeyId: string,
): Record<string, string> {
  return {
    ...regionAndKey(endpoints.region, accessKeyId),
    AWS_ENDPOINT_URL: endpoints.edge,
    AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
  };
}

/** `word` as one shell word: as it is when plain, else in single quotes. */
export const shellWord = (word: string): string =>
  /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/** `export NAME=value` lines that `eval "$(…)"` applies in sh, bash and zsh. */
export const exportLines = (variables: Record<string, string>): string =>
  Object.entries(variables)
    .map(([name, value]) => `export ${name}=${shellWord(value)}`)
    .join('\n');
