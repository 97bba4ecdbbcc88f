import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { suppressStateMachineFindings } from './nag-suppressions';
import { repoRoot } from './paths';

export interface WorkflowProps {
  /** the deployed name, e.g. `orgflow-account-vending` */
  readonly stateMachineName: string;
  /** `statemachines/<workflow>.asl.json`: the one definition, deployed as written */
  readonly definitionFile: string;
  /** the function each `${Placeholder}` of the file stands for; the role may invoke these and nothing else */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** where the placeholders come from, for messages */
  readonly catalog: string;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
/** the Lambda integrations a workflow may use; anything else would need a grant this construct does not make */
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;

/**
 * A STANDARD state machine from its ASL file: CloudFormation substitutes the function ARNs for the file's
 * placeholders; its role may invoke exactly those functions; every execution is logged (without its data)
 * and traced.
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;
  /** the placeholders of the file, in order of appearance */
  readonly placeholders: readonly string[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const file = relative(repoRoot, props.definitionFile);
    const text = readFileSync(props.definitionFile, 'utf8');
    this.placeholders = [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
    const unknown = this.placeholders.filter((name) => !props.functions.has(name));
    if (unknown.length > 0)
      throw new Error(
        `${file} uses ${unknown.map((name) => `\${${name}}`).join(', ')}, which ${props.catalog} does not ` +
          'list for it: add the function to the state machine in the catalog, or fix the placeholder',
      );
    const unused = [...props.functions.keys()].filter((name) => !this.placeholders.includes(name));
    if (unused.length > 0)
      throw new Error(
        `${props.catalog} lists ${unused.map((name) => `\${${name}}`).join(', ')} for ${file}, which does not ` +
          'use it: remove it from the catalog (its role would be allowed to invoke a function it never calls)',
      );
    checkTaskResources(file, JSON.parse(text) as StateMachineDocument);

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: `orgflow: runs ${props.stateMachineName}`,
    });
    const invoked = this.placeholders.map((name) => props.functions.get(name)!);
    for (const fn of invoked) role.addToPrincipalPolicy(invokeOnly(fn));

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
        this.placeholders.map((name) => [name, props.functions.get(name)!.functionArn]),
      ),
      role,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    suppressStateMachineFindings(role);
  }
}

/** the unqualified ARN only: the definition names no version or alias */
const invokeOnly = (fn: IFunction) =>
  new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] });

interface StateDocument {
  Type?: string;
  Resource?: string;
  Branches?: StateMachineDocument[];
  Iterator?: StateMachineDocument;
  ItemProcessor?: StateMachineDocument;
}
interface StateMachineDocument {
  States?: Record<string, StateDocument>;
}

/** Every Task calls one of the file's functions, directly or through `lambda:invoke`. */
function checkTaskResources(file: string, document: StateMachineDocument, path = '$'): void {
  for (const [name, state] of Object.entries(document.States ?? {})) {
    const at = `${path}.States[${JSON.stringify(name)}]`;
    if (state.Type === 'Task') {
      const resource = state.Resource ?? '';
      const direct = /^\$\{[A-Za-z0-9_]+\}$/.test(resource);
      if (!direct && !LAMBDA_INVOKE.test(resource))
        throw new Error(
          `${file}: ${at}.Resource is "${resource}", an integration infra/workflow.ts grants no permission for: ` +
            'call a function of the catalog (its ARN placeholder, or arn:aws:states:::lambda:invoke), or add the grant',
        );
    }
    for (const [index, branch] of (state.Branches ?? []).entries())
      checkTaskResources(file, branch, `${at}.Branches[${index}]`);
    if (state.Iterator) checkTaskResources(file, state.Iterator, `${at}.Iterator`);
    if (state.ItemProcessor) checkTaskResources(file, state.ItemProcessor, `${at}.ItemProcessor`);
  }
}
