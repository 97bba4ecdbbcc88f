/** The error names the States Language predefines; Retry and Catch match them by name. */
export const StatesErrorName = {
  All: 'States.ALL',
  BranchFailed: 'States.BranchFailed',
  DataLimitExceeded: 'States.DataLimitExceeded',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ItemReaderFailed: 'States.ItemReaderFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  ParameterPathFailure: 'States.ParameterPathFailure',
  Permissions: 'States.Permissions',
  QueryEvaluationError: 'States.QueryEvaluationError',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  Runtime: 'States.Runtime',
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
} as const;

/**
 * An error raised while an execution runs, named as ASL names it, so `ErrorEquals` can match it.
 * `cause` is the human-readable text Step Functions reports next to the name.
 */
export class StatesError extends Error {
  readonly error: string;
  override readonly cause: string;

  constructor(error: string, cause: string) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
    this.error = error;
    this.cause = cause;
  }
}

export interface DefinitionProblem {
  state?: string;
  field?: string;
  problem: string;
}

/** A definition Step Functions would refuse; the message names the file, and each state and field at fault. */
export class DefinitionError extends Error {
  readonly source: string;
  readonly problems: readonly DefinitionProblem[];
  /** the state and field of the first problem */
  readonly state: string | undefined;
  readonly field: string | undefined;

  constructor(source: string, problems: string | readonly DefinitionProblem[]) {
    const list = typeof problems === 'string' ? [{ problem: problems }] : problems;
    const lines = list.map(describeProblem);
    super(
      lines.length === 1
        ? `${source}: ${lines[0]}`
        : `${source}: ${lines.length} problems:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    );
    this.name = 'DefinitionError';
    this.source = source;
    this.problems = list;
    this.state = list[0]?.state;
    this.field = list[0]?.field;
  }
}

function describeProblem({ state, field, problem }: DefinitionProblem): string {
  const at = [
    state === undefined ? '' : `state '${state}'`,
    field === undefined ? '' : `field '${field}'`,
  ].filter(Boolean);
  return at.length > 0 ? `${at.join(', ')}: ${problem}` : problem;
}

/** Errors of the task-token API (SendTaskSuccess/Failure/Heartbeat); `code` is the AWS exception name. */
export class TaskTokenError extends Error {
  readonly code: 'InvalidToken' | 'TaskDoesNotExist' | 'TaskTimedOut' | 'InvalidOutput';

  constructor(code: TaskTokenError['code'], message: string) {
    super(message);
    this.name = `${code}Error`;
    this.code = code;
  }
}

/** What a task port reports when a task fails: `{ error, cause }` as Step Functions records it. */
export interface TaskFailure {
  error: string;
  cause: string;
}

/**
 * Reads a task port's rejection. Ports should reject with `{ error, cause }`; a plain Error is
 * reported by its `name` (the way Lambda reports `errorType`) so `ErrorEquals` can still match it.
 */
export function toTaskFailure(reason: unknown): TaskFailure {
  if (typeof reason === 'object' && reason !== null) {
    const { error, cause } = reason as { error?: unknown; cause?: unknown };
    if (typeof error === 'string') {
      const text = typeof cause === 'string' ? cause : cause === undefined ? '' : JSON.stringify(cause);
      return { error, cause: text ?? '' };
    }
    if (reason instanceof Error) return { error: reason.name || 'Error', cause: reason.message };
  }
  return { error: StatesErrorName.TaskFailed, cause: String(reason) };
}
