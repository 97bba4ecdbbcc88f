import type { Json, JsonObject } from './json';
import type { ExecutionState, ThreadState } from './state';

// The context object: `$$` in JSONPath, `$states.context` in JSONata.

export interface ContextExtras {
  /** `$$.Task.Token`, only while a `.waitForTaskToken` task is prepared */
  token?: string;
  /** `$$.Map.Item`, only while a Map state's ItemSelector is evaluated */
  mapItem?: { index: number; value: Json };
  /** `$$.State.RetryCount`, only in the states that can retry (Task, Parallel, Map) */
  retries?: boolean;
}

export function contextObject(
  execution: ExecutionState,
  thread: ThreadState,
  extras: ContextExtras = {},
): JsonObject {
  const info = execution.execution;
  const context: JsonObject = {
    Execution: {
      Id: info.arn,
      Input: info.input,
      Name: info.name,
      RoleArn: info.roleArn,
      StartTime: new Date(info.startTime).toISOString(),
      RedriveCount: 0,
    },
    State: extras.retries
      ? {
          EnteredTime: new Date(thread.enteredAt).toISOString(),
          Name: thread.state,
          RetryCount: thread.retryCount,
        }
      : { EnteredTime: new Date(thread.enteredAt).toISOString(), Name: thread.state },
    StateMachine: { Id: info.stateMachineArn, Name: info.stateMachineName },
  };
  if (extras.token !== undefined) context.Task = { Token: extras.token };
  if (extras.mapItem) context.Map = { Item: { Index: extras.mapItem.index, Value: extras.mapItem.value } };
  return context;
}
