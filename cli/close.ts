import { randomUUID } from 'node:crypto';
import { type ApiTarget, callApi } from './api';
import { ApiFailure, type FollowOptions, follow } from './follow';

// `orgflow close` and `orgflow closure`: ask the API for a closure batch, and show where it stands.

/** A command line the command cannot run: exit status 2, with what to type instead. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const closeUsage = `orgflow close --ou <ou> [--include-sub-ous] --reason "…" [--dry-run] [--follow] [--idempotency-key K]
       orgflow close <account-id>… --reason "…" [--ou <ou>] [--dry-run] [--follow] [--idempotency-key K]`;

/** What POST /closure-batches takes (functions/api/closure-batches.ts, ClosureBatchBodySchema). */
export interface ClosureBatchRequest {
  accountIds?: string[];
  organizationalUnit?: string;
  includeSubOrganizationalUnits?: boolean;
  reason: string;
  dryRun: boolean;
}

export interface CloseOptions {
  ou?: string | undefined;
  'include-sub-ous'?: boolean | undefined;
  reason?: string | undefined;
  'dry-run'?: boolean | undefined;
}

/** The batch the command line asks for; a UsageError when it asks for none, or for something else. */
export function closureRequestOf(positionals: readonly string[], options: CloseOptions): ClosureBatchRequest {
  const notIds = positionals.filter((word) => !/^\d{12}$/.test(word));
  if (notIds.length > 0)
    throw new UsageError(
      `${notIds.map((w) => `'${w}'`).join(', ')} ${notIds.length === 1 ? 'is not an account id' : 'are not account ids'} (12 digits); name accounts by id, or an OU with --ou\n\nusage: ${closeUsage}`,
    );
  if (positionals.length === 0 && !options.ou)
    throw new UsageError(`close needs accounts: their ids, or --ou <ou>\n\nusage: ${closeUsage}`);
  if (options['include-sub-ous'] && !options.ou)
    throw new UsageError(`--include-sub-ous needs --ou <ou>\n\nusage: ${closeUsage}`);
  if (!options.reason?.trim())
    throw new UsageError(
      `close needs --reason "…": why these accounts are closed (it is tagged on each one)\n\nusage: ${closeUsage}`,
    );
  return {
    ...(positionals.length > 0 ? { accountIds: [...positionals] } : {}),
    ...(options.ou ? { organizationalUnit: options.ou } : {}),
    ...(options['include-sub-ous'] ? { includeSubOrganizationalUnits: true } : {}),
    reason: options.reason,
    dryRun: options['dry-run'] ?? false,
  };
}

/** A fresh key: the same command typed again is a new batch unless --idempotency-key repeats one. */
export function newIdempotencyKey(): string {
  return `close-${randomUUID()}`;
}

export interface ClosureAccount {
  accountId: string;
  state: string;
  until?: string;
  reason?: string;
  detail?: string;
  closedAt?: string;
}

/** GET /closure-batches/{id} (functions/api/closure-batches.ts, ClosureBatchStatus). */
export interface ClosureStatus {
  batchId: string;
  state: string;
  dryRun?: boolean;
  reason?: string;
  counts?: Record<string, number>;
  quota?: { used: number; limit: number; nextFitsAt: string };
  accounts?: ClosureAccount[];
  failure?: { error: string; message: string };
  [field: string]: unknown;
}

/** POST /closure-batches with an Idempotency-Key: the same key and body give back the same batch. */
export async function submitClosure(
  api: ApiTarget,
  request: ClosureBatchRequest,
  idempotencyKey: string,
): Promise<{ batchId: string; statusUrl: string }> {
  const response = await callApi(api, 'POST', '/closure-batches', request, {
    'idempotency-key': idempotencyKey,
  });
  if (response.status !== 202)
    throw new ApiFailure('the closure batch was refused', response.status, response.body);
  return response.body as { batchId: string; statusUrl: string };
}

export async function closureStatus(api: ApiTarget, batchId: string): Promise<ClosureStatus> {
  const response = await callApi(api, 'GET', `/closure-batches/${encodeURIComponent(batchId)}`);
  if (response.status !== 200)
    throw new ApiFailure(`closure batch ${batchId}`, response.status, response.body);
  return response.body as ClosureStatus;
}

