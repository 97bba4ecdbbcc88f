import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions, stateMachines } from '../../catalog/functions';
import { METRICS_NAMESPACE, orgflowMetrics } from '../../catalog/metrics';
import { createApp } from '../../infra/orgflow-app';
import type { OrgflowStack } from '../../infra/orgflow-stack';
import { repoRoot } from '../../infra/paths';

const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

type Properties = Record<string, unknown>;

// bundling is skipped (the code asset is a placeholder): test/infra/bundling.test.ts bundles for real
const stackWith = (context: Record<string, unknown> = {}) =>
  createApp({
    context: {
      ...cdkJson.context,
      organizationId: 'o-a1b2c3d4e5',
      'aws:cdk:bundling-stacks': [],
      ...context,
    },
  }).stack;

let stack: OrgflowStack;
let template: Template;

beforeAll(() => {
  stack = stackWith();
  template = Template.fromStack(stack);
}, 60_000);

const alarms = (t: Template = template) =>
  Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties as Properties);
const functionRef = (name: string) => ({
  Ref: stack.getLogicalId(stack.functions.byName.get(name)!.node.defaultChild as CfnFunction),
});
const topicRef = () => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] });
/** the dashboard's body, its references resolved to their logical ids */
const dashboardBody = (t: Template = template) => {
  const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  return JSON.stringify(dashboard?.Properties?.DashboardBody);
};

describe('alarms of the platform', () => {
  it.each(Object.keys(functions))(
    '%s: its errors (two periods running) and its throttles, through the topic',
    (name) => {
      const mine = alarms().filter(
        (a) =>
          JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: functionRef(name) }]),
      );

      expect(mine).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Statistic: 'Sum',
          Period: 300,
          Threshold: 5,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [topicRef()],
        }),
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'Throttles',
          Statistic: 'Sum',
          Threshold: 1,
          EvaluationPeriods: 1,
          AlarmActions: [topicRef()],
        }),
      ]);
    },
  );

  it("alarms on the API's 5xx answers", () => {
    const api = stack.resolve(stack.api.api.restApiName);

    expect(alarms().filter((a) => a.Namespace === 'AWS/ApiGateway')).toEqual([
      expect.objectContaining({
        MetricName: '5XXError',
        Dimensions: [{ Name: 'ApiName', Value: api }],
        Statistic: 'Sum',
        Threshold: 5,
        AlarmActions: [topicRef()],
      }),
    ]);
  });

  it('alarms when a request waited over an hour for a CreateAccount slot, by default', () => {
    expect(alarms().filter((a) => a.MetricName === orgflowMetrics.queueWait.name)).toEqual([
      expect.objectContaining({
        Namespace: METRICS_NAMESPACE,
        Dimensions: [
          { Name: 'Pool', Value: 'create-account' },
          { Name: 'service', Value: 'orgflow' },
        ],
        Statistic: 'Maximum',
        Threshold: 3600,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef()],
      }),
    ]);
  });

  it('takes the wait from the context queueWaitAlarmMinutes, and refuses one that is not a number of minutes', () => {
    const configured = Template.fromStack(stackWith({ queueWaitAlarmMinutes: '15' }));

    expect(alarms(configured).find((a) => a.MetricName === orgflowMetrics.queueWait.name)).toMatchObject({
      Threshold: 900,
    });
    expect(() => stackWith({ queueWaitAlarmMinutes: 'an hour' })).toThrow(
      'context queueWaitAlarmMinutes is "an hour": give a number of minutes above 0, e.g. -c queueWaitAlarmMinutes=90',
    );
  });
});

describe('the dashboard', () => {
  it("charts every state machine's executions started, succeeded and failed", () => {
    const body = dashboardBody();
    /** how many times the body names a metric of Step Functions */
    const charted = (metric: string) =>
      body.split(JSON.stringify(`"AWS/States","${metric}"`).slice(1, -1)).length - 1;

    for (const metric of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed'])
      expect(charted(metric)).toBe(Object.keys(stateMachines).length);
    for (const name of Object.keys(stateMachines)) {
      const machine = stack.stateMachines.get(name as keyof typeof stateMachines)!;
      expect(body).toContain(`${name} executions`);
      expect(body).toContain(JSON.stringify(stack.resolve(machine.stateMachineArn)));
    }
  });

  it("charts orgflow's own metrics, in its namespace, under the stack's service", () => {
    const body = dashboardBody();

    for (const metric of Object.values(orgflowMetrics)) expect(body).toContain(metric.name);
    expect(body).toContain(
      JSON.stringify(`["${METRICS_NAMESPACE}","AccountsVended","service","orgflow"`).slice(1, -1),
    );
    expect(body).toContain(
      JSON.stringify(
        `SEARCH('{orgflow,service,Reason} MetricName=\\"CreateAccountFailures\\" service=\\"orgflow\\"', 'Sum', 300)`,
      ).slice(1, -1),
    );
  });

  it("charts each function's errors and throttles, the API's 4xx, 5xx and latency, and the dead-letter queue", () => {
    const body = dashboardBody();

    for (const metric of ['"AWS/Lambda","Errors"', '"AWS/Lambda","Throttles"'])
      expect(body.split(JSON.stringify(metric).slice(1, -1)).length - 1).toBe(Object.keys(functions).length);
    for (const metric of ['4XXError', '5XXError', 'Latency', 'ApproximateNumberOfMessagesVisible'])
      expect(body).toContain(metric);
  });

  it('is deployed in the tooling layout too, with the same alarms', () => {
    const tooling = stackWith({
      layout: 'tooling',
      managementAccountId: '111111111111',
      toolingAccountId: '222222222222',
    });
    const t = Template.fromStack(tooling);

    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(
      alarms(t)
        .map((a) => a.MetricName)
        .sort(),
    ).toEqual(
      alarms()
        .map((a) => a.MetricName)
        .sort(),
    );
  });
});
