/**
 * Per-type limits of Organizations policies (reference §3.1, current quotas page). Types the quotas page
 * does not list yet get the values most management policy types share: 10,000 characters, 10 attached, 1000
 * per organization.
 */
export interface PolicyTypeInfo {
  /** the segment of the policy ARN, e.g. service_control_policy */
  arnSegment: string;
  maxContentLength: number;
  maxAttachedPerTarget: number;
  maxPoliciesPerOrganization: number;
  /** the AWS managed policy attached everywhere while the type is enabled, if the type has one */
  managedDefault?: { id: string; name: string; description: string; content: string; detachable: boolean };
  /** service control and resource control policies: authorization policies, no effective-policy merging */
  authorization: boolean;
}

const management = (
  arnSegment: string,
  maxContentLength = 10_000,
  maxAttachedPerTarget = 10,
): PolicyTypeInfo => ({
  arnSegment,
  maxContentLength,
  maxAttachedPerTarget,
  maxPoliciesPerOrganization: 1000,
  authorization: false,
});

export const policyTypes: Readonly<Record<string, PolicyTypeInfo>> = {
  SERVICE_CONTROL_POLICY: {
    arnSegment: 'service_control_policy',
    maxContentLength: 10_240,
    maxAttachedPerTarget: 10,
    maxPoliciesPerOrganization: 10_000,
    authorization: true,
    managedDefault: {
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      description: 'Allows access to every operation',
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      detachable: true,
    },
  },
  RESOURCE_CONTROL_POLICY: {
    arnSegment: 'resource_control_policy',
    maxContentLength: 5120,
    maxAttachedPerTarget: 5,
    maxPoliciesPerOrganization: 2000,
    authorization: true,
    managedDefault: {
      id: 'p-RCPFullAWSAccess',
      name: 'RCPFullAWSAccess',
      description: 'Allows access to every resource',
      content:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
      detachable: false,
    },
  },
  TAG_POLICY: management('tag_policy'),
  BACKUP_POLICY: management('backup_policy'),
  AISERVICES_OPT_OUT_POLICY: management('aiservices_opt_out_policy', 2500, 5),
  CHATBOT_POLICY: management('chatbot_policy', 10_000, 5),
  DECLARATIVE_POLICY_EC2: management('declarative_policy_ec2'),
  SECURITYHUB_POLICY: management('securityhub_policy'),
  INSPECTOR_POLICY: management('inspector_policy'),
  UPGRADE_ROLLOUT_POLICY: management('upgrade_rollout_policy'),
  BEDROCK_POLICY: management('bedrock_policy'),
  S3_POLICY: management('s3_policy'),
  NETWORK_SECURITY_DIRECTOR_POLICY: management('network_security_director_policy'),
  // newer than the reference, present in the SDK's model
  GUARDDUTY_POLICY: management('guardduty_policy'),
  SECURITYHUB_CSPM_POLICY: management('securityhub_cspm_policy'),
};

export const policyTypeNames = Object.keys(policyTypes);