const STILL_GOING = new Set(['PLANNING', 'RUNNING']);

/** Whether the batch has stopped moving (the execution ended, or a dry run was planned). */
export const hasFinished = (status: ClosureStatus): boolean => !STILL_GOING.has(status.state);

const SETTLED = new Set(['closed', 'skipped', 'failed', 'departed', 'deferred']);

/**
 * Whether all the batch still has to do is wait for the 30-day window: every account closed, skipped, failed,
 * departed or deferred, at least one deferred. The batch closes those by itself on their dates, days or weeks away.
 */
export const onlyDeferredLeft = (status: ClosureStatus): boolean => {
  const accounts = status.accounts ?? [];
  return (
    status.state === 'RUNNING' &&
    accounts.some((a) => a.state === 'deferred') &&
    accounts.every((a) => SETTLED.has(a.state))
  );
};

/**
 * A batch that ended well, or is left only to wait for the window: it succeeded (or planned, for a dry run), or
 * only deferred accounts remain, and no account failed.
 */
export const hasSucceeded = (status: ClosureStatus): boolean =>
  (status.state === 'SUCCEEDED' || status.state === 'PLANNED' || onlyDeferredLeft(status)) &&
  (status.counts?.failed ?? 0) === 0;

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** One line: the state, the accounts per state, the quota, and the next deferral. */
export function describeProgress(status: ClosureStatus): string {
  const parts = [status.dryRun ? `${status.state} (dry run)` : status.state];
  const counts = Object.entries(status.counts ?? {}).filter(([, n]) => n > 0);
  if (counts.length > 0) parts.push(counts.map(([state, n]) => `${state} ${n}`).join(', '));
  const deferred = (status.accounts ?? [])
    .filter((a) => a.state === 'deferred' && a.until)
    .map((a) => a.until as string)
    .sort();
  if (deferred[0]) parts.push(`next deferred closure ${day(deferred[0])}Z`);
  if (status.quota) {
    const { used, limit, nextFitsAt } = status.quota;
    // while there is room the next closure fits now: no date, so the line changes only when something happens
    parts.push(
      `quota ${used}/${limit} used in 30 days${used < limit ? '' : `, full until ${day(nextFitsAt)}Z`}`,
    );
  }
  if (status.failure) parts.push(`${status.failure.error}: ${status.failure.message}`);
  return parts.join(' · ');
}

/** The accounts of a batch as a table: state, the date that goes with it, and why. */
export function renderAccounts(status: ClosureStatus): string {
  const accounts = status.accounts ?? [];
  if (accounts.length === 0) return '  (no accounts planned yet)';
  const rows = accounts.map((a) => [
    a.accountId,
    a.state,
    a.closedAt ? `closed ${day(a.closedAt)}Z` : a.until ? `until ${day(a.until)}Z` : '',
    [a.reason, a.detail].filter(Boolean).join(': '),
  ]);
  const header = ['account', 'state', 'when', 'why'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The status and the table, as `orgflow closure <id>` prints them. */
export function renderClosure(status: ClosureStatus): string {
  const title = `closure batch ${status.batchId}${status.reason ? ` — ${status.reason}` : ''}`;
  const note = status.dryRun ? '\n  dry run: this is the plan, nothing was closed' : '';
  return `${title}\n  ${describeProgress(status)}${note}\n\n${renderAccounts(status)}`;
}

/**
 * Prints a line whenever the batch's progress changes, until it has finished or only deferred accounts are
 * left (their dates are days or weeks away), then the table of its accounts; returns the last status.
 */
export function followClosure(
  api: ApiTarget,
  batchId: string,
  options: FollowOptions<ClosureStatus>,
): Promise<ClosureStatus> {
  return follow(
    {
      look: () => closureStatus(api, batchId),
      progress: describeProgress,
      done: (status) => hasFinished(status) || onlyDeferredLeft(status),
      summary: (status) =>
        `\n${renderAccounts(status)}${
          onlyDeferredLeft(status)
            ? `\n\n  the deferred accounts wait for room in the 30-day closure quota: the batch closes them by itself on their dates\n  (see it again with: npx orgflow closure ${batchId})`
            : ''
        }`,
    },
    options,
  );
}
