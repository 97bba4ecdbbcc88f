/**
 * The input constraints of every Organizations operation, as the API model (botocore service-2.json, JS SDK
 * 3.1175) states them: lengths, patterns, enums, required members. Checked generically by `validate`;
 * rules the model only states in prose (the CreateAccount email rules, per-type policy sizes, ...) are
 * checked by the operations themselves.
 *
 * Members whose model pattern is `[\s\S]*` (names, descriptions, notes, tokens, policy text) carry no
 * pattern here: it matches every string.
 *
 * The model writes the id unions as `^(a)|(b)$`, which a regex engine reads as "starts with a or ends with
 * b"; the service matches the whole value, so the unions below are anchored as a whole: `^(?:a|b)$`.
 */
import type { Shape, StructureShape } from './validation';

// ---- ids ----

export const accountId = { kind: 'string', max: 12, pattern: /^\d{12}$/ } satisfies Shape;
export const rootId = { kind: 'string', max: 34, pattern: /^r-[0-9a-z]{4,32}$/ } satisfies Shape;
export const ouId = {
  kind: 'string',
  max: 68,
  pattern: /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/,
} satisfies Shape;
export const parentId = {
  kind: 'string',
  max: 100,
  pattern: /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
} satisfies Shape;
export const childId = {
  kind: 'string',
  max: 100,
  pattern: /^(?:\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
} satisfies Shape;
export const policyTargetId = {
  kind: 'string',
  max: 100,
  pattern: /^(?:r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
  patternReason: 'INVALID_PATTERN_TARGET_ID',
} satisfies Shape;
export const taggableResourceId = {
  kind: 'string',
  max: 130,
  pattern:
    /^(?:r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|p-[0-9a-zA-Z_]{8,128}|rp-[0-9a-zA-Z_]{4,128})$/,
} satisfies Shape;
export const policyId = {
  kind: 'string',
  max: 130,
  pattern: /^p-[0-9a-zA-Z_]{8,128}$/,
  patternReason: 'INVALID_SYNTAX_POLICY_ID',
} satisfies Shape;
export const handshakeId = { kind: 'string', max: 34, pattern: /^h-[0-9a-z]{8,32}$/ } satisfies Shape;
export const createAccountRequestId = {
  kind: 'string',
  max: 36,
  pattern: /^car-[a-z0-9]{8,32}$/,
} satisfies Shape;
// the model gives ResponsibilityTransferId a pattern but no length limit
export const responsibilityTransferId = { kind: 'string', pattern: /^rt-[0-9a-z]{8,32}$/ } satisfies Shape;

// ---- other strings ----

export const email = {
  kind: 'string',
  min: 6,
  max: 64,
  pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
} satisfies Shape;
export const createAccountName = {
  kind: 'string',
  min: 1,
  max: 50,
  pattern: /^[\u0020-\u007E]+$/,
} satisfies Shape;
export const roleName = { kind: 'string', max: 64, pattern: /^[\w+=,.@-]{1,64}$/ } satisfies Shape;
export const servicePrincipal = {
  kind: 'string',
  min: 1,
  max: 128,
  pattern: /^[\w+=,.@-]*$/,
} satisfies Shape;
export const ouName = { kind: 'string', min: 1, max: 128 } satisfies Shape;
export const policyName = { kind: 'string', min: 1, max: 128 } satisfies Shape;
export const policyDescription = { kind: 'string', max: 512 } satisfies Shape;
// the model sets no maximum; the per-type size limit (POLICY_CONTENT_LIMIT_EXCEEDED) is checked by the operations
export const policyContent = { kind: 'string', min: 1, max: 1_000_000 } satisfies Shape;
export const resourcePolicyContent = { kind: 'string', min: 1, max: 40_000 } satisfies Shape;
export const handshakeNotes = { kind: 'string', max: 1024 } satisfies Shape;
export const responsibilityTransferName = {
  kind: 'string',
  min: 1,
  max: 128,
  pattern: /^[ -~]+$/,
} satisfies Shape;
export const tagKey = {
  kind: 'string',
  min: 1,
  max: 128,
  pattern: /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u,
} satisfies Shape;
export const tagValue = {
  kind: 'string',
  max: 256,
  pattern: /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u,
} satisfies Shape;

// ---- pagination ----

export const maxResults = { kind: 'integer', min: 1, max: 20 } satisfies Shape;
export const nextToken = { kind: 'string', max: 100_000 } satisfies Shape;

// ---- enums ----

// the installed SDK (3.1175) lists GUARDDUTY_POLICY and SECURITYHUB_CSPM_POLICY besides the 13 of reference §1.5
export const policyType = {
  kind: 'string',
  enum: [
    'SERVICE_CONTROL_POLICY',
    'RESOURCE_CONTROL_POLICY',
    'DECLARATIVE_POLICY_EC2',
    'BACKUP_POLICY',
    'TAG_POLICY',
    'CHATBOT_POLICY',
    'AISERVICES_OPT_OUT_POLICY',
    'SECURITYHUB_POLICY',
    'SECURITYHUB_CSPM_POLICY',
    'INSPECTOR_POLICY',
    'UPGRADE_ROLLOUT_POLICY',
    'BEDROCK_POLICY',
    'S3_POLICY',
    'NETWORK_SECURITY_DIRECTOR_POLICY',
    'GUARDDUTY_POLICY',
  ],
  enumReason: 'INVALID_ENUM_POLICY_TYPE',
} satisfies Shape;
/** the management policy types: every policy type but service and resource control policies */
export const effectivePolicyType = {
  kind: 'string',
  enum: policyType.enum.filter((t) => t !== 'SERVICE_CONTROL_POLICY' && t !== 'RESOURCE_CONTROL_POLICY'),
  enumReason: 'INVALID_ENUM_POLICY_TYPE',
} satisfies Shape;
export const childType = { kind: 'string', enum: ['ACCOUNT', 'ORGANIZATIONAL_UNIT'] } satisfies Shape;
export const featureSet = { kind: 'string', enum: ['ALL', 'CONSOLIDATED_BILLING'] } satisfies Shape;
export const iamUserAccessToBilling = { kind: 'string', enum: ['ALLOW', 'DENY'] } satisfies Shape;
export const createAccountState = {
  kind: 'string',
  enum: ['IN_PROGRESS', 'SUCCEEDED', 'FAILED'],
} satisfies Shape;
export const actionType = {
  kind: 'string',
  enum: [
    'INVITE',
    'ENABLE_ALL_FEATURES',
    'APPROVE_ALL_FEATURES',
    'ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE',
    'TRANSFER_RESPONSIBILITY',
  ],
} satisfies Shape;
export const handshakePartyType = {
  kind: 'string',
  enum: ['ACCOUNT', 'ORGANIZATION', 'EMAIL'],
} satisfies Shape;
export const responsibilityTransferType = { kind: 'string', enum: ['BILLING'] } satisfies Shape;

// ---- structures and lists ----

export const tag = {
  kind: 'structure',
  members: { Key: tagKey, Value: tagValue },
  required: ['Key', 'Value'],
} satisfies StructureShape;
export const tags = { kind: 'list', member: tag } satisfies Shape;
export const tagKeys = { kind: 'list', member: tagKey } satisfies Shape;
export const handshakeParty = {
  kind: 'structure',
  members: { Id: { kind: 'string', min: 1, max: 64 }, Type: handshakePartyType },
  required: ['Id', 'Type'],
} satisfies StructureShape;
export const handshakeFilter = {
  kind: 'structure',
  members: { ActionType: actionType, ParentHandshakeId: handshakeId },
} satisfies StructureShape;

const timestamp = { kind: 'timestamp' } satisfies Shape;
const noInput: StructureShape = { kind: 'structure', members: {} };
const pagination = { NextToken: nextToken, MaxResults: maxResults };

// ---- operations ----

export const inputShapes: Readonly<Record<string, StructureShape>> = {
  AcceptHandshake: { kind: 'structure', members: { HandshakeId: handshakeId }, required: ['HandshakeId'] },
  AttachPolicy: {
    kind: 'structure',
    members: { PolicyId: policyId, TargetId: policyTargetId },
    required: ['PolicyId', 'TargetId'],
  },
  CancelHandshake: { kind: 'structure', members: { HandshakeId: handshakeId }, required: ['HandshakeId'] },
  CloseAccount: { kind: 'structure', members: { AccountId: accountId }, required: ['AccountId'] },
  CreateAccount: {
    kind: 'structure',
    members: {
      Email: email,
      AccountName: createAccountName,
      RoleName: roleName,
      IamUserAccessToBilling: iamUserAccessToBilling,
      Tags: tags,
    },
    required: ['Email', 'AccountName'],
  },
  CreateGovCloudAccount: {
    kind: 'structure',
    members: {
      Email: email,
      AccountName: createAccountName,
      RoleName: roleName,
      IamUserAccessToBilling: iamUserAccessToBilling,
      Tags: tags,
    },
    required: ['Email', 'AccountName'],
  },
  CreateOrganization: { kind: 'structure', members: { FeatureSet: featureSet } },
  CreateOrganizationalUnit: {
    kind: 'structure',
    members: { ParentId: parentId, Name: ouName, Tags: tags },
    required: ['ParentId', 'Name'],
  },
  CreatePolicy: {
    kind: 'structure',
    members: {
      Content: policyContent,
      Description: policyDescription,
      Name: policyName,
      Type: policyType,
      Tags: tags,
    },
    required: ['Content', 'Description', 'Name', 'Type'],
  },
  DeclineHandshake: { kind: 'structure', members: { HandshakeId: handshakeId }, required: ['HandshakeId'] },
  DeleteOrganization: noInput,
  DeleteOrganizationalUnit: {
    kind: 'structure',
    members: { OrganizationalUnitId: ouId },
    required: ['OrganizationalUnitId'],
  },
  DeletePolicy: { kind: 'structure', members: { PolicyId: policyId }, required: ['PolicyId'] },
  DeleteResourcePolicy: noInput,
  DeregisterDelegatedAdministrator: {
    kind: 'structure',
    members: { AccountId: accountId, ServicePrincipal: servicePrincipal },
    required: ['AccountId', 'ServicePrincipal'],
  },
  DescribeAccount: { kind: 'structure', members: { AccountId: accountId }, required: ['AccountId'] },
  DescribeCreateAccountStatus: {
    kind: 'structure',
    members: { CreateAccountRequestId: createAccountRequestId },
    required: ['CreateAccountRequestId'],
  },
  DescribeEffectivePolicy: {
    kind: 'structure',
    members: { PolicyType: effectivePolicyType, TargetId: policyTargetId },
    required: ['PolicyType'],
  },
  DescribeHandshake: { kind: 'structure', members: { HandshakeId: handshakeId }, required: ['HandshakeId'] },
  DescribeOrganization: noInput,
  DescribeOrganizationalUnit: {
    kind: 'structure',
    members: { OrganizationalUnitId: ouId },
    required: ['OrganizationalUnitId'],
  },
  DescribePolicy: { kind: 'structure', members: { PolicyId: policyId }, required: ['PolicyId'] },
  DescribeResourcePolicy: noInput,
  DescribeResponsibilityTransfer: {
    kind: 'structure',
    members: { Id: responsibilityTransferId },
    required: ['Id'],
  },
  DetachPolicy: {
    kind: 'structure',
    members: { PolicyId: policyId, TargetId: policyTargetId },
    required: ['PolicyId', 'TargetId'],
  },
  DisableAWSServiceAccess: {
    kind: 'structure',
    members: { ServicePrincipal: servicePrincipal },
    required: ['ServicePrincipal'],
  },
  DisablePolicyType: {
    kind: 'structure',
    members: { RootId: rootId, PolicyType: policyType },
    required: ['RootId', 'PolicyType'],
  },
  EnableAWSServiceAccess: {
    kind: 'structure',
    members: { ServicePrincipal: servicePrincipal },
    required: ['ServicePrincipal'],
  },
  EnableAllFeatures: noInput,
  EnablePolicyType: {
    kind: 'structure',
    members: { RootId: rootId, PolicyType: policyType },
    required: ['RootId', 'PolicyType'],
  },
  InviteAccountToOrganization: {
    kind: 'structure',
    members: { Target: handshakeParty, Notes: handshakeNotes, Tags: tags },
    required: ['Target'],
  },
  InviteOrganizationToTransferResponsibility: {
    kind: 'structure',
    members: {
      Type: responsibilityTransferType,
      Target: handshakeParty,
      Notes: handshakeNotes,
      StartTimestamp: timestamp,
      SourceName: responsibilityTransferName,
      Tags: tags,
    },
    required: ['Type', 'Target', 'StartTimestamp', 'SourceName'],
  },
  LeaveOrganization: noInput,
  ListAWSServiceAccessForOrganization: { kind: 'structure', members: { ...pagination } },
  ListAccounts: { kind: 'structure', members: { ...pagination } },
  ListAccountsForParent: {
    kind: 'structure',
    members: { ParentId: parentId, ...pagination },
    required: ['ParentId'],
  },
  ListAccountsWithInvalidEffectivePolicy: {
    kind: 'structure',
    members: { PolicyType: effectivePolicyType, ...pagination },
    required: ['PolicyType'],
  },
  ListChildren: {
    kind: 'structure',
    members: { ParentId: parentId, ChildType: childType, ...pagination },
    required: ['ParentId', 'ChildType'],
  },
  ListCreateAccountStatus: {
    kind: 'structure',
    members: { States: { kind: 'list', member: createAccountState }, ...pagination },
  },
  ListDelegatedAdministrators: {
    kind: 'structure',
    members: { ServicePrincipal: servicePrincipal, ...pagination },
  },
  ListDelegatedServicesForAccount: {
    kind: 'structure',
    members: { AccountId: accountId, ...pagination },
    required: ['AccountId'],
  },
  ListEffectivePolicyValidationErrors: {
    kind: 'structure',
    members: { AccountId: accountId, PolicyType: effectivePolicyType, ...pagination },
    required: ['AccountId', 'PolicyType'],
  },
  ListHandshakesForAccount: { kind: 'structure', members: { Filter: handshakeFilter, ...pagination } },
  ListHandshakesForOrganization: { kind: 'structure', members: { Filter: handshakeFilter, ...pagination } },
  ListInboundResponsibilityTransfers: {
    kind: 'structure',
    members: { Type: responsibilityTransferType, Id: responsibilityTransferId, ...pagination },
    required: ['Type'],
  },
  ListOrganizationalUnitsForParent: {
    kind: 'structure',
    members: { ParentId: parentId, ...pagination },
    required: ['ParentId'],
  },
  ListOutboundResponsibilityTransfers: {
    kind: 'structure',
    members: { Type: responsibilityTransferType, ...pagination },
    required: ['Type'],
  },
  ListParents: { kind: 'structure', members: { ChildId: childId, ...pagination }, required: ['ChildId'] },
  ListPolicies: { kind: 'structure', members: { Filter: policyType, ...pagination }, required: ['Filter'] },
  ListPoliciesForTarget: {
    kind: 'structure',
    members: { TargetId: policyTargetId, Filter: policyType, ...pagination },
    required: ['TargetId', 'Filter'],
  },
  ListRoots: { kind: 'structure', members: { ...pagination } },
  // the only list operation without MaxResults
  ListTagsForResource: {
    kind: 'structure',
    members: { ResourceId: taggableResourceId, NextToken: nextToken },
    required: ['ResourceId'],
  },
  ListTargetsForPolicy: {
    kind: 'structure',
    members: { PolicyId: policyId, ...pagination },
    required: ['PolicyId'],
  },
  MoveAccount: {
    kind: 'structure',
    members: { AccountId: accountId, SourceParentId: parentId, DestinationParentId: parentId },
    required: ['AccountId', 'SourceParentId', 'DestinationParentId'],
  },
  PutResourcePolicy: {
    kind: 'structure',
    members: { Content: resourcePolicyContent, Tags: tags },
    required: ['Content'],
  },
  RegisterDelegatedAdministrator: {
    kind: 'structure',
    members: { AccountId: accountId, ServicePrincipal: servicePrincipal },
    required: ['AccountId', 'ServicePrincipal'],
  },
  RemoveAccountFromOrganization: {
    kind: 'structure',
    members: { AccountId: accountId },
    required: ['AccountId'],
  },
  TagResource: {
    kind: 'structure',
    members: { ResourceId: taggableResourceId, Tags: tags },
    required: ['ResourceId', 'Tags'],
  },
  TerminateResponsibilityTransfer: {
    kind: 'structure',
    members: { Id: responsibilityTransferId, EndTimestamp: timestamp },
    required: ['Id'],
  },
  UntagResource: {
    kind: 'structure',
    members: { ResourceId: taggableResourceId, TagKeys: tagKeys },
    required: ['ResourceId', 'TagKeys'],
  },
  UpdateOrganizationalUnit: {
    kind: 'structure',
    members: { OrganizationalUnitId: ouId, Name: ouName },
    required: ['OrganizationalUnitId'],
  },
  UpdatePolicy: {
    kind: 'structure',
    members: { PolicyId: policyId, Name: policyName, Description: policyDescription, Content: policyContent },
    required: ['PolicyId'],
  },
  UpdateResponsibilityTransfer: {
    kind: 'structure',
    members: { Id: responsibilityTransferId, Name: responsibilityTransferName },
    required: ['Id', 'Name'],
  },
};
