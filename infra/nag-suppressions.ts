import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type NagPackSuppression, NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

// Every cdk-nag (AwsSolutions) finding orgflow accepts, each with the reason it is right here. Wildcards are
// suppressed finding by finding (appliesTo), never for a whole rule.

const X_RAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
// cdk-nag shows the partition as <AWS::Partition>, or as aws once the stack's region is known, and the stack's
// own account (the management account in its layout) as <AWS::AccountId>
const ORGANIZATION_ARN = String(
  /^Resource::arn:(<AWS::Partition>|aws[\w-]*):organizations::(\d{12}|<AWS::AccountId>|aws):(account|ou|root|policy|handshake)\//,
);
const EXECUTIONS_ARN = String(/^Resource::arn:(<AWS::Partition>|aws[\w-]*):states:.+:execution:[^:]+:\*$/);
const MEMBER_ROLE_ARN = String(/^Resource::arn:(<AWS::Partition>|aws[\w-]*):iam::\*:role\/[\w+=,.@-]+$/);
const API_GATEWAY_LOGS_POLICY = String(
  /^Policy::arn:(<AWS::Partition>|aws[\w-]*):iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs$/,
);

/** A function's role: its `*` actions, its organization-scoped ARNs and its executions of a state machine. */
export function suppressFunctionFindings(
  fn: IConstruct,
  role: IConstruct,
  statements: readonly PolicyStatement[],
): void {
  NagSuppressions.addResourceSuppressions(fn, [
    {
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime orgflow is built and tested for (package.json engines, the local Lambda ' +
        'runner); moving to a newer one is a deliberate upgrade of the whole project, not a drift at deploy',
    },
  ]);
  suppressRoleFindings(role, statements, X_RAY_ACTIONS);
}

/**
 * A role acting for one function (its own, or its management-access role in the management account): its `*`
 * actions, organization-scoped ARNs, executions and member roles, each with why it cannot be narrower.
 */
export function suppressRoleFindings(
  role: IConstruct,
  statements: readonly PolicyStatement[],
  extraStarActions: readonly string[] = [],
): void {
  const json = statements.map(
    (statement) => statement.toStatementJson() as { Action: string | string[]; Resource: string | string[] },
  );
  const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
  const starActions = json.filter((s) => list(s.Resource).includes('*')).flatMap((s) => list(s.Action));
  const suppressions: NagPackSuppression[] = [];
  if (starActions.length + extraStarActions.length > 0)
    suppressions.push({
      id: 'AwsSolutions-IAM5',
      reason:
        `${[...starActions, ...extraStarActions].join(', ')} have no resource type in the Service Authorization ` +
        'Reference (its Resource types column is empty for them), so Resource must be *' +
        (starActions.includes('organizations:CreateAccount')
          ? '; CreateAccount is allowed only with the request mark among its tags (aws:RequestTag, aws:TagKeys)'
          : '') +
        (extraStarActions.length > 0 ? '; X-Ray is for active tracing' : ''),
      appliesTo: ['Resource::*'],
    });
  const resources = json.flatMap((s) => list(s.Resource));
  if (resources.some((resource) => resource.includes(':organizations::')))
    suppressions.push({
      id: 'AwsSolutions-IAM5',
      reason:
        'each Organizations action is granted on the ARNs of the resource types the Service Authorization ' +
        'Reference lists for it (account, organizationalunit, root, policy, handshake; infra/permissions.ts ' +
        'ORGANIZATIONS_RESOURCE_TYPES), under the management account and this organization ' +
        '(arn:aws:organizations::<management>:<type>/o-…/*): the ids are known only at run time; policy ' +
        'actions also reach AWS managed policies (arn:aws:organizations::aws:policy/*, p-FullAWSAccess), which ' +
        'belong to no organization',
      appliesTo: [{ regex: ORGANIZATION_ARN }],
    });
  if (resources.some((resource) => resource.includes(':execution:')))
    suppressions.push({
      id: 'AwsSolutions-IAM5',
      reason:
        'execution names are request ids, known only at run time: the statement covers the executions of the ' +
        'one state machine the function reads (DescribeExecution, GetExecutionHistory)',
      appliesTo: [{ regex: EXECUTIONS_ARN }],
    });
  if (resources.some((resource) => /:iam::\*:role\//.test(resource)))
    suppressions.push({
      id: 'AwsSolutions-IAM5',
      reason:
        'the migration to all features approves as each invited member through one named role (the approval ' +
        'role of the enable-all-features configuration); the members are known only at run time, so the account ' +
        'is *, the role name is fixed and the condition aws:ResourceOrgID confines sts:AssumeRole to roles of ' +
        "this organization's accounts",
      appliesTo: [{ regex: MEMBER_ROLE_ARN }],
    });
  NagSuppressions.addResourceSuppressions(role, suppressions, true);
}

/**
 * A state machine's role: what CDK adds for logging to CloudWatch Logs and for X-Ray, and, when it starts another
 * state machine (`states:startExecution.sync`), the executions of that child.
 */
export function suppressStateMachineFindings(
  role: IConstruct,
  options: { readonly startsStateMachines: boolean },
): void {
  const suppressions: NagPackSuppression[] = [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, ' +
        'PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups (execution logging) and X-Ray ' +
        'PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets (tracing) support no ' +
        'resource-level permissions; Step Functions documents them with Resource *',
      appliesTo: ['Resource::*'],
    },
  ];
  if (options.startsStateMachines)
    suppressions.push({
      id: 'AwsSolutions-IAM5',
      reason:
        'startExecution.sync watches and, when the parent stops, stops the child executions it started, whose ' +
        'names are chosen at run time: DescribeExecution and StopExecution on the executions of the one child ' +
        'state machine, as the Step Functions developer guide documents for nested workflows',
      appliesTo: [{ regex: EXECUTIONS_ARN }],
    });
  NagSuppressions.addResourceSuppressions(role, suppressions, true);
}

/** The REST API: IAM callers of the organization, and API Gateway's account-wide logging role if it sets it. */
export function suppressApiFindings(api: IConstruct, options: { readonly cloudWatchRole: boolean }): void {
  NagSuppressions.addResourceSuppressions(
    api,
    [
      {
        id: 'AwsSolutions-COG4',
        reason:
          'callers are IAM principals of the organization (AWS_IAM on every method, aws:PrincipalOrgID in the ' +
          'resource policy): there are no Cognito users to authorize',
      },
      ...(options.cloudWatchRole
        ? [
            {
              id: 'AwsSolutions-IAM4',
              reason:
                'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level role ' +
                'API Gateway writes execution logs with; it allows only log writes',
              appliesTo: [{ regex: API_GATEWAY_LOGS_POLICY }],
            },
          ]
        : []),
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'only SigV4-signed requests of principals of the organization reach the API (AWS_IAM, resource ' +
          'policy) and the stage is throttled; a WAF web ACL would filter nothing those do not already refuse',
      },
    ],
    true,
  );
}

/** The EventBridge targets' dead-letter queue. */
export function suppressDeadLetterQueueFindings(queue: IConstruct): void {
  NagSuppressions.addResourceSuppressions(queue, [
    {
      id: 'AwsSolutions-SQS3',
      reason:
        "this queue is the dead-letter queue of the event rules' targets; the DeadLetters alarm watches its " +
        'depth, and a second dead-letter queue behind it would only move the problem',
    },
  ]);
}
