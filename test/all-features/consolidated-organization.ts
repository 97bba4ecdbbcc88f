import { ManualClock } from '../../local/clock';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { DEMO_ACCESS_ROLE, DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';

/** What {@link buildConsolidatedBillingOrganization} made: the ids a test or bench asks for. */
export interface ConsolidatedBillingOrganization {
  managementAccount: string;
  /** invited members with the access role: orgflow approves for them */
  reachable: string[];
  /** invited members without it: they answer as themselves */
  unreachable: string[];
  /** members made by CreateAccount: AWS asks them nothing */
  created: string[];
}

/**
 * Writes, into `dataDir`, a consolidated-billing organization before any stack starts on it: the demo management
 * account, `reachable` invited members with `OrganizationAccountAccessRole` (ids 2000000000nn), `unreachable`
 * ones without it (3000000000nn), each invited and accepting as itself, and `created` members. Built with the
 * emulator's own operations, offline, so that its invitations are no events for the stack's functions.
 */
export function buildConsolidatedBillingOrganization(
  dataDir: string,
  counts: { reachable: number; unreachable: number; created: number },
): ConsolidatedBillingOrganization {
  const members = counts.reachable + counts.unreachable + counts.created;
  const emulator = new OrganizationsEmulator({
    dataDir: `${dataDir}/organizations`,
    clock: (resumeFrom) => new ManualClock(Math.max(Date.now(), resumeFrom ?? 0)),
    defaultAccountId: DEMO_MANAGEMENT_ACCOUNT,
    limits: { accountQuota: members + 10, createAccountDurationMs: [0, 0], concurrentAccountCreations: 1000 },
  });
  const call = <T>(operation: string, input: object, caller = DEMO_MANAGEMENT_ACCOUNT) =>
    emulator.call(operation, input, caller) as T;
  const id = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(10, '0')}`;
  const invite = (accountId: string, accessRole: boolean) => {
    emulator.addStandaloneAccount({
      id: accountId,
      email: `${accountId}@invited.example`,
      name: `Invited ${accountId}`,
      ...(accessRole ? { accessRoleName: DEMO_ACCESS_ROLE } : {}),
    });
    const { Handshake } = call<{ Handshake: { Id: string } }>('InviteAccountToOrganization', {
      Target: { Type: 'ACCOUNT', Id: accountId },
    });
    call('AcceptHandshake', { HandshakeId: Handshake.Id }, accountId);
    return accountId;
  };
  try {
    emulator.addStandaloneAccount({
      id: DEMO_MANAGEMENT_ACCOUNT,
      email: 'management@orgflow.example',
      name: 'Management',
    });
    call('CreateOrganization', { FeatureSet: 'CONSOLIDATED_BILLING' });
    const reachable = Array.from({ length: counts.reachable }, (_, i) => invite(id('20', i), true));
    const unreachable = Array.from({ length: counts.unreachable }, (_, i) => invite(id('30', i), false));
    const created = Array.from({ length: counts.created }, (_, i) => {
      const { CreateAccountStatus } = call<{ CreateAccountStatus: { Id: string } }>('CreateAccount', {
        AccountName: `Created ${i + 1}`,
        Email: `created-${i + 1}@orgflow.example`,
      });
      // a creation of no duration completes when the next call runs the due timers
      const status = call<{ CreateAccountStatus: { AccountId?: string } }>('DescribeCreateAccountStatus', {
        CreateAccountRequestId: CreateAccountStatus.Id,
      }).CreateAccountStatus;
      if (!status.AccountId) throw new Error(`created member ${i + 1} was not created`);
      return status.AccountId;
    });
    return { managementAccount: DEMO_MANAGEMENT_ACCOUNT, reachable, unreachable, created };
  } finally {
    emulator.close();
  }
}
