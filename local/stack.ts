import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  definitionSubstitutions,
  environmentOf,
  type FunctionName,
  functions,
  type StateMachineName,
  stateMachines,
} from '../catalog/functions';
import { stateMachineOfTarget } from '../catalog/rule-files';
import { createTableInput, tables } from '../catalog/tables';
import { startApiGateway } from './apigateway/server';
import { type Clock, ManualClock, ScaledClock, systemClock } from './clock';
import { startLocalConsole } from './console';
import {
  createDirectory,
  dataDirectory,
  ensurePrivateDirectory,
  lockDataDirectory,
  writePrivateFile,
} from './data-dir';
import { startDynamoDb } from './dynamodb/server';
import { startEdge } from './edge/server';
import {
  type Deliver,
  EventBuses,
  functionTarget,
  installRules,
  loadRuleFiles,
  NonRetryableDeliveryError,
  startEventBridgeServer,
} from './eventbridge';
import type { LogLine } from './lambda/environment';
import { LambdaRunner } from './lambda/runner';
import type { Limits } from './organizations/config';
import { OrganizationsEmulator } from './organizations/emulator';
import type { FaultConfig } from './organizations/faults';
import {
  DEMO_MANAGEMENT_ACCOUNT,
  DENY_LEAVE_ORGANIZATION,
  type DemoOrganization,
  isEmpty,
  seedDemoOrganization,
} from './organizations/seed';
import { startOrganizationsServer } from './organizations/server';
import { mathRandom, seededRandom } from './random';
import { StepFunctionsService, startStepFunctionsServer } from './stepfunctions/service';
import { startStsServer } from './sts/server';

/** The repository root: handler modules, statemachines/ and events/rules/ are found from it. */
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

/** The prefix of resource names in the local stack, as the CDK stack's prefix on AWS. */
export const LOCAL_PREFIX = 'orgflow';

/**
 * What the local stack adds to every function's own variables, as the CDK stack adds POWERTOOLS_SERVICE_NAME:
 * there is no X-Ray here, so Powertools Tracer is off (the runner sets AWS_EXECUTION_ENV, as Lambda does, which
 * would turn it on and have every traced SDK call log that it found no segment).
 */
const POWERTOOLS_LOCALLY = { POWERTOOLS_TRACE_ENABLED: 'false' } as const;

/**
 * A function's log line, as the console shows it: on this process's stdout or stderr, except the lines in
 * CloudWatch's embedded metric format (functions/_shared/telemetry.ts), which on AWS become metrics and here
 * would only be noise. A stack's `onFunctionLog` gets them all.
 */
export function writeFunctionLog(line: LogLine): void {
  if (isMetricLine(line.text)) return;
  (line.stream === 'stdout' ? process.stdout : process.stderr).write(`${line.text}\n`);
}

/** A line of CloudWatch's embedded metric format: a JSON object whose first key is `_aws`. */
export const isMetricLine = (text: string): boolean => text.startsWith('{"_aws":');

export interface LocalStackOptions {
  dataDir: string;
  host?: string;
  /** fixed ports per service (0 or absent picks a free one), e.g. { organizations: 4701 } */
  ports?: Partial<Record<keyof Omit<Endpoints, 'region'>, number>>;
  /** virtual seconds per real second; 'manual' for a clock that moves only when told (tests, admin endpoint) */
  timeScale?: number | 'manual';
  throttling?: boolean;
  limits?: Partial<Limits>;
  faults?: FaultConfig;
  faultSeed?: number;
  fsync?: boolean;
  seed?: boolean;
  /** which demo organization a fresh data directory is seeded with (local/organizations/seed.ts); all-features by default */
  demoOrganization?: DemoOrganization;
  /** the vending configuration (functions/account-vending/vending-config.ts) as JSON; the demo one by default */
  vendingConfig?: string;
  /** the closure configuration (functions/account-closure/closure-config.ts) as JSON; the demo one by default */
  closureConfig?: string;
  /** the enable-all-features configuration (functions/all-features/migration-config.ts) as JSON; the demo one by default */
  allFeaturesConfig?: string;
  /** the reactions configuration (functions/reactions/reactions-config.ts) as JSON; the demo one by default */
  reactionsConfig?: string;
  /** more state machines (ASL files) and rule files, beside the repository's (tests use this) */
  extraStateMachinesDir?: string;
  rulesDir?: string;
  onInternalError?: (error: unknown) => void;
  /**
   * where the functions' log lines go, each with the function that wrote it, metric lines included (default:
   * this process's stdout and stderr, without the metric lines: see {@link writeFunctionLog})
   */
  onFunctionLog?: (line: LogLine) => void;
  /**
   * `isolated` (default, as on AWS): each function in execution environments of its own, worker threads with
   * exactly its declared environment; a cold start costs about a second. `shared`: every function in this
   * process, for suites that start many stacks (isolation itself is tested in test/lambda and test/e2e).
   */
  functionEnvironments?: 'isolated' | 'shared';
}

