import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { holderOfDataDirectory } from '../local/data-dir';
import { shellWord } from '../local/environment-variables';
import type { Endpoints } from '../local/stack';

export interface TargetOptions {
  /** talk to AWS itself (the default credential chain, or --profile) instead of the local stack */
  aws: boolean;
  profile?: string | undefined;
  apiUrl?: string | undefined;
  dataDir: string;
}

export interface Target {
  description: string;
  /** the REST API's invoke URL (local: from endpoints.json; AWS: --api-url) */
  apiUrl: string | undefined;
  /** the local stack's key convention; undefined on AWS (the default credential chain signs) */
  accessKeyId: string | undefined;
  organizations: OrganizationsClient;
  sfn: SFNClient | undefined;
  /** the local stack's endpoints.json; undefined on AWS */
  endpoints?: Endpoints;
}

/** The local stack of a data directory is not running: where it was looked for, and how to start it. */
export class StackNotRunningError extends Error {
  constructor(dataDir: string, at?: string, options?: ErrorOptions) {
    super(
      `the local stack is not running at ${at ?? resolve(dataDir)}; start it with \`npm start -- --data-dir ${shellWord(dataDir)}\` (or pass --data-dir of a running one, or --aws for AWS itself)`,
      options,
    );
    this.name = 'StackNotRunningError';
  }
}

const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH']);

/**
 * A call that found nobody listening ('fetch failed', ECONNREFUSED) said in words: the local stack is not running
 * at its endpoint (it stopped after the command looked), or AWS (or --api-url) cannot be reached.
 */
export function explainUnreachable(error: unknown, options: TargetOptions): Error | undefined {
  let code: string | undefined;
  let address: string | undefined;
  for (let e: unknown = error; e && !code; e = (e as { cause?: unknown }).cause) {
    const found = (e as { code?: unknown }).code;
    if (typeof found === 'string' && REFUSED.has(found)) {
      code = found;
      const { address: host, port } = e as { address?: string; port?: number };
      address = host && port ? `http://${host}:${port}` : undefined;
    }
    // an AggregateError (IPv4 and IPv6 both tried) holds the refusals in its errors
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    if (!code && inner) e = { cause: inner };
  }
  if (!code) return undefined;
  if (options.aws || options.apiUrl)
    return new Error(`cannot reach ${address ?? 'the endpoint'} (${code})`, { cause: error });
  return new StackNotRunningError(options.dataDir, address, { cause: error });
}

const LOCAL_CREDENTIALS = { accessKeyId: '111111111111', secretAccessKey: 'local' };

/** The clients the commands use: the local stack's endpoints from its data directory, or AWS. */
export function connect(options: TargetOptions): Target {
  if (options.aws) {
    // listings walk the whole tree: let the SDK back off and retry when Organizations throttles them
    const config = {
      region: 'us-east-1',
      maxAttempts: 5,
      ...(options.profile ? { profile: options.profile } : {}),
    };
    return {
      description: `AWS${options.profile ? ` (profile ${options.profile})` : ''}`,
      apiUrl: options.apiUrl,
      accessKeyId: undefined,
      organizations: new OrganizationsClient(config),
      sfn: new SFNClient(config),
    };
  }
  const file = join(resolve(options.dataDir), 'endpoints.json');
  if (!existsSync(file)) throw new StackNotRunningError(options.dataDir);
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
  // endpoints.json left by a stack that was killed: nobody holds the data directory
  if (holderOfDataDirectory(resolve(options.dataDir)) === undefined)
    throw new StackNotRunningError(options.dataDir, endpoints.organizations);
  const local = (endpoint: string | undefined) =>
    endpoint ? { endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 5 } : undefined;
  const organizations = local(endpoints.organizations);
  if (!organizations) throw new Error(`${file} names no organizations endpoint`);
  const sfn = local(endpoints.stepfunctions);
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  return {
    description: `local stack (${endpoints.organizations})`,
    apiUrl: options.apiUrl ?? endpoints.api,
    accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
    organizations: new OrganizationsClient(organizations),
    sfn: sfn ? new SFNClient(sfn) : undefined,
    endpoints,
  };
}
