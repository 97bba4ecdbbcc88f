import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { suppressStateMachineFindings } from './nag-suppressions';
import { repoRoot } from './paths';

/** A state machine another one starts: its ARN for the definition and the grant, its name for its executions. */
export type StartedStateMachine = Pick<StateMachine, 'stateMachineArn' | 'stateMachineName'>;

export interface WorkflowProps {
  /** the deployed name, e.g. `orgflow-account-vending` */
  readonly stateMachineName: string;
  /** `statemachines/<workflow>.asl.json`: the one definition, deployed as written */
  readonly definitionFile: string;
  /** the function each `${Placeholder}` of the file stands for; the role may invoke these and nothing else */
  readonly functions: ReadonlyMap<string, IFunction>;
  /**
   * the state machine each `${Placeholder}` of a `states:startExecution.sync` Task stands for; the role may start
   * these (and watch and stop their executions) and no other
   */
  readonly stateMachines?: ReadonlyMap<string, StartedStateMachine>;
  /** where the placeholders come from, for messages */
  readonly catalog: string;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
/** the Lambda integrations a workflow may use; anything else would need a grant this construct does not make */
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;
/** a child execution run to its end (`.sync:2`: its output as JSON); the fire-and-forget form is not granted */
const START_EXECUTION_SYNC = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;
/** the managed rule through which Step Functions learns that a child execution ended (`.sync`) */
const SYNC_EVENTS_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/**
 * A STANDARD state machine from its ASL file: CloudFormation substitutes the function and state machine ARNs
 * for the file's placeholders; its role may invoke exactly those functions and start exactly those state
 * machines; every execution is logged (without its data) and traced.
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;
  /** the placeholders of the file, in order of appearance */
  readonly placeholders: readonly string[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const file = relative(repoRoot, props.definitionFile);
    const text = readFileSync(props.definitionFile, 'utf8');
    const started = props.stateMachines ?? new Map<string, StartedStateMachine>();
    for (const name of started.keys())
      if (props.functions.has(name))
        throw new Error(
          `${props.catalog} gives \${${name}} both a function and a state machine: rename one of them`,
        );
    this.placeholders = [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
    const unknown = this.placeholders.filter((name) => !props.functions.has(name) && !started.has(name));
    if (unknown.length > 0)
      throw new Error(
        `${file} uses ${unknown.map((name) => `\${${name}}`).join(', ')}, which ${props.catalog} does not ` +
          'list for it: add the function (or the state machine it starts) to the state machine in the catalog, ' +
          'or fix the placeholder',
      );
    const unused = [...props.functions.keys(), ...started.keys()].filter(
      (name) => !this.placeholders.includes(name),
    );
    if (unused.length > 0)
      throw new Error(
        `${props.catalog} lists ${unused.map((name) => `\${${name}}`).join(', ')} for ${file}, which does not ` +
          'use it: remove it from the catalog (its role would be allowed to call something it never calls)',
      );
    const startedByTasks = checkTaskResources(
      { file, functions: new Set(props.functions.keys()), stateMachines: new Set(started.keys()) },
      JSON.parse(text) as StateMachineDocument,
    );
    const neverStarted = [...started.keys()].filter((name) => !startedByTasks.has(name));
    if (neverStarted.length > 0)
      throw new Error(
        `${file} uses ${neverStarted.map((name) => `\${${name}}`).join(', ')} but no Task starts it with ` +
          'arn:aws:states:::states:startExecution.sync:2: start it there (Arguments.StateMachineArn), or remove ' +
          `it from ${props.catalog}`,
      );

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: `orgflow: runs ${props.stateMachineName}`,
    });
    for (const name of this.placeholders) {
      const fn = props.functions.get(name);
      if (fn) role.addToPrincipalPolicy(invokeOnly(fn));
    }
    const children = this.placeholders.flatMap((name) => started.get(name) ?? []);
    for (const statement of startExecutionSync(Stack.of(this), children))
      role.addToPrincipalPolicy(statement);

