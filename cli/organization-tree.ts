import {
  type Account,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from '@aws-sdk/client-organizations';

export interface TreeNode {
  id: string;
  name: string;
  kind: 'root' | 'ou';
  accounts: Pick<Account, 'Id' | 'Name' | 'Email' | 'State' | 'Status'>[];
  children: TreeNode[];
}

export interface OrganizationTree {
  id: string;
  featureSet: string;
  managementAccountId: string;
  roots: TreeNode[];
}

async function all<T, P>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

async function node(
  client: OrganizationsClient,
  id: string,
  name: string,
  kind: TreeNode['kind'],
): Promise<TreeNode> {
  const [accounts, ous] = await Promise.all([
    all(paginateListAccountsForParent({ client }, { ParentId: id }), (p) => p.Accounts),
    all(paginateListOrganizationalUnitsForParent({ client }, { ParentId: id }), (p) => p.OrganizationalUnits),
  ]);
  const children = await Promise.all(ous.map((ou) => node(client, ou.Id!, ou.Name!, 'ou')));
  return {
    id,
    name,
    kind,
    accounts: accounts.map(({ Id, Name, Email, State, Status }) => ({ Id, Name, Email, State, Status })),
    children,
  };
}

/** The whole organization: roots, OUs and accounts with their states (ListRoots/ListChildren walk). */
export async function organizationTree(client: OrganizationsClient): Promise<OrganizationTree> {
  const { Organization } = await client.send(new DescribeOrganizationCommand({}));
  const roots = await all(paginateListRoots({ client }, {}), (p) => p.Roots);
  return {
    id: Organization!.Id!,
    featureSet: Organization!.FeatureSet!,
    managementAccountId: Organization!.MasterAccountId!,
    roots: await Promise.all(roots.map((root) => node(client, root.Id!, root.Name!, 'root'))),
  };
}

/** The tree as indented text for a person. */
export function renderTree(tree: OrganizationTree): string {
  const lines = [
    `organization ${tree.id} (${tree.featureSet}), management account ${tree.managementAccountId}`,
  ];
  const walk = (n: TreeNode, indent: string) => {
    lines.push(`${indent}${n.kind === 'root' ? 'root' : 'OU'} ${n.name} (${n.id})`);
    for (const account of n.accounts)
      lines.push(
        `${indent}  - ${account.Id}  ${account.Name}  <${account.Email}>  ${account.State ?? account.Status}`,
      );
    for (const child of n.children) walk(child, `${indent}  `);
  };
  for (const root of tree.roots) walk(root, '  ');
  return lines.join('\n');
}
