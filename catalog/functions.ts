/**
 * The Lambda functions of orgflow, defined once: the CDK stack makes one NodejsFunction (and one least-privilege
 * role) per entry, the local stack registers the same handlers with its Lambda runner, and both substitute the
 * same `${Placeholder}`s in the state machine definitions. Plain data only, so both can import it.
 */
import { governorTable } from './tables';

export type FunctionName =
  | 'ApiHandler'
  | 'ValidateRequest'
  | 'AcquireCreateSlot'
  | 'CreateAccount'
  | 'WatchAccountCreation'
  | 'CompleteAccountCreation'
  | 'ReleaseCreateSlot'
  | 'AdoptExistingAccount'
  | 'MoveAccount'
  | 'TagAccount'
  | 'AttachPolicies'
  | 'PublishAccountVended'
  | 'RecordRequest'
  | 'RecordEndedExecution'
  | 'PlanClosureBatch'
  | 'AcquireCloseSlot'
  | 'CheckAccount'
  | 'CloseAccount'
  | 'WatchAccountClosure'
  | 'CompleteAccountClosure'
  | 'ReleaseCloseSlot'
  | 'FinishClosure'
  | 'RecordClosure'
  | 'StartDecommission'
  | 'PreflightMigration'
  | 'ApproveMembers'
  | 'WatchApprovals'
  | 'CompleteApproval'
  | 'CancelRound'
  | 'FinishMigration'
  | 'BaselineAccount'
  | 'RevertGuardrailDrift'
  | 'AccountDeparted';

/**
 * What a group of actions acts on; the deployer turns it into resource ARNs:
 * - `organization`: Organizations itself. List and Describe actions take no resource (`*`); CreateAccount
 *   neither; MoveAccount, TagResource and AttachPolicy can be scoped to the ARNs of the organization's
 *   accounts, OUs, root and policies.
 * - `governorTable`: the table of {@link governorTable}.
 * - `<name>StateMachine` / `<name>Executions`: a state machine of {@link stateMachines} and its executions.
 * - `defaultEventBus`: the bus named by EVENT_BUS_NAME (`default`).
 * - `memberApprovalRoles`: the approval role of the enable-all-features configuration in the member accounts.
 * - `<name>ConfigParameter`: the SSM parameter that holds a configuration on AWS (`<NAME>_CONFIG_PARAMETER`).
 */
export type PermissionResource =
  | 'organization'
  | 'governorTable'
  | 'accountVendingStateMachine'
  | 'accountVendingExecutions'
  | 'accountClosureStateMachine'
  | 'closureBatchStateMachine'
  | 'closureBatchExecutions'
  | 'allFeaturesMigrationStateMachine'
  | 'allFeaturesMigrationExecutions'
  | 'memberApprovalRoles'
  | 'defaultEventBus'
  | 'vendingConfigParameter'
  | 'closureConfigParameter'
  | 'allFeaturesConfigParameter'
  | 'reactionsConfigParameter';

export interface PermissionGroup {
  readonly resource: PermissionResource;
  readonly actions: readonly string[];
}

/** `required`: the cold start fails without it; `optional`: it has a default (see the handler's env schema). */
export type EnvironmentVariableUse = 'required' | 'optional';

export interface FunctionDefinition {
  /** the handler module, relative to the repository root */
  readonly entry: string;
  /** the exported handler */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** the variables it reads besides AWS_REGION and the AWS_ENDPOINT_URL_<SERVICE> ones */
  readonly environment: Readonly<Record<string, EnvironmentVariableUse>>;
  /** every AWS action it calls, for its least-privilege role */
  readonly permissions: readonly PermissionGroup[];
}

const GOVERNOR_TABLE = governorTable.environmentVariable;

const organizationReads = [
  'organizations:ListRoots',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:DescribeOrganizationalUnit',
  'organizations:ListParents',
  'organizations:ListPolicies',
];

// A configuration's variables (functions/_shared/configuration.ts): on AWS the SSM parameter `…_PARAMETER` names,
// read with ssm:GetParameter (`read…Config`); locally the JSON itself or a file. One of them, or none.

