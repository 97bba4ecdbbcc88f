import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionError, functionErrorOf, RuntimeError } from './errors';

/**
 * What the Node.js runtime does inside one execution environment: load the handler module, call the
 * handler, and turn whatever it ends with into the response Lambda sends back. Shared by the environments
 * in this thread and those in worker threads (where it is the code that runs), so both answer alike.
 */

export type Handler = (
  event: unknown,
  context: Context,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

/** An invocation's answer, as the runtime posts it: the result serialised to JSON, or the function's error. */
export type Answer = { json: string } | { error: FunctionError };

/** The handler string Lambda shows in `_HANDLER` and in its errors: `<module file name>.<export>`. */
export const handlerStringOf = (module: string, exportName: string): string =>
  `${basename(module, extname(module))}.${exportName}`;

/** An absolute module path becomes a file URL; a package specifier stays as it is. */
export const importSpecifierOf = (module: string): string =>
  isAbsolute(module) ? pathToFileURL(module).href : module;

/** Imports the module and finds the handler; throws what the runtime reports when it cannot. */
export async function loadHandler(
  module: string,
  exportName: string,
  importModule: (specifier: string) => Promise<unknown> = (specifier) => import(specifier),
): Promise<Handler> {
  if (isAbsolute(module) && !existsSync(module))
    throw new RuntimeError('ImportModuleError', `Error: Cannot find module '${module}'`);
  let loaded: unknown;
  try {
    loaded = await importModule(importSpecifierOf(module));
  } catch (error) {
    throw importFailure(error);
  }
  return resolveHandler(loaded, exportName, handlerStringOf(module, exportName));
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * Calls the handler with a copy of the event and answers once it settles: an async handler by its promise,
 * a callback handler by its callback (or the context's `done` / `succeed` / `fail`), any other by `null`,
 * as AWS answers once the event loop is empty.
 */
export function callHandler(
  handler: Handler,
  eventJson: string,
  contextFor: (settle: (error: unknown, result?: unknown) => void) => Context,
  run: <T>(fn: () => T) => T = (fn) => fn(),
): Promise<Answer> {
  return new Promise<Answer>((resolve) => {
    let done = false;
    const finish = (answer: () => Answer) => {
      if (done) return;
      done = true;
      resolve(answer());
    };
    const fail = (error: unknown) => finish(() => ({ error: functionErrorOf(error) }));
    const succeed = (result: unknown) => finish(() => serialiseResult(result));
    const callback = (error: unknown, result?: unknown) =>
      error === undefined || error === null ? succeed(result) : fail(error);
    try {
      const returned = run(() => handler(JSON.parse(eventJson), contextFor(callback), callback));
      if (isThenable(returned)) returned.then(succeed, fail);
      else if (handler.length < 3) succeed(null);
    } catch (error) {
      fail(error);
    }
  });
}

/** The runtime serialises the result to JSON; a result JSON cannot hold is the function's error. */
function serialiseResult(value: unknown): Answer {
  let json: string | undefined;
  try {
    json = JSON.stringify(value === undefined ? null : value);
  } catch {
    return {
      error: functionErrorOf(new RuntimeError('JSONStringifyError', 'Unable to stringify response body')),
    };
  }
  // a function or symbol serialises to nothing: the runtime sends an empty body, which reads as null
  return { json: json ?? 'null' };
}

function importFailure(error: unknown): unknown {
  if (error instanceof SyntaxError) {
    const failure = new RuntimeError('UserCodeSyntaxError', String(error));
    if (error.stack !== undefined) failure.stack = error.stack;
    return failure;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND')
    return new RuntimeError('ImportModuleError', String(error));
  return error;
}

/** Finds the handler as the runtime does: in the module's exports, then in its default export. */
function resolveHandler(module: unknown, exportName: string, handlerString: string): Handler {
  const find = (root: unknown) =>
    exportName
      .split('.')
      .reduce<unknown>(
        (nested, key) =>
          nested !== null && (typeof nested === 'object' || typeof nested === 'function')
            ? (nested as Record<string, unknown>)[key]
            : undefined,
        root,
      );
  let handler = find(module);
  if (!handler && module !== null && typeof module === 'object' && 'default' in module)
    handler = find((module as { default: unknown }).default);
  if (!handler) throw new RuntimeError('HandlerNotFound', `${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function')
    throw new RuntimeError('HandlerNotFound', `${handlerString} is not a function`);
  return handler as Handler;
}
