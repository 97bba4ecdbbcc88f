import type { OperationContext } from '../context';

export type Handler = (ctx: OperationContext, input: Record<string, unknown>) => unknown;

/** Declares an operation's handler with the SDK's input type; the input has been validated against its shape. */
export function op<I>(fn: (ctx: OperationContext, input: I) => unknown): Handler {
  return fn as unknown as Handler;
}