/** Variables of the vending configuration (functions/account-vending/vending-config.ts). */
const vendingConfig = {
  VENDING_CONFIG: 'optional',
  VENDING_CONFIG_FILE: 'optional',
  VENDING_CONFIG_PARAMETER: 'optional',
} as const;
const readVendingConfig: PermissionGroup = {
  resource: 'vendingConfigParameter',
  actions: ['ssm:GetParameter'],
};

/** Variables of the CreateAccount pool (functions/governor/pools.ts), read by its acquire and release. */
const createAccountPool = {
  [GOVERNOR_TABLE]: 'required',
  CREATE_ACCOUNT_SLOTS: 'optional',
  CREATE_ACCOUNT_SLOT_LEASE_SECONDS: 'optional',
  CREATE_ACCOUNT_CALLS_PER_SECOND: 'optional',
  CREATE_ACCOUNT_CALL_BURST: 'optional',
} as const;

/** Variables of the CloseAccount pool (functions/governor/pools.ts), read by its acquire and release. */
const closeAccountPool = {
  [GOVERNOR_TABLE]: 'required',
  CLOSE_ACCOUNT_SLOTS: 'optional',
  CLOSE_ACCOUNT_SLOT_LEASE_SECONDS: 'optional',
  CLOSE_ACCOUNT_CALLS_PER_SECOND: 'optional',
  CLOSE_ACCOUNT_CALL_BURST: 'optional',
} as const;

/** Variables of the closure configuration (functions/account-closure/closure-config.ts). */
const closureConfig = {
  CLOSURE_CONFIG: 'optional',
  CLOSURE_CONFIG_FILE: 'optional',
  CLOSURE_CONFIG_PARAMETER: 'optional',
} as const;
const readClosureConfig: PermissionGroup = {
  resource: 'closureConfigParameter',
  actions: ['ssm:GetParameter'],
};

/** Variables of the enable-all-features configuration (functions/all-features/migration-config.ts). */
const allFeaturesConfig = {
  ALL_FEATURES_CONFIG: 'optional',
  ALL_FEATURES_CONFIG_FILE: 'optional',
  ALL_FEATURES_CONFIG_PARAMETER: 'optional',
} as const;
const readAllFeaturesConfig: PermissionGroup = {
  resource: 'allFeaturesConfigParameter',
  actions: ['ssm:GetParameter'],
};

/** Variables of the reactions configuration (functions/reactions/reactions-config.ts). */
const reactionsConfig = {
  REACTIONS_CONFIG: 'optional',
  REACTIONS_CONFIG_FILE: 'optional',
  REACTIONS_CONFIG_PARAMETER: 'optional',
} as const;
const readReactionsConfig: PermissionGroup = {
  resource: 'reactionsConfigParameter',
  actions: ['ssm:GetParameter'],
};

/** What every step of the migration reads: the governor table, the configuration, the bus. */
const migrationEnvironment = {
  [GOVERNOR_TABLE]: 'required',
  EVENT_BUS_NAME: 'optional',
  ...allFeaturesConfig,
} as const;

/**
 * A governor pool's acquire and release: its table, and SendTaskSuccess to hand a slot to an execution of the
 * state machine that waits on the pool.
 */
const governorPermissions = (machine: PermissionResource): readonly PermissionGroup[] => [
  {
    resource: 'governorTable',
    actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
  },
  { resource: machine, actions: ['states:SendTaskSuccess'] },
];