    // a generated name: a retained log group of a deleted stack does not block the next deploy
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      // the file's text as it is (fromFile would upload it as an S3 asset the template only points at)
      definitionBody: DefinitionBody.fromString(text),
      definitionSubstitutions: Object.fromEntries(
        this.placeholders.map((name) => [
          name,
          props.functions.get(name)?.functionArn ?? started.get(name)!.stateMachineArn,
        ]),
      ),
      role,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    suppressStateMachineFindings(role, { startsStateMachines: children.length > 0 });
  }
}

/** the unqualified ARN only: the definition names no version or alias */
const invokeOnly = (fn: IFunction) =>
  new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] });

/**
 * What AWS documents for `states:startExecution.sync` (Step Functions developer guide, "IAM policies for
 * starting a nested workflow", synchronous): start the child, describe and stop its executions, and manage
 * the rule through which Step Functions hears of their end.
 */
function startExecutionSync(stack: Stack, children: readonly StartedStateMachine[]): PolicyStatement[] {
  if (children.length === 0) return [];
  return [
    new PolicyStatement({
      actions: ['states:StartExecution'],
      resources: children.map((child) => child.stateMachineArn),
    }),
    new PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: children.map((child) =>
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${child.stateMachineName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    }),
    new PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENTS_RULE })],
    }),
  ];
}

interface StateDocument {
  Type?: string;
  Resource?: string;
  Arguments?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  Branches?: StateMachineDocument[];
  Iterator?: StateMachineDocument;
  ItemProcessor?: StateMachineDocument;
}
interface StateMachineDocument {
  States?: Record<string, StateDocument>;
}

interface TaskCheck {
  readonly file: string;
  /** the function placeholders of the file */
  readonly functions: ReadonlySet<string>;
  /** the state machine placeholders of the file */
  readonly stateMachines: ReadonlySet<string>;
}

/**
 * Every Task calls one of the file's functions (directly or through `lambda:invoke`) or runs one of its state
 * machines to the end (`states:startExecution.sync`, the ARN a placeholder); returns the state machines started.
 */
function checkTaskResources(
  check: TaskCheck,
  document: StateMachineDocument,
  path = '$',
  started = new Set<string>(),
): Set<string> {
  const { file } = check;
  for (const [name, state] of Object.entries(document.States ?? {})) {
    const at = `${path}.States[${JSON.stringify(name)}]`;
    if (state.Type === 'Task') {
      const resource = state.Resource ?? '';
      const direct = /^\$\{([A-Za-z0-9_]+)\}$/.exec(resource)?.[1];
      if (START_EXECUTION_SYNC.test(resource)) {
        const [field, arguments_] = state.Arguments
          ? ['Arguments', state.Arguments]
          : ['Parameters', state.Parameters ?? {}];
        const arn = arguments_.StateMachineArn;
        const machine = typeof arn === 'string' ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(arn)?.[1] : undefined;
        if (machine === undefined || !check.stateMachines.has(machine))
          throw new Error(
            `${file}: ${at}.${field}.StateMachineArn is ${JSON.stringify(arn ?? null)}, not the placeholder of a ` +
              'state machine the catalog lists for this one (startsStateMachines): the role may start only those; ' +
              `name one as "\${<Name>StateMachineArn}", or add it to startsStateMachines`,
          );
        started.add(machine);
      } else if (direct !== undefined ? !check.functions.has(direct) : !LAMBDA_INVOKE.test(resource))
        throw new Error(
          `${file}: ${at}.Resource is "${resource}", an integration infra/workflow.ts grants no permission for: ` +
            'call a function of the catalog (its ARN placeholder, or arn:aws:states:::lambda:invoke), start a ' +
            'state machine of the catalog (arn:aws:states:::states:startExecution.sync:2), or add the grant',
        );
    }
    for (const [index, branch] of (state.Branches ?? []).entries())
      checkTaskResources(check, branch, `${at}.Branches[${index}]`, started);
    if (state.Iterator) checkTaskResources(check, state.Iterator, `${at}.Iterator`, started);
    if (state.ItemProcessor) checkTaskResources(check, state.ItemProcessor, `${at}.ItemProcessor`, started);
  }
  return started;
}
