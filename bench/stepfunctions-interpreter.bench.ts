// Throughput of the Step Functions interpreter in memory: state transitions per second through a chain
// of 1,000 Pass states (and, for comparison, a chain of Task states with a no-op task port).
// Prints figures and their ratio to the target of issue #4 (≥ 10,000 transitions/s); asserts nothing.
import {
  Execution,
  ManualClock,
  parseDefinition,
  type StateMachineDefinition,
  seededRandom,
  start,
  step,
} from '../local/stepfunctions/index';

const TARGET = 10_000;
const STATES = 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function chain(count: number, state: (i: number) => object): StateMachineDefinition {
  const states: Record<string, object> = {};
  for (let i = 0; i < count; i++) {
    states[`S${i}`] = { ...state(i), ...(i === count - 1 ? { End: true } : { Next: `S${i + 1}` }) };
  }
  return parseDefinition(JSON.stringify({ StartAt: 'S0', States: states }), { source: 'bench.asl.json' });
}

const ports = () => ({
  clock: new ManualClock(),
  random: seededRandom(1),
  tasks: { invoke: async () => ({ ok: true }) },
});

/** Repeats `once` (which makes `transitions` transitions) for about SECONDS and returns transitions/s. */
async function measure(transitions: number, once: () => Promise<void>): Promise<number> {
  await once(); // warm-up
  let done = 0;
  const begin = performance.now();
  while (performance.now() - begin < SECONDS * 1000) {
    await once();
    done += transitions;
  }
  return done / ((performance.now() - begin) / 1000);
}

function report(label: string, perSecond: number): void {
  const ratio = perSecond / TARGET;
  console.log(
    `${label.padEnd(52)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} transitions/s  ${ratio.toFixed(1)}× target`,
  );
}

const input = { request: { id: 'req-1', email: 'someone@example.com', tags: ['a', 'b', 'c'] } };
const passes = chain(STATES, () => ({ Type: 'Pass' }));

report(
  `core step() loop, ${STATES}-state Pass chain`,
  await measure(STATES, async () => {
    const p = ports();
    const { state } = start(passes, input, { name: 'bench' }, p);
    while (await step(passes, state, p));
    if (state.status !== 'SUCCEEDED') throw new Error(`the chain ended ${state.status}`);
  }),
);

report(
  `Execution driver, ${STATES}-state Pass chain`,
  await measure(STATES, async () => {
    const execution = await Execution.start(passes, input, ports(), { name: 'bench' });
    await execution.runUntilIdle();
    if (execution.status !== 'SUCCEEDED') throw new Error(`the chain ended ${execution.status}`);
  }),
);

const TASKS = 200;
const tasks = chain(TASKS, () => ({
  Type: 'Task',
  Resource: 'arn:aws:lambda:us-east-1:123456789012:function:noop',
  ResultPath: '$.last',
}));
report(
  `Execution driver, ${TASKS}-state Task chain (no-op port)`,
  await measure(TASKS, async () => {
    const execution = await Execution.start(tasks, input, ports(), { name: 'bench' });
    await execution.runUntilIdle();
    if (execution.status !== 'SUCCEEDED') throw new Error(`the chain ended ${execution.status}`);
  }),
);
