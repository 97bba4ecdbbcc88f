import {
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListRootsCommand,
  type OrganizationalUnit,
  OrganizationalUnitNotFoundException,
  type OrganizationsClient,
  type PolicySummary,
  paginateListAccounts,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
} from '@aws-sdk/client-organizations';
import type { PolicyType } from './schemas';

export interface DirectoryOptions {
  /** how long a listing is trusted; 0 asks every time */
  ttlMs?: number;
  now?: () => number;
}

/** How long a listing is trusted by default: a burst of requests validates with one listing per level. */
export const DEFAULT_DIRECTORY_TTL_MS = 30_000;
/** A name missing from a listing older than this is looked for again, so a just-created OU is found at once. */
export const RECHECK_MISSES_AFTER_MS = 1_000;

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

/**
 * The organization's OUs and policies as one function instance sees them. ListRoots allows 1 call per second,
 * ListOrganizationalUnitsForParent and ListPolicies a few more, and a burst of 100 requests would otherwise
 * list the same levels 100 times: listings are shared by concurrent callers and kept for `ttlMs`. The root id
 * is kept for the instance's life (it never changes). A failed call is not remembered. What can go stale is an
 * OU or policy deleted within the TTL: the request is accepted and MoveAccount or AttachPolicy then fails
 * with a named error. A name missing from a listing is looked for again in a fresh one.
 */
export class OrganizationDirectory {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<unknown>>();
  #root: Promise<string | undefined> | undefined;

  constructor(
    readonly organizations: OrganizationsClient,
    options: DirectoryOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS;
    this.#now = options.now ?? (() => Date.now());
  }

  rootId(): Promise<string | undefined> {
    if (this.#root) return this.#root;
    const pending = this.organizations.send(new ListRootsCommand({})).then(({ Roots }) => Roots?.[0]?.Id);
    this.#root = pending;
    pending.catch(() => {
      if (this.#root === pending) this.#root = undefined;
    });
    return pending;
  }

  /** The OUs directly under a root or OU. */
  childOrganizationalUnits(parentId: string, fresherThanMs?: number): Promise<OrganizationalUnit[]> {
    return this.#cached(`ous:${parentId}`, fresherThanMs, async () => {
      const ous: OrganizationalUnit[] = [];
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: this.organizations },
        { ParentId: parentId },
      ))
        ous.push(...(page.OrganizationalUnits ?? []));
      return ous;
    });
  }

  /** The policies of one type. */
  policies(type: PolicyType, fresherThanMs?: number): Promise<PolicySummary[]> {
    return this.#cached(`policies:${type}`, fresherThanMs, async () => {
      const policies: PolicySummary[] = [];
      for await (const page of paginateListPolicies({ client: this.organizations }, { Filter: type }))
        policies.push(...(page.Policies ?? []));
      return policies;
    });
  }

  /** An OU's name and parent id; undefined when there is no such OU. */
  organizationalUnit(id: string, fresherThanMs?: number): Promise<{ name: string } | undefined> {
    return this.#cached(`ou:${id}`, fresherThanMs, async () => {
      try {
        const described = await this.organizations.send(
          new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id }),
        );
        return { name: described.OrganizationalUnit?.Name ?? id };
      } catch (error) {
        if (error instanceof OrganizationalUnitNotFoundException) return undefined;
        throw error;
      }
    });
  }

  /** An OU's parent when it is an OU (undefined under the root). */
  parentOrganizationalUnit(id: string): Promise<string | undefined> {
    return this.#cached(`parent:${id}`, undefined, async () => {
      const { Parents } = await this.organizations.send(new ListParentsCommand({ ChildId: id }));
      const parent = Parents?.[0];
      return parent?.Id && parent.Type === 'ORGANIZATIONAL_UNIT' ? parent.Id : undefined;
    });
  }

  /** The id of the account whose email is `email` (compared without case), undefined when none has it. */
  async accountWithEmail(email: string): Promise<string | undefined> {
    const byEmail = await this.#cached('accounts', undefined, async () => {
      const accounts = new Map<string, string>();
      for await (const page of paginateListAccounts({ client: this.organizations }, {}))
        for (const account of page.Accounts ?? [])
          if (account.Id && account.Email) accounts.set(account.Email.toLowerCase(), account.Id);
      return accounts;
    });
    return byEmail.get(email.toLowerCase());
  }

  #cached<T>(key: string, fresherThanMs: number | undefined, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const known = this.#entries.get(key) as Entry<T> | undefined;
    const maxAge = Math.min(this.#ttlMs, fresherThanMs ?? Number.POSITIVE_INFINITY);
    if (known && now - known.at < maxAge) return known.value;
    const entry: Entry<T> = { at: now, value: load() };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }
}
