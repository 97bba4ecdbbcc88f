import type { OrganizationRow } from './model';
import { policyTypes } from './policy-types';

// every ARN embeds the management account, even for member accounts and OUs (reference §2)
const base = (org: OrganizationRow) => `arn:aws:organizations::${org.managementAccountId}`;

export const arn = {
  organization: (org: OrganizationRow) => `${base(org)}:organization/${org.id}`,
  root: (org: OrganizationRow, rootId: string) => `${base(org)}:root/${org.id}/${rootId}`,
  ou: (org: OrganizationRow, ouId: string) => `${base(org)}:ou/${org.id}/${ouId}`,
  account: (org: OrganizationRow, accountId: string) => `${base(org)}:account/${org.id}/${accountId}`,
  policy: (org: OrganizationRow, type: string, policyId: string) =>
    `${base(org)}:policy/${org.id}/${policyTypes[type]?.arnSegment ?? type.toLowerCase()}/${policyId}`,
  awsManagedPolicy: (type: string, policyId: string) =>
    `arn:aws:organizations::aws:policy/${policyTypes[type]?.arnSegment ?? type.toLowerCase()}/${policyId}`,
  handshake: (org: OrganizationRow, action: string, handshakeId: string) =>
    `${base(org)}:handshake/${org.id}/${action.toLowerCase()}/${handshakeId}`,
  resourcePolicy: (org: OrganizationRow, id: string) => `${base(org)}:resourcepolicy/${org.id}/${id}`,
};
