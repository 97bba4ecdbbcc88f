import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';

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
  if (!existsSync(file))
    throw new Error(
      `no local stack found: ${file} does not exist. Start one with \`npm start\` (or pass --data-dir, or --aws for AWS itself)`,
    );
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
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
  };
}
