import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { type CfnFunction, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  definitionSubstitutions,
  functions,
  placeholderOf,
  type StateMachineName,
  stateMachinePlaceholderOf,
  stateMachines,
} from '../../catalog/functions';
import { apiRoutes, apiStageName } from '../../catalog/routes';
import { loadRuleFiles } from '../../catalog/rule-files';
import { governorTable } from '../../catalog/tables';
import { createApp } from '../../infra/orgflow-app';
import { EXAMPLE_ORGANIZATION_ID, type OrgflowStack } from '../../infra/orgflow-stack';
import { repoRoot } from '../../infra/paths';
import { ORGANIZATIONS_RESOURCE_TYPES } from '../../infra/permissions';
import { Workflow } from '../../infra/workflow';
import { temporaryDirectories } from '../temp-dirs';

const tempDir = temporaryDirectories();

const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** the actions AWS accepts only with `Resource: *` that the stack may grant */
const STAR_ONLY_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

type Resource = { Type: string; Properties: Record<string, unknown> };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** an ARN as text, the stack's account (the management account in this layout) shown as <management> */
const arnText = (resource: unknown): string => {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) return String(resource);
  return join[1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : ({ 'AWS::AccountId': '<management>', 'AWS::Partition': 'aws' } as Record<string, string>)[
            (part as { Ref: string }).Ref
          ],
    )
    .join('');
};
/** the organization's ARNs of each resource type of the Service Authorization Reference */
const ORGANIZATION_ARNS: Record<string, string[]> = {
  account: [`arn:aws:organizations::<management>:account/${ORGANIZATION_ID}/*`],
  organizationalunit: [`arn:aws:organizations::<management>:ou/${ORGANIZATION_ID}/*`],
  root: [`arn:aws:organizations::<management>:root/${ORGANIZATION_ID}/*`],
  policy: [
    `arn:aws:organizations::<management>:policy/${ORGANIZATION_ID}/*`,
    'arn:aws:organizations::aws:policy/*',
  ],
  handshake: [`arn:aws:organizations::<management>:handshake/${ORGANIZATION_ID}/*`],
};

let stack: OrgflowStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // bundling is skipped (the code asset is a placeholder): test/infra/bundling.test.ts bundles for real
  ({ stack } = createApp({
    context: { ...cdkJson.context, organizationId: ORGANIZATION_ID, 'aws:cdk:bundling-stacks': [] },
  }));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 60_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalIdOfFunction = (name: string) =>
  stack.getLogicalId(stack.functions.byName.get(name)!.node.defaultChild as CfnFunction);
const logicalIdOfStateMachine = (name: string) =>
  stack.getLogicalId(stack.stateMachines.get(name as StateMachineName)!.node.defaultChild as never);
/** the statements of the policies attached to a role */
const statementsOfRole = (roleName: string): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) =>
      list((p.Properties as { Roles: unknown[] }).Roles).some(
        (r) => JSON.stringify(r) === JSON.stringify(stack.resolve(roleName)),
      ),
    )
    .flatMap(
      ([, p]) => (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );

describe('the state machines', () => {
  it.each(Object.entries(stateMachines))(
    '%s is its ASL file, every placeholder substituted by the ARN of a function or state machine',
    (name, machine) => {
      // Prepare
      const file = readFileSync(join(repoRoot, machine.definitionFile), 'utf8');
      const placeholders = new Set([...file.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]));
      const resource = resources[logicalIdOfStateMachine(name)]!;
      const properties = resource.Properties as {
        DefinitionString: string;
        DefinitionSubstitutions: Record<string, { 'Fn::GetAtt'?: [string, string]; Ref?: string }>;
        StateMachineType: string;
        LoggingConfiguration: { Level: string; IncludeExecutionData: boolean };
        TracingConfiguration: { Enabled: boolean };
      };

      // Act: what CloudFormation does with DefinitionSubstitutions
      const deployed = properties.DefinitionString.replace(
        /\$\{([A-Za-z0-9_]+)\}/g,
        (_match, key: string) => {
          const arn = properties.DefinitionSubstitutions[key];
          if (arn?.['Fn::GetAtt'])
            return `arn:aws:lambda:us-east-1:111111111111:function:${arn['Fn::GetAtt'][0]}`;
          if (arn?.Ref) return `arn:aws:states:us-east-1:111111111111:stateMachine:${arn.Ref}`;
          return `\${${key}}`;
        },
      );

      // Assess
      expect(properties.DefinitionString).toBe(file);
      expect(new Set(Object.keys(properties.DefinitionSubstitutions))).toEqual(placeholders);
      // the local engine substitutes the same placeholders
      expect(new Set(Object.keys(properties.DefinitionSubstitutions))).toEqual(
        new Set(
          Object.keys(
            definitionSubstitutions(
              name as StateMachineName,
              () => 'arn',
              () => 'arn',
            ),
          ),
        ),
      );
      expect(deployed).not.toContain('${');
      expect(() => JSON.parse(deployed)).not.toThrow();
      for (const fn of machine.functions) {
        expect(properties.DefinitionSubstitutions[placeholderOf(fn)]).toEqual({
          'Fn::GetAtt': [logicalIdOfFunction(fn), 'Arn'],
        });
        expect(deployed).toContain(`function:${logicalIdOfFunction(fn)}`);
      }
      for (const child of machine.startsStateMachines ?? [])
        expect(properties.DefinitionSubstitutions[stateMachinePlaceholderOf(child)]).toEqual({
          Ref: logicalIdOfStateMachine(child),
        });
      expect(properties.StateMachineType).toBe('STANDARD');
      expect(properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      expect(properties.TracingConfiguration).toEqual({ Enabled: true });
    },
  );

  it("lets each state machine's role invoke exactly the functions of its definition", () => {
    for (const [name, machine] of Object.entries(stateMachines)) {
      const statements = statementsOfRole(stack.stateMachines.get(name as StateMachineName)!.role.roleName);
      const invoked = statements
        .filter((s) => list(s.Action).includes('lambda:InvokeFunction'))
        .flatMap((s) => list(s.Resource));
      const sorted = (values: unknown[]) => values.map((value) => JSON.stringify(value)).sort();
      expect(sorted(invoked)).toEqual(
        sorted(machine.functions.map((fn) => ({ 'Fn::GetAtt': [logicalIdOfFunction(fn), 'Arn'] }))),
      );
      expect(
        new Set(statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('lambda:'))),
      ).toEqual(new Set(['lambda:InvokeFunction']));
    }
  });
});

