import {
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListPoliciesForTarget,
  paginateListRoots,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';
import { isProtectedByTag, PROTECTED_TAG } from '../../functions/_shared/protection';
import type { ClosureConfig } from '../../functions/account-closure/closure-config';
import type { ReactionsConfig } from '../../functions/reactions/reactions-config';
import type { AccountView, OrganizationalUnitView, OrganizationView, TargetDetails } from './views';

// The organization as the console shows it, read through the Organizations API only (ListRoots, ListChildren,
// tags): each OU with its accounts, their states, and why one is protected or carries a guardrail.

export interface OrganizationReaderOptions {
  organizations: OrganizationsClient;
  closureConfig?: ClosureConfig | undefined;
  reactionsConfig?: ReactionsConfig | undefined;
}

async function all<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

const named = (target: string, ids: string[]) => ids.some((id) => id === target);

/** The guardrails the configuration keeps attached to a target known by these names (id, path, `Root`). */
function guardrailsOf(config: ReactionsConfig | undefined, names: string[]): string[] {
  return (config?.guardrails ?? [])
    .filter((g) => g.attachedTo.some((target) => named(target, names)))
    .map((g) => g.policy ?? `tagged ${g.policyTag}`);
}

export async function tagsOf(
  organizations: OrganizationsClient,
  id: string,
): Promise<Record<string, string>> {
  const tags = await all(
    paginateListTagsForResource({ client: organizations }, { ResourceId: id }),
    (p) => p.Tags,
  );
  return Object.fromEntries(tags.map((t) => [t.Key!, t.Value ?? '']));
}

/** The whole tree, every account with its state and whether (and why) it is protected. */
export async function readOrganizationView(options: OrganizationReaderOptions): Promise<OrganizationView> {
  const client = options.organizations;
  const { Organization } = await client.send(new DescribeOrganizationCommand({}));
  const protectedOus = options.closureConfig?.protectedOrganizationalUnits ?? [];
  const walk = async (
    id: string,
    name: string,
    kind: 'root' | 'ou',
    path: string,
    inherited: string | undefined,
  ): Promise<OrganizationalUnitView> => {
    const [accounts, ous] = await Promise.all([
      all(paginateListAccountsForParent({ client }, { ParentId: id }), (p) => p.Accounts),
      all(
        paginateListOrganizationalUnitsForParent({ client }, { ParentId: id }),
        (p) => p.OrganizationalUnits,
      ),
    ]);
    const own =
      kind === 'ou' && (named(id, protectedOus) || named(path, protectedOus))
        ? `protected OU (closure configuration)`
        : undefined;
    const guarded = own ?? inherited;
    const views = await Promise.all(
      accounts.map(async (account): Promise<AccountView> => {
        const tagged = isProtectedByTag(await tagsOf(client, account.Id!));
        const why = tagged
          ? `tagged ${PROTECTED_TAG.key}=${PROTECTED_TAG.value}`
          : guarded
            ? `under ${guarded === own ? path : 'a protected OU'}`
            : undefined;
        return {
          id: account.Id!,
          name: account.Name ?? '',
          email: account.Email ?? '',
          state: account.State ?? account.Status ?? 'UNKNOWN',
          management: account.Id === Organization?.MasterAccountId,
          ...(why ? { protected: why } : {}),
        };
      }),
    );
    const children = await Promise.all(
      ous.map((ou) => walk(ou.Id!, ou.Name!, 'ou', path ? `${path}/${ou.Name}` : ou.Name!, guarded)),
    );
    return {
      id,
      name,
      kind,
      path,
      ...(own ? { protected: own } : {}),
      guardrails: guardrailsOf(options.reactionsConfig, kind === 'root' ? [id, 'Root'] : [id, path]),
      accounts: views.sort((a, b) => a.name.localeCompare(b.name)),
      children: children.sort((a, b) => a.name.localeCompare(b.name)),
    };
  };
  const roots = await all(paginateListRoots({ client }, {}), (p) => p.Roots);
  return {
    id: Organization?.Id ?? '',
    featureSet: Organization?.FeatureSet ?? '',
    managementAccountId: Organization?.MasterAccountId ?? '',
    roots: await Promise.all(roots.map((root) => walk(root.Id!, root.Name ?? 'Root', 'root', '', undefined))),
  };
}

/** An account's, OU's or root's tags and service control policies, guardrails marked. */
export async function readTargetDetails(
  options: OrganizationReaderOptions,
  id: string,
  names: string[],
): Promise<TargetDetails> {
  const client = options.organizations;
  const guardrails = new Set(guardrailsOf(options.reactionsConfig, [id, ...names]));
  const [tags, policies] = await Promise.all([
    tagsOf(client, id),
    all(
      paginateListPoliciesForTarget({ client }, { TargetId: id, Filter: 'SERVICE_CONTROL_POLICY' }),
      (p) => p.Policies,
    ).catch(() => []),
  ]);
  return {
    id,
    tags,
    policies: policies.map((p) => ({
      id: p.Id!,
      name: p.Name ?? p.Id!,
      awsManaged: p.AwsManaged ?? false,
      guardrail: guardrails.has(p.Name ?? '') || guardrails.has(p.Id ?? ''),
    })),
  };
}
