import { readFileSync } from 'node:fs';

/** The real-shaped EventBridge events of `events/samples/` that the emulator's events are compared with. */
export type SampleName =
  | 'organizations-create-account'
  | 'organizations-create-account-result-succeeded'
  | 'organizations-create-account-result-failed'
  | 'organizations-move-account'
  | 'organizations-close-account'
  | 'organizations-close-account-result'
  | 'organizations-invite-account-to-organization'
  | 'organizations-accept-handshake'
  | 'organizations-attach-policy-failed'
  | 'organizations-detach-policy'
  | 'organizations-update-policy'
  | 'organizations-disable-policy-type'
  | 'organizations-account-joined-organization'
  | 'organizations-account-departed-organization';

export function sample(name: SampleName): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8'));
}

const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

/**
 * Every key path of a JSON value with the JSON type found there, e.g. `detail.userIdentity.type: string`,
 * `detail.requestParameters.tags: array`, `detail.responseElements.handshake.parties[1].id: string`.
 */
export function shapeOf(value: unknown, path = '$'): Record<string, string> {
  const shape: Record<string, string> = { [path]: jsonType(value) };
  const members: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [`${path}[${index}]`, item])
    : value !== null && typeof value === 'object'
      ? Object.entries(value).map(([key, member]) => [`${path}.${key}`, member])
      : [];
  for (const [memberPath, member] of members) Object.assign(shape, shapeOf(member, memberPath));
  return shape;
}

// the members whose values do not depend on who called, when, or which ids the emulator drew
const stableKeys = new Set([
  'version',
  'detail-type',
  'source',
  'region',
  'eventVersion',
  'eventSource',
  'eventName',
  'awsRegion',
  'eventType',
  'readOnly',
  'managementEvent',
  'eventCategory',
  'errorCode',
  'invokedBy',
  'type',
  'state',
  'failureReason',
  'action',
  'mfaAuthenticated',
]);

/** The values of the stable members (see `stableKeys`) by key path: equal for an event and its sample. */
export function stableValuesOf(value: unknown): Record<string, unknown> {
  const shape = shapeOf(value);
  const values: Record<string, unknown> = {};
  for (const path of Object.keys(shape)) {
    const key = /[.]([^.[\]]+)$/.exec(path)?.[1];
    if (key !== undefined && stableKeys.has(key)) values[path] = valueAt(value, path);
  }
  return values;
}

/** The value at a key path as `shapeOf` writes them (the leading `$` may be left out): `detail.eventName`. */
export function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const [, key, index] of path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g))
    value = (value as Record<string, unknown> | null | undefined)?.[key ?? Number(index)];
  return value;
}
