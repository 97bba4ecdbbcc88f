import { DEFAULT_ACCOUNT_ID } from '../identity';
import type { OrganizationsEmulator } from './emulator';

/** the demo organization's management account is the default account: keys of no account call as it */
export const DEMO_MANAGEMENT_ACCOUNT = DEFAULT_ACCOUNT_ID;

interface DemoAccount {
  name: string;
  email: string;
  ou: string;
  tags?: Record<string, string>;
}

const demoOus: Record<string, string[]> = { Sandbox: [], Workloads: ['Prod', 'Dev'], Decommission: [] };

const demoAccounts: DemoAccount[] = [
  {
    name: 'Log Archive',
    email: 'log-archive@orgflow.example',
    ou: 'Workloads/Prod',
    tags: { owner: 'platform' },
  },
  { name: 'Audit', email: 'audit@orgflow.example', ou: 'Workloads/Prod', tags: { owner: 'security' } },
  {
    name: 'Payments Dev',
    email: 'payments-dev@orgflow.example',
    ou: 'Workloads/Dev',
    tags: { team: 'payments' },
  },
  { name: 'Alice Sandbox', email: 'alice-sandbox@orgflow.example', ou: 'Sandbox', tags: { owner: 'alice' } },
  // closing the Decommission OU shows a closure, a deferral (the demo's quota, see local/stack.ts) and a skip
  { name: 'Old Analytics', email: 'old-analytics@orgflow.example', ou: 'Decommission' },
  {
    name: 'Old Reporting',
    email: 'old-reporting@orgflow.example',
    ou: 'Decommission',
    tags: { owner: 'analytics' },
  },
  {
    name: 'Legal Hold',
    email: 'legal-hold@orgflow.example',
    ou: 'Decommission',
    tags: { owner: 'legal', 'orgflow:protected': 'true' },
  },
];

/** The demo guardrail's document, seeded on Workloads and approved in the demo reactions configuration. */
export const DENY_LEAVE_ORGANIZATION = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyLeaveOrganization',
      Effect: 'Deny',
      Action: 'organizations:LeaveOrganization',
      Resource: '*',
    },
  ],
});

/** True when the emulator holds no organization yet (a fresh data directory). */
export function isEmpty(emulator: OrganizationsEmulator): boolean {
  return emulator.store.organizations.size === 0;
}

/**
 * Runs `build` with creations finishing at once, no throttling and no injected faults, then restores the
 * emulator's settings: the seed goes through the public operations but must not wait on the clock or fail.
 */
function quietly(emulator: OrganizationsEmulator, build: () => void): void {
  const { createAccountDurationMs } = emulator.limits;
  const { enabled } = emulator.throttler;
  const faults = emulator.faults.get();
  emulator.limits.createAccountDurationMs = [0, 0];
  emulator.throttler.enabled = false;
  emulator.faults.set({});
  try {
    build();
  } finally {
    emulator.limits.createAccountDurationMs = createAccountDurationMs;
    emulator.throttler.enabled = enabled;
    emulator.faults.set(faults);
  }
}

/** The demo organizations `npm start -- --demo-organization <name>` can seed. */
export const demoOrganizations = ['all-features', 'consolidated-billing'] as const;
export type DemoOrganization = (typeof demoOrganizations)[number];

/**
 * A demo organization, built through the public operations as a user would. `all-features` (the default): a
 * management account, OUs Sandbox, Workloads (Prod, Dev) and Decommission (two closable accounts and one tagged
 * `orgflow:protected=true`), seven member accounts and a guardrail SCP. `consolidated-billing`: see
 * {@link consolidatedBillingDemo}.
 */
export function seedDemoOrganization(
  emulator: OrganizationsEmulator,
  demo: DemoOrganization = 'all-features',
): void {
  quietly(emulator, () =>
    demo === 'all-features' ? buildDemoOrganization(emulator) : buildConsolidatedBillingDemo(emulator),
  );
}

/** the role orgflow assumes in a member account; accounts created in an organization have it */
export const DEMO_ACCESS_ROLE = 'OrganizationAccountAccessRole';

/**
 * The consolidated-billing demo: an organization that has never enabled all features, as AWS's oldest ones are.
 * Its created accounts have the access role; of the accounts that joined by invitation, some were given it by
 * hand and the others never were (invited accounts do not get it), so orgflow must ask those to approve.
 */
export const consolidatedBillingDemo = {
  ous: ['Workloads', 'Sandbox'],
  created: [
    { name: 'Log Archive', email: 'log-archive@orgflow.example', ou: 'Workloads' },
    { name: 'Shared Services', email: 'shared-services@orgflow.example', ou: 'Workloads' },
    { name: 'Alice Sandbox', email: 'alice-sandbox@orgflow.example', ou: 'Sandbox' },
  ],
  invited: [
    { id: '222200000001', name: 'Retail (acquired)', email: 'aws@retail.example', accessRole: true },
    { id: '222200000002', name: 'Data Platform', email: 'aws-data@orgflow.example', accessRole: true },
    { id: '222200000003', name: 'Marketing Analytics', email: 'aws@marketing.example', accessRole: true },
    {
      id: '222200000004',
      name: 'Legacy Billing',
      email: 'legacy-billing@partner.example',
      accessRole: false,
    },
    { id: '222200000005', name: 'Partner Sandbox', email: 'sandbox@partner.example', accessRole: false },
  ],
} as const;