describe('a state machine that starts another', () => {
  const statementsOf = (name: StateMachineName) =>
    statementsOfRole(stack.stateMachines.get(name)!.role.roleName).filter(
      (s) => !list(s.Action).some((a) => /^(lambda|logs|xray):/.test(a)),
    );

  it('is created after the state machine it starts, in catalog order', () => {
    const order = Object.keys(stateMachines);

    expect(order.indexOf('AccountClosure')).toBeLessThan(order.indexOf('ClosureBatch'));
    expect(stateMachines.ClosureBatch.startsStateMachines).toEqual(['AccountClosure']);
    // the Ref makes CloudFormation create AccountClosure first
    expect(
      (resources[logicalIdOfStateMachine('ClosureBatch')]!.Properties.DefinitionSubstitutions as object)[
        'AccountClosureStateMachineArn' as never
      ],
    ).toEqual({ Ref: logicalIdOfStateMachine('AccountClosure') });
  });

  it('may start it, watch and stop its executions, and manage the rule .sync needs: nothing more', () => {
    const child = logicalIdOfStateMachine('AccountClosure');
    const statements = statementsOf('ClosureBatch');
    const byAction = (action: string) => statements.filter((s) => list(s.Action).includes(action));

    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(new Set(statements.flatMap((s) => list(s.Action)))).toEqual(
      new Set([
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        'events:PutTargets',
        'events:PutRule',
        'events:DescribeRule',
      ]),
    );
    expect(byAction('states:StartExecution').flatMap((s) => list(s.Resource))).toEqual([{ Ref: child }]);
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      const [resource, ...others] = byAction(action).flatMap((s) => list(s.Resource));
      expect(others).toEqual([]);
      const arn = JSON.stringify(resource);
      expect(arn).toContain(':execution:');
      expect(arn).toContain(`{"Fn::GetAtt":["${child}","Name"]},":*"`);
    }
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
      const [resource, ...others] = byAction(action).flatMap((s) => list(s.Resource));
      expect(others).toEqual([]);
      expect(stack.resolve(resource)).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:aws:events:us-east-1:',
            { Ref: 'AWS::AccountId' },
            ':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
          ],
        ],
      });
    }
  });

  it('is the only one whose role may start executions or touch a rule', () => {
    for (const name of ['AccountVending', 'AccountClosure'] as const) expect(statementsOf(name)).toEqual([]);
  });
});

describe('the functions', () => {
  it('deploys one function per catalog entry, and nothing else', () => {
    expect(
      ofType('AWS::Lambda::Function')
        .map(([id]) => id)
        .sort(),
    ).toEqual(Object.keys(functions).map(logicalIdOfFunction).sort());
  });

  it.each(Object.entries(functions))(
    '%s runs its handler on Node 22, arm64, as the catalog says',
    (name, definition) => {
      const properties = resources[logicalIdOfFunction(name)]!.Properties as {
        Handler: string;
        Runtime: string;
        Architectures: string[];
        Timeout: number;
        MemorySize: number;
        TracingConfig: { Mode: string };
        Environment: { Variables: Record<string, unknown> };
      };

      expect(existsSync(join(repoRoot, definition.entry))).toBe(true);
      expect(properties.Handler).toBe(`index.${definition.handler}`);
      expect(properties.Runtime).toBe('nodejs22.x');
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.Timeout).toBe(definition.timeoutSeconds);
      expect(properties.MemorySize).toBe(definition.memoryMb);
      expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
      const variables = properties.Environment.Variables;
      expect(variables.POWERTOOLS_SERVICE_NAME).toBe('orgflow');
      for (const [variable, use] of Object.entries(definition.environment))
        if (use === 'required') expect(variables[variable], variable).toBeDefined();
      const known = new Set([
        'POWERTOOLS_SERVICE_NAME',
        'NODE_OPTIONS',
        ...Object.keys(definition.environment),
      ]);
      expect(Object.keys(variables).filter((variable) => !known.has(variable))).toEqual([]);
    },
  );

  it('gives each function the concrete names and ARNs it needs', () => {
    const variables = (name: string) =>
      (
        resources[logicalIdOfFunction(name)]!.Properties as {
          Environment: { Variables: Record<string, unknown> };
        }
      ).Environment.Variables;

    expect(variables('CreateAccount')[governorTable.environmentVariable]).toEqual({
      Ref: stack.getLogicalId(
        stack.node.findChild('Governor').node.findChild(governorTable.id).node.defaultChild as never,
      ),
    });
    // the ARN is built from the state machine's fixed name, so a function may need it without a cycle
    expect(JSON.stringify(variables('ApiHandler').ACCOUNT_VENDING_STATE_MACHINE_ARN)).toContain(
      ':stateMachine:orgflow-account-vending',
    );
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'orgflow-account-vending',
    });
    expect(variables('PublishAccountVended').EVENT_BUS_NAME).toBe('default');
  });
});

