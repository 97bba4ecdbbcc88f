import {
  DescribeExecutionCommand,
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
  /** the account asked for (vending), from the execution's input */
  accountName: string | undefined;
  /** who asked: the caller's ARN in the execution's input (a request made through the API) */
  requester: string | undefined;
}

/** What an execution's input says about the request: the account name and who asked. */
function requestOf(input: string | undefined): { accountName?: string; requester?: string } {
  try {
    const parsed = JSON.parse(input ?? '{}') as {
      caller?: { arn?: unknown };
      request?: { accountName?: unknown };
    };
    return {
      ...(typeof parsed.request?.accountName === 'string' ? { accountName: parsed.request.accountName } : {}),
      ...(typeof parsed.caller?.arn === 'string' ? { requester: parsed.caller.arn } : {}),
    };
  } catch {
    return {};
  }
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
      ...(await describedRequest(client, e.executionArn!)),
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

async function describedRequest(client: SFNClient, executionArn: string) {
  const { input } = await client.send(new DescribeExecutionCommand({ executionArn }));
  const { accountName, requester } = requestOf(input);
  return { accountName, requester };
}

/** The executions as a table with a header: status, workflow/name, account, requester, started, where it is. */
export function renderExecutions(executions: ExecutionSummary[]): string {
  if (executions.length === 0) return '  (no executions)';
  const time = (iso: string | undefined) => (iso ? `${iso.slice(0, 19).replace('T', ' ')}Z` : '-');
  const header = ['status', 'execution', 'account', 'requester', 'started', 'now / ended'];
  const rows = executions.map((e) => [
    e.status,
    `${e.stateMachine}/${e.name}`,
    e.accountName ?? '-',
    e.requester ?? '-',
    time(e.startDate),
    e.currentState ? `in "${e.currentState}"` : e.stopDate ? `ended ${time(e.stopDate)}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The state a vending request waits in while in line for a CreateAccount slot. */
const IN_LINE = 'Acquire Create Slot';

/** A request's place in line for a CreateAccount slot (1 = next), counted among the requests waiting before it. */
export async function placeInLine(client: SFNClient, requestId: string): Promise<number | undefined> {
  const running = await listExecutions(client, 'RUNNING');
  const waiting = running
    .filter((e) => e.stateMachine.endsWith('AccountVending') && e.currentState === IN_LINE)
    .sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? ''));
  const at = waiting.findIndex((e) => e.name === requestId);
  return at < 0 ? undefined : at + 1;
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
