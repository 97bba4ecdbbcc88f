// What Lambda-faithful local functions cost (issue #11): each function in execution environments of its own
// (worker threads, `isolated`) against every handler in the caller's thread (`shared`). Runs a real step
// (Tag Account: the SDK, zod and the Powertools logger load with it) on an event it refuses, so no service is
// called. Prints the memory per environment (RSS growth over BENCH_ENVIRONMENTS of them), and the cold (first
// invocation of a new environment) and warm invocation latency, p50 / p95; asserts nothing.
//
//   npx tsx bench/lambda.bench.ts       (BENCH_COLD=8 BENCH_WARM=300 BENCH_ENVIRONMENTS=8 by default)
import { join, resolve } from 'node:path';
import { functions } from '../catalog/functions';
import { LambdaRunner, type LambdaRunnerOptions } from '../local/lambda/runner';

const COLD = Number(process.env.BENCH_COLD ?? 8);
const WARM = Number(process.env.BENCH_WARM ?? 300);
const ENVIRONMENTS = Number(process.env.BENCH_ENVIRONMENTS ?? 8);

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const step = functions.TagAccount;
type Environments = NonNullable<LambdaRunnerOptions['environments']>;

function runner(environments: Environments, names: string[]): LambdaRunner {
  const lambda = new LambdaRunner({ accountId: '111111111111', environments, onLog: () => {} });
  for (const name of names)
    lambda.register(name, {
      module: join(root, step.entry),
      export: step.handler,
      timeoutMs: step.timeoutSeconds * 1000,
      memoryMb: step.memoryMb,
    });
  return lambda;
}

async function timed(invoke: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await invoke();
  return performance.now() - start;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(values, 95).toFixed(1).padStart(7)} ms`;

const settledRss = async () => {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return process.memoryUsage().rss;
};

async function measure(environments: Environments) {
  // cold: a new environment each time (a new function name, so nothing is warm)
  const cold: number[] = [];
  const coldRunner = runner(
    environments,
    Array.from({ length: COLD }, (_, i) => `Cold${i}`),
  );
  for (let i = 0; i < COLD; i++) cold.push(await timed(() => coldRunner.invoke(`Cold${i}`, {})));
  await coldRunner.close();

  // warm: one environment, invoked again and again
  const warmRunner = runner(environments, ['Warm']);
  await warmRunner.invoke('Warm', {});
  const warm: number[] = [];
  for (let i = 0; i < WARM; i++) warm.push(await timed(() => warmRunner.invoke('Warm', {})));
  await warmRunner.close();

  // memory: RSS growth once ENVIRONMENTS functions each have a warm environment
  const before = await settledRss();
  const names = Array.from({ length: ENVIRONMENTS }, (_, i) => `Memory${i}`);
  const memoryRunner = runner(environments, names);
  for (const name of names) await memoryRunner.invoke(name, {});
  const after = await settledRss();
  await memoryRunner.close();
  return { cold, warm, perEnvironmentMb: (after - before) / ENVIRONMENTS / 2 ** 20 };
}

async function main() {
  console.log(
    `Lambda environments: ${step.entry}, ${COLD} cold starts, ${WARM} warm invocations, ${ENVIRONMENTS} environments for memory`,
  );
  // shared first: its first import also warms this thread's caches, which isolated environments never share
  for (const environments of ['shared', 'isolated'] as const) {
    const { cold, warm, perEnvironmentMb } = await measure(environments);
    console.log(`  ${environments.padEnd(8)}  cold  ${ms(cold)}`);
    console.log(`  ${''.padEnd(8)}  warm  ${ms(warm)}`);
    console.log(`  ${''.padEnd(8)}  memory per environment  ${perEnvironmentMb.toFixed(1)} MB RSS`);
  }
}

await main();
