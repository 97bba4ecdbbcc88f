/**
 * How deep a request's JSON may nest. AWS's JSON services refuse deeper documents before reading them (Jackson,
 * which they parse with, stops at 1,000 levels by default; AWS documents no figure of its own). The local
 * services refuse them the same way, so no request reaches a recursive walk (CloudTrail elements, event
 * patterns, the engine's data flow) that a deep enough document would overflow after a change was made.
 */
export const MAX_JSON_DEPTH = 1000;

/** JSON text that cannot be read: not JSON, or nested deeper than allowed. The message completes "… is". */
export class JsonTextError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JsonTextError';
  }
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when objects and arrays in `text` nest deeper than `maxDepth`; one pass, no recursion, no parsing. */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) depth--;
  }
  return false;
}

/** `JSON.parse` for what a caller sent: text nested deeper than `maxDepth` is refused before it is parsed. */
export function parseJsonText(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, maxDepth))
    throw new JsonTextError(`nested deeper than ${maxDepth} levels of objects and arrays; flatten it`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonTextError(`not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
