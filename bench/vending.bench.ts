// Account vending at scale: N accounts asked for at once through the API on the local stack with AWS's
// defaults (5 creations in progress, the published throttling rates, creation times drawn from the default
// range) on a sped-up clock. Prints the makespan against the quota-bound optimum, Organizations calls and state
// transitions per vended account, errors surfaced to requesters and duplicates (issue #6); asserts nothing.
//
//   npx tsx bench/vending.bench.ts          (BENCH_ACCOUNTS=100 BENCH_TIME_SCALE=10 by default)
//   BENCH_FUNCTIONS=shared npx tsx bench/vending.bench.ts   (every function in this process; default: isolated, as npm start)
//   BENCH_CREATE_SECONDS=45-75 npx tsx bench/vending.bench.ts   (creation times in seconds; default: the emulator's)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiTarget, callApi } from '../cli/api';
import { defaultLimits } from '../local/organizations/config';
import { DEMO_MANAGEMENT_ACCOUNT } from '../local/organizations/seed';
import { startLocalStack } from '../local/stack';

const N = Number(process.env.BENCH_ACCOUNTS ?? 100);
// x10: at x50 the functions' own latency (tens of ms, real) becomes seconds of virtual time and skews the pacing
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 10);
const FUNCTIONS = process.env.BENCH_FUNCTIONS ?? 'isolated';
if (FUNCTIONS !== 'isolated' && FUNCTIONS !== 'shared')
  throw new Error(`BENCH_FUNCTIONS must be isolated or shared, not '${FUNCTIONS}'`);
const functionEnvironments: 'isolated' | 'shared' = FUNCTIONS;
const SLOTS = defaultLimits.concurrentAccountCreations;
// AWS's published CreateAccount throttle (reference §3.2): 0.1 call per second, a burst of 3
const CREATE_RATE = 0.1;
const CREATE_BURST = 3;
const CREATE_SECONDS = process.env.BENCH_CREATE_SECONDS?.split('-').map((x) => Number(x) * 1000) as
  | [number, number]
  | undefined;
if (CREATE_SECONDS && (CREATE_SECONDS.length !== 2 || CREATE_SECONDS.some((x) => !Number.isFinite(x))))
  throw new Error('BENCH_CREATE_SECONDS must be <min>-<max> in seconds, e.g. 45-75');