describe('the IAM policies', () => {
  const statements = () =>
    [
      ...ofType('AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument),
      ...ofType('AWS::IAM::Role').flatMap(([, r]) =>
        ((r.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument),
      ),
      ...ofType('AWS::IAM::ManagedPolicy').map(([, p]) => p.Properties.PolicyDocument),
    ].flatMap((document) => (document as { Statement: Statement[] }).Statement);

  it('never allows a wildcard action', () => {
    const actions = statements().flatMap((s) => list(s.Action));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('uses Resource * only for actions that take no resource', () => {
    // a Deny on * narrows what is granted (see the protected-account test)
    const starActions = statements()
      .filter((s) => s.Effect === 'Allow' && list(s.Resource).includes('*'))
      .flatMap((s) => list(s.Action));
    const allowed = (action: string) =>
      STAR_ONLY_ACTIONS.has(action) || ORGANIZATIONS_RESOURCE_TYPES[action]?.length === 0;
    expect(starActions.filter((action) => !allowed(action))).toEqual([]);
    expect(starActions).toContain('organizations:ListRoots');
  });

  it('grants each Organizations action on exactly the ARNs of its resource types, under the management account and the organization', () => {
    const catalogActions = new Set(
      Object.values(functions).flatMap((definition) =>
        definition.permissions
          .filter((group) => group.resource === 'organization')
          .flatMap((group) => group.actions),
      ),
    );
    // every action a function calls was looked up in the Service Authorization Reference
    expect(
      [...catalogActions].filter((action) => ORGANIZATIONS_RESOURCE_TYPES[action] === undefined),
    ).toEqual([]);
    for (const name of Object.keys(functions)) {
      const allowing = statementsOfRole(stack.functions.byName.get(name)!.role!.roleName).filter(
        (s) => s.Effect === 'Allow',
      );
      for (const action of new Set(allowing.flatMap((s) => list(s.Action)))) {
        const types = ORGANIZATIONS_RESOURCE_TYPES[action];
        if (types === undefined) continue;
        const granted = allowing
          .filter((s) => list(s.Action).includes(action))
          .flatMap((s) => list(s.Resource).map(arnText));
        expect(new Set(granted), `${name} ${action}`).toEqual(
          new Set(types.length === 0 ? ['*'] : types.flatMap((type) => ORGANIZATION_ARNS[type]!)),
        );
      }
    }
  });

  it('allows CreateAccount only with the request mark among its tags', () => {
    const creating = statements().filter(
      (s) => s.Effect === 'Allow' && list(s.Action).includes('organizations:CreateAccount'),
    );

    expect(creating).toEqual([
      {
        Effect: 'Allow',
        Action: 'organizations:CreateAccount',
        Resource: '*',
        Condition: {
          'ForAnyValue:StringEquals': { 'aws:TagKeys': ['orgflow:request-id'] },
          StringLike: { 'aws:RequestTag/orgflow:request-id': 'ar-*' },
        },
      },
    ]);
  });

  it('denies closing, moving or re-tagging an account tagged orgflow:protected=true, or the management account, whatever the code asks', () => {
    const guardedActions = [
      'organizations:CloseAccount',
      'organizations:MoveAccount',
      'organizations:TagResource',
    ];
    const granting = statements().filter(
      (s) => s.Effect === 'Allow' && list(s.Action).some((a) => guardedActions.includes(a)),
    );
    const denials = statements().filter((s) => s.Effect === 'Deny');
    expect(granting.length).toBeGreaterThan(0);
    for (const action of guardedActions) {
      if (!granting.some((s) => list(s.Action).includes(action))) continue;
      const denying = denials.filter((s) => list(s.Action).includes(action));
      expect(denying, action).toContainEqual(
        expect.objectContaining({
          Resource: '*',
          Condition: { StringEqualsIgnoreCase: { 'aws:ResourceTag/orgflow:protected': 'true' } },
        }),
      );
      expect(JSON.stringify(denying.map((s) => s.Resource)), action).toMatch(
        new RegExp(`:organizations::.*:account/${ORGANIZATION_ID}/`),
      );
    }
    // one of each per role that may take a guarded action (its one policy may grant them in several statements)
    const policiesGranting = ofType('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
        (s) => s.Effect === 'Allow' && list(s.Action).some((a) => guardedActions.includes(a)),
      ),
    );
    expect(denials.length).toBe(2 * policiesGranting.length);
  });

  it('lets the CloseAccount function, and no other role, close accounts of the organization', () => {
    const closes = (s: Statement) => list(s.Action).includes('organizations:CloseAccount');
    const closeAccountRole = stack.functions.byName.get('CloseAccount')!.role!.roleName;
    const statements = statementsOfRole(closeAccountRole).filter(closes);
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Resource));
    const policiesThatClose = ofType('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement.some(closes),
    );

    expect(allowed.map(arnText)).toEqual([
      `arn:aws:organizations::<management>:account/${ORGANIZATION_ID}/*`,
    ]);
    expect(statements.filter((s) => s.Effect === 'Deny')).toEqual([
      expect.objectContaining({
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'aws:ResourceTag/orgflow:protected': 'true' } },
      }),
      // the management account
      expect.objectContaining({ Resource: expect.anything() }),
    ]);
    expect(policiesThatClose.flatMap(([, p]) => list(p.Properties.Roles as unknown[]))).toEqual([
      stack.resolve(closeAccountRole),
    ]);
    for (const [, role] of ofType('AWS::IAM::Role'))
      expect(JSON.stringify(role.Properties.Policies ?? [])).not.toContain('organizations:CloseAccount');
    for (const [, policy] of ofType('AWS::IAM::ManagedPolicy'))
      expect(JSON.stringify(policy.Properties)).not.toContain('organizations:CloseAccount');
  });

  it("assumes the approval role only in the organization's accounts, in the functions that approve", () => {
    const assuming = ofType('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement.filter((s) =>
        list(s.Action).includes('sts:AssumeRole'),
      ).map((statement) => ({ roles: list(p.Properties.Roles as unknown[]), statement })),
    );
    const declaring = Object.entries(functions)
      .filter(([, definition]) =>
        definition.permissions.some((group) => group.actions.includes('sts:AssumeRole')),
      )
      .map(([name]) => stack.resolve(stack.functions.byName.get(name)!.role!.roleName));

    expect(declaring).toHaveLength(2);
    expect(assuming.flatMap(({ roles }) => roles)).toEqual(expect.arrayContaining(declaring));
    expect(assuming).toHaveLength(declaring.length);
    for (const { statement } of assuming)
      expect(statement).toEqual({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole',
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION_ID } },
      });
  });

  it("grants each function exactly its catalog entry's actions", () => {
    // a function a rule invokes also sends the events it failed on to the dead-letter queue: Lambda does that
    // with the function's role (its asynchronous failure destination), not the function's code
    const ruleTargets = new Set(
      loadRuleFiles(join(repoRoot, 'events', 'rules')).flatMap((rule) =>
        rule.target.function === undefined ? [] : [rule.target.function],
      ),
    );
    const destination = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
    expect(ruleTargets).toEqual(
      new Set([
        'CompleteAccountCreation',
        'CompleteAccountClosure',
        'RecordClosure',
        'StartDecommission',
        'CompleteApproval',
        'BaselineAccount',
        'RevertGuardrailDrift',
        'AccountDeparted',
        'RecordEndedExecution',
      ]),
    );
    for (const [name, definition] of Object.entries(functions)) {
      const granted = statementsOfRole(stack.functions.byName.get(name)!.role!.roleName)
        .flatMap((s) => list(s.Action))
        .filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:'));
      expect(new Set(granted), name).toEqual(
        new Set([
          ...definition.permissions.flatMap((group) => group.actions),
          ...(ruleTargets.has(name) ? destination : []),
        ]),
      );
    }
  });
});