/** A wait on a task token answered when an event reports the result: its item, and the token's answers. */
const rendezvousPermissions = (machine: PermissionResource): readonly PermissionGroup[] => [
  { resource: 'governorTable', actions: ['dynamodb:UpdateItem'] },
  { resource: machine, actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'] },
];

const stepOf = (
  workflow: string,
  folder: string,
  environment: FunctionDefinition['environment'],
  permissions: readonly PermissionGroup[],
): FunctionDefinition => ({
  entry: `functions/${workflow}/${folder}/handler.ts`,
  handler: 'handler',
  timeoutSeconds: 30,
  memoryMb: 256,
  environment,
  permissions,
});

/** A step of account vending (functions/account-vending/<folder>/). */
const step = (
  folder: string,
  environment: FunctionDefinition['environment'],
  permissions: readonly PermissionGroup[],
) => stepOf('account-vending', folder, environment, permissions);

/** A step of batch closure (functions/account-closure/<folder>/). */
const closure = (
  folder: string,
  environment: FunctionDefinition['environment'],
  permissions: readonly PermissionGroup[],
) => stepOf('account-closure', folder, environment, permissions);

/** A step of the migration to all features (functions/all-features/<folder>/). */
const allFeatures = (
  folder: string,
  environment: FunctionDefinition['environment'],
  permissions: readonly PermissionGroup[],
) => stepOf('all-features', folder, environment, permissions);

/** A reaction to the organization's CloudTrail events (functions/reactions/<folder>/), a rule's target. */
const reaction = (
  folder: string,
  environment: FunctionDefinition['environment'],
  permissions: readonly PermissionGroup[],
) => stepOf('reactions', folder, environment, permissions);

/** Powertools idempotency's records of the events a rule target has handled (functions/_shared/idempotency.ts). */
const idempotencyRecords: PermissionGroup = {
  resource: 'governorTable',
  actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/** The migration's record in the governor table (functions/all-features/migration-store.ts). */
const migrationStore: PermissionGroup = {
  resource: 'governorTable',
  actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
};

export const functions: Readonly<Record<FunctionName, FunctionDefinition>> = {
  ApiHandler: {
    entry: 'functions/api/handler.ts',
    handler: 'handler',
    // API Gateway gives a Lambda integration 29 s
    timeoutSeconds: 29,
    memoryMb: 512,
    environment: {
      ACCOUNT_VENDING_STATE_MACHINE_ARN: 'required',
      CLOSURE_BATCH_STATE_MACHINE_ARN: 'required',
      ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN: 'required',
      [GOVERNOR_TABLE]: 'required',
      ...vendingConfig,
      ...closureConfig,
      ...allFeaturesConfig,
    },
    permissions: [
      { resource: 'accountVendingStateMachine', actions: ['states:StartExecution'] },
      {
        resource: 'accountVendingExecutions',
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      },
      // closure batches: started by name, their status read from the governor table (one Query per batch)
      { resource: 'closureBatchStateMachine', actions: ['states:StartExecution'] },
      { resource: 'closureBatchExecutions', actions: ['states:DescribeExecution'] },
      { resource: 'governorTable', actions: ['dynamodb:Query', 'dynamodb:GetItem'] },
      // account requests: recorded at submission, listed from the table's indexes (one Query per page)
      { resource: 'governorTable', actions: ['dynamodb:PutItem'] },
      // migrations to all features: one per organization, named by its id (DescribeOrganization) and a count
      { resource: 'allFeaturesMigrationStateMachine', actions: ['states:StartExecution'] },
      { resource: 'allFeaturesMigrationExecutions', actions: ['states:DescribeExecution'] },
      // an operator's resend: recorded on the migration, and the migration's wait woken (task-rendezvous.ts)
      { resource: 'governorTable', actions: ['dynamodb:UpdateItem'] },
      { resource: 'allFeaturesMigrationStateMachine', actions: ['states:SendTaskSuccess'] },
      // ListAccounts: an email that already belongs to an account is refused at submission; the invited
      // members, for a migration's dry run
      {
        resource: 'organization',
        actions: [
          ...organizationReads,
          'organizations:ListAccounts',
          'organizations:DescribeOrganization',
          'organizations:ListHandshakesForOrganization',
        ],
      },
      // a migration's dry run asks STS whether orgflow can act as each invited member (and drops the session)
      { resource: 'memberApprovalRoles', actions: ['sts:AssumeRole'] },
      readVendingConfig,
      readClosureConfig,
      readAllFeaturesConfig,
    ],
  },
  ValidateRequest: step('validate-request', vendingConfig, [
    { resource: 'organization', actions: organizationReads },
    readVendingConfig,
  ]),
  AcquireCreateSlot: step(
    'acquire-create-slot',
    createAccountPool,
    governorPermissions('accountVendingStateMachine'),
  ),
  CreateAccount: step('create-account', { [GOVERNOR_TABLE]: 'required' }, [
    {
      resource: 'organization',
      // TagResource: CreateAccount with Tags needs it (seed 004)
      actions: [
        'organizations:CreateAccount',
        'organizations:TagResource',
        'organizations:ListCreateAccountStatus',
      ],
    },
    { resource: 'governorTable', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
  ]),
  WatchAccountCreation: step('watch-account-creation', { [GOVERNOR_TABLE]: 'required' }, [
    { resource: 'organization', actions: ['organizations:DescribeCreateAccountStatus'] },
    ...rendezvousPermissions('accountVendingStateMachine'),
  ]),
  // the target of events/rules/complete-account-creation.json, not a step of the state machine
  CompleteAccountCreation: step(
    'complete-account-creation',
    { [GOVERNOR_TABLE]: 'required' },
    rendezvousPermissions('accountVendingStateMachine'),
  ),
  ReleaseCreateSlot: step(
    'release-create-slot',
    createAccountPool,
    governorPermissions('accountVendingStateMachine'),
  ),
  AdoptExistingAccount: step('adopt-existing-account', {}, [
    {
      resource: 'organization',
      actions: [
        'organizations:ListAccounts',
        'organizations:DescribeOrganization',
        'organizations:ListTagsForResource',
        'organizations:ListParents',
      ],
    },
  ]),
  MoveAccount: step('move-account', {}, [
    {
      resource: 'organization',
      actions: ['organizations:ListRoots', 'organizations:ListParents', 'organizations:MoveAccount'],
    },
  ]),
  TagAccount: step('tag-account', {}, [{ resource: 'organization', actions: ['organizations:TagResource'] }]),
  AttachPolicies: step('attach-policies', {}, [
    { resource: 'organization', actions: ['organizations:AttachPolicy'] },
  ]),
  PublishAccountVended: step('publish-account-vended', { EVENT_BUS_NAME: 'optional' }, [
    { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
  ]),
  // the request's record (functions/account-vending/request-record.ts): its account, its outcome
  RecordRequest: step('record-request', { [GOVERNOR_TABLE]: 'required' }, [
    { resource: 'governorTable', actions: ['dynamodb:UpdateItem'] },
  ]),
  // the target of events/rules/record-ended-request.json: a vending execution that ended without recording it
  RecordEndedExecution: step(
    'record-ended-execution',
    { [GOVERNOR_TABLE]: 'required', ACCOUNT_VENDING_STATE_MACHINE_ARN: 'required' },
    [{ resource: 'governorTable', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] }],
  ),
  // batch closure (functions/account-closure/): the plan reads the whole organization, hence its time
  PlanClosureBatch: {
    ...closure('plan-closure-batch', { [GOVERNOR_TABLE]: 'required', ...closureConfig }, [
      {
        resource: 'organization',
        actions: [
          'organizations:DescribeOrganization',
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListAccountsForParent',
          'organizations:ListTagsForResource',
        ],
      },
      {
        resource: 'governorTable',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      },
      readClosureConfig,
    ]),
    timeoutSeconds: 600,
  },
  AcquireCloseSlot: closure('acquire-close-slot', closeAccountPool, [
    ...governorPermissions('accountClosureStateMachine'),
  ]),
  // the account looked at again before its call, against the closure configuration and the ledger
  CheckAccount: closure('check-account', { [GOVERNOR_TABLE]: 'required', ...closureConfig }, [
    {
      resource: 'organization',
      actions: [
        'organizations:DescribeAccount',
        'organizations:DescribeOrganization',
        'organizations:DescribeOrganizationalUnit',
        'organizations:ListParents',
        'organizations:ListTagsForResource',
        // counting the members for the quota when no plan has (a closure started by hand)
        'organizations:ListRoots',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListAccountsForParent',
      ],
    },
    {
      resource: 'governorTable',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    },
    readClosureConfig,
  ]),
  // the call itself, and the ledger and the batch's record around it
  CloseAccount: closure('close-account', { [GOVERNOR_TABLE]: 'required', ...closureConfig }, [
    {
      resource: 'organization',
      actions: [
        'organizations:CloseAccount',
        // a retried call looks first: the attempt before it may have closed the account
        'organizations:DescribeAccount',
        // counting the members for the quota when AWS says it is spent and no plan has counted them
        'organizations:DescribeOrganization',
        'organizations:ListRoots',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListAccountsForParent',
      ],
    },
    {
      resource: 'governorTable',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
      ],
    },
    readClosureConfig,
  ]),
  WatchAccountClosure: closure('watch-account-closure', { [GOVERNOR_TABLE]: 'required' }, [
    { resource: 'organization', actions: ['organizations:DescribeAccount'] },
    ...rendezvousPermissions('accountClosureStateMachine'),
  ]),
  // the target of events/rules/complete-account-closure.json, not a step of the state machine
  CompleteAccountClosure: closure(
    'complete-account-closure',
    { [GOVERNOR_TABLE]: 'required' },
    rendezvousPermissions('accountClosureStateMachine'),
  ),
  ReleaseCloseSlot: closure(
    'release-close-slot',
    closeAccountPool,
    governorPermissions('accountClosureStateMachine'),
  ),
  FinishClosure: closure(
    'finish-closure',
    { [GOVERNOR_TABLE]: 'required', EVENT_BUS_NAME: 'optional', ...closureConfig },
    [
      {
        resource: 'organization',
        actions: [
          'organizations:TagResource',
          'organizations:MoveAccount',
          'organizations:ListParents',
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:DescribeOrganizationalUnit',
        ],
      },
      { resource: 'governorTable', actions: ['dynamodb:UpdateItem'] },
      { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
      readClosureConfig,
    ],
  ),
  // the target of events/rules/decommission-account.json: an account moved into the decommission OU → a batch of one
  StartDecommission: closure(
    'start-decommission',
    { CLOSURE_BATCH_STATE_MACHINE_ARN: 'required', [GOVERNOR_TABLE]: 'required', ...closureConfig },
    [
      {
        resource: 'organization',
        actions: [
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:DescribeOrganizationalUnit',
          'organizations:ListParents',
        ],
      },
      { resource: 'closureBatchStateMachine', actions: ['states:StartExecution'] },
      idempotencyRecords,
      readClosureConfig,
    ],
  ),
  // the target of events/rules/record-closure.json: every closure of the organization, into the closure ledger
  RecordClosure: closure('record-closure', { [GOVERNOR_TABLE]: 'required' }, [
    { resource: 'governorTable', actions: ['dynamodb:PutItem', 'dynamodb:Query'] },
  ]),
  // enable all features (functions/all-features/): the round opened or adopted, and its members recorded
  PreflightMigration: allFeatures('preflight', migrationEnvironment, [
    {
      resource: 'organization',
      actions: [
        'organizations:DescribeOrganization',
        'organizations:ListHandshakesForOrganization',
        'organizations:EnableAllFeatures',
      ],
    },
    migrationStore,
    readAllFeaturesConfig,
  ]),
  // paced at AcceptHandshake's 5 per second: up to 200 members a call (about 42 s), hence its time
  ApproveMembers: {
    ...allFeatures('approve-members', migrationEnvironment, [
      { resource: 'organization', actions: ['organizations:ListHandshakesForOrganization'] },
      // AcceptHandshake is called as the member, with the role's session, not with this function's role
      { resource: 'memberApprovalRoles', actions: ['sts:AssumeRole'] },
      migrationStore,
      readAllFeaturesConfig,
      { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
    ]),
    timeoutSeconds: 120,
  },
  WatchApprovals: allFeatures('watch-approvals', migrationEnvironment, [
    {
      resource: 'organization',
      // DescribeAccount: whether a member that declined was removed from the organization
      actions: [
        'organizations:DescribeHandshake',
        'organizations:ListHandshakesForOrganization',
        'organizations:DescribeAccount',
      ],
    },
    migrationStore,
    readAllFeaturesConfig,
    ...rendezvousPermissions('allFeaturesMigrationStateMachine'),
    { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
  ]),
  // the target of events/rules/wake-all-features-round.json, not a step of the state machine
  CompleteApproval: allFeatures(
    'complete-approval',
    { [GOVERNOR_TABLE]: 'required' },
    rendezvousPermissions('allFeaturesMigrationStateMachine'),
  ),
  CancelRound: allFeatures('cancel-round', migrationEnvironment, [
    {
      resource: 'organization',
      actions: [
        'organizations:DescribeHandshake',
        'organizations:ListHandshakesForOrganization',
        'organizations:CancelHandshake',
      ],
    },
    migrationStore,
    readAllFeaturesConfig,
  ]),
  FinishMigration: allFeatures('finish-migration', migrationEnvironment, [
    {
      resource: 'organization',
      actions: [
        'organizations:AcceptHandshake',
        'organizations:DescribeOrganization',
        'organizations:ListRoots',
        'organizations:EnablePolicyType',
      ],
    },
    migrationStore,
    readAllFeaturesConfig,
    { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
  ]),
  // the target of events/rules/baseline-joined-account.json: an account that joined outside orgflow
  BaselineAccount: reaction(
    'baseline-account',
    // the closure configuration: its protected OUs, out of which no account is moved
    { [GOVERNOR_TABLE]: 'required', EVENT_BUS_NAME: 'optional', ...reactionsConfig, ...closureConfig },
    [
      {
        resource: 'organization',
        actions: [
          ...organizationReads,
          'organizations:DescribeOrganization',
          'organizations:DescribeAccount',
          'organizations:ListTagsForResource',
          'organizations:MoveAccount',
          'organizations:AttachPolicy',
          'organizations:TagResource',
        ],
      },
      idempotencyRecords,
      { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
      readReactionsConfig,
      readClosureConfig,
    ],
  ),
  // the target of events/rules/revert-guardrail-drift.json: a guardrail detached, updated or its type disabled
  RevertGuardrailDrift: reaction(
    'revert-guardrail-drift',
    { [GOVERNOR_TABLE]: 'required', EVENT_BUS_NAME: 'optional', ...reactionsConfig },
    [
      {
        resource: 'organization',
        actions: [
          // guardrails by path, name or tag; DescribeOrganization: the management account is never a target
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListPolicies',
          'organizations:DescribePolicy',
          'organizations:ListTagsForResource',
          'organizations:ListPoliciesForTarget',
          'organizations:DescribeOrganization',
          'organizations:AttachPolicy',
          'organizations:UpdatePolicy',
          'organizations:EnablePolicyType',
        ],
      },
      idempotencyRecords,
      { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
      readReactionsConfig,
    ],
  ),
  // the target of events/rules/account-departed.json: an account that left or was removed from the organization
  AccountDeparted: reaction(
    'account-departed',
    {
      ...closeAccountPool,
      ACCOUNT_CLOSURE_STATE_MACHINE_ARN: 'required',
      EVENT_BUS_NAME: 'optional',
    },
    [
      {
        resource: 'organization',
        actions: ['organizations:DescribeAccount', 'organizations:ListHandshakesForOrganization'],
      },
      // its closures (named <batch>-<account>), their batches' records, the waits they are parked on
      {
        resource: 'accountClosureStateMachine',
        actions: ['states:ListExecutions', 'states:SendTaskFailure'],
      },
      { resource: 'governorTable', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      // a migration's open round woken to look (all-features/approval-watch.ts)
      { resource: 'allFeaturesMigrationStateMachine', actions: ['states:SendTaskSuccess'] },
      idempotencyRecords,
      { resource: 'defaultEventBus', actions: ['events:PutEvents'] },
    ],
  ),
};

/** The variable naming a function's management-access role (functions/_shared/clients.ts reads it). */
export const ORGANIZATIONS_ROLE_ARN_VARIABLE = 'ORGANIZATIONS_ROLE_ARN';

/** The permission groups a function exercises in the management account: Organizations, and member roles. */
export const managementAccountGroups = (definition: FunctionDefinition): readonly PermissionGroup[] =>
  definition.permissions.filter(
    (group) => group.resource === 'organization' || group.resource === 'memberApprovalRoles',
  );

/** Whether a function calls Organizations, or assumes a member's role, so acts in the management account. */
export const actsInManagementAccount = (definition: FunctionDefinition): boolean =>
  managementAccountGroups(definition).length > 0;

/** The `${Placeholder}` of a function's ARN in the state machine definitions. */
export const placeholderOf = (name: FunctionName): string => `${name}FunctionArn`;

export interface StateMachineFile {
  /** the ASL file, relative to the repository root */
  readonly definitionFile: string;
  /** the variable that gives a function (the API) the state machine's ARN */
  readonly environmentVariable: string;
  /** the functions its Task states run: each appears in the file as `${<Name>FunctionArn}` */
  readonly functions: readonly FunctionName[];
  /** the state machines it starts (`states:startExecution.sync:2`): each appears as `${<Name>StateMachineArn}` */
  readonly startsStateMachines?: readonly StateMachineName[];
}

export type StateMachineName = 'AccountVending' | 'AccountClosure' | 'ClosureBatch' | 'AllFeaturesMigration';

export const stateMachines: Readonly<Record<StateMachineName, StateMachineFile>> = {
  AccountVending: {
    definitionFile: 'statemachines/account-vending.asl.json',
    environmentVariable: 'ACCOUNT_VENDING_STATE_MACHINE_ARN',
    functions: [
      'ValidateRequest',
      'AcquireCreateSlot',
      'CreateAccount',
      'WatchAccountCreation',
      'ReleaseCreateSlot',
      'AdoptExistingAccount',
      'MoveAccount',
      'TagAccount',
      'AttachPolicies',
      'PublishAccountVended',
      'RecordRequest',
    ],
  },
  // listed before ClosureBatch, which starts it: both engines create the state machines in this order
  AccountClosure: {
    definitionFile: 'statemachines/account-closure.asl.json',
    environmentVariable: 'ACCOUNT_CLOSURE_STATE_MACHINE_ARN',
    functions: [
      'AcquireCloseSlot',
      'CheckAccount',
      'CloseAccount',
      'WatchAccountClosure',
      'ReleaseCloseSlot',
      'FinishClosure',
    ],
  },
  ClosureBatch: {
    definitionFile: 'statemachines/closure-batch.asl.json',
    environmentVariable: 'CLOSURE_BATCH_STATE_MACHINE_ARN',
    // Finish Closure records a closure execution that ended without recording its outcome (timed out, stopped)
    functions: ['PlanClosureBatch', 'FinishClosure'],
    startsStateMachines: ['AccountClosure'],
  },
  AllFeaturesMigration: {
    definitionFile: 'statemachines/all-features-migration.asl.json',
    environmentVariable: 'ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN',
    functions: ['PreflightMigration', 'ApproveMembers', 'WatchApprovals', 'CancelRound', 'FinishMigration'],
  },
};

/** The `${Placeholder}` of a state machine's ARN in the definitions that start it. */
export const stateMachinePlaceholderOf = (name: StateMachineName): string => `${name}StateMachineArn`;

/** CDK's `definitionSubstitutions` (and the local engine's): every placeholder of the machine → its ARN. */
export function definitionSubstitutions(
  machine: StateMachineName,
  arnOf: (name: FunctionName) => string,
  stateMachineArnOf: (name: StateMachineName) => string,
): Record<string, string> {
  const file = stateMachines[machine];
  return Object.fromEntries([
    ...file.functions.map((name) => [placeholderOf(name), arnOf(name)]),
    ...(file.startsStateMachines ?? []).map((name) => [
      stateMachinePlaceholderOf(name),
      stateMachineArnOf(name),
    ]),
  ]);
}

/**
 * A function's environment, as both engines give it: the values of exactly the variables it declares. A
 * required variable without a value is refused, naming `where` the values come from.
 */
export function environmentOf(
  name: FunctionName,
  values: ReadonlyMap<string, string>,
  where: string,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const declared: [string, EnvironmentVariableUse][] = Object.entries(functions[name].environment);
  // where orgflow runs outside the management account, every function that calls Organizations (or a member's
  // role, through the management account) acts through its role there (functions/_shared/clients.ts)
  if (actsInManagementAccount(functions[name])) declared.push([ORGANIZATIONS_ROLE_ARN_VARIABLE, 'optional']);
  for (const [variable, use] of declared) {
    const value = values.get(variable);
    if (value !== undefined) environment[variable] = value;
    else if (use === 'required')
      throw new Error(
        `catalog/functions.ts: ${name} requires ${variable}, which ${where} has no value for: ` +
          'give it a value there or make the variable optional',
      );
  }
  return environment;
}
