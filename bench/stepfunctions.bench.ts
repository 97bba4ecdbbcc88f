// Throughput and memory of the Step Functions service (the interpreter behind the API, its store and its
// Lambda task port): transitions per second for a Pass chain and a Task chain with a no-op handler, in
// memory and durable; start-to-finish executions per second for a 10-state machine with 1,000 concurrent
// executions; RSS with 10,000 executions parked in Wait states; the cost of durability. Prints each figure
// with its ratio to the target of issue #4; asserts nothing.
//
//   npx tsx bench/stepfunctions.bench.ts          (node --expose-gc --import tsx … for steadier RSS figures)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../local/clock';
import { LambdaRunner } from '../local/lambda/runner';
import { StepFunctionsService, type StepFunctionsServiceOptions } from '../local/stepfunctions/service/index';

const TRANSITIONS_IN_MEMORY = 10_000;
const TRANSITIONS_DURABLE = 2_000;
const WAITING_RSS_MB = 500;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/bench`;
const NOOP = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:noop`;

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgflow-sfn-bench-'));
  dirs.push(dir);
  return dir;
}

function runner(): LambdaRunner {
  const lambda = new LambdaRunner({
    accountId: ACCOUNT,
    importModule: async () => ({ handler: async () => ({ ok: true }) }),
  });
  lambda.register('noop', { module: 'bench-noop', export: 'handler', timeoutMs: 30_000, memoryMb: 128 });
  return lambda;
}

type Mode = 'in memory' | 'durable';

function service(mode: Mode, extra: StepFunctionsServiceOptions = {}): StepFunctionsService {
  return new StepFunctionsService({
    accountId: ACCOUNT,
    lambda: runner(),
    clock: new ManualClock(),
    ...(mode === 'durable' ? { dataDir: freshDir() } : {}),
    ...extra,
  });
}

function chain(count: number, state: (i: number) => object): string {
  const states: Record<string, object> = {};
  for (let i = 0; i < count; i++)
    states[`S${i}`] = { ...state(i), ...(i === count - 1 ? { End: true } : { Next: `S${i + 1}` }) };
  return JSON.stringify({ StartAt: 'S0', States: states });
}

const input = JSON.stringify({
  request: { id: 'req-1', email: 'someone@example.com', tags: ['a', 'b', 'c'] },
});

function line(label: string, value: number, unit: string, target: number, lowerIsBetter = false): void {
  const ratio = lowerIsBetter ? target / value : value / target;
  const shown = Math.round(value).toLocaleString('en-US');
  console.log(`${label.padEnd(66)} ${shown.padStart(10)} ${unit.padEnd(14)} ${ratio.toFixed(1)}× target`);
}

/** Runs one execution after another for about SECONDS; returns transitions/s. */
async function sequential(mode: Mode, definition: string): Promise<number> {
  const sfn = service(mode);
  const { stateMachineArn } = sfn.createStateMachine({ name: 'bench', definition, roleArn: ROLE });
  const once = async () => {
    const { executionArn } = await sfn.startExecution({ stateMachineArn, input });
    const end = await sfn.waitForExecution(executionArn);
    if (end.status !== 'SUCCEEDED') throw new Error(`the bench execution ended ${end.status}: ${end.cause}`);
  };
  await once(); // warm-up
  const before = sfn.transitionCount;
  const begin = performance.now();
  while (performance.now() - begin < SECONDS * 1000) await once();
  const seconds = (performance.now() - begin) / 1000;
  const transitions = sfn.transitionCount - before;
  sfn.close();
  return transitions / seconds;
}

/** Journal bytes per transition of one execution. */
async function recordSize(definition: string): Promise<number> {
  const sfn = service('durable');
  const dir = dirs.at(-1) as string;
  const { stateMachineArn } = sfn.createStateMachine({ name: 'bench', definition, roleArn: ROLE });
  const before = statSync(join(dir, 'stepfunctions.journal.jsonl')).size;
  const { executionArn } = await sfn.startExecution({ stateMachineArn, input });
  await sfn.waitForExecution(executionArn);
  const bytes = statSync(join(dir, 'stepfunctions.journal.jsonl')).size - before;
  const transitions = sfn.transitionCount;
  sfn.close();
  return bytes / transitions;
}

/** Rounds of 1,000 executions of a 10-state machine started at once; returns executions/s and transitions/s. */
async function concurrent(
  mode: Mode,
): Promise<{ executions: number; transitions: number; perExecution: number }> {
  const sfn = service(mode);
  const definition = JSON.stringify({
    StartAt: 'Validate',
    States: {
      Validate: {
        Type: 'Pass',
        Parameters: { 'id.$': '$.request.id', 'email.$': '$.request.email' },
        Next: 'Create',
      },
      Create: { Type: 'Task', Resource: NOOP, ResultPath: '$.created', Next: 'Created?' },
      'Created?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.created.ok', BooleanEquals: true, Next: 'Tag' }],
        Default: 'Failed',
      },
      Tag: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: NOOP, 'Payload.$': '$' },
        ResultSelector: { 'tagged.$': '$.Payload.ok' },
        ResultPath: '$.tag',
        Next: 'Move',
      },
      Move: { Type: 'Task', Resource: NOOP, ResultPath: '$.moved', Next: 'Record' },
      Record: { Type: 'Pass', Result: 'recorded', ResultPath: '$.record', Next: 'Announce' },
      Announce: { Type: 'Task', Resource: NOOP, ResultPath: null, Next: 'Summarise' },
      Summarise: { Type: 'Pass', Parameters: { 'id.$': '$.id', 'tag.$': '$.tag' }, Next: 'Check' },
      Check: {
        Type: 'Choice',
        Choices: [{ Variable: '$.id', IsString: true, Next: 'Done' }],
        Default: 'Failed',
      },
      Done: { Type: 'Succeed' },
      Failed: { Type: 'Fail', Error: 'NotCreated' },
    },
  });
  const { stateMachineArn } = sfn.createStateMachine({ name: 'ten', definition, roleArn: ROLE });
  const batch = async (count: number) => {
    const started = await Promise.all(
      Array.from({ length: count }, () => sfn.startExecution({ stateMachineArn, input })),
    );
    const ends = await Promise.all(started.map(({ executionArn }) => sfn.waitForExecution(executionArn)));
    const failed = ends.find((end) => end.status !== 'SUCCEEDED');
    if (failed) throw new Error(`an execution ended ${failed.status}: ${failed.cause}`);
  };
  await batch(1000); // warm-up
  const before = sfn.transitionCount;
  const begin = performance.now();
  const rounds = 3;
  for (let round = 0; round < rounds; round++) await batch(1000);
  const seconds = (performance.now() - begin) / 1000;
  const transitions = sfn.transitionCount - before;
  sfn.close();
  return {
    executions: (rounds * 1000) / seconds,
    transitions: transitions / seconds,
    perExecution: transitions / (rounds * 1000),
  };
}

