import type {
  AccountRow,
  AttachmentRow,
  ClosureRow,
  CreateAccountStatusRow,
  DelegatedAdminRow,
  HandshakeRow,
  MetaRow,
  OrganizationRow,
  OuRow,
  PolicyRow,
  ResourcePolicyRow,
  ResponsibilityTransferRow,
  RootRow,
  ServiceAccessRow,
  SessionCredentialsRow,
  TagsRow,
  TimerRow,
} from './model';
import { type Change, Table } from './table';

export type Snapshot = Record<string, unknown[]>;

/**
 * All state of the emulator. Every request runs in `transaction`: a request that throws leaves nothing
 * behind, and the changes of one that succeeds reach the commit listeners (the journal) together.
 */
export class Store {
  private pending: {
    changes: Change[];
    undo: { table: Table<{ id: string }>; id: string; previous: unknown }[];
  } | null = null;
  private readonly commitListeners: ((changes: Change[]) => void)[] = [];
  private readonly tables = new Map<string, Table<{ id: string }>>();

  readonly meta = this.table<MetaRow>('meta');
  readonly organizations = this.table<OrganizationRow>('organizations');
  readonly roots = this.table<RootRow>('roots', { byOrg: (r) => r.orgId });
  readonly ous = this.table<OuRow>('ous', { byParent: (r) => r.parentId, byOrg: (r) => r.orgId });
  readonly accounts = this.table<AccountRow>('accounts', {
    byParent: (r) => r.parentId ?? undefined,
    byOrg: (r) => r.orgId ?? undefined,
    byEmail: (r) => r.email.toLowerCase(),
  });
  readonly policies = this.table<PolicyRow>('policies', { byOrg: (r) => r.orgId });
  readonly attachments = this.table<AttachmentRow>('attachments', {
    byTarget: (r) => r.targetId,
    byPolicy: (r) => r.policyId,
  });
  readonly tags = this.table<TagsRow>('tags');
  readonly createAccountStatuses = this.table<CreateAccountStatusRow>('createAccountStatuses', {
    byOrg: (r) => r.orgId,
  });
  readonly delegatedAdmins = this.table<DelegatedAdminRow>('delegatedAdmins', {
    byOrg: (r) => r.orgId,
    byAccount: (r) => r.accountId,
  });
  readonly serviceAccess = this.table<ServiceAccessRow>('serviceAccess', { byOrg: (r) => r.orgId });
  readonly resourcePolicies = this.table<ResourcePolicyRow>('resourcePolicies');
  readonly timers = this.table<TimerRow>('timers');
  readonly sessionCredentials = this.table<SessionCredentialsRow>('sessionCredentials');
  readonly handshakes = this.table<HandshakeRow>('handshakes', {
    byOrg: (r) => r.orgId,
    byRecipient: (r) => r.recipientAccountId ?? undefined,
    byParent: (r) => r.parentHandshakeId ?? undefined,
  });
  readonly closures = this.table<ClosureRow>('closures', {
    byOrg: (r) => r.orgId,
    byAccount: (r) => r.accountId,
  });
  readonly responsibilityTransfers = this.table<ResponsibilityTransferRow>('responsibilityTransfers', {
    bySourceOrg: (r) => r.sourceOrgId,
    byTargetOrg: (r) => r.targetOrgId ?? undefined,
  });

  /** Creates a further table (later parts of the emulator add theirs); call before any data is loaded. */
  table<T extends { id: string }>(
    name: string,
    indexes: Record<string, (row: T) => string | undefined> = {},
  ): Table<T> {
    if (this.tables.has(name)) throw new Error(`table ${name} is defined twice`);
    const table: Table<T> = new Table<T>(
      name,
      (change, previous) => this.record(table as unknown as Table<{ id: string }>, change, previous),
      indexes,
    );
    this.tables.set(name, table as unknown as Table<{ id: string }>);
    return table;
  }

  onCommit(listener: (changes: Change[]) => void): void {
    this.commitListeners.push(listener);
  }

  transaction<R>(fn: () => R): R {
    if (this.pending) return fn(); // nested: the outer transaction owns commit and rollback
    this.pending = { changes: [], undo: [] };
    const current = this.pending;
    try {
      const result = fn();
      this.pending = null;
      if (current.changes.length > 0) for (const listener of this.commitListeners) listener(current.changes);
      return result;
    } catch (error) {
      this.pending = null;
      for (const { table, id, previous } of current.undo.reverse()) {
        table.apply(id, previous as { id: string } | null);
      }
      throw error;
    }
  }

  /** Applies journaled changes (on load) without notifying anyone. */
  replay(changes: Iterable<Change>): void {
    for (const change of changes) {
      const table = this.tables.get(change.table);
      if (!table) throw new Error(`journal names an unknown table ${change.table}`);
      table.apply(change.id, change.row as { id: string } | null);
    }
  }

  snapshot(): Snapshot {
    const out: Snapshot = {};
    for (const [name, table] of this.tables) out[name] = [...table.values()];
    return out;
  }

  load(snapshot: Snapshot): void {
    for (const [name, rows] of Object.entries(snapshot)) {
      const table = this.tables.get(name);
      if (!table) throw new Error(`snapshot names an unknown table ${name}`);
      for (const row of rows as { id: string }[]) table.apply(row.id, row);
    }
  }

  private record(table: Table<{ id: string }>, change: Change, previous: unknown): void {
    if (!this.pending) throw new Error(`change to ${change.table}/${change.id} outside a transaction`);
    this.pending.changes.push(change);
    this.pending.undo.push({ table, id: change.id, previous });
  }
}
