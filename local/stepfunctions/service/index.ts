// The Step Functions service of the local stack: the API in process, its HTTP front, and its task port.
export { ServiceClosedError, type StepFunctionsErrorCode, StepFunctionsServiceError } from './errors';
export {
  checkName,
  executionArn,
  REGION,
  stateMachineArn,
} from './names';
export {
  type RunningServer,
  type StepFunctionsServerOptions,
  startStepFunctionsServer,
} from './server';
export {
  type ApiHistoryEvent,
  type Caller,
  type ExecutionDescription,
  type ExecutionListItem,
  MAX_PAYLOAD_BYTES,
  NAME_RESERVATION_MS,
  type StateMachineListItem,
  StepFunctionsService,
  type StepFunctionsServiceOptions,
} from './service';
export {
  type ExecutionStatusChangeEvent,
  STATUS_CHANGE_DETAIL_TYPE,
  STATUS_CHANGE_SOURCE,
  statusChangeEvent,
} from './status-events';
export { FileStore, type FileStoreOptions, MemoryStore, type Store } from './store';
export {
  type ChildExecutions,
  type ChildSummary,
  createTaskPort,
  type PutEvents,
  type PutEventsEntry,
  type PutEventsResult,
  type TaskPortOptions,
} from './tasks';