export interface Endpoints {
  organizations: string;
  sts: string;
  stepfunctions: string;
  events: string;
  dynamodb: string;
  api: string;
  /** the web console: the organization, requests and runs, each execution as its state machine */
  console: string;
  /** every service above on one port, routed by the request itself (local/edge/route.ts): AWS_ENDPOINT_URL */
  edge: string;
  region: 'us-east-1';
}

export interface LocalStack {
  endpoints: Endpoints;
  emulator: OrganizationsEmulator;
  stepFunctions: StepFunctionsService;
  buses: EventBuses;
  clock: Clock;
  /** state machine ARN by logical name (AccountVending, and any extra ones by file name) */
  stateMachineArns: Record<string, string>;
  /** true when this start seeded a fresh data directory */
  seeded: boolean;
  /**
   * Resolves once no function invocation has been in flight for a few turns of the event loop: whatever the last
   * clock advance set off has run its course (tests on a manual clock advance again only then).
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Reads the endpoints a running stack wrote to its data directory. */
export function readEndpoints(dataDir: string): Endpoints {
  return JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8'));
}

function clockFor(timeScale: LocalStackOptions['timeScale']) {
  return (resumeFrom: number | undefined): Clock => {
    // virtual time never goes back across restarts: it resumes where the data directory left it
    const start = Math.max(Date.now(), resumeFrom ?? 0);
    if (timeScale === 'manual') return new ManualClock(start);
    if (timeScale === undefined || timeScale === 1)
      return resumeFrom && resumeFrom > Date.now() ? new ScaledClock(1, start) : systemClock;
    return new ScaledClock(timeScale, start);
  };
}

/**
 * The demo vending configuration: anyone in the management account may vend into Sandbox and Workloads/*, and
 * read every request.
 */
const demoVendingConfig = JSON.stringify({
  selfServicePolicies: ['DenyLeaveOrganization'],
  callers: [
    {
      principal: `arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`,
      organizationalUnits: ['Sandbox', 'Workloads/*'],
    },
  ],
  readers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`],
});

/**
 * The demo closure configuration: anyone in the management account may ask for closure batches; an account
 * moved into Decommission closes by itself; Workloads/Prod is protected. The demo caps its own closures at one
 * per 30 days, so that closing the Decommission OU shows a deferral beside a closure and a skip (Legal Hold is
 * tagged protected); without `quotaLimit`, AWS's formula for the organization applies (`quotaProfile`).
 */
const demoClosureConfig = JSON.stringify({
  callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`],
  protectedOrganizationalUnits: ['Workloads/Prod'],
  decommissionOrganizationalUnit: 'Decommission',
  quotaLimit: 1,
});

/**
 * The demo enable-all-features configuration: anyone in the management account may start and read migrations;
 * every other setting is the default (OrganizationAccountAccessRole, three rounds, an hourly look).
 */
