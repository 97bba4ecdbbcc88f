import { isIP } from 'node:net';

/** Whether listening on `host` keeps the stack to this machine: 127.0.0.0/8, ::1 (also IPv4-mapped) or localhost. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name === 'localhost.') return true;
  if (isIP(name) === 4) return name.split('.')[0] === '127';
  if (isIP(name) !== 6) return false;
  // the URL parser writes an IPv6 address in its one canonical form, e.g. [::1] or [::ffff:7f00:1]
  const canonical = new URL(`http://[${name}]`).hostname;
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}\]$/.exec(canonical);
  return canonical === '[::1]' || (mapped !== null && Number.parseInt(mapped[1]!, 16) >> 8 === 127);
}

/** What `npm start` says before listening on an address other machines can reach; nothing for loopback. */
export function exposureWarning(host: string): string | undefined {
  if (isLoopback(host)) return undefined;
  return `orgflow: warning: --host ${host} is not a loopback address. Organizations, STS, Step Functions, EventBridge, DynamoDB, the account vending API and the admin endpoint (/_orgflow: faults, clock, event stream) become reachable from the network, and none of them checks real credentials: whoever reaches ${host} can act as any account and read or change all the state. Use --host 127.0.0.1 unless that is what you want.`;
}
