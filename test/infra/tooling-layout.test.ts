import { readFileSync } from 'node:fs';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actsInManagementAccount,
  type FunctionName,
  functions,
  managementAccountGroups,
} from '../../catalog/functions';
import { managementActingFunctions } from '../../infra/management-access';
import { createApp, type OrgflowApp } from '../../infra/orgflow-app';

// The tooling layout (issue #15): orgflow in a tooling account, a small stack in the management account. Both
// templates as CDK synthesizes them from the same app, checked statement by statement, and by cdk-nag.

const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> };
const ORGANIZATION_ID = 'o-a1b2c3d4e5';
const MANAGEMENT = '111111111111';
const TOOLING = '222222222222';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}
interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const appWith = (context: Record<string, unknown>) =>
  createApp({
    context: {
      ...cdkJson.context,
      organizationId: ORGANIZATION_ID,
      'aws:cdk:bundling-stacks': [],
      ...context,
    },
  });

let app: OrgflowApp;
let management: Record<string, Resource>;
let tooling: Record<string, Resource>;

beforeAll(() => {
  app = appWith({ layout: 'tooling', managementAccountId: MANAGEMENT, toolingAccountId: TOOLING });
  management = Template.fromStack(app.managementAccess!).toJSON().Resources;
  tooling = Template.fromStack(app.stack).toJSON().Resources;
}, 60_000);

const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
/** a named role and the statements of the policies attached to it */
function roleNamed(resources: Record<string, Resource>, roleName: string) {
  const [logicalId, role] = ofType(resources, 'AWS::IAM::Role').find(
    ([, r]) => r.Properties.RoleName === roleName,
  )!;
  const statements = ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${logicalId}"`))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return { role, statements };
}
const actionsOf = (statements: Statement[], effect = 'Allow') =>
  new Set(statements.filter((s) => s.Effect === effect).flatMap((s) => list(s.Action)));

