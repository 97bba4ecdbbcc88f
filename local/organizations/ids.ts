import { randomBytes, randomInt } from 'node:crypto';

const lowerAlnum = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number, alphabet = lowerAlnum): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** Identifiers in the forms AWS issues them (reference §2). */
export const newId = {
  organization: () => `o-${randomString(10)}`,
  root: () => `r-${randomString(4)}`,
  /** an OU id carries its root's suffix, as on AWS */
  ou: (rootId: string) => `ou-${rootId.slice(2)}-${randomString(8)}`,
  policy: () => `p-${randomString(8)}`,
  handshake: () => `h-${randomBytes(16).toString('hex')}`,
  createAccountRequest: () => `car-${randomBytes(16).toString('hex')}`,
  resourcePolicy: () => `rp-${randomString(8)}`,
  responsibilityTransfer: () => `rt-${randomString(12)}`,
  /** 12 digits, never starting with 0 so it survives being read as a number */
  account: () => `${randomInt(1, 10)}${String(randomInt(0, 1e11)).padStart(11, '0')}`,
  requestId: () => crypto.randomUUID(),
};