describe('the REST API', () => {
  it('puts every route of the route table behind AWS_IAM', () => {
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => m.Properties);

    expect(methods).toHaveLength(apiRoutes.length);
    for (const method of methods) expect(method.AuthorizationType).toBe('AWS_IAM');
    for (const route of apiRoutes)
      expect(methods.filter((m) => m.HttpMethod === route.method).length, route.path).toBeGreaterThan(0);
    for (const method of methods)
      expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
  });

  it('lets only principals of the organization call it', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID } },
          }),
        ]),
      },
    });
  });

  it.each([
    ['/account-requests', 'POSTAccountRequests', ['accountName', 'email', 'organizationalUnit']],
    ['/closure-batches', 'POSTClosureBatches', ['reason']],
  ])('checks the body of POST %s against the model of its zod schema', (path, modelName, required) => {
    const pathPart = path.slice(1);
    const resourceId = ofType('AWS::ApiGateway::Resource').find(
      ([, r]) => r.Properties.PathPart === pathPart,
    )![0];
    const [, post] = ofType('AWS::ApiGateway::Method').find(
      ([, m]) =>
        m.Properties.HttpMethod === 'POST' &&
        JSON.stringify(m.Properties.ResourceId) === JSON.stringify({ Ref: resourceId }),
    )!;
    const [modelId, model] = ofType('AWS::ApiGateway::Model').find(
      ([, m]) => m.Properties.Name === modelName,
    )!;
    const schema = model.Properties.Schema as {
      required: string[];
      additionalProperties: boolean;
      $schema: string;
    };

    expect(post.Properties.RequestModels).toEqual({ 'application/json': { Ref: modelId } });
    expect(post.Properties.RequestValidatorId).toBeDefined();
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema.required).toEqual(required);
    expect(schema.additionalProperties).toBe(false);
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
  });

  it('checks the body of POST /all-features-migrations against the model of its zod schema: only dryRun, none required', () => {
    // Prepare
    const resource = ofType('AWS::ApiGateway::Resource').find(
      ([, r]) => r.Properties.PathPart === 'all-features-migrations',
    )![0];
    const methodsOn = (resourceId: string) =>
      ofType('AWS::ApiGateway::Method').filter(
        ([, m]) => JSON.stringify(m.Properties.ResourceId) === JSON.stringify({ Ref: resourceId }),
      );
    const resend = ofType('AWS::ApiGateway::Resource').find(
      ([, r]) => r.Properties.PathPart === 'resend',
    )![0];

    // Act
    const [, post] = methodsOn(resource).find(([, m]) => m.Properties.HttpMethod === 'POST')!;
    const [modelId, model] = ofType('AWS::ApiGateway::Model').find(
      ([, m]) => m.Properties.Name === 'POSTAllFeaturesMigrations',
    )!;
    const schema = model.Properties.Schema as Record<string, unknown>;
    const [, resendPost] = methodsOn(resend).find(([, m]) => m.Properties.HttpMethod === 'POST')!;

    // Assess
    expect(post.Properties.RequestModels).toEqual({ 'application/json': { Ref: modelId } });
    expect(post.Properties.RequestValidatorId).toBeDefined();
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      properties: { dryRun: { type: 'boolean' } },
      additionalProperties: false,
    });
    expect(schema.required ?? []).toEqual([]);
    // the resend takes no body: no model, still behind AWS_IAM
    expect(resendPost.Properties.RequestModels).toBeUndefined();
    expect(resendPost.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('logs access and throttles on its stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: apiStageName,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR' }),
      ]),
    });
  });
});

