// What happened to each state of an execution, from its history (GetExecutionHistory's events, oldest first):
// the console colours the graph with it. Events are attributed to the state visit they belong to by following
// previousEventId back to a StateEntered event, so the iterations of a Map running at once stay apart.

import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** failed: its last visit failed (caught or not); waiting: parked on a task token or in a Wait state;
 * entered: running now; retried: done after at least one retry; succeeded: done. */
export type StateStatus = 'failed' | 'waiting' | 'entered' | 'retried' | 'succeeded';

export interface StateRun {
  name: string;
  status: StateStatus;
  /** how many times the state was entered */
  visits: number;
  /** failures retried in the state's last visit */
  retries: number;
  /** the state is entered and not yet exited (several can be, inside a Map or Parallel) */
  current: boolean;
  enteredAt?: string;
  exitedAt?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionRun {
  states: Record<string, StateRun>;
  /** `from→to`, by state name, for every transition the execution took */
  transitions: string[];
  /** the state entered last: where a finished execution ended */
  last?: string;
  error?: string;
  cause?: string;
}

interface Visit {
  run: StateRun;
  waitsForToken: boolean;
  failedLast: boolean;
}

const failure =
  /(?:Task|LambdaFunction|MapState|ParallelState)(?:Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/;
const scheduled = /^(?:TaskScheduled|LambdaFunctionScheduled)$/;
const iso = (date: Date | undefined) => (date ? new Date(date).toISOString() : undefined);

/** The details object of an event, whatever its type (`taskFailedEventDetails`…). */
function details(event: HistoryEvent): Record<string, unknown> {
  for (const [key, value] of Object.entries(event))
    if (key.endsWith('EventDetails') && value && typeof value === 'object')
      return value as Record<string, unknown>;
  return {};
}

/** The state of each visited state, the transitions taken, and the execution's error if it failed. */
export function executionRun(events: readonly HistoryEvent[]): ExecutionRun {
  const byId = new Map<number, HistoryEvent>();
  const visitOf = new Map<number, Visit>();
  const states: Record<string, StateRun> = {};
  const transitions = new Set<string>();
  const result: ExecutionRun = { states, transitions: [] };

  const owner = (event: HistoryEvent): Visit | undefined => {
    for (let prev = event.previousEventId; prev; ) {
      const visit = visitOf.get(prev);
      if (visit) return visit;
      prev = byId.get(prev)?.previousEventId;
    }
    return undefined;
  };

  for (const event of events) {
    const id = event.id ?? 0;
    byId.set(id, event);
    const type = event.type ?? '';
    const d = details(event);
    if (type.endsWith('StateEntered')) {
      const name = String(d.name);
      const previous = states[name];
      const from = byId.get(event.previousEventId ?? 0);
      if (from?.type?.endsWith('StateExited')) transitions.add(`${details(from).name}→${name}`);
      const run: StateRun = {
        name,
        status: type === 'FailStateEntered' ? 'failed' : type === 'WaitStateEntered' ? 'waiting' : 'entered',
        visits: (previous?.visits ?? 0) + 1,
        retries: 0,
        current: type !== 'FailStateEntered',
        ...(iso(event.timestamp) ? { enteredAt: iso(event.timestamp)! } : {}),
        ...(typeof d.input === 'string' ? { input: d.input } : {}),
      };
      states[name] = run;
      result.last = name;
      visitOf.set(id, { run, waitsForToken: false, failedLast: false });
      continue;
    }
    const visit = owner(event);
    if (visit) visitOf.set(id, visit);
    if (type.endsWith('StateExited') && visit) {
      const run = visit.run;
      run.current = false;
      run.status = visit.failedLast ? 'failed' : run.retries > 0 ? 'retried' : 'succeeded';
      const exitedAt = iso(event.timestamp);
      if (exitedAt) run.exitedAt = exitedAt;
      if (typeof d.output === 'string') run.output = d.output;
    } else if (failure.test(type) && visit) {
      visit.failedLast = true;
      visit.run.status = 'failed';
      if (typeof d.error === 'string') visit.run.error = d.error;
      if (typeof d.cause === 'string') visit.run.cause = d.cause;
    } else if (scheduled.test(type) && visit) {
      // scheduled again after a failure in the same visit: a Retry
      if (visit.failedLast) visit.run.retries++;
      visit.failedLast = false;
      visit.waitsForToken = String(d.resource ?? '').endsWith('.waitForTaskToken');
      visit.run.status = 'entered';
    } else if ((type === 'TaskStarted' || type === 'TaskSubmitted') && visit?.waitsForToken) {
      visit.run.status = 'waiting';
    } else if (type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded') {
      if (visit) visit.run.status = 'entered';
    } else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      if (typeof d.error === 'string') result.error = d.error;
      if (typeof d.cause === 'string') result.cause = d.cause;
      // the states still running when the execution ended did not finish
      for (const run of Object.values(states))
        if (run.current) {
          run.status = 'failed';
          run.current = false;
        }
    }
  }
  result.transitions = [...transitions];
  return result;
}