function buildConsolidatedBillingDemo(emulator: OrganizationsEmulator): void {
  const call = <T>(operation: string, input: object, caller = DEMO_MANAGEMENT_ACCOUNT) =>
    emulator.call(operation, input, caller) as T;
  emulator.addStandaloneAccount({
    id: DEMO_MANAGEMENT_ACCOUNT,
    email: 'management@orgflow.example',
    name: 'Management',
  });
  call('CreateOrganization', { FeatureSet: 'CONSOLIDATED_BILLING' });
  const rootId = call<{ Roots: { Id: string }[] }>('ListRoots', {}).Roots[0]!.Id;
  const ouIds = new Map<string, string>();
  for (const name of consolidatedBillingDemo.ous)
    ouIds.set(
      name,
      call<{ OrganizationalUnit: { Id: string } }>('CreateOrganizationalUnit', {
        ParentId: rootId,
        Name: name,
      }).OrganizationalUnit.Id,
    );
  for (const account of consolidatedBillingDemo.created) {
    const accountId = createAccount(call, account.name, account.email);
    call('MoveAccount', {
      AccountId: accountId,
      SourceParentId: rootId,
      DestinationParentId: ouIds.get(account.ou),
    });
  }
  for (const account of consolidatedBillingDemo.invited) {
    emulator.addStandaloneAccount({
      id: account.id,
      email: account.email,
      name: account.name,
      ...(account.accessRole ? { accessRoleName: DEMO_ACCESS_ROLE } : {}),
    });
    const { Handshake } = call<{ Handshake: { Id: string } }>('InviteAccountToOrganization', {
      Target: { Type: 'ACCOUNT', Id: account.id },
    });
    // the invited account accepts with its own credentials, as its owner would
    call('AcceptHandshake', { HandshakeId: Handshake.Id }, account.id);
  }
}

/** Creates an account through CreateAccount (of no duration under `quietly`) and returns its id. */
function createAccount(
  call: <T>(operation: string, input: object) => T,
  name: string,
  email: string,
  tags: { Key: string; Value: string }[] = [],
): string {
  const { CreateAccountStatus } = call<{ CreateAccountStatus: { Id: string } }>('CreateAccount', {
    AccountName: name,
    Email: email,
    Tags: tags,
  });
  // a creation of no duration completes when the next call runs the due timers
  const status = call<{
    CreateAccountStatus: { AccountId?: string; State: string; FailureReason?: string };
  }>('DescribeCreateAccountStatus', { CreateAccountRequestId: CreateAccountStatus.Id }).CreateAccountStatus;
  if (!status.AccountId)
    throw new Error(`seeding ${name} failed: ${status.State} ${status.FailureReason ?? ''}`);
  return status.AccountId;
}

function buildDemoOrganization(emulator: OrganizationsEmulator): void {
  const call = <T>(operation: string, input: object) =>
    emulator.call(operation, input, DEMO_MANAGEMENT_ACCOUNT) as T;
  emulator.addStandaloneAccount({
    id: DEMO_MANAGEMENT_ACCOUNT,
    email: 'management@orgflow.example',
    name: 'Management',
  });
  call('CreateOrganization', { FeatureSet: 'ALL' });
  const rootId = call<{ Roots: { Id: string }[] }>('ListRoots', {}).Roots[0]!.Id;
  const ouIds = new Map<string, string>();
  for (const [name, children] of Object.entries(demoOus)) {
    const ou = call<{ OrganizationalUnit: { Id: string } }>('CreateOrganizationalUnit', {
      ParentId: rootId,
      Name: name,
    });
    ouIds.set(name, ou.OrganizationalUnit.Id);
    for (const child of children) {
      const sub = call<{ OrganizationalUnit: { Id: string } }>('CreateOrganizationalUnit', {
        ParentId: ou.OrganizationalUnit.Id,
        Name: child,
      });
      ouIds.set(`${name}/${child}`, sub.OrganizationalUnit.Id);
    }
  }
  for (const account of demoAccounts) {
    const Tags = Object.entries(account.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const accountId = createAccount(call, account.name, account.email, Tags);
    call('MoveAccount', {
      AccountId: accountId,
      SourceParentId: rootId,
      DestinationParentId: ouIds.get(account.ou),
    });
  }
  const policy = call<{ Policy: { PolicySummary: { Id: string } } }>('CreatePolicy', {
    Name: 'DenyLeaveOrganization',
    Description: 'Member accounts cannot leave the organization',
    Type: 'SERVICE_CONTROL_POLICY',
    Content: DENY_LEAVE_ORGANIZATION,
  });
  call('AttachPolicy', { PolicyId: policy.Policy.PolicySummary.Id, TargetId: ouIds.get('Workloads') });
}
