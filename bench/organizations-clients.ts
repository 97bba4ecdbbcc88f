// One process of benchmark clients: runs `clients` concurrent SDK clients doing one kind of work for a
// while, then prints {"done": n, "seconds": s}. organizations.bench.ts starts several of these.

import { Agent, request } from 'node:http';
import {
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';

export interface ClientsJob {
  url: string;
  /** *-raw: the same calls over a plain keep-alive HTTP client, to show what the server alone sustains */
  work: 'vend' | 'vend-raw' | 'describe' | 'describe-raw' | 'list' | 'fill';
  clients: number;
  /** how long to run; for `fill`, stop after `count` creations instead */
  seconds: number;
  count?: number;
  /** distinguishes this process's emails from the other processes' */
  tag: string;
  rootId: string;
  ouId: string;
  accountIds: string[];
}

const job: ClientsJob = JSON.parse(process.argv[2] ?? '{}');

function client(): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: job.url,
    region: 'us-east-1',
    credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

async function vend(c: OrganizationsClient, name: string): Promise<void> {
  const { CreateAccountStatus } = await c.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@bench.example` }),
  );
  let status = CreateAccountStatus!;
  while (status.State === 'IN_PROGRESS') {
    status = (await c.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id! })))
      .CreateAccountStatus!;
  }
  if (status.State !== 'SUCCEEDED') throw new Error(`vending failed: ${status.FailureReason}`);
  await c.send(
    new MoveAccountCommand({
      AccountId: status.AccountId!,
      SourceParentId: job.rootId,
      DestinationParentId: job.ouId,
    }),
  );
  await c.send(
    new TagResourceCommand({ ResourceId: status.AccountId!, Tags: [{ Key: 'vended-by', Value: 'bench' }] }),
  );
}

const agent = new Agent({ keepAlive: true });

/** the members the raw vending reads */
type RawOutput = {
  CreateAccountStatus: { Id: string; State: string; AccountId?: string; FailureReason?: string };
};

/** A signed-looking AWS JSON 1.1 request without the SDK: the emulator reads only the access key id. */
function rawCall(operation: string, input: object): Promise<RawOutput> {
  const body = JSON.stringify(input);
  return new Promise((resolve, reject) => {
    const req = request(
      job.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AWSOrganizationsV20161128.${operation}`,
          authorization:
            'AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=0',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text ? JSON.parse(text) : {});
          else reject(new Error(`${operation}: ${res.statusCode} ${text}`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function rawVend(name: string): Promise<void> {
  let status = (await rawCall('CreateAccount', { AccountName: name, Email: `${name}@bench.example` }))
    .CreateAccountStatus;
  while (status.State === 'IN_PROGRESS')
    status = (await rawCall('DescribeCreateAccountStatus', { CreateAccountRequestId: status.Id }))
      .CreateAccountStatus;
  if (status.State !== 'SUCCEEDED') throw new Error(`vending failed: ${status.FailureReason}`);
  await rawCall('MoveAccount', {
    AccountId: status.AccountId,
    SourceParentId: job.rootId,
    DestinationParentId: job.ouId,
  });
  await rawCall('TagResource', {
    ResourceId: status.AccountId,
    Tags: [{ Key: 'vended-by', Value: 'bench' }],
  });
}

async function main(): Promise<void> {
  const clients = Array.from({ length: job.clients }, client);
  const until = performance.now() + job.seconds * 1000;
  const started = performance.now();
  let done = 0;
  let next = 0;
  const more = () => (job.work === 'fill' ? next < (job.count ?? 0) : performance.now() < until);
  await Promise.all(
    clients.map(async (c, worker) => {
      while (more()) {
        const i = next++;
        const name = `${job.tag}-${worker}-${i}`;
        if (job.work === 'vend') await vend(c, name);
        else if (job.work === 'fill')
          await c.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@fill.example` }));
        else if (job.work === 'describe-raw')
          await rawCall('DescribeAccount', { AccountId: job.accountIds[i % job.accountIds.length]! });
        else if (job.work === 'vend-raw') await rawVend(name);
        else if (job.work === 'describe')
          await c.send(new DescribeAccountCommand({ AccountId: job.accountIds[i % job.accountIds.length]! }));
        else await c.send(new ListAccountsCommand({ MaxResults: 20 }));
        done++;
      }
    }),
  );
  for (const c of clients) c.destroy();
  process.stdout.write(JSON.stringify({ done, seconds: (performance.now() - started) / 1000 }));
}

await main();