/** RSS once 10,000 executions wait in a Wait state of one hour. */
async function parked(mode: Mode): Promise<{ rssMb: number; deltaMb: number; seconds: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage().rss;
  const sfn = service(mode);
  const definition = JSON.stringify({
    StartAt: 'Prepare',
    States: {
      Prepare: { Type: 'Pass', Parameters: { 'request.$': '$.request' }, Next: 'Wait For Account' },
      'Wait For Account': { Type: 'Wait', Seconds: 3600, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  });
  const { stateMachineArn } = sfn.createStateMachine({ name: 'parked', definition, roleArn: ROLE });
  const begin = performance.now();
  for (let i = 0; i < 10_000; i += 500)
    await Promise.all(
      Array.from({ length: 500 }, (_, k) =>
        sfn.startExecution({ stateMachineArn, name: `request-${i + k}`, input }),
      ),
    );
  // start, Prepare, entering the Wait: three transitions each
  while (sfn.transitionCount < 10_000 * 3) await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = (performance.now() - begin) / 1000;
  gc?.();
  const rss = process.memoryUsage().rss;
  if (sfn.runningCount !== 10_000) throw new Error(`${sfn.runningCount} executions are running, not 10,000`);
  sfn.close();
  return { rssMb: rss / 2 ** 20, deltaMb: (rss - baseline) / 2 ** 20, seconds };
}

try {
  const waitingMemory = await parked('in memory');
  line(
    'RSS with 10,000 executions parked in a Wait, in memory',
    waitingMemory.rssMb,
    'MB',
    WAITING_RSS_MB,
    true,
  );
  const waitingDurable = await parked('durable');
  line(
    'RSS with 10,000 executions parked in a Wait, durable',
    waitingDurable.rssMb,
    'MB',
    WAITING_RSS_MB,
    true,
  );
  console.log(
    `  (process RSS; the executions added ${Math.round(waitingMemory.deltaMb)} MB in memory, ${Math.round(waitingDurable.deltaMb)} MB durable; parked in ${waitingMemory.seconds.toFixed(1)} s / ${waitingDurable.seconds.toFixed(1)} s)`,
  );

  const passes = chain(1000, () => ({ Type: 'Pass' }));
  const tasks = chain(200, () => ({ Type: 'Task', Resource: NOOP, ResultPath: '$.last' }));

  const passMemory = await sequential('in memory', passes);
  line('Pass chain (1,000 states), in memory', passMemory, 'transitions/s', TRANSITIONS_IN_MEMORY);
  const passDurable = await sequential('durable', passes);
  line('Pass chain (1,000 states), durable', passDurable, 'transitions/s', TRANSITIONS_DURABLE);
  const taskMemory = await sequential('in memory', tasks);
  line(
    'Task chain (200 states, no-op Lambda handler), in memory',
    taskMemory,
    'transitions/s',
    TRANSITIONS_IN_MEMORY,
  );
  const taskDurable = await sequential('durable', tasks);
  line(
    'Task chain (200 states, no-op Lambda handler), durable',
    taskDurable,
    'transitions/s',
    TRANSITIONS_DURABLE,
  );

  // an executions/s target follows from the transitions target: it is that divided by transitions per execution
  const manyMemory = await concurrent('in memory');
  line(
    '10-state machine, 1,000 concurrent executions, in memory',
    manyMemory.executions,
    'executions/s',
    TRANSITIONS_IN_MEMORY / manyMemory.perExecution,
  );
  const manyDurable = await concurrent('durable');
  line(
    '10-state machine, 1,000 concurrent executions, durable',
    manyDurable.executions,
    'executions/s',
    TRANSITIONS_DURABLE / manyDurable.perExecution,
  );
  console.log(`  (${manyDurable.perExecution} transitions per execution)`);

  console.log('cost of durability (durable / in memory throughput):');
  for (const [label, durable, memory] of [
    ['Pass chain', passDurable, passMemory],
    ['Task chain', taskDurable, taskMemory],
    ['1,000 concurrent executions', manyDurable.transitions, manyMemory.transitions],
  ] as const)
    console.log(`  ${label.padEnd(30)} ${(durable / memory).toFixed(2)}`);
  const sizes = [await recordSize(passes), await recordSize(tasks)].map(Math.round);
  console.log(`journal bytes per transition: Pass chain ${sizes[0]}, Task chain ${sizes[1]}`);
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