describe('the tooling layout', () => {
  it('makes two stacks in us-east-1, each in its own account', () => {
    expect(app.stack.account).toBe(TOOLING);
    expect(app.managementAccess!.account).toBe(MANAGEMENT);
    expect(app.stack.region).toBe('us-east-1');
    expect(app.managementAccess!.region).toBe('us-east-1');
  });

  it('gives each function that calls Organizations a role in the management account with exactly its actions, trusted by that function alone', () => {
    const acting = managementActingFunctions();
    expect(acting).toContain('BaselineAccount');
    expect(acting).not.toContain('CompleteAccountCreation');
    expect(ofType(management, 'AWS::IAM::Role').map(([, r]) => r.Properties.RoleName)).toEqual(
      expect.arrayContaining(acting.map((name) => `orgflow-mgmt-${name}`)),
    );
    for (const name of acting) {
      const { role, statements } = roleNamed(management, `orgflow-mgmt-${name}`);
      const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
      expect(trust, name).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: {
            AWS: `arn:aws:iam::${TOOLING}:root`,
          },
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': `arn:aws:iam::${TOOLING}:role/orgflow-${name}`,
            },
          },
        },
      ]);
      const expected = managementAccountGroups(functions[name]).flatMap((group) => group.actions);
      expect(actionsOf(statements), name).toEqual(new Set(expected));
    }
  });

  it('keeps the guards in the management account: no role closes, moves or re-tags a protected account or the management account', () => {
    for (const name of managementActingFunctions()) {
      const { statements } = roleNamed(management, `orgflow-mgmt-${name}`);
      const guarded = [...actionsOf(statements)].filter((a) =>
        ['organizations:CloseAccount', 'organizations:MoveAccount', 'organizations:TagResource'].includes(a),
      );
      if (guarded.length === 0) continue;
      const denials = statements.filter((s) => s.Effect === 'Deny');
      expect(denials.map((s) => JSON.stringify(s.Resource)).join(' '), name).toContain(
        `:organizations::${MANAGEMENT}:account/${ORGANIZATION_ID}/${MANAGEMENT}`,
      );
      expect(
        denials.some((s) => JSON.stringify(s.Condition).includes('aws:ResourceTag/orgflow:protected')),
        name,
      ).toBe(true);
    }
  });

  it('pins every Organizations ARN of the management-access roles to the management account and the organization', () => {
    const resources = ofType(management, 'AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => list(s.Resource).map((resource) => JSON.stringify(resource)))
      .filter((resource) => resource.includes(':organizations::'));

    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources)
      expect(resource).toMatch(
        new RegExp(
          `^"arn:aws:organizations::(${MANAGEMENT}:(account|ou|root|policy|handshake)/${ORGANIZATION_ID}/\\*|aws:policy/\\*)"$`,
        ),
      );
  });

  it('lets the functions read their configuration parameters in the tooling account, with their own roles', () => {
    const { statements } = roleNamed(tooling, 'orgflow-ApiHandler');
    const reads = statements.filter((s) => list(s.Action).includes('ssm:GetParameter'));

    const parameterId = (name: string) =>
      ofType(tooling, 'AWS::SSM::Parameter').find(([, p]) => p.Properties.Name === name)![0];

    expect(new Set(reads.flatMap((s) => list(s.Resource)).map((r) => JSON.stringify(r)))).toEqual(
      new Set(
        ['all-features', 'closure', 'vending'].map((name) =>
          JSON.stringify({
            'Fn::Join': [
              '',
              [`arn:aws:ssm:us-east-1:${TOOLING}:parameter`, { Ref: parameterId(`/orgflow/config/${name}`) }],
            ],
          }),
        ),
      ),
    );
  });

  it("assumes the members' approval role only from the management account, within the organization", () => {
    const { statements } = roleNamed(management, 'orgflow-mgmt-ApproveMembers');
    expect(statements.find((s) => list(s.Action).includes('sts:AssumeRole'))).toMatchObject({
      Condition: { StringEquals: { 'aws:ResourceOrgID': ORGANIZATION_ID } },
    });
  });

  it('leaves the functions in the tooling account no Organizations action: each assumes its own management role, named in its environment', () => {
    for (const name of Object.keys(functions) as FunctionName[]) {
      const { statements } = roleNamed(tooling, `orgflow-${name}`);
      const actions = [...actionsOf(statements)];
      expect(
        actions.filter((a) => a.startsWith('organizations:')),
        name,
      ).toEqual([]);
      const assume = statements.filter(
        (s) => s.Effect === 'Allow' && list(s.Action).includes('sts:AssumeRole'),
      );
      const [, fn] = ofType(tooling, 'AWS::Lambda::Function').find(([id]) =>
        id.startsWith(`Functions${name}Function`),
      )!;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      if (actsInManagementAccount(functions[name])) {
        const roleArn = `arn:aws:iam::${MANAGEMENT}:role/orgflow-mgmt-${name}`;
        expect(
          assume.map((s) => s.Resource),
          name,
        ).toEqual([roleArn]);
        expect(variables.ORGANIZATIONS_ROLE_ARN, name).toEqual(roleArn);
      } else {
        expect(assume, name).toEqual([]);
        expect(variables.ORGANIZATIONS_ROLE_ARN, name).toBeUndefined();
      }
    }
  });

  it("forwards every Organizations event of the management account's default bus to the tooling account's, with a dead-letter queue and its alarm", () => {
    const [, rule] = ofType(management, 'AWS::Events::Rule')[0]!;
    expect(rule.Properties.EventPattern).toEqual({ source: ['aws.organizations'] });
    expect(rule.Properties.EventBusName).toBeUndefined();
    const [target] = rule.Properties.Targets as {
      Arn: unknown;
      RoleArn?: unknown;
      DeadLetterConfig?: unknown;
    }[];
    expect(JSON.stringify(target!.Arn)).toContain(`:events:us-east-1:${TOOLING}:event-bus/default`);
    expect(target!.RoleArn).toBeDefined();
    expect(target!.DeadLetterConfig).toBeDefined();
    expect(
      ofType(management, 'AWS::CloudWatch::Alarm').some(([, a]) =>
        String(a.Properties.AlarmDescription).includes('could not be forwarded'),
      ),
    ).toBe(true);
    const [, policy] = ofType(tooling, 'AWS::Events::EventBusPolicy')[0]!;
    expect(policy.Properties).toMatchObject({
      EventBusName: 'default',
      Action: 'events:PutEvents',
      Principal: MANAGEMENT,
    });
  });

  it('reports no AwsSolutions finding in either stack that is not suppressed with a reason', () => {
    for (const stack of [app.stack, app.managementAccess!]) {
      const annotations = Annotations.fromStack(stack);
      const findings = [
        ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
        ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ].map((finding) => `${finding.id}: ${String(finding.entry.data).split(':')[0]}`);
      expect(findings, stack.stackName).toEqual([]);
    }
  });

  it('refuses a layout it does not know, and a tooling layout without both accounts or with one account twice', () => {
    expect(() => appWith({ layout: 'split' })).toThrow(/context layout is "split"/);
    expect(() => appWith({ layout: 'tooling', toolingAccountId: TOOLING })).toThrow(
      /managementAccountId is not set/,
    );
    expect(() =>
      appWith({ layout: 'tooling', managementAccountId: MANAGEMENT, toolingAccountId: '12' }),
    ).toThrow(/toolingAccountId is "12": give the 12-digit account id/);
    expect(() =>
      appWith({ layout: 'tooling', managementAccountId: MANAGEMENT, toolingAccountId: MANAGEMENT }),
    ).toThrow(/the same account/);
  });
});
