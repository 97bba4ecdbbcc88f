import {
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  type HistoryEvent,
  paginateGetExecutionHistory,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { aslGraph } from './asl-graph';
import { executionRun } from './execution-states';
import type { ExecutionView } from './views';

// One execution as the console draws it: the graph of its state machine's definition (as the execution ran it,
// DescribeStateMachineForExecution) and what happened to each state (GetExecutionHistory).

/** Reads executions; an ended one is kept, as it never changes. */
export class ExecutionReader {
  readonly #ended = new Map<string, ExecutionView>();

  constructor(private readonly sfn: SFNClient) {}

  async read(executionArn: string): Promise<ExecutionView> {
    const kept = this.#ended.get(executionArn);
    if (kept) return kept;
    const [execution, machine] = await Promise.all([
      this.sfn.send(new DescribeExecutionCommand({ executionArn })),
      this.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn })),
    ]);
    const events: HistoryEvent[] = [];
    for await (const page of paginateGetExecutionHistory(
      { client: this.sfn },
      { executionArn, includeExecutionData: true, maxResults: 1000 },
    ))
      events.push(...(page.events ?? []));
    const run = executionRun(events);
    const view: ExecutionView = {
      executionArn,
      name: execution.name!,
      stateMachine: machine.name!,
      status: execution.status!,
      startedAt: new Date(execution.startDate!).toISOString(),
      ...(execution.stopDate ? { stoppedAt: new Date(execution.stopDate).toISOString() } : {}),
      ...(execution.input !== undefined ? { input: execution.input } : {}),
      ...(execution.output !== undefined ? { output: execution.output } : {}),
      ...(execution.error ? { error: execution.error } : run.error ? { error: run.error } : {}),
      ...(execution.cause ? { cause: execution.cause } : run.cause ? { cause: run.cause } : {}),
      graph: aslGraph(machine.definition!),
      run,
    };
    // an execution that ended before this read began is complete: its history can grow no more
    if (execution.status !== 'RUNNING') this.#ended.set(executionArn, view);
    return view;
  }
}