describe('the governor table', () => {
  it('is on demand, with point-in-time recovery and TTL, and kept on delete', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: `orgflow-${governorTable.nameSuffix}`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: governorTable.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: governorTable.sortKey.name, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: governorTable.timeToLiveAttribute, Enabled: true },
        Replicas: [
          Match.objectLike({
            Region: 'us-east-1',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      }),
    });
  });
});

describe('the event rules and alarms', () => {
  it('has one rule on the default bus per file of events/rules/', () => {
    const rules = loadRuleFiles(join(repoRoot, 'events', 'rules'));
    const deployed = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);

    expect(deployed.map((r) => r.Name).sort()).toEqual(rules.map((r) => r.name).sort());
    for (const rule of deployed) {
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.Targets).toEqual([
        expect.objectContaining({ DeadLetterConfig: expect.anything(), RetryPolicy: expect.anything() }),
      ]);
    }
  });

  it('alarms on failed and timed-out executions and on dead letters, through the topic', () => {
    // infra/alarms.ts's: test/infra/observability.test.ts checks the others
    const alarms = ofType('AWS::CloudWatch::Alarm')
      .filter(([id]) => id.startsWith('Alarms'))
      .map(([, a]) => a.Properties);
    const metrics = alarms.map((a) => a.MetricName).sort();

    expect(metrics).toEqual(
      [
        ...Object.keys(stateMachines).flatMap(() => ['ExecutionsFailed', 'ExecutionsTimedOut']),
        'AccountRequestsRefused',
        'ApproximateNumberOfMessagesVisible',
      ].sort(),
    );
    const [topicId] = ofType('AWS::SNS::Topic')[0]!;
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it.each([
    ['AccountVending', /an account request was not fulfilled/],
    ['AccountClosure', /an account was not closed/],
    ['ClosureBatch', /a closure batch could not be planned or run/],
    ['AllFeaturesMigration', /a migration to all features stopped/],
  ])('alarms when an execution of %s fails, saying what it means', (name, meaning) => {
    const failed = ofType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter(
        (a) =>
          a.MetricName === 'ExecutionsFailed' &&
          JSON.stringify(a.Dimensions).includes(`"Ref":"${logicalIdOfStateMachine(name)}"`),
      );

    expect(failed).toHaveLength(1);
    expect(failed[0]!.AlarmDescription).toMatch(meaning);
    expect(failed[0]).toMatchObject({ Threshold: 1, Statistic: 'Sum', Namespace: 'AWS/States' });
  });
});

describe('domain failures and system failures', () => {
  it('alarm apart: a burst of requests that could not be served, on the metric Record Failure emits', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const refused = alarms.filter((a) => a.MetricName === 'AccountRequestsRefused');

    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      Namespace: 'orgflow',
      Dimensions: [{ Name: 'Workflow', Value: 'AccountVending' }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(refused[0]!.AlarmDescription).toMatch(/could not be served/);
    // the ExecutionsFailed alarm is the one of steps that broke: a refusal does not fail its execution
    const failed = alarms.find(
      (a) =>
        a.MetricName === 'ExecutionsFailed' &&
        JSON.stringify(a.Dimensions).includes(`"Ref":"${logicalIdOfStateMachine('AccountVending')}"`),
    );
    expect(failed?.AlarmDescription).toMatch(/only a step that broke fails an execution/);
  });

  it('gives the governor table the indexes that list account requests, named in the policies (no index/*)', () => {
    const [, table] = ofType('AWS::DynamoDB::GlobalTable')[0]!;
    const indexes = table.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[];
    const apiPolicy = JSON.stringify(
      ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('FunctionsApiHandlerRole'))?.[1],
    );

    expect(indexes.map((i) => [i.IndexName, i.KeySchema])).toEqual([
      [
        'by-owner',
        [
          { AttributeName: 'ownerKey', KeyType: 'HASH' },
          { AttributeName: 'listKey', KeyType: 'RANGE' },
        ],
      ],
      [
        'by-kind',
        [
          { AttributeName: 'kind', KeyType: 'HASH' },
          { AttributeName: 'listKey', KeyType: 'RANGE' },
        ],
      ],
    ]);
    expect(apiPolicy).toContain('/index/by-owner');
    expect(apiPolicy).toContain('/index/by-kind');
    expect(apiPolicy).not.toContain('/index/*');
    expect(apiPolicy).not.toContain('states:ListExecutions');
  });
});

describe('cdk-nag', () => {
  it('reports no AwsSolutions finding that is not suppressed with a reason', () => {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].map((finding) => `${finding.id}: ${String(finding.entry.data).split(':')[0]}`);

    expect(findings).toEqual([]);
  });
});

describe('the stack', () => {
  it('refuses an organization id that is not one, naming it', () => {
    expect(() =>
      createApp({
        context: { ...cdkJson.context, organizationId: 'org-123', 'aws:cdk:bundling-stacks': [] },
      }),
    ).toThrow(/organization id "org-123" is not valid/);
  });

  it('is in us-east-1', () => {
    expect(Stack.of(stack).region).toBe('us-east-1');
  });
});

