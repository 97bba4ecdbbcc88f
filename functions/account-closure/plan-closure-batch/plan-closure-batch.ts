import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { z } from 'zod';
import { mapLimited } from '../../_shared/concurrency';
import { ConfigurationError, OrganizationalUnitNotFoundError } from '../../_shared/errors';
import {
  accountsUnder,
  ancestorsIn,
  type OrganizationSnapshot,
  organizationalUnitIn,
  readOrganization,
  tagsOf,
} from '../../_shared/organization-snapshot';
import { CallerSchema } from '../../_shared/schemas';
import { closureBudget } from '../../governor/closure-window';
import { CLOSE_ACCOUNT_INTERVAL_MS } from '../../governor/pools';
import { type BatchRecord, BatchSelectionSchema, type BatchStorePorts, recordBatch } from '../batch-store';
import { type ClosureConfig, quotaLimitFor } from '../closure-config';
import { BatchIdSchema } from '../closure-step-inputs';
import { BatchTooLargeError } from '../errors';
import { closuresInWindow, recordQuotaLimit } from '../ledger';
import { type ClosureCandidate, planClosures } from '../plan';

/** What a batch execution starts with: the API or the decommission rule wrote it. */
export const ClosureBatchInputSchema = z.object({
  batchId: BatchIdSchema,
  caller: CallerSchema,
  source: z.enum(['api', 'decommission']),
  request: z.object({
    selection: BatchSelectionSchema,
    reason: z.string().min(1).max(256),
    dryRun: z.boolean().default(false),
  }),
});
export type ClosureBatchInput = z.infer<typeof ClosureBatchInputSchema>;

export interface PlanBatchPorts extends BatchStorePorts {
  organizations: OrganizationsClient;
  config: ClosureConfig;
  now: () => number;
}

/** What the batch's Map closes: every account not skipped, with the date a deferred one waits for. */
export interface PlannedBatch {
  batchId: string;
  dryRun: boolean;
  reason: string;
  closures: { accountId: string; until: string | null }[];
  counts: { closeNow: number; deferred: number; skipped: number };
  /** the 30-day closure quota as the plan found it: closures in the window and the limit */
  quota: { used: number; limit: number };
}

/** The most accounts one batch plans: its plan is kept in one DynamoDB item and passed through one Map. */
export const MAX_BATCH_ACCOUNTS = 1000;

// ListTagsForResource allows 10 calls per second (reference §3.2): a few at a time, the SDK retrying throttles
const TAG_READS_AT_ONCE = 4;

/**
 * Plan Closure Batch: reads the organization once, turns the selection (account ids, an OU and optionally its
 * sub-OUs) into candidates, and plans each one against the closure quota: close now, deferred until a date,
 * or skipped with a reason. The plan is recorded with the batch; a retry reads it back rather than planning
 * again. The quota computed from the organization's size is kept for the closures to check against.
 */
export async function planClosureBatch(
  ports: PlanBatchPorts,
  input: ClosureBatchInput,
): Promise<PlannedBatch> {
  const snapshot = await readOrganization(ports.organizations);
  // a protected OU that names nothing (a typo, a renamed OU) would protect nothing: refuse to plan instead
  const unknown = ports.config.protectedOrganizationalUnits.filter(
    (ref) => !organizationalUnitIn(snapshot, ref),
  );
  if (unknown.length > 0)
    throw new ConfigurationError(
      `the closure configuration protects ${unknown.map((ref) => `'${ref}'`).join(', ')}, which names no OU of the organization: fix protectedOrganizationalUnits (ids or paths of names, as the organization has them)`,
    );
  const now = ports.now();
  const { selection } = input.request;
  const ids = [...selection.accountIds];
  if (selection.organizationalUnit !== undefined) {
    const ou = organizationalUnitIn(snapshot, selection.organizationalUnit);
    if (!ou) throw new OrganizationalUnitNotFoundError(selection.organizationalUnit);
    ids.push(...accountsUnder(snapshot, ou.id, selection.includeSubOrganizationalUnits).map((a) => a.id));
  }
  const unique = [...new Set(ids)];
  if (unique.length > MAX_BATCH_ACCOUNTS) throw new BatchTooLargeError(unique.length, MAX_BATCH_ACCOUNTS);
  const candidates = await mapLimited(unique, TAG_READS_AT_ONCE, (id) =>
    candidateIn(ports.organizations, snapshot, id),
  );
  const memberAccounts = snapshot.accounts.size - 1;
  const limit = quotaLimitFor(ports.config, memberAccounts);
  await recordQuotaLimit(ports, { limit, memberAccounts, countedAt: now });
  const ledger = await closuresInWindow(ports, now);
  const plan = planClosures(candidates, ports.config.protectedOrganizationalUnits, {
    ledger,
    limit,
    now,
    spacingMs: CLOSE_ACCOUNT_INTERVAL_MS,
  });
  const budget = closureBudget(ledger, limit, now);
  const batch: BatchRecord = {
    batchId: input.batchId,
    reason: input.request.reason,
    requestedBy: input.caller.arn,
    source: input.source,
    dryRun: input.request.dryRun,
    createdAt: new Date(now).toISOString(),
    selection,
    plan,
    quota: { used: budget.used, limit, nextFitsAt: new Date(budget.nextFitsAt).toISOString() },
  };
  const recorded = await recordBatch(ports, batch, now);
  return plannedBatchOf(recorded);
}

/** The Map's input of a recorded batch (none for a dry run: it closes nothing). */
export function plannedBatchOf(batch: BatchRecord): PlannedBatch {
  const count = (decision: string) => batch.plan.filter((p) => p.decision === decision).length;
  return {
    batchId: batch.batchId,
    dryRun: batch.dryRun,
    reason: batch.reason,
    closures: batch.dryRun
      ? []
      : batch.plan
          .filter((p) => p.decision !== 'skipped')
          .map((p) => ({ accountId: p.accountId, until: p.until ?? null })),
    counts: { closeNow: count('close-now'), deferred: count('deferred'), skipped: count('skipped') },
    quota: { used: batch.quota.used, limit: batch.quota.limit },
  };
}

/** What the plan's rules need of one account: the snapshot's state and place, and the account's tags. */
async function candidateIn(
  organizations: OrganizationsClient,
  snapshot: OrganizationSnapshot,
  accountId: string,
): Promise<ClosureCandidate> {
  const account = snapshot.accounts.get(accountId);
  const isManagementAccount = accountId === snapshot.managementAccountId;
  if (!account || isManagementAccount)
    return { accountId, state: account?.state, isManagementAccount, tags: {}, ancestors: [] };
  return {
    accountId,
    state: account.state,
    isManagementAccount,
    tags: await tagsOf(organizations, accountId),
    ancestors: ancestorsIn(snapshot, account.parentId),
  };
}
