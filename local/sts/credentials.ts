import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../organizations/store';

const upperAlnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const base64ish = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function fromBytes(bytes: Uint8Array, length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** A temporary access key id as STS issues them: `ASIA` and 16 more characters (20 in all). */
export function newSessionAccessKeyId(taken: (id: string) => boolean): string {
  let id: string;
  do id = `ASIA${fromBytes(randomBytes(16), 16, upperAlnum)}`;
  while (taken(id));
  return id;
}

export function newSecretAccessKey(): string {
  return fromBytes(randomBytes(40), 40, base64ish);
}

/** A role's unique id (`AROA` + 17 characters), the same every time for one role in one account. */
export function roleIdOf(accountId: string, roleName: string): string {
  return `AROA${fromBytes(createHash('sha256').update(`role|${accountId}|${roleName}`).digest(), 17, upperAlnum)}`;
}

/**
 * The session token of issued credentials, derived from the access key id with the emulator's secret:
 * it can be checked on later requests without being stored, and stays valid across a restart.
 */
export function sessionTokenFor(store: Store, accessKeyId: string): string {
  const secret = store.meta.get('meta')?.tokenSecret;
  if (secret === undefined) throw new Error('the emulator has no token secret yet');
  return createHmac('sha256', secret).update(`sts-session-token|${accessKeyId}`).digest('base64');
}
