// Enabling all features at AcceptHandshake's limits (issue #13): a consolidated-billing organization of 200 invited
// members, every one reachable through the approval role, taken to ALL by the AllFeaturesMigration state machine
// on the local stack with throttling on and a sped-up clock. Prints the time to ALL against the bound AcceptHandshake's
// organization rate sets (200 acceptances at 5 a second: 40 s), the Organizations and STS calls per member and
// the state transitions per member, read from the emulator's and the engine's own records; asserts nothing.
//
//   npx tsx bench/all-features.bench.ts                 (BENCH_TIME_SCALE=3 by default: about 16 s)
//   BENCH_FUNCTIONS=isolated npx tsx bench/all-features.bench.ts   (each function in its own environments)
//   BENCH_MEMBERS=500 npx tsx bench/all-features.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../local/stack';
import { buildConsolidatedBillingOrganization } from '../test/all-features/consolidated-organization';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);
// ×3: pacing keeps 5 % under AWS's rate (1.05 at best); a faster clock turns the functions' own latency (ms, real)
// into virtual seconds on the critical path (measured: 1.20 at ×3, 1.28 at ×5, about 1.5 at ×10)
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 3);
const FUNCTIONS = process.env.BENCH_FUNCTIONS ?? 'shared';
if (FUNCTIONS !== 'isolated' && FUNCTIONS !== 'shared')
  throw new Error(`BENCH_FUNCTIONS must be isolated or shared, not '${FUNCTIONS}'`);
const functionEnvironments: 'isolated' | 'shared' = FUNCTIONS;
// AcceptHandshake: 5 calls per second per organization (reference §3.2)
const ORGANIZATION_RATE = 5;
const REAL_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// figures, not the functions' logs (in shared environments the functions log to this process)
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-all-features-bench-'));
  buildConsolidatedBillingOrganization(dataDir, { reachable: MEMBERS, unreachable: 0, created: 0 });
  const stack = await startLocalStack({
    dataDir,
    timeScale: TIME_SCALE,
    functionEnvironments,
    throttling: true,
    onInternalError: (error) => console.error('internal error:', error),
    onFunctionLog: () => {},
  });
  // every Organizations call the emulator answers or refuses, by operation, and the moment the organization is ALL
  const calls = new Map<string, number>();
  const throttled = new Map<string, number>();
  let allAt: number | undefined;
  const call = stack.emulator.call.bind(stack.emulator);
  stack.emulator.call = (operation, ...rest) => {
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    try {
      const result = call(operation, ...rest);
      if (allAt === undefined && [...stack.emulator.store.organizations.values()][0]?.featureSet === 'ALL')
        allAt = stack.clock.now();
      return result;
    } catch (error) {
      if ((error as { type?: string }).type === 'TooManyRequestsException')
        throttled.set(operation, (throttled.get(operation) ?? 0) + 1);
      throw error;
    }
  };
  // AssumeRole answered: the sessions the local STS issues
  const sessionsBefore = stack.emulator.store.sessionCredentials.size;
  try {
    const realStart = Date.now();
    const startedAt = stack.clock.now();
    const { executionArn } = await stack.stepFunctions.startExecution({
      stateMachineArn: stack.stateMachineArns.AllFeaturesMigration!,
      name: 'afm-bench',
      input: JSON.stringify({ migrationId: 'afm-bench' }),
    });
    let status = 'RUNNING';
    while (status === 'RUNNING') {
      if (Date.now() - realStart > REAL_TIMEOUT_MS) throw new Error('the migration did not end in time');
      await sleep(50);
      status = stack.stepFunctions.describeExecution({ executionArn }).status;
    }
    if (status !== 'SUCCEEDED' || allAt === undefined) {
      const { error, cause } = stack.stepFunctions.describeExecution({ executionArn });
      throw new Error(`the migration ended ${status}: ${error} ${cause}`);
    }
    const timeToAllMs = allAt - startedAt;
    const boundMs = (MEMBERS / ORGANIZATION_RATE) * 1000;

    // AWS bills a transition per state entered and per retry
    let transitions = 0;
    let next: string | undefined;
    do {
      const page = stack.stepFunctions.getExecutionHistory({
        executionArn,
        maxResults: 1000,
        nextToken: next,
        includeExecutionData: false,
      });
      const entered = page.events.filter((e) => e.type.endsWith('StateEntered')).length;
      const scheduled = page.events.filter(
        (e) => e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled',
      ).length;
      const tasks = page.events.filter((e) => e.type === 'TaskStateEntered').length;
      transitions += entered + Math.max(0, scheduled - tasks);
      next = page.nextToken;
    } while (next);
    const organizationsCalls = [...calls.values()].reduce((a, b) => a + b, 0);
    const stsCalls = stack.emulator.store.sessionCredentials.size - sessionsBefore;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const fmt = (x: number) => x.toFixed(2);
    const byOperation = (counts: Map<string, number>) =>
      [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([operation, n]) => `${n} ${operation}`)
        .join(', ') || 'none';

    console.log(
      `all-features bench: ${MEMBERS} invited members, all reachable through the approval role; throttling on, clock ×${TIME_SCALE}, ${FUNCTIONS} function environments`,
    );
    console.log(`  real time                          ${s(Date.now() - realStart)}`);
    console.log(`  time to ALL (virtual)              ${s(timeToAllMs)}`);
    console.log(
      `  bound                              ${s(boundMs)} = ${MEMBERS} AcceptHandshake ÷ ${ORGANIZATION_RATE} per second for the organization`,
    );
    console.log(`  time to ALL ÷ bound                ${fmt(timeToAllMs / boundMs)}   (target ≤ 1.3)`);
    console.log(
      `  Organizations calls / member       ${fmt(organizationsCalls / MEMBERS)}   (${byOperation(calls)})`,
    );
    console.log(`  STS calls / member                 ${fmt(stsCalls / MEMBERS)}   (${stsCalls} AssumeRole)`);
    console.log(
      `  state transitions / member         ${fmt(transitions / MEMBERS)}   (${transitions} in all)`,
    );
    console.log(`  throttled                          ${byOperation(throttled)}`);
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
