/**
 * AcceptHandshake's throttle (reference §3.2): 1 call per second per account, 5 per second (burst 5) per
 * organization. Calls go 5 % slower than both, as the governor paces its pools: one a member (each member accepts
 * its own request, so the account's rate holds by itself unless a member is tried again), and the organization's
 * rate between any two.
 */
export const ACCEPT_HANDSHAKE_PACE = {
  organizationIntervalMs: Math.ceil(1000 / (5 * 0.95)),
  accountIntervalMs: Math.ceil(1000 / (1 * 0.95)),
} as const;

export type Pace = typeof ACCEPT_HANDSHAKE_PACE;

/** When the next call may go: not before `now`, an organization interval after the last call, an account interval after the account's. */
export function nextCallAt(
  last: { organization?: number | undefined; account?: number | undefined },
  now: number,
  pace: Pace = ACCEPT_HANDSHAKE_PACE,
): number {
  return Math.max(
    now,
    last.organization === undefined ? now : last.organization + pace.organizationIntervalMs,
    last.account === undefined ? now : last.account + pace.accountIntervalMs,
  );
}

/** Hands out call times to callers running at once, within the organization's and each account's pace. */
export class Pacer {
  private lastCall: number | undefined;
  private readonly lastByAccount = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly pace: Pace = ACCEPT_HANDSHAKE_PACE,
  ) {}

  /** Waits for the turn of a call as `accountId`. */
  async turn(accountId: string): Promise<void> {
    const last = { organization: this.lastCall, account: this.lastByAccount.get(accountId) };
    const at = nextCallAt(last, this.now(), this.pace);
    this.lastCall = at;
    this.lastByAccount.set(accountId, at);
    const wait = at - this.now();
    if (wait > 0) await this.sleep(wait);
  }
}

/** Real time, as the timers count it (Date.now() may read another clock). */
const realNow = () => performance.now();
const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the clock `now` reads has moved `ms` on, or `ms` of real time have passed, whichever comes first.
 * On AWS they are one: the local stack's clock may run faster than the timers (a sped-up clock), or stand still
 * (a manual one). The clock's pace is measured on a first short wait, then the rest is waited at once.
 */
export async function sleepOnClock(
  ms: number,
  now: () => number,
  timers: { realNow: () => number; timer: (ms: number) => Promise<void> } = { realNow, timer },
): Promise<void> {
  const clockUntil = now() + ms;
  const realUntil = timers.realNow() + ms;
  const [clockStart, realStart] = [now(), timers.realNow()];
  let step = Math.min(ms, 5);
  for (;;) {
    await timers.timer(step);
    const clockLeft = clockUntil - now();
    const realLeft = realUntil - timers.realNow();
    if (clockLeft <= 0 || realLeft <= 0) return;
    const realElapsed = timers.realNow() - realStart;
    const speed = realElapsed > 0 ? Math.max(1, (now() - clockStart) / realElapsed) : 1;
    step = Math.max(1, Math.min(realLeft, clockLeft / speed));
  }
}
