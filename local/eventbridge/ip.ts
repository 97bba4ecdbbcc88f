// what event-ruler treats as an IP literal; anything else is a plain string
const ipv4Shape = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const ipv6Shape = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** True when `text` has the shape of an IPv4 or IPv6 literal (it may still be invalid, e.g. 999.1.1.1). */
export function looksLikeIp(text: string): boolean {
  return ipv4Shape.test(text) || ipv6Shape.test(text);
}

function ipv4Bytes(text: string): number[] | undefined {
  const octets = text.split('.').map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

function ipv6Bytes(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** The 4 or 16 bytes of an IPv4 or IPv6 literal, or undefined when `text` is not one. */
export function ipBytes(text: string): number[] | undefined {
  if (ipv4Shape.test(text)) return ipv4Bytes(text);
  if (ipv6Shape.test(text)) return ipv6Bytes(text);
  return undefined;
}

export interface IpRange {
  lower: number[];
  upper: number[];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function inRange(address: number[], range: IpRange): boolean {
  return (
    address.length === range.lower.length &&
    compare(address, range.lower) >= 0 &&
    compare(address, range.upper) <= 0
  );
}

export function sameAddress(a: number[], b: number[]): boolean {
  return a.length === b.length && compare(a, b) === 0;
}

/**
 * Parses `address/bits` the way event-ruler does: the range runs from the address as written (host bits are
 * not cleared) to the address with every host bit set, and a full-length mask (/32, /128) is refused.
 * Returns the reason as a string when the CIDR is malformed.
 */
export function parseCidr(cidr: string): IpRange | string {
  const parts = cidr.split('/');
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [address = '', bitsText = ''] = parts;
  if (!/^[+-]?[0-9]+$/.test(bitsText)) return 'Malformed CIDR, mask bits must be an integer';
  const bits = Number(bitsText);
  if (bits < 0) return 'Malformed CIDR, mask bits must not be negative';
  const lower = ipBytes(address);
  if (lower === undefined) return `Nonstandard IP address: ${address}`;
  if (lower.length === 4 && bits > 31)
    return 'IPv4 mask bits must be < 32 (to match one address, use the address itself as an exact value)';
  if (lower.length === 16 && bits > 127)
    return 'IPv6 mask bits must be < 128 (to match one address, use the address itself as an exact value)';
  let hostBits = lower.length * 8 - bits;
  const upper = [...lower];
  for (let i = upper.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    upper[i] = (upper[i] ?? 0) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return { lower, upper };
}
