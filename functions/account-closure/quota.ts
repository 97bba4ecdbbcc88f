import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { readOrganization } from '../_shared/organization-snapshot';
import { closureBudget } from '../governor/closure-window';
import { type ClosureConfig, quotaLimitFor } from './closure-config';
import { closuresInWindow, type LedgerPorts, recordedQuotaLimit, recordQuotaLimit } from './ledger';

/** When the window is full at `now`: the time the next closure fits (ISO), else undefined. */
export async function deferral(ports: LedgerPorts, limit: number, now: number): Promise<string | undefined> {
  const { nextFitsAt } = closureBudget(await closuresInWindow(ports, now), limit, now);
  return nextFitsAt > now ? new Date(nextFitsAt).toISOString() : undefined;
}

/** The quota a batch's plan recorded; counted here (and recorded) when none has yet, e.g. a closure started by hand. */
export async function quotaLimit(
  ports: LedgerPorts & { organizations: OrganizationsClient; config: ClosureConfig },
  now: number,
): Promise<number> {
  const recorded = await recordedQuotaLimit(ports);
  if (recorded !== undefined) return recorded;
  const memberAccounts = (await readOrganization(ports.organizations)).accounts.size - 1;
  const limit = quotaLimitFor(ports.config, memberAccounts);
  await recordQuotaLimit(ports, { limit, memberAccounts, countedAt: now });
  return limit;
}
