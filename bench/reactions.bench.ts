// Guardrail drift reverted at AWS's limits (issue #14): 200 OUs under `Guarded`, each kept by the reactions
// configuration on one of 4 guardrail SCPs (by path), all 200 detached at once, every DetachPolicy event delivered
// three times (the bus's own delivery and two more, shuffled, while the first ones are being handled), on the local
// stack with throttling on and a sped-up clock. Prints event → revert latency p50/p99 (the detach's time on the
// stack's clock to the `Guardrail Drift Reverted` publication) against the bound AttachPolicy's and DescribePolicy's
// throttles set, the reverting AttachPolicy calls per drift event (target 1.00) and the announcements per event,
// read from the emulator's CloudTrail and the bus; asserts nothing.
//
//   npx tsx bench/reactions.bench.ts                 (BENCH_TIME_SCALE=3 by default: under a minute)
//   BENCH_FUNCTIONS=isolated npx tsx bench/reactions.bench.ts   (each function in its own environments)
//   BENCH_DRIFTS=100 npx tsx bench/reactions.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../local/clock';
import type { EventBridgeEvent } from '../local/eventbridge/bus';
import { OrganizationsEmulator } from '../local/organizations/emulator';
import {
  DEMO_MANAGEMENT_ACCOUNT,
  DENY_LEAVE_ORGANIZATION,
  seedDemoOrganization,
} from '../local/organizations/seed';
import { startLocalStack } from '../local/stack';
import { shuffled } from '../test/e2e/reactions-harness';

const DRIFTS = Number(process.env.BENCH_DRIFTS ?? 200);
const GUARDRAILS = 4;
const DELIVERIES = 3;
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 3);
const FUNCTIONS = process.env.BENCH_FUNCTIONS ?? 'shared';
if (FUNCTIONS !== 'isolated' && FUNCTIONS !== 'shared')
  throw new Error(`BENCH_FUNCTIONS must be isolated or shared, not '${FUNCTIONS}'`);
const functionEnvironments: 'isolated' | 'shared' = FUNCTIONS;
// AWS's throttles of the calls each revert makes once (reference §3.2): rate per second, burst
const ATTACH_POLICY = { rate: 2, burst: 3 };
const DESCRIBE_POLICY = { rate: 2, burst: 2 };
const REAL_TIMEOUT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// figures, not the functions' logs (in shared environments the functions log to this process)
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

const team = (i: number) => `Team-${String(i).padStart(3, '0')}`;

/**
 * Writes, into `dataDir`, the demo organization with an OU `Guarded` holding `drifts` OUs, each with one of
 * `GUARDRAILS` guardrail SCPs attached: built offline, so that its creations are no events for the stack.
 * Returns each OU with its guardrail.
 */
function buildGuardedOrganization(dataDir: string, drifts: number): { policyId: string; targetId: string }[] {
  const emulator = new OrganizationsEmulator({
    dataDir: `${dataDir}/organizations`,
    clock: (resumeFrom) => new ManualClock(Math.max(Date.now(), resumeFrom ?? 0)),
    defaultAccountId: DEMO_MANAGEMENT_ACCOUNT,
  });
  try {
    seedDemoOrganization(emulator);
    const call = <T>(operation: string, input: object) =>
      emulator.call(operation, input, DEMO_MANAGEMENT_ACCOUNT) as T;
    const rootId = call<{ Roots: { Id: string }[] }>('ListRoots', {}).Roots[0]!.Id;
    const guarded = call<{ OrganizationalUnit: { Id: string } }>('CreateOrganizationalUnit', {
      ParentId: rootId,
      Name: 'Guarded',
    }).OrganizationalUnit.Id;
    const policies = Array.from(
      { length: GUARDRAILS },
      (_, k) =>
        call<{ Policy: { PolicySummary: { Id: string } } }>('CreatePolicy', {
          Name: `Guardrail-${k}`,
          Description: `Guardrail ${k} of the reactions bench`,
          Type: 'SERVICE_CONTROL_POLICY',
          Content: DENY_LEAVE_ORGANIZATION,
        }).Policy.PolicySummary.Id,
    );
    return Array.from({ length: drifts }, (_, i) => {
      const targetId = call<{ OrganizationalUnit: { Id: string } }>('CreateOrganizationalUnit', {
        ParentId: guarded,
        Name: team(i),
      }).OrganizationalUnit.Id;
      const policyId = policies[i % GUARDRAILS]!;
      call('AttachPolicy', { PolicyId: policyId, TargetId: targetId });
      return { policyId, targetId };
    });
  } finally {
    emulator.close();
  }
}

/** Guardrail k kept on every `drifts`-th OU from k, by path. */
function reactionsConfig(drifts: number): string {
  return JSON.stringify({
    guardrails: Array.from({ length: GUARDRAILS }, (_, k) => ({
      policy: `Guardrail-${k}`,
      attachedTo: Array.from({ length: drifts }, (_, i) => i)
        .filter((i) => i % GUARDRAILS === k)
        .map((i) => `Guarded/${team(i)}`),
    })),
  });
}

