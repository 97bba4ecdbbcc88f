import type { Json, JsonObject } from '../json';

// `arn:aws:states:::aws-sdk:<service>:<action>`: the action is run with the real AWS SDK v3 client of the
// service, pointed at a local endpoint. Errors are named as Step Functions names them, after the AWS SDK
// for Java 2.x it runs on: the service's name there, a dot, and the exception's class name there, which
// always ends in `Exception` and spells acronyms as words (`Organizations.ConcurrentModificationException`,
// `Organizations.AwsOrganizationsNotInUseException`, `Sfn.ExecutionAlreadyExistsException`).

/** `aws-sdk:<service>` → the npm package of its v3 client, where it is not `@aws-sdk/client-<service>`. */
const packages: Record<string, string> = {
  acmpca: 'acm-pca',
  applicationautoscaling: 'application-auto-scaling',
  cloudwatchlogs: 'cloudwatch-logs',
  config: 'config-service',
  costexplorer: 'cost-explorer',
  secretsmanager: 'secrets-manager',
  servicecatalog: 'service-catalog',
  ssoadmin: 'sso-admin',
};

/** `aws-sdk:<service>` → the service's name in error names, where it is not the service capitalised. */
const errorPrefixes: Record<string, string> = {
  acmpca: 'AcmPca',
  applicationautoscaling: 'ApplicationAutoScaling',
  cloudformation: 'CloudFormation',
  cloudtrail: 'CloudTrail',
  cloudwatch: 'CloudWatch',
  cloudwatchlogs: 'CloudWatchLogs',
  controltower: 'ControlTower',
  costexplorer: 'CostExplorer',
  dynamodb: 'DynamoDb',
  ec2: 'Ec2',
  eventbridge: 'EventBridge',
  guardduty: 'GuardDuty',
  securityhub: 'SecurityHub',
  secretsmanager: 'SecretsManager',
  servicecatalog: 'ServiceCatalog',
  ssoadmin: 'SsoAdmin',
};

export function sdkPackage(service: string): string {
  return `@aws-sdk/client-${packages[service] ?? service}`;
}

export function errorPrefix(service: string): string {
  return errorPrefixes[service] ?? `${service.charAt(0).toUpperCase()}${service.slice(1)}`;
}

/** `createAccount` → `CreateAccountCommand` */
export function commandName(action: string): string {
  return `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
}

/** An error code as a Java 2.x exception class name: `AWSOrganizationsNotInUse` → `AwsOrganizationsNotInUseException`. */
export function exceptionName(code: string): string {
  const words = code.match(/[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+/g) ?? [code];
  const name = words.map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1).toLowerCase()}`).join('');
  return name.endsWith('Exception') ? name : `${name}Exception`;
}

/** The task failure Step Functions reports for an error an SDK call rejected with. */
export function sdkFailure(service: string, error: unknown): { error: string; cause: string } {
  const prefix = errorPrefix(service);
  const e = error as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (e && typeof e === 'object' && e.$metadata && typeof e.name === 'string') {
    const name = exceptionName(e.name);
    const status = e.$metadata.httpStatusCode ?? 400;
    const requestId = e.$metadata.requestId ?? 'null';
    return {
      error: `${prefix}.${name}`,
      cause: `${message} (Service: ${prefix}, Status Code: ${status}, Request ID: ${requestId})`,
    };
  }
  // no answer from the service (connection refused, a request the client could not build)
  return { error: `${prefix}.SdkClientException`, cause: `Unable to execute HTTP request: ${message}` };
}

/**
 * An SDK response as Step Functions passes it on: members in PascalCase (as the state machine's Parameters
 * are, whatever the service's own casing), no `$metadata`, timestamps as ISO text, blobs as base64. `schema`
 * is the operation's output schema, where the client has one; map keys are data and are left alone.
 */
export function sdkOutput(value: unknown, schema?: unknown): Json {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  const shape = readSchema(schema);
  if (Array.isArray(value))
    return value.map((item) => sdkOutput(item, shape?.kind === 'list' ? shape.member : undefined));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === '$metadata' || item === undefined) continue;
      if (shape?.kind === 'structure') {
        const index = shape.names.indexOf(key);
        out[index < 0 ? key : pascal(key)] = sdkOutput(item, index < 0 ? undefined : shape.members[index]);
      } else if (shape?.kind === 'map') out[key] = sdkOutput(item, shape.value);
      else out[key] = sdkOutput(item);
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return String(value);
}

/**
 * State machine Parameters as the SDK client takes them: each member renamed to the service's casing
 * (`StateMachineArn` → `stateMachineArn` for Step Functions), timestamps given as text made Dates.
 */
export function sdkInput(value: Json, schema?: unknown): unknown {
  const shape = readSchema(schema);
  if (!shape) return value;
  if (shape.kind === 'timestamp')
    return typeof value === 'string' || typeof value === 'number' ? new Date(value) : value;
  if (Array.isArray(value))
    return shape.kind === 'list' ? value.map((item) => sdkInput(item, shape.member)) : value;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (shape.kind === 'structure') {
      const index = shape.names.findIndex((name) => name.toLowerCase() === key.toLowerCase());
      if (index < 0) out[key] = item;
      else out[shape.names[index] as string] = sdkInput(item, shape.members[index]);
    } else if (shape.kind === 'map') out[key] = sdkInput(item, shape.value);
    else out[key] = item;
  }
  return out;
}

