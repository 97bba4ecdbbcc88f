import {
  type ExecutionListItem,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  paginateListExecutions,
  paginateListStateMachines,
  type SFNClient,
} from '@aws-sdk/client-sfn';

export interface ExecutionSummary {
  executionArn: string;
  stateMachine: string;
  name: string;
  status: string;
  startDate: string | undefined;
  stopDate: string | undefined;
  /** the state the execution is in now (running executions only) */
  currentState: string | undefined;
}

const iso = (date: Date | undefined) => date?.toISOString();

/** The state entered last and not exited yet, read from the newest history events. */
export async function currentStateOf(client: SFNClient, executionArn: string): Promise<string | undefined> {
  const { events } = await client.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 20 }),
  );
  const entered = events?.find((e) => e.stateEnteredEventDetails?.name);
  return entered?.stateEnteredEventDetails?.name;
}

/** Executions of every state machine, newest first, optionally of one status. */
export async function listExecutions(
  client: SFNClient,
  status?: ExecutionStatus,
): Promise<ExecutionSummary[]> {
  const items: ExecutionListItem[] = [];
  for await (const page of paginateListStateMachines({ client }, {}))
    for (const machine of page.stateMachines ?? [])
      for await (const executions of paginateListExecutions(
        { client },
        { stateMachineArn: machine.stateMachineArn!, ...(status ? { statusFilter: status } : {}) },
      ))
        items.push(...(executions.executions ?? []));
  items.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
  return Promise.all(
    items.map(async (e) => ({
      executionArn: e.executionArn!,
      stateMachine: e.stateMachineArn!.split(':').pop()!,
      name: e.name!,
      status: e.status!,
      startDate: iso(e.startDate),
      stopDate: iso(e.stopDate),
      currentState: e.status === 'RUNNING' ? await currentStateOf(client, e.executionArn!) : undefined,
    })),
  );
}

export function renderExecutions(executions: ExecutionSummary[]): string {
  if (executions.length === 0) return '  (no executions)';
  return executions
    .map(
      (e) =>
        `  ${e.status.padEnd(9)} ${e.stateMachine}/${e.name}  started ${e.startDate ?? '-'}${e.currentState ? `  now in "${e.currentState}"` : ''}${e.stopDate ? `  ended ${e.stopDate}` : ''}`,
    )
    .join('\n');
}

/** Every history event of an execution, oldest first. */
export async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

function detailOf(event: HistoryEvent): string {
  const entered = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
  if (entered) return `"${entered}"`;
  const failure =
    event.executionFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.executionAbortedEventDetails;
  if (failure) return `${failure.error ?? ''} ${failure.cause ?? ''}`.trim();
  const task = event.taskScheduledEventDetails ?? event.lambdaFunctionScheduledEventDetails;
  if (task) return 'resource' in task ? String(task.resource) : '';
  return '';
}

export function renderHistory(events: HistoryEvent[]): string {
  return events
    .map((e) =>
      `  ${String(e.id).padStart(4)}  ${iso(e.timestamp) ?? ''}  ${e.type}  ${detailOf(e)}`.trimEnd(),
    )
    .join('\n');
}
