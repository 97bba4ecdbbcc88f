// Rows of the emulator's state. Times are epoch milliseconds; views turn them into the wire's epoch seconds.

export type FeatureSet = 'ALL' | 'CONSOLIDATED_BILLING';
export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
export type AccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
export type PolicyTypeStatus = 'ENABLED' | 'PENDING_ENABLE' | 'PENDING_DISABLE';

export interface Tag {
  Key: string;
  Value: string;
}

export interface OrganizationRow {
  id: string;
  featureSet: FeatureSet;
  managementAccountId: string;
  createdAt: number;
}

export interface RootRow {
  id: string;
  orgId: string;
  name: string;
  policyTypes: { Type: string; Status: PolicyTypeStatus }[];
}

export interface OuRow {
  id: string;
  orgId: string;
  name: string;
  parentId: string;
  createdAt: number;
}

/** An AWS account known to the emulator, inside an organization (orgId set) or standalone. */
export interface AccountRow {
  id: string;
  orgId: string | null;
  email: string;
  name: string;
  status: AccountStatus;
  state: AccountState;
  joinedMethod: 'INVITED' | 'CREATED' | null;
  joinedAt: number | null;
  parentId: string | null;
  createdAt: number;
  /** set for accounts made by CreateAccount: the role a management account can assume in them */
  accessRoleName: string | null;
}

export interface PolicyRow {
  id: string;
  /** the owning organization, or 'aws' for AWS managed policies shared by every organization */
  orgId: string;
  name: string;
  description: string;
  type: string;
  awsManaged: boolean;
  content: string;
}

export interface AttachmentRow {
  /** `${targetId}|${policyId}` */
  id: string;
  orgId: string;
  targetId: string;
  policyId: string;
  policyType: string;
  attachedAt: number;
}

export interface TagsRow {
  /** the tagged resource's id */
  id: string;
  orgId: string;
  tags: Tag[];
}

export interface CreateAccountStatusRow {
  id: string;
  orgId: string;
  accountName: string;
  email: string;
  state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  requestedAt: number;
  completedAt: number | null;
  accountId: string | null;
  govCloudAccountId: string | null;
  failureReason: string | null;
  roleName: string;
  iamUserAccessToBilling: 'ALLOW' | 'DENY';
  tags: Tag[];
}

export interface DelegatedAdminRow {
  /** `${accountId}|${servicePrincipal}` */
  id: string;
  orgId: string;
  accountId: string;
  servicePrincipal: string;
  registeredAt: number;
}

export interface ServiceAccessRow {
  /** `${orgId}|${servicePrincipal}` */
  id: string;
  orgId: string;
  servicePrincipal: string;
  enabledAt: number;
}

export interface ResourcePolicyRow {
  /** the organization's id: one resource policy per organization */
  id: string;
  policyId: string;
  arn: string;
  content: string;
}

export interface MetaRow {
  id: 'meta';
  /** signs pagination tokens so forged ones are refused */
  tokenSecret: string;
}

/** Work the emulator does later on its clock: an account creation finishing, a handshake expiring, … */
export interface TimerRow {
  /** `${kind}|${ref}`: one timer per kind and subject */
  id: string;
  kind: string;
  /** the subject: a create-account request id, an account id, a handshake id */
  ref: string;
  dueAt: number;
}

/** Temporary credentials issued by the emulator's STS: the access key id names the account and role it acts as. */
export interface SessionCredentialsRow {
  /** the access key id */
  id: string;
  accountId: string;
  roleArn: string;
  roleId: string;
  sessionName: string;
  expiresAt: number;
}

export interface HandshakeResource {
  Type: string;
  Value: string;
  Resources?: HandshakeResource[];
}

export type HandshakeState = 'REQUESTED' | 'OPEN' | 'CANCELED' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED';

/** (owned by the handshake work: refine freely) */
export interface HandshakeRow {
  id: string;
  /** the organization that sent it */
  orgId: string;
  /** fixed at creation: it names the sender's management account and organization */
  arn: string;
  action:
    | 'INVITE'
    | 'ENABLE_ALL_FEATURES'
    | 'APPROVE_ALL_FEATURES'
    | 'ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE'
    | 'TRANSFER_RESPONSIBILITY';
  state: HandshakeState;
  parties: { Id: string; Type: 'ACCOUNT' | 'ORGANIZATION' | 'EMAIL' }[];
  resources: HandshakeResource[];
  requestedAt: number;
  expiresAt: number;
  /** when it became ACCEPTED, DECLINED, CANCELED or EXPIRED: it is listed for 30 days after, then deleted */
  completedAt: number | null;
  /** the account that sent it: the only one that may cancel it */
  senderAccountId: string;
  /** the account that may accept or decline it, once known (an EMAIL invitation resolves when it is accepted) */
  recipientAccountId: string | null;
  parentHandshakeId: string | null;
  /** tags an accepted invitation puts on the joining account */
  tags: Tag[];
}

/** (owned by the account-lifecycle work: refine freely) One account closure, kept for the rolling 30-day quota. */
export interface ClosureRow {
  /** `${accountId}|${requestedAt}` */
  id: string;
  orgId: string;
  accountId: string;
  requestedAt: number;
  completedAt: number | null;
}

export type ResponsibilityTransferStatus =
  | 'REQUESTED'
  | 'ACCEPTED'
  | 'DECLINED'
  | 'CANCELED'
  | 'EXPIRED'
  | 'WITHDRAWN';

/**
 * (owned by the responsibility-transfer work: refine freely) An arrangement in which one organization's
 * management account takes on a responsibility (billing) of another organization. Named as the API names the
 * participants: the Source hands the responsibility over, the Target takes it on (and sent the invitation).
 */
export interface ResponsibilityTransferRow {
  id: string;
  type: 'BILLING';
  name: string;
  status: ResponsibilityTransferStatus;
  /** the organization whose responsibility moves: it received the invitation; the transfer is outbound for it */
  sourceOrgId: string;
  sourceAccountId: string;
  /** the organization that takes the responsibility on: it sent the invitation; the transfer is inbound for it */
  targetOrgId: string;
  targetAccountId: string;
  handshakeId: string;
  startAt: number;
  endAt: number | null;
  requestedAt: number;
  tags: Tag[];
}
