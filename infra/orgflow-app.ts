import { App, type AppProps, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MigrationConfigSchema } from '../functions/all-features/migration-config';
import { ManagementAccessStack } from './management-access';
import { OrgflowStack } from './orgflow-stack';

export interface OrgflowApp {
  readonly app: App;
  /** orgflow's workflows: in the management account, or in the tooling account of the tooling layout */
  readonly stack: OrgflowStack;
  /** the tooling layout's stack in the management account */
  readonly managementAccess?: ManagementAccessStack;
}

/** The deployment's prefix: the stacks name their tables, state machines and named roles `orgflow-…`. */
const PREFIX = 'orgflow';

/**
 * The CDK app, checked by cdk-nag's AWS Solutions rules, in us-east-1 (Organizations delivers its events only
 * there). Context: `organizationId` (required), `alarmEmail`, `vendingConfig`, `closureConfig`,
 * `allFeaturesConfig`, `reactionsConfig`, `queueWaitAlarmMinutes` and `tableIndexes` (optional), and `layout`:
 * - `management` (default): one stack, `Orgflow`, in the management account;
 * - `tooling`: `Orgflow` in the tooling account `toolingAccountId`, and `OrgflowManagementAccess` in the
 *   management account `managementAccountId` (both required), each deployed with its account's credentials.
 * `apiGatewayCloudWatchRole=true` makes the Orgflow stack set the account's API Gateway CloudWatch Logs role (an
 * account-wide setting); by default it leaves it as it is (the account must have one: docs/DEPLOY.md).
 */
export function createApp(props: AppProps = {}): OrgflowApp {
  const app = new App(props);
  const layout = optionalString(app, 'layout') ?? 'management';
  if (layout !== 'management' && layout !== 'tooling')
    throw new Error(`context layout is "${layout}": use management (the default) or tooling`);
  const organizationId = requiredString(app, 'organizationId', 'o-abcde12345');
  const alarmEmail = optionalString(app, 'alarmEmail');
  const allFeaturesConfig = optionalJson(app, 'allFeaturesConfig');
  const description =
    'orgflow: AWS Organizations workflows (account vending, batch closure, enable all features) on Step Functions and Lambda';
  const configurations = {
    organizationId,
    ...optional('alarmEmail', alarmEmail),
    ...optional('vendingConfig', optionalJson(app, 'vendingConfig')),
    ...optional('closureConfig', optionalJson(app, 'closureConfig')),
    ...optional('allFeaturesConfig', allFeaturesConfig),
    ...optional('reactionsConfig', optionalJson(app, 'reactionsConfig')),
    ...optional('apiGatewayCloudWatchRole', optionalBoolean(app, 'apiGatewayCloudWatchRole')),
    ...optional('queueWaitAlarmMinutes', optionalMinutes(app, 'queueWaitAlarmMinutes')),
    ...optional('tableIndexes', optionalCount(app, 'tableIndexes')),
  };
  if (layout === 'management') {
    const stack = new OrgflowStack(app, 'Orgflow', {
      env: { ...optional('account', process.env.CDK_DEFAULT_ACCOUNT), region: 'us-east-1' },
      description,
      prefix: PREFIX,
      ...configurations,
    });
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    return { app, stack };
  }
  const managementAccountId = requiredAccountId(app, 'managementAccountId');
  const toolingAccountId = requiredAccountId(app, 'toolingAccountId');
  if (managementAccountId === toolingAccountId)
    throw new Error(
      'context managementAccountId and toolingAccountId are the same account: use layout=management to deploy there',
    );
  const stack = new OrgflowStack(app, 'Orgflow', {
    env: { account: toolingAccountId, region: 'us-east-1' },
    description: `${description} (tooling account)`,
    prefix: PREFIX,
    managementAccess: { managementAccountId },
    ...configurations,
  });
  // a configuration that is not valid is refused by the Orgflow stack, above, with its fields
  const parsed = MigrationConfigSchema.safeParse(allFeaturesConfig ?? {});
  const managementAccess = new ManagementAccessStack(app, 'OrgflowManagementAccess', {
    env: { account: managementAccountId, region: 'us-east-1' },
    description: "orgflow: the management account's part of the tooling layout (roles, event forwarding)",
    organizationId,
    toolingAccountId,
    prefix: PREFIX,
    approvalRoleName: parsed.success ? parsed.data.approvalRoleName : 'OrganizationAccountAccessRole',
    ...optional('alarmEmail', alarmEmail),
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack, managementAccess };
}

function requiredAccountId(app: App, key: string): string {
  const value = requiredString(app, key, '111111111111');
  if (!/^\d{12}$/.test(value)) throw new Error(`context ${key} is "${value}": give the 12-digit account id`);
  return value;
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

function optionalString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new Error(`context ${key} must be a string, not ${JSON.stringify(value)}: set it with -c ${key}=…`);
  return value;
}

function requiredString(app: App, key: string, example: string): string {
  const value = optionalString(app, key);
  if (value === undefined)
    throw new Error(`context ${key} is not set: add it to cdk.json or pass -c ${key}=${example}`);
  return value;
}

/** a number of minutes in cdk.json, or its text with `-c key=90` */
function optionalMinutes(app: App, key: string): number | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const minutes = typeof value === 'string' ? Number(value) : value;
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0)
    throw new Error(
      `context ${key} is ${JSON.stringify(value)}: give a number of minutes above 0, e.g. -c ${key}=90`,
    );
  return minutes;
}

/** a whole number of at least 0 in cdk.json, or its text with `-c key=1` */
function optionalCount(app: App, key: string): number | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const count = typeof value === 'string' ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw new Error(
      `context ${key} is ${JSON.stringify(value)}: give a whole number of at least 0, e.g. -c ${key}=1`,
    );
  return count;
}

/** true or false in cdk.json, or its text with `-c key=true` */
function optionalBoolean(app: App, key: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} is ${JSON.stringify(value)}: give true or false, e.g. -c ${key}=true`);
}

/** a JSON object in cdk.json, or its text with `-c key='{…}'` */
function optionalJson(app: App, key: string): unknown {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`context ${key} is not JSON (${(error as Error).message}): ${value}`, { cause: error });
  }
}
