import { CfnOutput } from 'aws-cdk-lib';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { PermissionResource } from '../catalog/functions';

/**
 * The configurations the functions read from SSM Parameter Store (functions/_shared/configuration.ts): the
 * context key that gives each at deploy, the variable that names its parameter to the functions
 * (`<VARIABLE>_PARAMETER`), the catalog's resource kind of the parameter, and the last part of its name.
 */
export const CONFIGURATIONS = {
  vendingConfig: {
    variable: 'VENDING_CONFIG',
    resource: 'vendingConfigParameter',
    name: 'vending',
    source: 'functions/account-vending/vending-config.ts',
  },
  closureConfig: {
    variable: 'CLOSURE_CONFIG',
    resource: 'closureConfigParameter',
    name: 'closure',
    source: 'functions/account-closure/closure-config.ts',
  },
  allFeaturesConfig: {
    variable: 'ALL_FEATURES_CONFIG',
    resource: 'allFeaturesConfigParameter',
    name: 'all-features',
    source: 'functions/all-features/migration-config.ts',
  },
  reactionsConfig: {
    variable: 'REACTIONS_CONFIG',
    resource: 'reactionsConfigParameter',
    name: 'reactions',
    source: 'functions/reactions/reactions-config.ts',
  },
} as const satisfies Readonly<
  Record<string, { variable: string; resource: PermissionResource; name: string; source: string }>
>;
export type ConfigurationKey = keyof typeof CONFIGURATIONS;
type ConfigurationResource = (typeof CONFIGURATIONS)[ConfigurationKey]['resource'];

/** `/orgflow/config/vending`: fixed, so that operators can name it in `aws ssm put-parameter` (docs/DEPLOY.md) */
export const configurationParameterName = (prefix: string, key: ConfigurationKey): string =>
  `/${prefix}/config/${CONFIGURATIONS[key].name}`;

/** SSM's limits on a String parameter's value */
const STANDARD_MAX_BYTES = 4096;
const ADVANCED_MAX_BYTES = 8192;

export interface ConfigurationParametersProps {
  /** the parameters are named `/<prefix>/config/<name>` */
  readonly prefix: string;
  /** each configuration as the context gives it (checked already); none is `{}`, every default */
  readonly values: Readonly<Partial<Record<ConfigurationKey, unknown>>>;
}

/**
 * One String parameter per configuration, holding its JSON as the deployment gives it. The functions read it at
 * run time (cached a minute), so a `put-parameter` changes who may ask for what without a deploy; a deploy that
 * changes the context writes the context's value again. Deleted with the stack (nothing in it is not also in the
 * context or the operator's hands). Standard tier up to 4 KB, Advanced up to 8 KB.
 */
export class ConfigurationParameters extends Construct {
  readonly byKey: ReadonlyMap<ConfigurationKey, StringParameter>;

  constructor(scope: Construct, id: string, props: ConfigurationParametersProps) {
    super(scope, id);
    const parameters = new Map<ConfigurationKey, StringParameter>();
    for (const key of Object.keys(CONFIGURATIONS) as ConfigurationKey[]) {
      const value = JSON.stringify(props.values[key] ?? {});
      const bytes = Buffer.byteLength(value);
      if (bytes > ADVANCED_MAX_BYTES)
        throw new Error(
          `${key} is ${bytes} bytes as JSON, more than the ${ADVANCED_MAX_BYTES} an SSM parameter holds: shorten it ` +
            `(see ${CONFIGURATIONS[key].source})`,
        );
      const parameterName = configurationParameterName(props.prefix, key);
      const parameter = new StringParameter(this, CONFIGURATIONS[key].name, {
        parameterName,
        stringValue: value,
        description: `orgflow: ${key} (${CONFIGURATIONS[key].source}); the functions read it again within a minute of a change`,
        tier: bytes > STANDARD_MAX_BYTES ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
      });
      new CfnOutput(this, `${key}Parameter`, {
        value: parameterName,
        description: `the SSM parameter of ${key}: aws ssm put-parameter --overwrite --name ${parameterName} --value file://…`,
      });
      parameters.set(key, parameter);
    }
    this.byKey = parameters;
  }

  /** each parameter's ARN, by the catalog's resource kind (`vendingConfigParameter`…): ssm:GetParameter on it */
  get arns(): Readonly<Record<ConfigurationResource, readonly string[]>> {
    const arnOf = (key: ConfigurationKey) => [this.byKey.get(key)!.parameterArn];
    return {
      vendingConfigParameter: arnOf('vendingConfig'),
      closureConfigParameter: arnOf('closureConfig'),
      allFeaturesConfigParameter: arnOf('allFeaturesConfig'),
      reactionsConfigParameter: arnOf('reactionsConfig'),
    };
  }

  /** the functions' variables (`VENDING_CONFIG_PARAMETER`…) and the parameters' names */
  get variables(): [string, string][] {
    return [...this.byKey].map(([key, parameter]) => [
      `${CONFIGURATIONS[key].variable}_PARAMETER`,
      parameter.parameterName,
    ]);
  }
}
