import { randomUUID } from 'node:crypto';
import { REGION } from './names';
import type { ChildSummary } from './tasks';

// Step Functions' "Step Functions Execution Status Change" events, which AWS sends (best effort) to the default
// bus of the state machine's account when a standard execution starts and when it ends. Shaped as the developer
// guide shows them (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html): the detail is what
// DescribeExecution says, with the input and output left out past EventBridge's size quota.

export const STATUS_CHANGE_SOURCE = 'aws.states';
export const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/** The combined escaped input and output above which an event leaves the input out (and the output, alone). */
export const STATUS_CHANGE_PAYLOAD_LIMIT = 248 * 1024;

export interface ExecutionStatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': typeof STATUS_CHANGE_DETAIL_TYPE;
  source: typeof STATUS_CHANGE_SOURCE;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ChildSummary['status'];
    startDate: number;
    stopDate: number | null;
    input: string | null;
    inputDetails: { included: boolean };
    output: string | null;
    outputDetails: { included: boolean } | null;
    error?: string;
    cause?: string;
  };
  [field: string]: unknown;
}

/** The event of `execution` now being in its `status`, at `now`. */
export function statusChangeEvent(execution: ChildSummary, now: number): ExecutionStatusChangeEvent {
  const account = execution.executionArn.split(':')[4] ?? '';
  const outputFits =
    execution.output === undefined || escaped(execution.output) <= STATUS_CHANGE_PAYLOAD_LIMIT;
  const output = outputFits ? (execution.output ?? null) : null;
  const inputFits =
    escaped(execution.input) + (output === null ? 0 : escaped(output)) <= STATUS_CHANGE_PAYLOAD_LIMIT;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': STATUS_CHANGE_DETAIL_TYPE,
    source: STATUS_CHANGE_SOURCE,
    account,
    time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate ?? null,
      input: inputFits ? execution.input : null,
      inputDetails: { included: inputFits },
      output,
      outputDetails: execution.output === undefined ? null : { included: outputFits },
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
    },
  };
}

const escaped = (payload: string) => Buffer.byteLength(JSON.stringify(payload));
