import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createTableInput, tables } from '../../catalog/tables';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { seededRandom } from '../../local/random';
import { LOCAL_PREFIX, type LocalStack, startLocalStack } from '../../local/stack';
import { signedFetch } from '../e2e/signed-fetch';
import { dataDirs } from '../e2e/stack-process';
import { type FuzzRequest, type Pools, requestGenerator, type Service } from './requests';
import { Draw } from './values';

// A seeded, bounded fuzz run over every endpoint of the local stack: no answer may be a 5xx, and a refused
// request (4xx) may change nothing. FUZZ_SEED replays a run; FUZZ_REQUESTS makes it longer.
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_425);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_500);
// the first 1,000 requests are always sent, however loaded the machine; the budget only trims the rest
const AT_LEAST = Math.min(REQUESTS, 1_000);
const BUDGET_MS = 20_000;

const fixtures = fileURLToPath(new URL('../e2e/fixtures/', import.meta.url));
const dirs = dataDirs();
const internalErrors: unknown[] = [];
let stack: LocalStack;
let dataDir: string;
const table = createTableInput(LOCAL_PREFIX, tables[0]!);

beforeAll(async () => {
  // the API's handler logs every refusal; thousands of lines say nothing here
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  dataDir = dirs.fresh();
  stack = await startLocalStack({
    // every function in this process: these suites start many stacks (isolation: test/lambda, isolated-functions)
    functionEnvironments: 'shared',
    dataDir,
    timeScale: 'manual',
    throttling: false,
    extraStateMachinesDir: join(fixtures, 'statemachines'),
    rulesDir: join(fixtures, 'rules'),
    onInternalError: (error) => internalErrors.push(error),
  });
  // every custom event the bus accepts reaches this rule's target, which answers to nothing: each leaves a
  // dead letter, so an event accepted by a refused request shows in the fingerprint
  const bus = stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT);
  bus.putRule({ name: 'fuzz-observer', eventPattern: '{"source":[{"anything-but":"aws.organizations"}]}' });
  bus.putTargets('fuzz-observer', [
    { id: 'nobody', arn: 'arn:aws:sqs:us-east-1:111111111111:fuzz-observer' },
  ]);
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await stack?.close();
  dirs.removeAll();
});

/** The ids the run aims at, as the stack holds them now. */
function refreshPools(pools: Pools): void {
  const { store } = stack.emulator;
  pools.rootId = [...store.roots.values()][0]?.id ?? pools.rootId;
  pools.ouIds = [...store.ous.values()].map((ou) => ou.id);
  pools.accountIds = [...store.accounts.values()].map((account) => account.id);
  pools.policyIds = [...store.policies.values()].map((policy) => policy.id);
  pools.stateMachineArns = stack.stepFunctions
    .listStateMachines({ maxResults: 1000 })
    .stateMachines.map((machine) => machine.stateMachineArn);
}

/**
 * A digest of everything a request could change: the emulator's tables, faults and clock, every state machine
 * and execution, the rules and targets of the buses, the dead letters, DynamoDB's files. CloudTrail's record
 * of a refused call is not state: AWS records failed calls too.
 */
function fingerprint(): string {
  const hash = createHash('sha256');
  const { emulator, stepFunctions, buses, clock } = stack;
  hash.update(JSON.stringify(emulator.store.snapshot()));
  hash.update(JSON.stringify(emulator.faults.get()));
  hash.update(String(clock.now()));
  for (const machine of stepFunctions.listStateMachines({ maxResults: 1000 }).stateMachines) {
    hash.update(
      JSON.stringify(stepFunctions.describeStateMachine({ stateMachineArn: machine.stateMachineArn })),
    );
    const executions = stepFunctions.listExecutions({
      stateMachineArn: machine.stateMachineArn,
      maxResults: 1000,
    });
    hash.update(executions.executions.map((execution) => execution.executionArn).join());
  }
  for (const account of [
    DEMO_MANAGEMENT_ACCOUNT,
    ...[...emulator.store.accounts.values()].map((a) => a.id),
  ]) {
    const bus = buses.forAccount(account);
    for (const rule of bus.listRules()) hash.update(JSON.stringify([rule, bus.listTargets(rule.name)]));
  }
  const deadLetters = join(dataDir, 'events', 'dead-letters.jsonl');
  hash.update(String(existsSync(deadLetters) ? statSync(deadLetters).size : 0));
  // DynamoDB's LevelDB appends to its files on every write, and on nothing else
  const dynamoFiles = join(dataDir, 'dynamodb');
  for (const file of readdirSync(dynamoFiles).sort()) {
    const { size, mtimeMs } = statSync(join(dynamoFiles, file));
    hash.update(`${file}:${size}:${mtimeMs}`);
  }
  return hash.digest('hex');
}

