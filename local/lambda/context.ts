import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Where Lambda would send the function's logs: one group per function, one stream per execution environment. */
export function logLocationFor(
  functionName: string,
  now: number,
): { logGroupName: string; logStreamName: string } {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
  };
}

export interface ContextInput {
  functionName: string;
  invokedFunctionArn: string;
  /** the invocation's id; a new one when absent */
  awsRequestId?: string;
  memoryMb: number;
  logGroupName: string;
  logStreamName: string;
  /** epoch ms on the runner's clock when the invocation times out */
  deadline: number;
  now(): number;
  /** what the legacy `done` / `succeed` / `fail` methods report */
  settle(error: unknown, result?: unknown): void;
}

/** The Node.js runtime's context object for one invocation. */
export function createContext(input: ContextInput): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: input.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: input.invokedFunctionArn,
    // a string, as the runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE
    memoryLimitInMB: String(input.memoryMb),
    awsRequestId: input.awsRequestId ?? randomUUID(),
    logGroupName: input.logGroupName,
    logStreamName: input.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, input.deadline - input.now()),
    done: (error?: Error, result?: unknown) => input.settle(error ?? null, result),
    fail: (error: Error | string) => input.settle(error),
    succeed: (result: unknown) => input.settle(null, result),
  };
}
