import type { ClosureBatchInput } from '../../functions/account-closure/plan-closure-batch/plan-closure-batch';
import { ManualClock } from '../clock';
import { OrganizationsEmulator } from './emulator';
import { DEMO_MANAGEMENT_ACCOUNT, seedDemoOrganization } from './seed';

/** What {@link buildLargeOrganization} made: the ids a test asks for. */
export interface LargeOrganization {
  /** the accounts of the OU `Sweep`, in creation order */
  sweep: string[];
  /** an account of `Sweep` tagged orgflow:protected=true (not in `sweep`) */
  protectedAccount: string;
  managementAccount: string;
}

/**
 * Writes, into `dataDir`, the demo organization grown to `members` member accounts before any stack starts on
 * it: `sweep` of them in an OU `Sweep` (one more there tagged orgflow:protected=true), the rest in `Sandbox`.
 * Built with the emulator's own operations, offline, so that its thousand creations are not a thousand events
 * for the stack's functions to handle.
 */
export function buildLargeOrganization(dataDir: string, members: number, sweep: number): LargeOrganization {
  const emulator = new OrganizationsEmulator({
    dataDir: `${dataDir}/organizations`,
    clock: (resumeFrom) => new ManualClock(Math.max(Date.now(), resumeFrom ?? 0)),
    defaultAccountId: DEMO_MANAGEMENT_ACCOUNT,
    limits: { accountQuota: members + 10, createAccountDurationMs: [0, 0], concurrentAccountCreations: 1000 },
  });
  try {
    seedDemoOrganization(emulator);
    const call = <T>(operation: string, input: object) =>
      emulator.call(operation, input, DEMO_MANAGEMENT_ACCOUNT) as T;
    const rootId = call<{ Roots: { Id: string }[] }>('ListRoots', {}).Roots[0]!.Id;
    const ous = call<{ OrganizationalUnits: { Id: string; Name: string }[] }>(
      'ListOrganizationalUnitsForParent',
      { ParentId: rootId },
    ).OrganizationalUnits;
    const sandbox = ous.find((ou) => ou.Name === 'Sandbox')!.Id;
    const sweepOu = call<{ OrganizationalUnit: { Id: string } }>('CreateOrganizationalUnit', {
      ParentId: rootId,
      Name: 'Sweep',
    }).OrganizationalUnit.Id;
    const existing = call<{ Accounts: unknown[] }>('ListAccounts', { MaxResults: 20 }).Accounts.length;
    const create = (i: number, tags: { Key: string; Value: string }[] = []) => {
      const { CreateAccountStatus } = call<{ CreateAccountStatus: { Id: string } }>('CreateAccount', {
        AccountName: `Member ${i}`,
        Email: `member-${i}@example.com`,
        Tags: tags,
      });
      const status = call<{ CreateAccountStatus: { AccountId?: string } }>('DescribeCreateAccountStatus', {
        CreateAccountRequestId: CreateAccountStatus.Id,
      }).CreateAccountStatus;
      if (!status.AccountId) throw new Error(`member ${i} was not created`);
      return status.AccountId;
    };
    const move = (accountId: string, to: string) =>
      call('MoveAccount', { AccountId: accountId, SourceParentId: rootId, DestinationParentId: to });
    const sweepIds: string[] = [];
    // the demo's members count: the total is `members`
    for (let i = existing - 1; i < members; i++) {
      const id = create(i);
      if (sweepIds.length < sweep) {
        move(id, sweepOu);
        sweepIds.push(id);
      } else move(id, sandbox);
    }
    const protectedAccount = create(members, [{ Key: 'orgflow:protected', Value: 'true' }]);
    move(protectedAccount, sweepOu);
    return { sweep: sweepIds, protectedAccount, managementAccount: DEMO_MANAGEMENT_ACCOUNT };
  } finally {
    emulator.close();
  }
}

/** The most closures the emulator had PENDING_CLOSURE at once, from its own record of them. */
export function mostClosuresInFlight(emulator: OrganizationsEmulator): number {
  const edges = [...emulator.store.closures.values()]
    .flatMap((c) => [
      { at: c.requestedAt, delta: 1 },
      { at: c.completedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
    ])
    // a closure that ends when another starts is not in flight with it
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let inFlight = 0;
  let most = 0;
  for (const edge of edges) {
    inFlight += edge.delta;
    most = Math.max(most, inFlight);
  }
  return most;
}

/**
 * The input of a closure batch execution started by hand, as the API would start it for the demo management
 * account's CloudOps role (tests and benchmarks that drive the state machine directly).
 */
export function closureBatchInput(
  selection: { accountIds: string[]; organizationalUnit?: string },
  reason: string,
): Omit<ClosureBatchInput, 'batchId'> {
  return {
    caller: {
      arn: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:role/CloudOps`,
      accountId: DEMO_MANAGEMENT_ACCOUNT,
    },
    source: 'api',
    request: { selection: { ...selection, includeSubOrganizationalUnits: false }, reason, dryRun: false },
  };
}
