/** A JSON value as Step Functions sees it: state input, output, variables, and the persisted execution record. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Step Functions' payload quota (256 KiB) for state input/output, task results and assigned variables. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of two JSON values (object key order ignored), as ArrayContains/ArrayUnique compare. */
export function jsonEquals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEquals(item, b[i] as Json));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEquals(a[key] as Json, b[key] as Json));
  }
  return false;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Converts what an expression library produced into plain JSON: JSONata marks sequences with extra
 * properties and may yield functions or non-finite numbers, none of which may reach a state's output.
 */
export function toJson(value: unknown, where: string): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${where} evaluated to ${value}, which is not JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => toJson(item, where));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      // JSON.stringify drops undefined members; so does Step Functions when it serialises a payload
      if (item !== undefined) out[key] = toJson(item, where);
    }
    return out;
  }
  throw new TypeError(`${where} evaluated to a ${typeof value}, which is not JSON`);
}
