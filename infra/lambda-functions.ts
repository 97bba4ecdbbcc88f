import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { suppressFunctionFindings } from './nag-suppressions';

/** One Lambda function as the stack deploys it. */
export interface LambdaFunctionSpec {
  /** the catalog's logical name: the construct id, never changed once deployed */
  readonly name: string;
  /** absolute path of the handler module */
  readonly entry: string;
  readonly handler: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  /** what the function may do besides writing its own logs and traces */
  readonly statements: readonly PolicyStatement[];
  /** the role's name, when another account's policy must name it (the tooling layout); generated otherwise */
  readonly roleName?: string;
}

export interface LambdaFunctionsProps {
  readonly functions: readonly LambdaFunctionSpec[];
  /** the directory holding package-lock.json; entries must be below it */
  readonly projectRoot: string;
  readonly serviceName: string;
}

/** ESM bundles need `require` for the CommonJS dependencies esbuild inlines. */
const ESM_REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * One NodejsFunction per spec, bundled by the local esbuild (never Docker), arm64 on Node 22, each with its own
 * role (its own log group, X-Ray, and the spec's statements: nothing else) and its own log group.
 */
export class LambdaFunctions extends Construct {
  readonly byName: ReadonlyMap<string, NodejsFunction>;

  constructor(scope: Construct, id: string, props: LambdaFunctionsProps) {
    super(scope, id);
    const functions = new Map<string, NodejsFunction>();
    for (const spec of props.functions) {
      const fn = new Construct(this, spec.name);
      const logGroup = new LogGroup(fn, 'Logs', {
        retention: RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const role = new Role(fn, 'Role', {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `orgflow: ${spec.name}`,
        ...(spec.roleName === undefined ? {} : { roleName: spec.roleName }),
      });
      logGroup.grantWrite(role);
      for (const statement of spec.statements) role.addToPrincipalPolicy(statement);
      const lambda = new NodejsFunction(fn, 'Function', {
        entry: spec.entry,
        handler: spec.handler,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        role,
        logGroup,
        tracing: Tracing.ACTIVE,
        environment: {
          POWERTOOLS_SERVICE_NAME: props.serviceName,
          // stack traces point into the TypeScript sources (the bundle carries its source map)
          NODE_OPTIONS: '--enable-source-maps',
          ...spec.environment,
        },
        projectRoot: props.projectRoot,
        depsLockFilePath: `${props.projectRoot}/package-lock.json`,
        bundling: {
          forceDockerBundling: false,
          // the SDK versions the tests ran against, not whatever version the runtime ships
          bundleAwsSDK: true,
          format: OutputFormat.ESM,
          target: 'node22',
          mainFields: ['module', 'main'],
          banner: ESM_REQUIRE_SHIM,
          minify: true,
          sourceMap: true,
          logLevel: LogLevel.WARNING,
        },
      });
      suppressFunctionFindings(lambda, role, spec.statements);
      functions.set(spec.name, lambda);
    }
    this.byName = functions;
  }
}
