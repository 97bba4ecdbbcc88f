// The local Step Functions engine: load an ASL definition, run executions of it on ports.

export type { AslDefinition, AslState, QueryLanguage } from './asl';
export { parseTimestamp, stringMatches } from './choice';
export {
  type CompiledState,
  type LoadOptions,
  loadDefinitionFile,
  parseDefinition,
  type StateMachineDefinition,
  substitute,
} from './definition';
export {
  DefinitionError,
  type DefinitionProblem,
  StatesError,
  StatesErrorName,
  type TaskFailure,
  TaskTokenError,
  toTaskFailure,
} from './errors';
export { Execution, type ExecutionOptions } from './execution';
export type { EventDetails, HistoryEvent, HistoryEventType } from './history';
export {
  completeTask,
  nextDeadline,
  pendingTasks,
  type StartOptions,
  sendTaskFailure,
  sendTaskHeartbeat,
  sendTaskSuccess,
  start,
  step,
  stop,
  taskDelivered,
} from './interpreter';
export type { Json, JsonObject } from './json';
export {
  type Clock,
  type IntegrationPattern,
  ManualClock,
  mathRandom,
  type Ports,
  type RandomSource,
  type StepPorts,
  seededRandom,
  systemClock,
  type TaskPort,
  type TaskRequest,
} from './ports';
export { lambdaEnvelope, parseResource, parseTaskToken } from './resources';
export type {
  BranchFrame,
  ExecutionInfo,
  ExecutionState,
  ExecutionStatus,
  PendingTask,
  Step,
  StepResult,
  TaskOutcome,
  ThreadState,
} from './state';
