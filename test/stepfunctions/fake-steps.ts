import type { FunctionName } from '../../catalog/functions';
import {
  Execution,
  type Json,
  ManualClock,
  type StateMachineDefinition,
  seededRandom,
  type TaskPort,
  type TaskRequest,
} from '../../local/stepfunctions/index';

// A workflow of the catalog run on the local engine with fake steps (test/account-closure and test/all-features):
// each step records its calls and the virtual time of each; the clock jumps from one deadline to the next.

/** A step's failure as the Lambda runner reports it: the error class name and its JSON payload. */
export const failure = (name: string, message: string) => ({
  error: name,
  cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }),
});

/** What a step called with `.waitForTaskToken` returns to leave its token unanswered (a lost wake-up). */
export const NO_ANSWER = '(no answer)';

export type Step = (input: Json, call: number) => Json;

/**
 * Fake steps by function name (resources `…:function:orgflow-<Name>`); each counts its calls and records when it
 * was called. A step may throw a `failure(...)`. Called with `.waitForTaskToken` (its `taskToken` taken out of
 * the input it records), a step's result or failure answers the token, as the function would with
 * SendTaskSuccess/SendTaskFailure.
 */
export class Steps implements TaskPort {
  readonly calls: { name: string; input: Json; at: number }[] = [];
  readonly answers: { token: string; output?: Json; failure?: { error: string; cause: string } }[] = [];
  constructor(
    private readonly clock: ManualClock,
    private readonly steps: Partial<Record<FunctionName, Step>>,
  ) {}

  async invoke(task: TaskRequest): Promise<Json> {
    const name = task.resource.split(':function:orgflow-')[1] as FunctionName;
    const { taskToken: _, ...input } = task.input as Record<string, Json>;
    this.calls.push({ name, input: task.taskToken ? input : task.input, at: this.clock.now() });
    const step = this.steps[name];
    if (!step) throw failure('Lambda.ResourceNotFoundException', `no fake for ${name}`);
    const call = this.calls.filter((c) => c.name === name).length;
    if (!task.taskToken) return step(task.input, call);
    try {
      const output = step(input, call);
      if (output !== NO_ANSWER) this.answers.push({ token: task.taskToken, output });
    } catch (thrown) {
      this.answers.push({ token: task.taskToken, failure: thrown as { error: string; cause: string } });
    }
    return {};
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  of(name: FunctionName) {
    return this.calls.filter((c) => c.name === name);
  }
}

/**
 * Runs `definition` from `start` (epoch ms) until it ends: the engine runs until idle, every token answered
 * before time moves (an answer may start a task whose token is answered at once), then the clock jumps to the
 * next deadline.
 */
export async function runWithSteps(
  definition: StateMachineDefinition,
  input: Json,
  options: { start: number; name: string; steps: (clock: ManualClock) => Steps },
) {
  const clock = new ManualClock(options.start);
  const fakes = options.steps(clock);
  const execution = await Execution.start(
    definition,
    input,
    { clock, tasks: fakes, random: seededRandom(1) },
    { name: options.name },
  );
  for (let i = 0; i < 20_000 && execution.status === 'RUNNING'; i++) {
    await execution.runUntilIdle();
    for (let answer = fakes.answers.shift(); answer; answer = fakes.answers.shift()) {
      if (answer.failure)
        await execution.sendTaskFailure(answer.token, answer.failure.error, answer.failure.cause);
      else await execution.sendTaskSuccess(answer.token, answer.output as Json);
      await execution.runUntilIdle();
    }
    const deadline = execution.nextDeadline();
    if (execution.status !== 'RUNNING' || deadline === undefined) break;
    clock.advance(Math.max(0, deadline - clock.now()));
  }
  return { execution, steps: fakes, elapsedMs: clock.now() - options.start };
}