const REAL_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-vending-bench-'));
  const stack = await startLocalStack({
    dataDir,
    timeScale: TIME_SCALE,
    functionEnvironments,
    throttling: true,
    // the only default changed: AWS's default quota of 10 accounts per organization would stop at 4 new ones
    limits: { accountQuota: N + 50, ...(CREATE_SECONDS ? { createAccountDurationMs: CREATE_SECONDS } : {}) },
    onInternalError: (error) => console.error('internal error:', error),
  });
  // count every Organizations call the emulator answers or refuses (reads are not published as events, so
  // the emulator's single entry point is wrapped): the API's validation, the workflow's steps, nothing else
  const calls = new Map<string, number>();
  let counting = true;
  const call = stack.emulator.call.bind(stack.emulator);
  stack.emulator.call = (operation, ...rest) => {
    if (counting) calls.set(operation, (calls.get(operation) ?? 0) + 1);
    return call(operation, ...rest);
  };
  const refusedByApi = new Map<number, number>();
  try {
    const api: ApiTarget = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };
    const body = (i: number) => ({
      accountName: `Bench ${i}`,
      email: `bench-${i}@example.com`,
      organizationalUnit: 'Workloads/Dev',
      tags: [{ key: 'bench', value: String(i) }],
      policies: ['DenyLeaveOrganization'],
    });
    const startedAt = stack.clock.now();
    const realStart = Date.now();
    // every requester asks at once and, refused (the API's own reads are throttled), asks again with its key
    const submitted = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const response = await callApi(api, 'POST', '/account-requests', body(i), {
            'idempotency-key': `bench-${i}`,
          });
          if (response.status === 202) return (response.body as { requestId: string }).requestId;
          refusedByApi.set(response.status, (refusedByApi.get(response.status) ?? 0) + 1);
          if (response.status < 429) throw new Error(`POST ${i}: ${JSON.stringify(response.body)}`);
          await sleep(100 + Math.random() * 400);
        }
        return undefined;
      }),
    );
    const allAcceptedAt = stack.clock.now();
    const arn = stack.stateMachineArns.AccountVending!;
    const executions = () => {
      const all = [];
      let nextToken: string | undefined;
      do {
        const page = stack.stepFunctions.listExecutions({
          stateMachineArn: arn,
          maxResults: 1000,
          nextToken,
        });
        all.push(...page.executions);
        nextToken = page.nextToken;
      } while (nextToken);
      return all;
    };
    while (executions().some((e) => e.status === 'RUNNING')) {
      if (Date.now() - realStart > REAL_TIMEOUT_MS) throw new Error('the executions did not finish in time');
      await sleep(250);
    }
    counting = false;
    const finished = executions();
    const makespanMs = Math.max(...finished.map((e) => e.stopDate!.getTime())) - startedAt;

    // creation times as AWS (the emulator) reports them, and accounts per email
    const statuses: {
      AccountName: string;
      RequestedTimestamp: number;
      CompletedTimestamp?: number;
      State: string;
    }[] = [];
    let token: string | undefined;
    do {
      const page = stack.emulator.call(
        'ListCreateAccountStatus',
        { ...(token ? { NextToken: token } : {}) },
        DEMO_MANAGEMENT_ACCOUNT,
      ) as { CreateAccountStatuses: typeof statuses; NextToken?: string };
      statuses.push(...page.CreateAccountStatuses);
      token = page.NextToken;
    } while (token);
    const durations = statuses
      .filter((s) => s.AccountName.startsWith('Bench ') && s.State === 'SUCCEEDED' && s.CompletedTimestamp)
      .map((s) => (Number(s.CompletedTimestamp) - Number(s.RequestedTimestamp)) * 1000);
    const meanCreationMs = durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length);
    const [minCreate, maxCreate] = CREATE_SECONDS ?? defaultLimits.createAccountDurationMs;
    const nominalMeanMs = (minCreate + maxCreate) / 2;
    const byEmail = new Map<string, number>();
    for (const account of stack.emulator.store.accounts.values())
      byEmail.set(account.email.toLowerCase(), (byEmail.get(account.email.toLowerCase()) ?? 0) + 1);
    const duplicates = [...byEmail.entries()].filter(
      ([email, count]) => email.startsWith('bench-') && count > 1,
    ).length;

    // AWS bills a transition per state entered and per retry of a state: count both
    let transitions = 0;
    let retries = 0;
    let historyEvents = 0;
    for (const execution of finished) {
      let next: string | undefined;
      do {
        const page = stack.stepFunctions.getExecutionHistory({
          executionArn: execution.executionArn,
          maxResults: 1000,
          nextToken: next,
          includeExecutionData: false,
        });
        historyEvents += page.events.length;
        transitions += page.events.filter((e) => e.type.endsWith('StateEntered')).length;
        retries +=
          page.events.filter((e) => e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled')
            .length - page.events.filter((e) => e.type === 'TaskStateEntered').length;
        next = page.nextToken;
      } while (next);
    }

    const vended = finished.filter((e) => e.status === 'SUCCEEDED').length;
    const failed = finished.filter((e) => e.status !== 'SUCCEEDED').length;
    const neverAccepted = submitted.filter((id) => id === undefined).length;
    const totalCalls = [...calls.values()].reduce((a, b) => a + b, 0);
    const optimumMs = Math.ceil(N / SLOTS) * meanCreationMs;
    // the CreateAccount throttle alone: the burst at once, then one call per 1/rate
    const rateBoundMs = (Math.max(0, N - CREATE_BURST) / CREATE_RATE) * 1000;
    const lowerBoundMs = Math.max(optimumMs, rateBoundMs);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const fmt = (x: number) => x.toFixed(2);

    console.log(
      `vending bench: N=${N}, ${SLOTS} creations in progress, throttling on, clock ×${TIME_SCALE}, ${FUNCTIONS} function environments`,
    );
    console.log(`  real time                         ${s(Date.now() - realStart)}`);
    console.log(`  all POSTs accepted after          ${s(allAcceptedAt - startedAt)} (virtual)`);
    console.log(`  makespan (virtual)                ${s(makespanMs)}`);
    console.log(
      `  mean creation time (measured)     ${s(meanCreationMs)} over ${durations.length} creations (nominal ${s(nominalMeanMs)})`,
    );
    console.log(`  optimum ceil(N/${SLOTS}) × mean          ${s(optimumMs)}`);
    console.log(`  makespan ÷ optimum                ${fmt(makespanMs / optimumMs)}   (target ≤ 1.15)`);
    console.log(
      `  CreateAccount rate bound          ${s(rateBoundMs)} (${CREATE_RATE}/s, burst ${CREATE_BURST}: ${fmt(rateBoundMs / optimumMs)} × optimum)`,
    );
    console.log(
      `  makespan ÷ max(optimum, rate bound) ${fmt(makespanMs / lowerBoundMs)}   (the best any client can do within AWS's limits)`,
    );
    console.log(
      `  Organizations calls / vended      ${fmt(totalCalls / Math.max(1, vended))}   (target ≤ 8; ${totalCalls} calls incl. throttled and the API's validation)`,
    );
    console.log(
      `    by operation: ${[...calls.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `  state transitions / vended        ${fmt((transitions + retries) / Math.max(1, vended))}   (target ≤ 30; ${fmt(transitions / Math.max(1, vended))} states entered + ${fmt(retries / Math.max(1, vended))} retries; ${fmt(historyEvents / Math.max(1, vended))} history events)`,
    );
    console.log(
      `  errors surfaced to requesters     ${failed} FAILED, ${neverAccepted} never accepted   (target 0)`,
    );
    console.log(
      `  POST refusals retried by clients  ${[...refusedByApi.entries()].map(([status, n]) => `${n}×${status}`).join(', ') || 'none'}`,
    );
    console.log(`  duplicates (emails with >1 account) ${duplicates}   (must be 0)`);
    console.log(`  vended                            ${vended} of ${N}`);
    if (failed > 0) {
      const errors = new Map<string, number>();
      for (const e of finished.filter((x) => x.status !== 'SUCCEEDED')) {
        const error =
          stack.stepFunctions.describeExecution({ executionArn: e.executionArn }).error ?? e.status;
        const { events } = stack.stepFunctions.getExecutionHistory({
          executionArn: e.executionArn,
          maxResults: 1000,
          reverseOrder: true,
          includeExecutionData: false,
        });
        const step = events.find(
          (event) =>
            event.type === 'TaskStateEntered' &&
            event.stateEnteredEventDetails?.name !== 'Release Create Slot After Failure',
        )?.stateEnteredEventDetails?.name;
        const key = `${error} in ${step ?? '?'}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
      console.log(`    failures: ${[...errors.entries()].map(([e, n]) => `${e} ${n}`).join(', ')}`);
    }
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