describe('the workflow construct', () => {
  const workflowOf = (
    definition: unknown,
    placeholders: readonly string[],
    stateMachinePlaceholders: readonly string[] = [],
  ) => {
    const dir = tempDir('orgflow-asl-');
    const file = join(dir, 'x.asl.json');
    writeFileSync(file, JSON.stringify(definition));
    // the partition as a literal, as in the stack (cdk.json)
    const app = new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } });
    const scope = new Stack(app, 'Workflow', { env: { region: 'us-east-1', account: '111111111111' } });
    const fn = new LambdaFunction(scope, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({})'),
    });
    const child = {
      stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:child',
      stateMachineName: 'child',
    };
    return () =>
      new Workflow(scope, 'X', {
        stateMachineName: 'x',
        definitionFile: file,
        functions: new Map(placeholders.map((name) => [name, fn])),
        stateMachines: new Map(stateMachinePlaceholders.map((name) => [name, child])),
        catalog: 'the catalog',
      });
  };
  const placeholder = (name: string) => `\${${name}}`;
  const task = (resource: string) => ({
    StartAt: 'Do',
    States: { Do: { Type: 'Task', Resource: resource, End: true } },
  });

  it('refuses a placeholder the catalog does not list for the file', () => {
    expect(workflowOf(task(placeholder('MissingFunctionArn')), [])).toThrow(
      /x\.asl\.json uses \$\{MissingFunctionArn\}, which the catalog does not list for it/,
    );
  });

  it('refuses a function the catalog lists but the file never calls', () => {
    expect(
      workflowOf(task(placeholder('UsedFunctionArn')), ['UsedFunctionArn', 'UnusedFunctionArn']),
    ).toThrow(/the catalog lists \$\{UnusedFunctionArn\} for .*x\.asl\.json, which does not use it/);
  });

  it('refuses an integration its role would have no permission for, naming the state', () => {
    expect(workflowOf(task('arn:aws:states:::dynamodb:putItem'), [])).toThrow(
      /\$\.States\["Do"\]\.Resource is "arn:aws:states:::dynamodb:putItem"/,
    );
  });

  const start = (resource: string, stateMachineArn: unknown) => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'Start',
          States: {
            Start: {
              Type: 'Task',
              Resource: resource,
              Arguments: { StateMachineArn: stateMachineArn },
              End: true,
            },
          },
        },
        End: true,
      },
    },
  });
  const SYNC = 'arn:aws:states:::states:startExecution.sync:2';

  it('runs a state machine of the catalog to its end, with what AWS documents for .sync and no more', () => {
    // Act
    const workflow = workflowOf(
      start(SYNC, placeholder('ChildStateMachineArn')),
      [],
      ['ChildStateMachineArn'],
    )();

    // Assess
    const template = Template.fromStack(Stack.of(workflow));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: {
        ChildStateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:child',
      },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(
        (p) => (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
      )
      .filter((s) => !list(s.Action).some((a) => /^(logs|xray):/.test(a)));
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: 'arn:aws:states:us-east-1:111111111111:stateMachine:child',
      }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: 'arn:aws:states:us-east-1:111111111111:execution:child:*',
      }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource:
          'arn:aws:events:us-east-1:111111111111:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
      }),
    ]);
  });

  it('refuses to start a state machine the catalog does not list for the file, naming the state', () => {
    expect(
      workflowOf(start(SYNC, 'arn:aws:states:us-east-1:111111111111:stateMachine:other'), [], []),
    ).toThrow(
      /\$\.States\["Each"\]\.ItemProcessor\.States\["Start"\]\.Arguments\.StateMachineArn is "arn:aws:states:us-east-1:111111111111:stateMachine:other", not the placeholder of a state machine the catalog lists/,
    );
    expect(workflowOf(start(SYNC, '{% $states.input.arn %}'), [], [])).toThrow(
      /StateMachineArn is "\{% \$states\.input\.arn %\}"/,
    );
  });

  it('refuses to start a state machine without waiting for it, or to call it as a function', () => {
    expect(
      workflowOf(
        start('arn:aws:states:::states:startExecution', placeholder('ChildStateMachineArn')),
        [],
        ['ChildStateMachineArn'],
      ),
    ).toThrow(
      /Resource is "arn:aws:states:::states:startExecution", an integration infra\/workflow\.ts grants no permission for/,
    );
    expect(workflowOf(task(placeholder('ChildStateMachineArn')), [], ['ChildStateMachineArn'])).toThrow(
      /Resource is "\$\{ChildStateMachineArn\}", an integration infra\/workflow\.ts grants no permission for/,
    );
  });

  it('refuses a state machine the catalog lists that no Task starts', () => {
    const passOnly = {
      StartAt: 'Say',
      States: { Say: { Type: 'Pass', Output: { arn: placeholder('ChildStateMachineArn') }, End: true } },
    };
    expect(workflowOf(passOnly, [], ['ChildStateMachineArn'])).toThrow(
      /x\.asl\.json uses \$\{ChildStateMachineArn\} but no Task starts it/,
    );
  });
});

