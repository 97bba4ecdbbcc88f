// Batch closure at AWS's limits (issue #12): an organization of 1,000 members (a closure quota of 250 in 30
// days) asked to close 300 accounts, on the local stack with AWS's defaults (3 closures in flight, CloseAccount
// throttled at 0.05 call per second with a burst of 1, a closure taking the emulator's minute) on a sped-up
// clock. Prints the makespan of the 250 closures the quota allows now against the lower bound, CloseAccount
// calls and state transitions per closed account, the most closures in flight and the quota errors, all read
// from the emulator's own record; asserts nothing.
//
//   npx tsx bench/closure.bench.ts               (BENCH_TIME_SCALE=10 by default: about 9 minutes)
//   BENCH_FUNCTIONS=shared npx tsx bench/closure.bench.ts   (every function in this process; default: isolated)
//   BENCH_CLOSE_SECONDS=30 npx tsx bench/closure.bench.ts   (how long a closure stays PENDING_CLOSURE)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLimits } from '../local/organizations/config';
import {
  buildLargeOrganization,
  closureBatchInput,
  mostClosuresInFlight,
} from '../local/organizations/large-organization';
import { DEMO_MANAGEMENT_ACCOUNT } from '../local/organizations/seed';
import { startLocalStack } from '../local/stack';

const MEMBERS = 1000;
const ASKED = 300;
const QUOTA = 250;
// x10: CloseAccount's pacing keeps 1 s of margin under AWS's 20 s; at x20 the functions' own latency (tens of
// ms, real) becomes seconds of virtual time, eats it and gets calls throttled (measured: 1.14 at x20, 1.08 at x10)
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 10);
const FUNCTIONS = process.env.BENCH_FUNCTIONS ?? 'isolated';
if (FUNCTIONS !== 'isolated' && FUNCTIONS !== 'shared')
  throw new Error(`BENCH_FUNCTIONS must be isolated or shared, not '${FUNCTIONS}'`);
const functionEnvironments: 'isolated' | 'shared' = FUNCTIONS;
const CLOSE_MS =
  Number(process.env.BENCH_CLOSE_SECONDS ?? defaultLimits.closeAccountDurationMs / 1000) * 1000;
if (!(CLOSE_MS > 0)) throw new Error('BENCH_CLOSE_SECONDS must be a number of seconds above 0');
// AWS's limits (reference §3.1, §3.2)
const IN_FLIGHT = 3;
const CLOSE_INTERVAL_MS = 20_000;
const REAL_TIMEOUT_MS = 30 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// figures, not the functions' logs (in shared environments the functions log to this process)
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-closure-bench-'));
  const org = buildLargeOrganization(dataDir, MEMBERS, ASKED);
  const stack = await startLocalStack({
    dataDir,
    timeScale: TIME_SCALE,
    functionEnvironments,
    throttling: true,
    limits: { accountQuota: MEMBERS + 100, closeAccountDurationMs: CLOSE_MS },
    // AWS's quota for the organization's size (the demo configuration caps its own closures)
    closureConfig: JSON.stringify({ callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`] }),
    onInternalError: (error) => console.error('internal error:', error),
    // figures, not the functions' logs
    onFunctionLog: () => {},
  });
  // every CloseAccount the emulator answers or refuses, and every refusal's reason
  let closeCalls = 0;
  const refusals = new Map<string, number>();
  const call = stack.emulator.call.bind(stack.emulator);
  stack.emulator.call = (operation, ...rest) => {
    if (operation !== 'CloseAccount') return call(operation, ...rest);
    closeCalls++;
    try {
      return call(operation, ...rest);
    } catch (error) {
      // the emulator's errors carry AWS's __type and Reason
      const { type, reason } = error as { type?: string; reason?: string };
      const key = reason ?? type ?? 'error';
      refusals.set(key, (refusals.get(key) ?? 0) + 1);
      throw error;
    }
  };
  try {
    const realStart = Date.now();
    const startedAt = stack.clock.now();
    const batch = await stack.stepFunctions.startExecution({
      stateMachineArn: stack.stateMachineArns.ClosureBatch!,
      name: 'cb-bench',
      input: JSON.stringify(
        closureBatchInput(
          { accountIds: [org.managementAccount, org.protectedAccount], organizationalUnit: 'Sweep' },
          'closure bench',
        ),
      ),
    });
    const closures = () => [...stack.emulator.store.closures.values()];
    const done = () => closures().filter((c) => c.completedAt !== null);
    while (done().length < QUOTA) {
      if (Date.now() - realStart > REAL_TIMEOUT_MS) throw new Error(`only ${done().length} closures in time`);
      await sleep(250);
    }
    const finished = done().sort((a, b) => (a.completedAt as number) - (b.completedAt as number));
    const makespanMs = (finished[QUOTA - 1]!.completedAt as number) - startedAt;
    const lowerBoundMs = Math.max(QUOTA * CLOSE_INTERVAL_MS, Math.ceil(QUOTA / IN_FLIGHT) * CLOSE_MS);

    const maxInFlight = mostClosuresInFlight(stack.emulator);

    // AWS bills a transition per state entered and per retry: the batch's and each finished closure's
    const children = stack.stepFunctions
      .listExecutions({ stateMachineArn: stack.stateMachineArns.AccountClosure!, maxResults: 1000 })
      .executions.filter((e) => e.status !== 'RUNNING');
    let transitions = 0;
    for (const executionArn of [batch.executionArn, ...children.map((e) => e.executionArn)]) {
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
    }
    const closed = children.filter((e) => e.status === 'SUCCEEDED').length;
    const quotaErrors = refusals.get('CLOSE_ACCOUNT_QUOTA_EXCEEDED') ?? 0;
    const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
    const fmt = (x: number) => x.toFixed(2);

    console.log(
      `closure bench: ${MEMBERS} members (quota ${QUOTA}), ${ASKED} asked for + the management and a protected account; throttling on, clock ×${TIME_SCALE}, ${FUNCTIONS} function environments; a closure takes ${s(CLOSE_MS)}`,
    );
    console.log(`  real time                           ${s(Date.now() - realStart)}`);
    console.log(`  makespan of the ${QUOTA} closures (virtual) ${s(makespanMs)}`);
    console.log(
      `  lower bound                         ${s(lowerBoundMs)} = max(${QUOTA} × 20 s, ceil(${QUOTA}/${IN_FLIGHT}) × ${s(CLOSE_MS)})`,
    );
    console.log(`  makespan ÷ lower bound              ${fmt(makespanMs / lowerBoundMs)}   (target ≤ 1.10)`);
    console.log(
      `  CloseAccount calls / closed account ${fmt(closeCalls / Math.max(1, finished.length))}   (target ≤ 1.2; ${closeCalls} calls for ${finished.length} closures)`,
    );
    console.log(
      `  state transitions / closed account  ${fmt(transitions / Math.max(1, closed))}   (the batch's and ${closed} closure executions', retries included)`,
    );
    console.log(`  most closures in flight             ${maxInFlight}   (AWS allows ${IN_FLIGHT})`);
    console.log(`  quota errors                        ${quotaErrors}   (target 0)`);
    console.log(
      `  CloseAccount refused                ${[...refusals.entries()].map(([reason, n]) => `${n}×${reason}`).join(', ') || 'never'}`,
    );
    console.log(`  deferred (waiting for the window)   ${ASKED - finished.length} of ${ASKED}`);
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
