// Listing account requests from their records (issue #15): a caller with 500 requests, beside 1,500 of other
// callers, lists them through the API on the local stack (signed HTTP, the real handler, dynalite). Prints the
// DynamoDB calls per listing (one Query of the caller's index partition, whatever the table holds), the Step
// Functions calls (none: no DescribeExecution per request), and the latency; asserts nothing.
//
//   npx tsx bench/requests.bench.ts          (BENCH_REQUESTS=500 by default)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { governorTable, tableName } from '../catalog/tables';
import { type ApiTarget, callApi } from '../cli/api';
import { mapLimited } from '../functions/_shared/concurrency';
import { recordProgress, recordSubmission } from '../functions/account-vending/request-record';
import { DEMO_MANAGEMENT_ACCOUNT } from '../local/organizations/seed';
import { LOCAL_PREFIX, startLocalStack } from '../local/stack';

const N = Number(process.env.BENCH_REQUESTS ?? 500);
const OTHER_CALLERS = 3;
const ROUNDS = 20;
// the caller: the management account's root, which may ask but (in this configuration) reads only its own
const caller = { arn: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:root`, accountId: DEMO_MANAGEMENT_ACCOUNT };
const vendingConfig = JSON.stringify({
  selfServicePolicies: [],
  callers: [{ principal: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`, organizationalUnits: ['Workloads/*'] }],
  readers: [],
});

/** Counts the commands every client of a class sends in this process (the API runs in it: shared functions). */
function countCommands(prototype: { send: (...args: never[]) => unknown }) {
  const counts = new Map<string, number>();
  const send = prototype.send;
  prototype.send = function (this: unknown, ...args: never[]) {
    const name = (args[0] as unknown as { constructor: { name: string } }).constructor.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return send.apply(this, args);
  } as typeof prototype.send;
  return {
    take() {
      const taken = Object.fromEntries(counts);
      counts.clear();
      return taken;
    },
  };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-requests-bench-'));
  const stack = await startLocalStack({
    dataDir,
    timeScale: 'manual',
    functionEnvironments: 'shared',
    throttling: false,
    vendingConfig,
    reactionsConfig: '{}',
    onInternalError: (error) => console.error('internal error:', error),
  });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.endpoints.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
    }),
  );
  const store = { db, table: tableName(LOCAL_PREFIX, governorTable) };
  try {
    // the records as the API and the workflow write them: the caller's N, and N for each of 3 other callers
    const t0 = stack.clock.now();
    const owners = [
      caller,
      ...Array.from({ length: OTHER_CALLERS }, (_, i) => ({
        arn: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:role/Team${i}`,
        accountId: DEMO_MANAGEMENT_ACCOUNT,
      })),
    ];
    const seeded = owners.flatMap((owner, o) =>
      Array.from({ length: N }, (_, i) => ({
        owner,
        o,
        i,
        requestId: `ar-${(o * N + i).toString(16).padStart(32, '0')}`,
      })),
    );
    await mapLimited(seeded, 20, async ({ owner, i, requestId }) => {
      const request = {
        accountName: `Team ${i} Dev`,
        email: `team-${i}-dev@example.com`,
        organizationalUnit: 'Workloads/Dev',
      };
      await recordSubmission(store, {
        requestId,
        idempotencyKey: `key-${i}`,
        caller: owner,
        request,
        now: t0 + i * 1000,
      });
      if (i % 2 === 0)
        await recordProgress(store, {
          requestId,
          caller: owner,
          request,
          state: 'SUCCEEDED',
          accountId: String(100000000000 + i),
          now: t0 + i * 1000 + 60_000,
        });
    });

    const dynamo = countCommands(DynamoDBDocumentClient.prototype);
    const sfn = countCommands(SFNClient.prototype);
    const api: ApiTarget = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    const list = async (query: string) => {
      const start = performance.now();
      const response = await callApi(api, 'GET', `/account-requests${query}`);
      if (response.status !== 200)
        throw new Error(`GET /account-requests${query}: ${JSON.stringify(response.body)}`);
      return {
        ms: performance.now() - start,
        body: response.body as {
          requests: { accountName?: string; accountId: string | null }[];
          nextToken?: string;
        },
      };
    };

    const report = async (label: string, query: string) => {
      await list(query); // warm: the handler's cold start is not the listing's cost
      dynamo.take();
      sfn.take();
      const times: number[] = [];
      let shown = 0;
      let named = 0;
      let withAccount = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const { ms, body } = await list(query);
        times.push(ms);
        shown = body.requests.length;
        named = body.requests.filter((r) => r.accountName !== undefined).length;
        withAccount = body.requests.filter((r) => r.accountId !== null).length;
      }
      const perListing = (counts: Record<string, number>) =>
        Object.entries(counts)
          .map(([name, count]) => `${name} ${count / ROUNDS}`)
          .join(', ') || 'none';
      console.log(
        `${label.padEnd(40)} ${String(shown).padStart(3)} requests (${named} named, ${withAccount} with their account id) | DynamoDB per listing: ${perListing(dynamo.take())} | Step Functions: ${perListing(sfn.take())} | latency p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`,
      );
    };

    console.log(
      `account requests: ${N} of the caller, ${OTHER_CALLERS * N} of ${OTHER_CALLERS} other callers, in the governor table (dynalite); ${ROUNDS} listings each, over signed HTTP`,
    );
    await report('GET /account-requests?limit=500', '?limit=500');
    await report('GET /account-requests (first page, 20)', '');
    await report('GET /account-requests?state=SUCCEEDED', '?state=SUCCEEDED&limit=500');

    // the whole listing, page by page
    dynamo.take();
    let pages = 0;
    let listed = 0;
    let token: string | undefined;
    const walkStart = performance.now();
    do {
      const { body } = await list(`?limit=50${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
      pages++;
      listed += body.requests.length;
      token = body.nextToken;
    } while (token);
    const walked = dynamo.take();
    console.log(
      `walk at limit=50: ${listed} requests in ${pages} pages, ${walked.QueryCommand ?? 0} Queries (${((walked.QueryCommand ?? 0) / pages).toFixed(1)} per page), ${(performance.now() - walkStart).toFixed(0)} ms; Step Functions calls: ${Object.values(sfn.take()).reduce((a, b) => a + b, 0)}`,
    );
    console.log(
      `before #15 a listing was 1 ListExecutions + 1 DescribeExecution per execution listed (+ 1 GetExecutionHistory per running one), of every caller's executions; now 1 Query of the caller's own partition`,
    );
  } finally {
    db.destroy();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