describe('the context', () => {
  it('refuses a vending configuration the functions would refuse, naming the field', () => {
    expect(() =>
      createApp({
        builtinCloudFormationValidation: false,
        context: {
          ...cdkJson.context,
          organizationId: ORGANIZATION_ID,
          vendingConfig: '{"callers":[{"principal":"arn:aws:iam::222233334444:role/Portal"}]}',
          'aws:cdk:bundling-stacks': [],
        },
      }),
    ).toThrow(/vendingConfig is not valid \(callers\.0\.organizationalUnits: /);
  });

  const appWith = (context: Record<string, unknown>) =>
    createApp({
      builtinCloudFormationValidation: false,
      context: {
        ...cdkJson.context,
        organizationId: ORGANIZATION_ID,
        'aws:cdk:bundling-stacks': [],
        ...context,
      },
    });
  const closureConfig = {
    callers: ['arn:aws:iam::111111111111:role/CloudOps'],
    protectedOrganizationalUnits: ['Security'],
    decommissionOrganizationalUnit: 'Decommission',
  };

  it('deploys only the first indexes an upgrade asks for (CloudFormation adds one index per update), and refuses a count that is not one', () => {
    // Act
    const { stack: firstStep } = appWith({ tableIndexes: '1' });
    const [, table] = Object.entries(
      Template.fromStack(firstStep).toJSON().Resources as Record<string, Resource>,
    ).find(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')!;

    // Assess
    expect(
      (table.Properties.GlobalSecondaryIndexes as { IndexName: string }[]).map((index) => index.IndexName),
    ).toEqual(['by-owner']);
    expect(() => appWith({ tableIndexes: 'two' })).toThrow(
      /context tableIndexes is "two": give a whole number/,
    );
  });

  it('refuses a closure configuration the functions would refuse, naming the field', () => {
    expect(() => appWith({ closureConfig: '{"callers":"arn:aws:iam::111111111111:role/CloudOps"}' })).toThrow(
      /closureConfig is not valid \(callers: .*\): see functions\/account-closure\/closure-config\.ts/,
    );
    expect(() => appWith({ closureConfig: { ...closureConfig, protectedOus: ['Security'] } })).toThrow(
      /closureConfig is not valid \(\(top\): .*protectedOus/,
    );
    expect(() => appWith({ closureConfig: '{callers:[]}' })).toThrow(/context closureConfig is not JSON/);
  });

  /** the parameter of a configuration, its value, and the functions told its name and allowed to read it */
  const parameterOf = (configured: OrgflowStack, name: string) => {
    const deployed = Template.fromStack(configured).toJSON().Resources as Record<string, Resource>;
    const [logicalId, parameter] = Object.entries(deployed).find(
      ([, r]) => r.Type === 'AWS::SSM::Parameter' && r.Properties.Name === name,
    )!;
    const told = Object.keys(functions).filter((fn) => {
      const variables = (
        deployed[
          configured.getLogicalId(configured.functions.byName.get(fn)!.node.defaultChild as CfnFunction)
        ]!.Properties as { Environment: { Variables: Record<string, unknown> } }
      ).Environment.Variables;
      return Object.entries(variables).some(
        ([variable, value]) =>
          variable.endsWith('_CONFIG_PARAMETER') &&
          (value === name || JSON.stringify(value) === JSON.stringify({ Ref: logicalId })),
      );
    });
    const readers = Object.entries(deployed)
      .filter(
        ([, r]) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
            (statement) =>
              list(statement.Action).includes('ssm:GetParameter') &&
              (JSON.stringify(statement.Resource).includes(`parameter${name}`) ||
                JSON.stringify(statement.Resource).includes(`"${logicalId}"`)),
          ),
      )
      .flatMap(([, r]) => list(r.Properties.Roles as unknown[]));
    return { parameter, told, readers, value: JSON.parse(parameter.Properties.Value as string) as unknown };
  };
  const roleOf = (configured: OrgflowStack, fn: string) =>
    configured.resolve(configured.functions.byName.get(fn)!.role!.roleName);

  it.each([
    ['vendingConfig', '/orgflow/config/vending', 'VENDING_CONFIG'],
    ['closureConfig', '/orgflow/config/closure', 'CLOSURE_CONFIG'],
    ['allFeaturesConfig', '/orgflow/config/all-features', 'ALL_FEATURES_CONFIG'],
    ['reactionsConfig', '/orgflow/config/reactions', 'REACTIONS_CONFIG'],
  ])(
    'puts %s, as given, in the SSM parameter %s, named to exactly the functions that declare %s and readable by them alone',
    (key, name, variable) => {
      const given = {
        vendingConfig: {
          callers: [{ principal: 'arn:aws:iam::111111111111:role/Portal', organizationalUnits: ['Sandbox'] }],
        },
        closureConfig,
        allFeaturesConfig: { approvalRoleName: 'OrgflowApproval' },
        reactionsConfig: { guardrails: [{ policy: 'DenyLeaveOrganization', attachedTo: ['Workloads'] }] },
      }[key];
      const { stack: configured } = appWith({ [key]: JSON.stringify(given) });
      const declaring = Object.entries(functions)
        .filter(([, definition]) => `${variable}_PARAMETER` in definition.environment)
        .map(([fn]) => fn);

      const { parameter, told, readers, value } = parameterOf(configured, name);

      expect(declaring.length).toBeGreaterThan(0);
      // as given: without "callers" the API lets closureConfig's callers start migrations
      expect(value).toEqual(given);
      expect(parameter.Properties).toMatchObject({ Type: 'String', Tier: 'Standard' });
      expect(told.sort()).toEqual([...declaring].sort());
      expect(new Set(readers.map((r) => JSON.stringify(r)))).toEqual(
        new Set(declaring.map((fn) => JSON.stringify(roleOf(configured, fn)))),
      );
      // the JSON is no longer in any function's environment
      for (const fn of Object.keys(functions))
        expect(JSON.stringify(resources[logicalIdOfFunction(fn)]!.Properties), fn).not.toContain(
          `"${variable}"`,
        );
    },
  );

  it('creates every parameter, {} where the context gives no configuration, so that operators can put one later', () => {
    const { value } = parameterOf(stack, '/orgflow/config/closure');

    expect(value).toEqual({});
    expect(
      ofType('AWS::SSM::Parameter')
        .map(([, p]) => p.Properties.Name)
        .sort(),
    ).toEqual([
      '/orgflow/config/all-features',
      '/orgflow/config/closure',
      '/orgflow/config/reactions',
      '/orgflow/config/vending',
    ]);
  });

  const allFeaturesConfig = {
    callers: ['arn:aws:iam::111111111111:role/CloudOps'],
    approvalRoleName: 'OrgflowApproval',
    maxRounds: 5,
  };
  const deployedWith = (context: Record<string, unknown>) => {
    const { stack: configured } = appWith(context);
    const deployed = Template.fromStack(configured).toJSON().Resources as Record<string, Resource>;
    const variablesOf = (name: string) =>
      (
        deployed[
          configured.getLogicalId(configured.functions.byName.get(name)!.node.defaultChild as CfnFunction)
        ]!.Properties as { Environment: { Variables: Record<string, unknown> } }
      ).Environment.Variables;
    return { configured, deployed, variablesOf };
  };

  it('refuses an enable-all-features configuration the functions would refuse, naming the field', () => {
    expect(() => appWith({ allFeaturesConfig: { approvalRoleName: 'team/Approver' } })).toThrow(
      /allFeaturesConfig is not valid \(approvalRoleName: a role name is .*\): see functions\/all-features\/migration-config\.ts/,
    );
    expect(() => appWith({ allFeaturesConfig: '{"maxRounds":0,"callers":"arn:aws:iam::1:root"}' })).toThrow(
      /allFeaturesConfig is not valid \(callers: .*; maxRounds: .*\)/,
    );
    expect(() => appWith({ allFeaturesConfig: { approvalRole: 'Approver' } })).toThrow(
      /allFeaturesConfig is not valid \(\(top\): .*approvalRole/,
    );
    expect(() => appWith({ allFeaturesConfig: "{callers:['x']}" })).toThrow(
      /context allFeaturesConfig is not JSON/,
    );
  });

  it("assumes the configuration's approval role, in the organization's accounts only", () => {
    const { configured } = deployedWith({ allFeaturesConfig });
    const roleName = configured.functions.byName.get('ApproveMembers')!.role!.roleName;

    Template.fromStack(configured).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [configured.resolve(roleName)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: 'arn:aws:iam::*:role/OrgflowApproval',
            Condition: { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION_ID } },
          },
        ]),
      },
    });
    const findings = [
      ...Annotations.fromStack(configured).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(configured).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((finding) => finding.id)).toEqual([]);
  });

  it('warns that without an enable-all-features configuration only closureConfig callers may migrate', () => {
    Annotations.fromStack(stack).hasWarning(
      '/Orgflow',
      Match.stringLikeRegexp(
        "no allFeaturesConfig: .*OrganizationAccountAccessRole.*only closureConfig's callers",
      ),
    );
  });

  it('puts a configuration over 4 KB in an Advanced parameter, and refuses one over the 8 KB it holds', () => {
    const roles = (count: number) =>
      Array.from({ length: count }, (_, i) => `arn:aws:iam::${String(i).padStart(12, '0')}:role/CloudOps`);
    const { stack: large } = appWith({ closureConfig: { callers: roles(120) } });

    expect(JSON.stringify({ callers: roles(120) }).length).toBeGreaterThan(4096);
    expect(parameterOf(large, '/orgflow/config/closure').parameter.Properties.Tier).toBe('Advanced');
    expect(() => appWith({ closureConfig: { callers: roles(250) } })).toThrow(
      /closureConfig is \d+ bytes as JSON, more than the 8192 an SSM parameter holds: shorten it/,
    );
  });

  it('takes over the account-wide API Gateway CloudWatch role only with apiGatewayCloudWatchRole=true, cdk-nag clean either way', () => {
    const { stack: taking } = appWith({ apiGatewayCloudWatchRole: 'true' });
    const taken = Template.fromStack(taking);
    const findings = [
      ...Annotations.fromStack(taking).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(taking).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];

    // by default: the account's setting (and whoever owns it) is left alone
    expect(ofType('AWS::ApiGateway::Account')).toEqual([]);
    expect(JSON.stringify(resources)).not.toContain('AmazonAPIGatewayPushToCloudWatchLogs');
    taken.resourceCountIs('AWS::ApiGateway::Account', 1);
    taken.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
    expect(findings.map((finding) => finding.id)).toEqual([]);
    expect(() => appWith({ apiGatewayCloudWatchRole: 'yes' })).toThrow(
      /context apiGatewayCloudWatchRole is "yes": give true or false/,
    );
  });

  it('warns that without a closure configuration nobody may ask for closure batches', () => {
    Annotations.fromStack(stack).hasWarning(
      '/Orgflow',
      Match.stringLikeRegexp('no closureConfig: nobody may ask for closure batches'),
    );
  });

  it('warns that the example organization id of cdk.json lets nobody in', () => {
    const { stack: example } = createApp({
      builtinCloudFormationValidation: false,
      context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    });

    expect(cdkJson.context.organizationId).toBe(EXAMPLE_ORGANIZATION_ID);
    Annotations.fromStack(example).hasWarning('/Orgflow', Match.stringLikeRegexp('nobody can call the API'));
  });
});