const pascal = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

type Shape =
  | { kind: 'structure'; names: string[]; members: unknown[] }
  | { kind: 'list'; member: unknown }
  | { kind: 'map'; value: unknown }
  | { kind: 'timestamp' };

/**
 * Reads the static schemas of the v3 clients (`@smithy/core/schema`): `[3, ns, name, traits, names, members]`
 * for a structure, `[1, …, member]` a list, `[2, …, key, value]` a map, 4–7 a timestamp; references are
 * functions, a member with traits is `[schema, traits]`. Anything else reads as no schema (values pass as they are).
 */
function readSchema(schema: unknown): Shape | undefined {
  let s = schema;
  for (let depth = 0; depth < 8; depth++) {
    if (typeof s === 'function') s = (s as () => unknown)();
    else if (Array.isArray(s) && s.length === 2 && typeof s[0] !== 'number') s = s[0];
    else break;
  }
  if (typeof s === 'number') return s >= 4 && s <= 7 ? { kind: 'timestamp' } : undefined;
  if (!Array.isArray(s)) return undefined;
  if ((s[0] === 3 || s[0] === -3) && Array.isArray(s[4]) && Array.isArray(s[5]))
    return { kind: 'structure', names: s[4] as string[], members: s[5] as unknown[] };
  if (s[0] === 1 && s.length >= 5) return { kind: 'list', member: s[4] };
  if (s[0] === 2 && s.length >= 6) return { kind: 'map', value: s[5] };
  return undefined;
}

interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}
type ClientClass = new (config: Record<string, unknown>) => SdkClient;
type CommandClass = new (input: unknown) => unknown;

export interface SdkCallerOptions {
  /** local endpoint URLs by service name as written in the Resource (`organizations`, `sts`, `sfn`…); read at call time */
  endpoints: Readonly<Record<string, string>>;
  region: string;
  /** loads a client package (default: dynamic `import()`) */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** Runs SDK actions with one client per service and account, built on first use. */
export class SdkCaller {
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  private readonly clients = new Map<string, SdkClient>();
  private readonly importModule: (specifier: string) => Promise<unknown>;

  constructor(private readonly options: SdkCallerOptions) {
    this.importModule = options.importModule ?? ((specifier) => import(specifier));
  }

  /**
   * Calls `action` of `service` as `accountId` (the local emulators take a 12-digit access key id as that
   * account). Resolves with the response as JSON; rejects with `{ error, cause }`.
   */
  async call(
    service: string,
    action: string,
    input: Json,
    accountId: string,
    signal: AbortSignal,
  ): Promise<Json> {
    const module = await this.load(service);
    const Command = module[commandName(action)] as CommandClass | undefined;
    if (typeof Command !== 'function')
      throw runtime(
        `${sdkPackage(service)} has no ${commandName(action)}: is '${action}' an action of ${service}?`,
      );
    if (input !== null && (typeof input !== 'object' || Array.isArray(input)))
      throw runtime(
        `the parameters of aws-sdk:${service}:${action} must be an object, not ${JSON.stringify(input)}`,
      );
    const client = this.client(service, module, accountId);
    // the operation's schema: [9, namespace, name, traits, input, output]
    const operation = (new Command({}) as { schema?: unknown }).schema;
    const [inputSchema, outputSchema] = Array.isArray(operation) ? [operation[4], operation[5]] : [];
    let response: unknown;
    try {
      response = await client.send(new Command(sdkInput(input ?? {}, inputSchema)), { abortSignal: signal });
    } catch (error) {
      throw sdkFailure(service, error);
    }
    return sdkOutput(response, outputSchema);
  }

  /** Destroys the clients (their sockets). */
  close(): void {
    for (const client of this.clients.values()) (client as { destroy?: () => void }).destroy?.();
    this.clients.clear();
  }

  private load(service: string): Promise<Record<string, unknown>> {
    let loading = this.modules.get(service);
    if (!loading) {
      const specifier = sdkPackage(service);
      loading = this.importModule(specifier).then(
        (module) => module as Record<string, unknown>,
        () => {
          this.modules.delete(service);
          throw runtime(
            `the local engine cannot call aws-sdk:${service}: the package ${specifier} is not installed (npm install ${specifier})`,
          );
        },
      );
      this.modules.set(service, loading);
    }
    return loading;
  }

  private client(service: string, module: Record<string, unknown>, accountId: string): SdkClient {
    const key = `${service}|${accountId}`;
    let client = this.clients.get(key);
    if (client) return client;
    const endpoint = this.options.endpoints[service];
    if (endpoint === undefined)
      throw runtime(
        `no local endpoint is configured for aws-sdk:${service}: add endpoints.${service} so the call cannot reach real AWS`,
      );
    const entry = Object.entries(module).find(
      ([name, value]) => name.endsWith('Client') && name !== '__Client' && typeof value === 'function',
    );
    if (!entry) throw runtime(`${sdkPackage(service)} exports no client class`);
    const Client = entry[1] as ClientClass;
    client = new Client({
      region: this.options.region,
      endpoint,
      credentials: { accessKeyId: accountId, secretAccessKey: 'local' },
      // retries belong to the ASL's Retry blocks, as on AWS
      maxAttempts: 1,
    });
    this.clients.set(key, client);
    return client;
  }
}

function runtime(cause: string): { error: string; cause: string } {
  return { error: 'States.Runtime', cause };
}