/** The k-th (1-based) call of a token bucket that starts full is answered no sooner than this, in ms. */
const earliestCallMs = (k: number, { rate, burst }: { rate: number; burst: number }) =>
  Math.max(0, ((k - burst) / rate) * 1000);

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'orgflow-reactions-bench-'));
  const drifted = buildGuardedOrganization(dataDir, DRIFTS);
  const stack = await startLocalStack({
    dataDir,
    timeScale: TIME_SCALE,
    functionEnvironments,
    throttling: true,
    reactionsConfig: reactionsConfig(DRIFTS),
    onInternalError: (error) => console.error('internal error:', error),
    // figures, not the functions' logs
    onFunctionLog: () => {},
  });
  // every AttachPolicy the emulator answers or throttles
  let attachCalls = 0;
  let attachThrottled = 0;
  const call = stack.emulator.call.bind(stack.emulator);
  stack.emulator.call = (operation, ...rest) => {
    if (operation !== 'AttachPolicy') return call(operation, ...rest);
    attachCalls++;
    try {
      return call(operation, ...rest);
    } catch (error) {
      if ((error as { type?: string }).type === 'TooManyRequestsException') attachThrottled++;
      throw error;
    }
  };
  // each announcement with the stack's time it was published at
  const reverted: { sourceEventId: string; at: number }[] = [];
  const bus = stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT);
  bus.putRule({
    name: 'bench-guardrail-reverts',
    eventPattern: { source: ['orgflow'], 'detail-type': ['Guardrail Drift Reverted'] },
  });
  bus.putTargets('bench-guardrail-reverts', [
    {
      id: 'bench',
      arn: `arn:aws:lambda:us-east-1:${DEMO_MANAGEMENT_ACCOUNT}:function:bench`,
      deliver: (input) => {
        const { detail } = JSON.parse(input) as { detail: { sourceEventId: string } };
        reverted.push({ sourceEventId: detail.sourceEventId, at: stack.clock.now() });
      },
    },
  ]);
  try {
    const since = stack.emulator.events.lastSequence;

    // the burst: a person's script detaching every guardrail at once (the detaches themselves not throttled,
    // so that the burst is one instant), then each event delivered twice more, shuffled
    const realStart = Date.now();
    const detachedAt = stack.clock.now();
    stack.emulator.throttler.enabled = false;
    for (const { policyId, targetId } of drifted)
      stack.emulator.call(
        'DetachPolicy',
        { PolicyId: policyId, TargetId: targetId },
        DEMO_MANAGEMENT_ACCOUNT,
      );
    stack.emulator.throttler.enabled = true;
    const trail = () => stack.emulator.events.since(since).map((entry) => entry.event as EventBridgeEvent);
    const detaches = trail().filter(
      (event) => (event.detail as { eventName: string }).eventName === 'DetachPolicy',
    );
    for (const event of shuffled(Array.from({ length: DELIVERIES - 1 }, () => detaches).flat()))
      stack.buses.publish(event);

    while (new Set(reverted.map((r) => r.sourceEventId)).size < DRIFTS) {
      if (Date.now() - realStart > REAL_TIMEOUT_MS)
        throw new Error(`only ${reverted.length} of ${DRIFTS} drifts reverted in time`);
      await sleep(100);
    }
    // the deliveries refused while their first was in progress are retried after a backoff: let them end
    await stack.buses.settled();
    await stack.settled();
    const realMs = Date.now() - realStart;

    const attaches = trail().filter((event) => {
      const detail = event.detail as { eventName: string; errorCode?: string };
      return detail.eventName === 'AttachPolicy' && detail.errorCode === undefined;
    }).length;
    const latencies = reverted.map((r) => r.at - detachedAt).sort((a, b) => a - b);
    // the k-th revert needs the k-th DescribePolicy and the k-th AttachPolicy of the burst
    const bounds = Array.from({ length: DRIFTS }, (_, i) =>
      Math.max(earliestCallMs(i + 1, ATTACH_POLICY), earliestCallMs(i + 1, DESCRIBE_POLICY)),
    );
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const fmt = (x: number) => x.toFixed(2);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const p50Bound = percentile(bounds, 50);
    const p99Bound = percentile(bounds, 99);

    console.log(
      `reactions bench: ${DRIFTS} guardrail SCPs detached from ${DRIFTS} OUs at once (${GUARDRAILS} guardrails, kept by path), each event delivered ${DELIVERIES}×; throttling on, clock ×${TIME_SCALE}, ${FUNCTIONS} function environments`,
    );
    console.log(`  real time                               ${s(realMs)}`);
    console.log(
      `  event → revert latency p50 (virtual)    ${s(p50)}   bound ${s(p50Bound)}   ratio ${fmt(p50 / p50Bound)}`,
    );
    console.log(
      `  event → revert latency p99 (virtual)    ${s(p99)}   bound ${s(p99Bound)}   ratio ${fmt(p99 / p99Bound)}`,
    );
    console.log(
      `  last revert (virtual)                   ${s(latencies.at(-1)!)}   bound ${s(bounds.at(-1)!)}`,
    );
    console.log(
      `  bound: AttachPolicy ${ATTACH_POLICY.rate}/s burst ${ATTACH_POLICY.burst} and DescribePolicy ${DESCRIBE_POLICY.rate}/s burst ${DESCRIBE_POLICY.burst} per account (reference §3.2): the k-th revert no sooner than (k − 2) ÷ 2 s`,
    );
    console.log(
      `  reverting AttachPolicy / drift event    ${fmt(attaches / DRIFTS)}   (target 1.00; ${attaches} for ${DRIFTS} events, ${DRIFTS * DELIVERIES} deliveries)`,
    );
    console.log(
      `  announcements / drift event             ${fmt(reverted.length / DRIFTS)}   (target 1.00; ${reverted.length} Guardrail Drift Reverted)`,
    );
    console.log(
      `  AttachPolicy calls answered             ${attachCalls}   (${attachThrottled} throttled, ${fmt(attachCalls / Math.max(1, attaches))} per revert)`,
    );
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