/** Lets what an accepted request set going (deliveries, executions) finish before the next look. */
async function settle(): Promise<void> {
  await stack.buses.settled();
  for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const endpointOf = (service: Service): string => {
  const { endpoints } = stack;
  if (service === 'admin') return endpoints.organizations;
  if (service === 'api') return endpoints.api.replace(/\/prod\/$/, '/');
  return endpoints[service];
};

const describeRequest = (request: FuzzRequest) =>
  `${request.service} ${request.operation} [${request.mutation}] ${request.method} ${request.path.slice(0, 60)}`;

const statusClass = (status: number) => (status === 0 ? 'none' : `${Math.floor(status / 100)}xx`);

it('answers every request of a seeded run without a 5xx, and a refused one changes nothing', async () => {
  // Prepare
  const draw = new Draw(seededRandom(SEED));
  const pools: Pools = {
    managementAccountId: DEMO_MANAGEMENT_ACCOUNT,
    rootId: '',
    ouIds: [],
    accountIds: [],
    policyIds: [],
    stateMachineArns: [],
    echoStateMachineArn: stack.stateMachineArns.EchoEvent!,
    executionArns: [],
    tokens: [],
    tableName: table.TableName!,
    tableKey: {
      partition: table.KeySchema![0]!.AttributeName!,
      sort: table.KeySchema![1]!.AttributeName!,
    },
  };
  refreshPools(pools);
  const next = requestGenerator(draw, pools);
  const counts: Record<string, Record<string, number>> = {};
  const serverErrors: string[] = [];
  const changedByRefusal: string[] = [];
  let refusedUnchanged = 0;
  let sent = 0;
  const started = Date.now();

  // Act
  let before = fingerprint();
  while (sent < REQUESTS && (sent < AT_LEAST || Date.now() - started < BUDGET_MS)) {
    const request = next();
    sent++;
    let status = 0;
    let text = '';
    try {
      ({ status, text } = await signedFetch(endpointOf(request.service), {
        method: request.method,
        path: request.path,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.signAs ? { service: request.signAs, accessKeyId: request.accessKeyId } : {}),
        timeoutMs: 5_000,
      }));
    } catch (error) {
      text = `no answer: ${(error as Error).message}`;
    }
    const byService = counts[request.service] ?? {};
    byService[statusClass(status)] = (byService[statusClass(status)] ?? 0) + 1;
    counts[request.service] = byService;
    if (status === 0 || status >= 500)
      serverErrors.push(`${describeRequest(request)} → ${status} ${text.slice(0, 160)}`);
    if (status >= 200 && status < 300) {
      for (const [, token] of text.matchAll(/"(?:NextToken|nextToken)":"([^"]{1,4000})"/g))
        if (pools.tokens.length < 50) pools.tokens.push(token!);
      for (const [, arn] of text.matchAll(/"executionArn":"([^"]+)"/g)) pools.executionArns.push(arn!);
      await settle();
      if (sent % 50 === 0) refreshPools(pools);
      before = fingerprint();
    } else if (status >= 400 && status < 500) {
      await settle();
      const after = fingerprint();
      if (after === before) refusedUnchanged++;
      else changedByRefusal.push(`${describeRequest(request)} → ${status} ${text.slice(0, 160)}`);
      before = after;
    } else {
      await settle();
      before = fingerprint();
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const table_ = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([service, byClass]) =>
        `${service} ${Object.entries(byClass)
          .sort()
          .map(([c, n]) => `${c}:${n}`)
          .join(' ')}`,
    )
    .join(' | ');
  console.log(
    `fuzz seed=${SEED} requests=${sent} in ${seconds}s | ${table_} | refused with no change: ${refusedUnchanged} | 5xx/no answer: ${serverErrors.length} | refused but changed: ${changedByRefusal.length} | internal errors: ${internalErrors.length}`,
  );

  // Assess
  expect({ serverErrors, changedByRefusal, internalErrors: internalErrors.map(String) }).toEqual({
    serverErrors: [],
    changedByRefusal: [],
    internalErrors: [],
  });
}, 90_000);
