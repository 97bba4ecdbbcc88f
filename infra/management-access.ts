import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  actsInManagementAccount,
  type FunctionName,
  functions as functionCatalog,
  managementAccountGroups,
} from '../catalog/functions';
import { Alarms } from './alarms';
import { suppressDeadLetterQueueFindings, suppressRoleFindings } from './nag-suppressions';
import {
  organizationConditions,
  organizationResourceArns,
  type ResourceArns,
  statementsFor,
} from './permissions';

// The tooling layout: orgflow's workflows run in a tooling (or delegated administrator) account, and this small
// stack in the management account gives them what only the management account has: Organizations' API and its
// events. The two stacks share no references (they are deployed with each account's credentials), only the
// names below, which both compute.

/** The role a function of the tooling account acts through in the management account. */
export const managementAccessRoleName = (prefix: string, name: FunctionName): string =>
  `${prefix}-mgmt-${name}`;

/** The role of a function in the tooling account: named, so that its management-access role can trust it alone. */
export const toolingFunctionRoleName = (prefix: string, name: FunctionName): string => `${prefix}-${name}`;

export const managementAccessRoleArn = (
  partition: string,
  managementAccountId: string,
  prefix: string,
  name: FunctionName,
): string => `arn:${partition}:iam::${managementAccountId}:role/${managementAccessRoleName(prefix, name)}`;

/** The functions that act in the management account (Organizations, member roles), in catalog order. */
export const managementActingFunctions = (): FunctionName[] =>
  (Object.keys(functionCatalog) as FunctionName[]).filter((name) =>
    actsInManagementAccount(functionCatalog[name]),
  );

export interface ManagementAccessStackProps extends StackProps {
  readonly organizationId: string;
  /** where orgflow's workflows run */
  readonly toolingAccountId: string;
  /** the stacks' common prefix (`orgflow`) */
  readonly prefix: string;
  /** the enable-all-features configuration's approval role in the member accounts */
  readonly approvalRoleName: string;
  /** an address told about events that could not be forwarded */
  readonly alarmEmail?: string;
}

/**
 * In the management account (us-east-1): one role per function that calls Organizations, with exactly that
 * function's Organizations (and member-role) permissions and the same guards as in the single-account layout,
 * trusted only by that function's role in the tooling account; and a rule that forwards every Organizations
 * event of the default bus (where CloudTrail delivers them, in us-east-1 only) to the tooling account's default
 * bus, with a dead-letter queue and its alarm.
 */
export class ManagementAccessStack extends Stack {
  readonly roles: ReadonlyMap<FunctionName, Role>;
  readonly forwarding: Rule;

  constructor(scope: Construct, id: string, props: ManagementAccessStackProps) {
    super(scope, id, props);
    const managementAccountId = this.account;
    const arns = organizationResourceArns({
      partition: this.partition,
      organizationId: props.organizationId,
      managementAccountId,
      approvalRoleName: props.approvalRoleName,
    }) as ResourceArns;
    const roles = new Map<FunctionName, Role>();
    for (const name of managementActingFunctions()) {
      const toolingRole = `arn:${this.partition}:iam::${props.toolingAccountId}:role/${toolingFunctionRoleName(props.prefix, name)}`;
      const role = new Role(this, `${name}Access`, {
        roleName: managementAccessRoleName(props.prefix, name),
        description: `orgflow: what ${name} may do in the management account, for its role in the tooling account`,
        // the account as principal, narrowed to the one role: IAM accepts it before that role exists
        assumedBy: new AccountPrincipal(props.toolingAccountId).withConditions({
          ArnEquals: { 'aws:PrincipalArn': toolingRole },
        }),
        maxSessionDuration: Duration.hours(1),
      });
      const statements = statementsFor(
        managementAccountGroups(functionCatalog[name]),
        arns,
        organizationConditions(props.organizationId),
      );
      for (const statement of statements) role.addToPrincipalPolicy(statement);
      suppressRoleFindings(role, statements);
      roles.set(name, role);
    }
    this.roles = roles;

    const deadLetters = new Queue(this, 'ForwardingDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.forwarding = new Rule(this, 'ForwardOrganizationsEvents', {
      ruleName: `${props.prefix}-forward-organizations-events`,
      description:
        "orgflow: every Organizations event, to the tooling account's default bus where orgflow's rules are",
      eventPattern: { source: ['aws.organizations'] },
    });
    this.forwarding.addTarget(
      new EventBusTarget(
        EventBus.fromEventBusArn(
          this,
          'ToolingBus',
          `arn:${this.partition}:events:${this.region}:${props.toolingAccountId}:event-bus/default`,
        ),
        { deadLetterQueue: deadLetters },
      ),
    );
    new Alarms(this, 'Alarms', {
      stateMachines: new Map(),
      deadLetterQueue: deadLetters,
      deadLetterMeaning: "an Organizations event could not be forwarded to the tooling account's bus",
      ...(props.alarmEmail === undefined ? {} : { email: props.alarmEmail }),
    });
    suppressDeadLetterQueueFindings(deadLetters);
  }
}
