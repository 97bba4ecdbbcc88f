import { App, type AppProps, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrgflowStack } from './orgflow-stack';

export interface OrgflowApp {
  readonly app: App;
  readonly stack: OrgflowStack;
}

/**
 * The CDK app: one stack in us-east-1 (Organizations delivers its events only there), checked by cdk-nag's
 * AWS Solutions rules. Context: `organizationId` (required), `alarmEmail`, `vendingConfig`, `closureConfig`,
 * `allFeaturesConfig` and `reactionsConfig` (optional).
 */
export function createApp(props: AppProps = {}): OrgflowApp {
  const app = new App(props);
  const stack = new OrgflowStack(app, 'Orgflow', {
    env: { ...optional('account', process.env.CDK_DEFAULT_ACCOUNT), region: 'us-east-1' },
    description:
      'orgflow: AWS Organizations workflows (account vending, batch closure, enable all features) on Step Functions and Lambda',
    organizationId: requiredString(app, 'organizationId', 'o-abcde12345'),
    ...optional('alarmEmail', optionalString(app, 'alarmEmail')),
    ...optional('vendingConfig', optionalJson(app, 'vendingConfig')),
    ...optional('closureConfig', optionalJson(app, 'closureConfig')),
    ...optional('allFeaturesConfig', optionalJson(app, 'allFeaturesConfig')),
    ...optional('reactionsConfig', optionalJson(app, 'reactionsConfig')),
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
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
