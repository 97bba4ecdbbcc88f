import { basename, join } from 'node:path';
import { Annotations, ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnEventBusPolicy } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { z } from 'zod';
import {
  actsInManagementAccount,
  environmentOf,
  type FunctionDefinition,
  type FunctionName,
  functions as functionCatalog,
  managementAccountGroups,
  ORGANIZATIONS_ROLE_ARN_VARIABLE,
  placeholderOf,
  type StateMachineName,
  stateMachines as stateMachineCatalog,
  stateMachinePlaceholderOf,
} from '../catalog/functions';
import { apiRoutes } from '../catalog/routes';
import { loadRuleFiles } from '../catalog/rule-files';
import { governorTable as governorTableDefinition, tables } from '../catalog/tables';
import { AccountRequestBodySchema } from '../functions/_shared/schemas';
import { ClosureConfigSchema } from '../functions/account-closure/closure-config';
import { VendingConfigSchema } from '../functions/account-vending/vending-config';
import { MigrationConfigSchema } from '../functions/all-features/migration-config';
import { MigrationBodySchema } from '../functions/api/all-features-migrations';
import { ClosureBatchBodySchema } from '../functions/api/closure-batches';
import { ReactionsConfigSchema } from '../functions/reactions/reactions-config';
import { Alarms } from './alarms';
import { ConfigurationParameters } from './configuration-parameters';
import { EventRules } from './event-rules';
import { GovernorTables } from './governor-tables';
import { LambdaFunctions } from './lambda-functions';
import { managementAccessRoleArn, toolingFunctionRoleName } from './management-access';
import { suppressDeadLetterQueueFindings } from './nag-suppressions';
import { Observability } from './observability';
import { repoRoot, ruleFilesDir } from './paths';
import {
  organizationConditions,
  organizationResourceArns,
  type ResourceArns,
  statementsFor,
} from './permissions';
import { RequestsApi } from './requests-api';
import { Workflow } from './workflow';

const CATALOG = 'catalog/functions.ts';
/** the example in cdk.json: it deploys, but nobody can call the API */
export const EXAMPLE_ORGANIZATION_ID = 'o-exampleorgid';

export interface OrgflowStackProps extends StackProps {
  /** the organization (`o-…`) whose principals may call the API and whose resources the functions change */
  readonly organizationId: string;
  /** tables and state machines are named `<prefix>-…`, as the local stack names them; default `orgflow` */
  readonly prefix?: string;
  /** an address told about failed executions and dead letters */
  readonly alarmEmail?: string;
  /** functions/account-vending/vending-config.ts; without it nobody may ask for an account */
  readonly vendingConfig?: unknown;
  /** functions/account-closure/closure-config.ts; without it nobody may ask for a closure batch */
  readonly closureConfig?: unknown;
  /**
   * functions/all-features/migration-config.ts; without it migrations approve through OrganizationAccountAccessRole
   * and only closureConfig's callers may start them
   */
  readonly allFeaturesConfig?: unknown;
  /** functions/reactions/reactions-config.ts; without it joining accounts get no baseline and no guardrail is kept */
  readonly reactionsConfig?: unknown;
  /**
   * The tooling layout: this stack runs in a tooling (or delegated administrator) account and acts in the
   * management account through the roles of the ManagementAccessStack there (infra/management-access.ts), which
   * also forwards Organizations' events here. Without it, this stack is deployed in the management account.
   */
  readonly managementAccess?: { readonly managementAccountId: string };
  /** where the rule files are; default events/rules */
  readonly ruleFilesDir?: string;
  /** the API stage's steady requests per second and burst; default 10 and 100 */
  readonly apiThrottling?: { readonly rateLimit: number; readonly burstLimit: number };
  /** set the account's API Gateway CloudWatch Logs role (account-wide: only when asked); default false */
  readonly apiGatewayCloudWatchRole?: boolean;
  /** how long an account request may wait for a CreateAccount slot before an alarm rings; default 60 minutes */
  readonly queueWaitAlarmMinutes?: number;
  /**
   * how many of each table's indexes to deploy, in catalog order; default all. CloudFormation adds one index to a
   * deployed table per update, so an upgrade that brings two deploys with 1, then without (docs/DEPLOY.md)
   */
  readonly tableIndexes?: number;
}