const demoAllFeaturesConfig = JSON.stringify({
  callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`],
});

/**
 * The demo reactions configuration: an account that joins outside orgflow lands in Sandbox with the baseline's
 * tag and DenyLeaveOrganization; DenyLeaveOrganization stays attached to Workloads with its seeded content. The
 * consolidated-billing demo has no policies (no SCPs before ALL): its baseline is the OU and the tag.
 */
function demoReactionsConfig(demo: DemoOrganization | undefined): string {
  const baseline = { landingOrganizationalUnit: 'Sandbox', version: '2026-12-01' };
  if (demo === 'consolidated-billing') return JSON.stringify({ baseline });
  return JSON.stringify({
    baseline: { ...baseline, policies: ['DenyLeaveOrganization'] },
    guardrails: [
      {
        policy: 'DenyLeaveOrganization',
        attachedTo: ['Workloads'],
        approvedContent: DENY_LEAVE_ORGANIZATION,
      },
    ],
  });
}

// each stack's shared function environments import the handler modules afresh (see importModule below)
let stackGeneration = 0;

/**
 * Boots the embedded AWS of orgflow on loopback: Organizations + STS, DynamoDB, the Lambda runner with
 * every function of the catalog, Step Functions with every workflow, the event bus with every rule
 * file, and the API gateway. State lives under `dataDir`; `endpoints.json` there names every endpoint.
 * A data directory that cannot be one, or that another stack holds, is refused before anything is written.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = dataDirectory(options.dataDir);
  const created = createDirectory(dataDir);
  const release = lockDataDirectory(dataDir);
  const host = options.host ?? '127.0.0.1';
  const port = (service: keyof Omit<Endpoints, 'region'>) => ({ port: options.ports?.[service] ?? 0, host });
  const onInternalError = options.onInternalError ?? ((error: unknown) => console.error('orgflow:', error));
  const closers: (() => Promise<void> | void)[] = [release];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const emulator = new OrganizationsEmulator({
      dataDir: join(dataDir, 'organizations'),
      clock: clockFor(options.timeScale),
      defaultAccountId: DEMO_MANAGEMENT_ACCOUNT,
      throttling: options.throttling ?? true,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
      ...(options.faultSeed === undefined ? {} : { faultSeed: options.faultSeed }),
    });
    closers.push(() => emulator.close());
    if (options.faults) emulator.faults.set(options.faults);
    const seeded = (options.seed ?? true) && isEmpty(emulator);
    if (seeded) seedDemoOrganization(emulator, options.demoOrganization);
    const clock = emulator.clock as Clock;
    const random = options.faultSeed === undefined ? mathRandom : seededRandom(options.faultSeed);

    const organizations = await startOrganizationsServer(emulator, {
      ...port('organizations'),
      onInternalError,
    });
    closers.push(() => organizations.close());
    const sts = await startStsServer(emulator, { ...port('sts'), onInternalError });
    closers.push(() => sts.close());
    const dynamodb = await startDynamoDb({
      dataDir: join(dataDir, 'dynamodb'),
      ...port('dynamodb'),
      tables: tables.map((table) => ({
        table: createTableInput(LOCAL_PREFIX, table),
        timeToLiveAttribute: table.timeToLiveAttribute,
      })),
    });
    closers.push(() => dynamodb.close());

    ensurePrivateDirectory(join(dataDir, 'events'));
    // the ARNs of the state machines and functions exist once they are registered, below
    let targetOfArn: (arn: string) => Deliver | undefined = () => undefined;
    const buses = new EventBuses({
      clock,
      random,
      resolveTarget: (arn) => targetOfArn(arn),
      deadLetterFile: join(dataDir, 'events', 'dead-letters.jsonl'),
      // the API's changes to rules, applied over the rule files as they are installed
      ruleChangesFile: join(dataDir, 'events', 'rule-changes.json'),
      ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
    });
    closers.push(() => buses.close());
    const events = await startEventBridgeServer(buses, {
      ...port('events'),
      onInternalError,
      keyOwners: emulator.keyOwners,
    });
    closers.push(() => events.close());

    const endpoints: Record<string, string> = {
      organizations: organizations.url,
      sts: sts.url,
      dynamodb: dynamodb.url,
      eventbridge: events.url,
    };
    // the values of the functions' variables: each function gets those it declares in the catalog, read when
    // one of its environments starts (the state machine ARNs are added below)
    const variables: Record<string, string> = {
      GOVERNOR_TABLE_NAME: createTableInput(LOCAL_PREFIX, tables[0]!).TableName!,
      EVENT_BUS_NAME: 'default',
      VENDING_CONFIG: options.vendingConfig ?? demoVendingConfig,
      CLOSURE_CONFIG: options.closureConfig ?? demoClosureConfig,
      ALL_FEATURES_CONFIG: options.allFeaturesConfig ?? demoAllFeaturesConfig,
      REACTIONS_CONFIG: options.reactionsConfig ?? demoReactionsConfig(options.demoOrganization),
    };
    const generation = ++stackGeneration;
    const lambda = new LambdaRunner({
      accountId: DEMO_MANAGEMENT_ACCOUNT,
      // handlers tell the time by the stack's clock (Date.now()), as the engine and the emulator do
      clock,
      // each function in environments of its own (worker threads) with exactly its environment, as on AWS;
      // they find the local services as they would find AWS's
      environments: options.functionEnvironments ?? 'isolated',
      // shared environments get cold starts too: handler modules build their SDK clients from
      // AWS_ENDPOINT_URL_* at load, so a second stack in this process (a restart on new ports) must not reuse
      // the first stack's modules
      importModule: (specifier) =>
        import(specifier.startsWith('file:') ? `${specifier}?stack=${generation}` : specifier),
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
      endpoints: () => endpoints,
      onLog: options.onFunctionLog ?? writeFunctionLog,
    });
    closers.push(() => lambda.close());
    // tools and tests in this process find the stack's endpoints and values here
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: DEMO_MANAGEMENT_ACCOUNT,
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_ORGANIZATIONS: organizations.url,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
      ...variables,
    });
    // registered before the service starts, which resumes the executions a previous run left running at once
    for (const [name, fn] of Object.entries(functions))
      lambda.register(name, {
        module: join(root, fn.entry),
        export: fn.handler,
        timeoutMs: fn.timeoutSeconds * 1000,
        memoryMb: fn.memoryMb,
        env: () => ({
          ...environmentOf(
            name as FunctionName,
            new Map(Object.entries(variables)),
            'the local stack (local/stack.ts)',
          ),
          ...POWERTOOLS_LOCALLY,
        }),
      });
    const stepFunctions = new StepFunctionsService({
      clock,
      random,
      dataDir: join(dataDir, 'stepfunctions'),
      lambda,
      endpoints,
      putEvents: (entries) => buses.forAccount(DEMO_MANAGEMENT_ACCOUNT).putEvents(entries),
      // as AWS sends them: to the default bus of the state machine's account
      publishStatusChange: (event) => buses.publish(event),
      accountId: DEMO_MANAGEMENT_ACCOUNT,
      onInternalError,
      ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
    });
    closers.push(() => stepFunctions.close());
    const stepFunctionsServer = await startStepFunctionsServer(stepFunctions, {
      ...port('stepfunctions'),
      onInternalError,
      keyOwners: emulator.keyOwners,
    });
    closers.push(() => stepFunctionsServer.close());
    endpoints.sfn = stepFunctionsServer.url;
    process.env.AWS_ENDPOINT_URL_SFN = stepFunctionsServer.url;

    const arnOf = (name: FunctionName) => lambda.arnOf(name);
    const stateMachineArns: Record<string, string> = {};
    for (const [name, machine] of Object.entries(stateMachines)) {
      const arn = stepFunctions.registerDefinitionFile(
        name,
        join(root, machine.definitionFile),
        definitionSubstitutions(name as StateMachineName, arnOf, (machine) => {
          const started = stateMachineArns[machine];
          if (!started)
            throw new Error(`catalog/functions.ts: list ${machine} before ${name}, which starts it`);
          return started;
        }),
      );
      stateMachineArns[name] = arn;
      variables[machine.environmentVariable] = arn;
      process.env[machine.environmentVariable] = arn;
    }
    if (options.extraStateMachinesDir)
      for (const file of readdirSync(options.extraStateMachinesDir).filter((f) => f.endsWith('.asl.json'))) {
        const name = basename(file, '.asl.json');
        stateMachineArns[name] = stepFunctions.registerDefinitionFile(
          name,
          join(options.extraStateMachinesDir, file),
        );
      }

    // after the functions are registered: a rule whose target is a function invokes it from its first event on
    const rulesDir = options.rulesDir ?? join(root, 'events', 'rules');
    if (existsSync(rulesDir))
      installRules(buses.forAccount(DEMO_MANAGEMENT_ACCOUNT), loadRuleFiles(rulesDir), {
        stateMachine: (name) => {
          // by catalog name or ASL file name, as the CDK stack resolves it (catalog/rule-files.ts)
          const machine = stateMachineOfTarget(name, Object.keys(stateMachineArns));
          const arn = machine === undefined ? undefined : stateMachineArns[machine];
          return {
            arn: arn ?? `arn:aws:states:us-east-1:${DEMO_MANAGEMENT_ACCOUNT}:stateMachine:${name}`,
            deliver: async (input) => {
              if (!arn)
                throw new NonRetryableDeliveryError(
                  'StateMachineDoesNotExist',
                  `no state machine named ${name}`,
                );
              await stepFunctions.startExecution({ stateMachineArn: arn, input });
            },
          };
        },
        function: (name) => functionTarget(lambda, name, Object.keys(functions)),
      });
    // a target added over the API (PutTargets) names its ARN: a state machine or a function of this stack
    targetOfArn = (arn) => {
      if (Object.values(stateMachineArns).includes(arn))
        return async (input) => {
          await stepFunctions.startExecution({ stateMachineArn: arn, input });
        };
      const name = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)$/.exec(arn)?.[1];
      return name === undefined ? undefined : functionTarget(lambda, name, Object.keys(functions)).deliver;
    };
    // Organizations' CloudTrail events reach the default bus of the account that made the call
    const stopForwarding = emulator.events.subscribe((event) => {
      buses.publish({ ...event });
    });
    closers.push(stopForwarding);

    const api = await startApiGateway({
      invoker: lambda,
      functions: { ApiHandler: arnOf('ApiHandler') },
      accountId: DEMO_MANAGEMENT_ACCOUNT,
      keyOwners: emulator.keyOwners,
      organizationOf: (accountId) => emulator.store.accounts.get(accountId)?.orgId ?? null,
      now: () => clock.now(),
      ...port('api'),
      onInternalError,
    });
    closers.push(() => api.close());

    const webConsole = await startLocalConsole({
      endpoints: {
        organizations: organizations.url,
        stepfunctions: stepFunctionsServer.url,
        dynamodb: dynamodb.url,
      },
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
      table: variables.GOVERNOR_TABLE_NAME!,
      now: () => clock.now(),
      closureConfig: variables.CLOSURE_CONFIG!,
      reactionsConfig: variables.REACTIONS_CONFIG!,
      ...port('console'),
      onInternalError,
    });
    closers.push(() => webConsole.close());

    const edge = await startEdge({
      upstreams: {
        organizations: organizations.url,
        sts: sts.url,
        stepfunctions: stepFunctionsServer.url,
        events: events.url,
        dynamodb: dynamodb.url,
        api: api.url,
        console: webConsole.url,
      },
      ...port('edge'),
      onInternalError,
    });
    closers.push(() => edge.close());

    const all: Endpoints = {
      organizations: organizations.url,
      sts: sts.url,
      stepfunctions: stepFunctionsServer.url,
      events: events.url,
      dynamodb: dynamodb.url,
      api: api.invokeUrl,
      console: `${webConsole.url}/`,
      edge: edge.url,
      region: 'us-east-1',
    };
    writePrivateFile(join(dataDir, 'endpoints.json'), `${JSON.stringify(all, null, 2)}\n`);
    // a stack that stopped leaves no endpoints behind: `orgflow` then says it is not running
    closers.push(() => rmSync(join(dataDir, 'endpoints.json'), { force: true }));
    const settled = async () => {
      for (let quiet = 0; quiet < 3; ) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        quiet = lambda.invocationsInFlight === 0 ? quiet + 1 : 0;
      }
    };
    return {
      endpoints: all,
      emulator,
      stepFunctions,
      buses,
      clock,
      stateMachineArns,
      seeded,
      settled,
      close,
    };
  } catch (error) {
    await close();
    // a refused start leaves no half-made data directory behind
    if (created) rmSync(created, { recursive: true, force: true });
    throw error;
  }
}
