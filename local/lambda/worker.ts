import { parentPort, workerData } from 'node:worker_threads';
import { createContext } from './context';
import { type FunctionError, functionErrorOf } from './errors';
import { type Answer, callHandler, type Handler, loadHandler } from './runtime';
import { TIME_REQUEST, timeReader } from './shared-time';

/**
 * The code of one execution environment, run in its own worker thread (bundled, see ./bundle.ts): it sets
 * `Date.now()` to the stack's clock, imports the function's bundle once (the init phase), then runs one
 * invocation at a time as the main thread sends them. Its `process.env` is the function's environment and nothing else.
 */

export interface EnvironmentData {
  /** the function's bundle (./bundle.ts), plain JavaScript */
  module: string;
  exportName: string;
  functionName: string;
  memoryMb: number;
  logGroupName: string;
  logStreamName: string;
  /** shared with the main thread for {@link timeReader} */
  time: SharedArrayBuffer;
}

/** main thread → worker */
export interface InvokeMessage {
  eventJson: string;
  awsRequestId: string;
  invokedFunctionArn: string;
  /** epoch ms on the runner's timers */
  deadline: number;
}

/** worker → main thread */
export type EnvironmentMessage =
  | { type: 'ready' }
  | { type: 'init-failed'; error: FunctionError }
  | { type: 'answer'; answer: Answer }
  | { type: typeof TIME_REQUEST };

const port = parentPort;
if (!port) throw new Error('local/lambda/worker.ts runs in a worker thread started by the Lambda runner');
const data = workerData as EnvironmentData;
const post = (message: EnvironmentMessage) => port.postMessage(message);

const readTimes = timeReader(data.time, () => post({ type: TIME_REQUEST }));
// everything in this environment tells the time by the stack's clock, as a handler on AWS by AWS's
Date.now = () => readTimes().clock;
// the bundle's stack traces name the .ts files, as a NodejsFunction deployed with source maps
process.setSourceMapsEnabled(true);

let handler: Handler | undefined;
try {
  handler = await loadHandler(data.module, data.exportName);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-failed', error: functionErrorOf(error) });
}

port.on('message', async (message: InvokeMessage) => {
  if (!handler) return;
  const answer = await callHandler(handler, message.eventJson, (settle) =>
    createContext({
      functionName: data.functionName,
      invokedFunctionArn: message.invokedFunctionArn,
      awsRequestId: message.awsRequestId,
      memoryMb: data.memoryMb,
      logGroupName: data.logGroupName,
      logStreamName: data.logStreamName,
      deadline: message.deadline,
      now: () => readTimes().timers,
      settle,
    }),
  );
  post({ type: 'answer', answer });
});
