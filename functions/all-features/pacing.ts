/**
 * AcceptHandshake's throttle (reference §3.2): 1 call per second per account, 5 per second (burst 5) per
 * organization. Each member accepts one handshake, so the organization's rate is the bound; calls go 5 % slower
 * than it, as the governor paces its pools.
 */
export const ACCEPT_HANDSHAKE_INTERVAL_MS = Math.ceil(1000 / (5 * 0.95));

/** When the next call may go: not before `now`, and an interval after the last one. */
export function nextCallAt(lastCallAt: number | undefined, now: number, intervalMs: number): number {
  return lastCallAt === undefined ? now : Math.max(now, lastCallAt + intervalMs);
}

/** Hands out call times one interval apart, to callers running at once. */
export class Pacer {
  private last: number | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** Waits for this caller's turn. */
  async turn(): Promise<void> {
    const at = nextCallAt(this.last, this.now(), this.intervalMs);
    this.last = at;
    const wait = at - this.now();
    if (wait > 0) await this.sleep(wait);
  }
}