/**
 * orgflow on AWS: the functions of the catalog, the state machines of statemachines/, the governor tables, the
 * REST API of the route table, the rules of events/rules/ and the alarms, every role scoped to what its
 * catalog entry calls.
 */
export class OrgflowStack extends Stack {
  readonly functions: LambdaFunctions;
  readonly stateMachines: ReadonlyMap<StateMachineName, StateMachine>;
  readonly api: RequestsApi;

  constructor(scope: Construct, id: string, props: OrgflowStackProps) {
    super(scope, id, props);
    if (!/^o-[a-z0-9]{10,32}$/.test(props.organizationId))
      throw new Error(
        `organization id "${props.organizationId}" is not valid: give the o-… id that aws organizations ` +
          'describe-organization prints (o- and 10 to 32 lowercase letters or digits)',
      );
    if (props.organizationId === EXAMPLE_ORGANIZATION_ID)
      Annotations.of(this).addWarningV2(
        'orgflow:example-organization',
        `organizationId is the example ${EXAMPLE_ORGANIZATION_ID}: nobody can call the API; deploy with -c organizationId=<your o-… id>`,
      );
    const prefix = props.prefix ?? 'orgflow';
    if (!/^[a-z][a-z0-9-]{0,29}$/.test(prefix))
      throw new Error(
        `prefix "${prefix}" is not valid: use 1 to 30 lowercase letters, digits or "-", starting with a letter`,
      );
    const vendingConfig = configurationOf(
      'vendingConfig',
      VendingConfigSchema,
      props.vendingConfig,
      'functions/account-vending/vending-config.ts',
    );
    if (vendingConfig === undefined)
      Annotations.of(this).addWarningV2(
        'orgflow:no-vending-config',
        'no vendingConfig: every account request is refused; set the context vendingConfig (see functions/account-vending/vending-config.ts)',
      );
    const closureConfig = configurationOf(
      'closureConfig',
      ClosureConfigSchema,
      props.closureConfig,
      'functions/account-closure/closure-config.ts',
    );
    if (closureConfig === undefined)
      Annotations.of(this).addWarningV2(
        'orgflow:no-closure-config',
        'no closureConfig: nobody may ask for closure batches, no OU is protected (only accounts tagged ' +
          'orgflow:protected=true are) and no decommission OU is watched; set the context closureConfig (see ' +
          'functions/account-closure/closure-config.ts)',
      );

    const allFeaturesConfig = configurationOf(
      'allFeaturesConfig',
      MigrationConfigSchema,
      props.allFeaturesConfig,
      'functions/all-features/migration-config.ts',
    );
    if (allFeaturesConfig === undefined)
      Annotations.of(this).addWarningV2(
        'orgflow:no-all-features-config',
        'no allFeaturesConfig: migrations to all features approve as members through OrganizationAccountAccessRole ' +
          "with the default rounds and intervals, and only closureConfig's callers may start them; set the context " +
          'allFeaturesConfig (see functions/all-features/migration-config.ts)',
      );
    const { approvalRoleName } = allFeaturesConfig ?? MigrationConfigSchema.parse({});
    const reactionsConfig = configurationOf(
      'reactionsConfig',
      ReactionsConfigSchema,
      props.reactionsConfig,
      'functions/reactions/reactions-config.ts',
    );
    if (reactionsConfig === undefined)
      Annotations.of(this).addWarningV2(
        'orgflow:no-reactions-config',
        'no reactionsConfig: accounts that join outside orgflow get no baseline and no guardrail is kept; set the ' +
          'context reactionsConfig (see functions/reactions/reactions-config.ts)',
      );

    const governor = new GovernorTables(this, 'Governor', {
      tables,
      prefix,
      ...(props.tableIndexes === undefined ? {} : { indexLimit: props.tableIndexes }),
    });
    // as given, not with their defaults: without "callers" the API lets closureConfig's callers in
    const configuration = new ConfigurationParameters(this, 'Configuration', {
      prefix,
      values: {
        vendingConfig: props.vendingConfig,
        closureConfig: props.closureConfig,
        allFeaturesConfig: props.allFeaturesConfig,
        reactionsConfig: props.reactionsConfig,
      },
    });

    // state machines get fixed names so that their ARNs are known before they exist: a function may need one
    // (in its environment and its policy) while the state machine needs the function's ARN
    const machineNames = new Map<StateMachineName, string>();
    const machineArns = new Map<StateMachineName, string>();
    for (const [name, file] of entries(stateMachineCatalog)) {
      const machineName = `${prefix}-${basename(file.definitionFile, '.asl.json')}`;
      machineNames.set(name, machineName);
      machineArns.set(
        name,
        this.formatArn({
          service: 'states',
          resource: 'stateMachine',
          resourceName: machineName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
    }
    const executionsOf = (machine: StateMachineName) =>
      this.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${machineNames.get(machine)!}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const governorTable = governor.byEnvironmentVariable.get(governorTableDefinition.environmentVariable)!;
    const arns: ResourceArns = {
      ...organizationResourceArns({
        partition: this.partition,
        organizationId: props.organizationId,
        managementAccountId: props.managementAccess?.managementAccountId ?? this.account,
        approvalRoleName,
      }),
      // the table and its indexes, by name (a Query of an index is authorized on the index's ARN)
      governorTable: [
        governorTable.tableArn,
        ...governorTableDefinition.globalSecondaryIndexes.map(
          (index) => `${governorTable.tableArn}/index/${index.indexName}`,
        ),
      ],
      accountVendingStateMachine: [machineArns.get('AccountVending')!],
      accountVendingExecutions: [executionsOf('AccountVending')],
      accountClosureStateMachine: [machineArns.get('AccountClosure')!],
      closureBatchStateMachine: [machineArns.get('ClosureBatch')!],
      closureBatchExecutions: [executionsOf('ClosureBatch')],
      allFeaturesMigrationStateMachine: [machineArns.get('AllFeaturesMigration')!],
      allFeaturesMigrationExecutions: [executionsOf('AllFeaturesMigration')],
      defaultEventBus: [
        this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
      ],
      ...configuration.arns,
    };

    const environmentValues = new Map<string, string>([
      ...[...governor.byEnvironmentVariable].map(([variable, table]) => [variable, table.tableName] as const),
      ...entries(stateMachineCatalog).map(
        ([name, file]) => [file.environmentVariable, machineArns.get(name)!] as const,
      ),
      ['EVENT_BUS_NAME', 'default'],
      ...configuration.variables,
    ]);
    const conditions = organizationConditions(props.organizationId);
    const tooling = props.managementAccess;
    /** a function's statements, and its variables: in the tooling layout, what it does in the management account
     * goes through its role there */
    const accessOf = (name: FunctionName, definition: FunctionDefinition) => {
      if (tooling === undefined || !actsInManagementAccount(definition))
        return {
          statements: statementsFor(definition.permissions, arns, conditions),
          values: environmentValues,
        };
      const roleArn = managementAccessRoleArn(this.partition, tooling.managementAccountId, prefix, name);
      const local = definition.permissions.filter(
        (group) => !managementAccountGroups(definition).includes(group),
      );
      return {
        statements: [
          ...statementsFor(local, arns, conditions),
          new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [roleArn] }),
        ],
        values: new Map([...environmentValues, [ORGANIZATIONS_ROLE_ARN_VARIABLE, roleArn]]),
      };
    };
    this.functions = new LambdaFunctions(this, 'Functions', {
      projectRoot: repoRoot,
      serviceName: prefix,
      functions: entries(functionCatalog).map(([name, definition]) => {
        const access = accessOf(name, definition);
        const environment = environmentOf(name, access.values, 'infra/orgflow-stack.ts (environmentValues)');
        return {
          name,
          entry: join(repoRoot, definition.entry),
          handler: definition.handler,
          timeout: Duration.seconds(definition.timeoutSeconds),
          memorySize: definition.memoryMb,
          environment,
          statements: access.statements,
          ...(tooling === undefined ? {} : { roleName: toolingFunctionRoleName(prefix, name) }),
        };
      }),
    });
    const fn = (name: FunctionName) => this.functions.byName.get(name)!;

    // in catalog order: a state machine that starts another is created after it, and refers to it
    const machines = new Map<StateMachineName, StateMachine>();
    for (const [name, file] of entries(stateMachineCatalog)) {
      const started = (file.startsStateMachines ?? []).map((child) => {
        const machine = machines.get(child);
        if (machine === undefined)
          throw new Error(
            `${CATALOG} lists ${name}, which starts ${child}, before ${child}` +
              (child in stateMachineCatalog ? '' : ' (or not at all)') +
              `: list ${child} first in stateMachines`,
          );
        return [stateMachinePlaceholderOf(child), machine] as const;
      });
      const workflow = new Workflow(this, name, {
        stateMachineName: machineNames.get(name)!,
        definitionFile: join(repoRoot, file.definitionFile),
        functions: new Map(file.functions.map((step) => [placeholderOf(step), fn(step)])),
        stateMachines: new Map(started),
        catalog: CATALOG,
      });
      machines.set(name, workflow.stateMachine);
    }
    this.stateMachines = machines;

    this.api = new RequestsApi(this, 'Requests', {
      name: `${prefix}-requests`,
      routes: apiRoutes,
      functionFor: fn,
      organizationId: props.organizationId,
      bodySchemas: {
        'POST /account-requests': AccountRequestBodySchema,
        'POST /closure-batches': ClosureBatchBodySchema,
        // no body at all is a migration too: the model has no required field
        'POST /all-features-migrations': MigrationBodySchema,
      },
      throttling: props.apiThrottling ?? { rateLimit: 10, burstLimit: 100 },
      takeOverCloudWatchRole: props.apiGatewayCloudWatchRole ?? false,
    });

    const deadLetters = new Queue(this, 'EventDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    new EventRules(this, 'Rules', {
      rules: loadRuleFiles(props.ruleFilesDir ?? ruleFilesDir, { relativeTo: repoRoot }),
      stateMachines: machines,
      functions: this.functions.byName,
      deadLetterQueue: deadLetters,
    });
    const alarms = new Alarms(this, 'Alarms', {
      stateMachines: machines,
      failureMeanings,
      deadLetterQueue: deadLetters,
      ...(props.alarmEmail === undefined ? {} : { email: props.alarmEmail }),
    });

    new Observability(this, 'Observability', {
      serviceName: prefix,
      functions: this.functions.byName,
      stateMachines: machines,
      api: this.api.api,
      deadLetterQueue: deadLetters,
      topic: alarms.topic,
      ...(props.queueWaitAlarmMinutes === undefined
        ? {}
        : { queueWaitAlarmMinutes: props.queueWaitAlarmMinutes }),
    });

    suppressDeadLetterQueueFindings(deadLetters);
    // the management account's rule forwards Organizations' events to this account's default bus
    if (tooling !== undefined)
      new CfnEventBusPolicy(this, 'ManagementAccountEvents', {
        eventBusName: 'default',
        statementId: `${prefix}-management-account-events`,
        action: 'events:PutEvents',
        principal: tooling.managementAccountId,
      });

    for (const [name, machine] of machines)
      new CfnOutput(this, `${name}StateMachineArn`, { value: machine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'subscribe to be told',
    });
  }
}

/** `Object.entries` keeping the key type of a catalog record. */
const entries = <K extends string, V>(record: Readonly<Record<K, V>>) => Object.entries(record) as [K, V][];

/** what a failed execution of each state machine means, for its alarm */
const failureMeanings: Readonly<Record<StateMachineName, string>> = {
  AccountVending: 'an account request was not fulfilled',
  // the batch catches a failed child and goes on: this alarm is the one that tells of an account left open
  AccountClosure: 'an account was not closed, or was closed but not tagged, moved or announced',
  ClosureBatch: 'a closure batch could not be planned or run to its end',
  AllFeaturesMigration: 'a migration to all features stopped before the organization was ALL',
};

/** a configuration (`vendingConfig`, `closureConfig`, `allFeaturesConfig`) as the functions parse it */
function configurationOf<Schema extends z.ZodType>(
  key: string,
  schema: Schema,
  given: unknown,
  source: string,
): z.output<Schema> | undefined {
  if (given === undefined) return undefined;
  const parsed = schema.safeParse(given);
  if (!parsed.success)
    throw new Error(
      `${key} is not valid (${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
        .join('; ')}): see ${source}`,
    );
  return parsed.data;
}
