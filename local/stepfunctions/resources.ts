import type { Json, JsonObject } from './json';
import type { IntegrationPattern } from './ports';

// What a Task's Resource ARN means to the interpreter. Resources stay opaque (the task port runs them);
// only the integration pattern, the Lambda special cases and the names history events carry are read here.

export interface ResourceInfo {
  /** `arn:aws:lambda:…:function:…`: history records LambdaFunction* events */
  lambda: boolean;
  /** `arn:aws:states:::lambda:invoke`: FunctionName/Payload arguments and Lambda's result envelope */
  lambdaInvoke: boolean;
  pattern: IntegrationPattern;
  /** e.g. `lambda`, `states`, `aws-sdk:organizations` (TaskScheduled.resourceType) */
  resourceType: string;
  /** e.g. `invoke.waitForTaskToken`, `createAccount` (TaskScheduled.resource) */
  resourceName: string;
  region: string;
}

const DEFAULT_REGION = 'us-east-1';

export function parseResource(arn: string): ResourceInfo {
  const lambda = /^arn:[^:]+:lambda:([^:]*):[^:]*:function:/.exec(arn);
  if (lambda) {
    return {
      lambda: true,
      lambdaInvoke: false,
      pattern: 'request-response',
      resourceType: 'lambda',
      resourceName: arn,
      region: lambda[1] || DEFAULT_REGION,
    };
  }
  const states = /^arn:[^:]+:states:([^:]*):([^:]*):(.+)$/.exec(arn);
  if (states) {
    const region = states[1] || DEFAULT_REGION;
    const rest = states[3] as string;
    const suffix = /\.(sync:2|sync|waitForTaskToken)$/.exec(rest);
    const pattern = (suffix?.[1] as IntegrationPattern | undefined) ?? 'request-response';
    const base = suffix ? rest.slice(0, -suffix[0].length) : rest;
    const parts = base.split(':');
    if (parts[0] === 'activity') {
      return {
        lambda: false,
        lambdaInvoke: false,
        pattern,
        resourceType: 'activity',
        resourceName: arn,
        region,
      };
    }
    const sdk = parts[0] === 'aws-sdk';
    const resourceType = sdk ? `aws-sdk:${parts[1] ?? ''}` : (parts[0] as string);
    const action = parts.slice(sdk ? 2 : 1).join(':');
    return {
      lambda: false,
      lambdaInvoke: resourceType === 'lambda' && action === 'invoke',
      pattern,
      resourceType,
      resourceName: suffix ? `${action}.${suffix[1]}` : action,
      region,
    };
  }
  return {
    lambda: false,
    lambdaInvoke: false,
    pattern: 'request-response',
    resourceType: 'unknown',
    resourceName: arn,
    region: DEFAULT_REGION,
  };
}

/** The result of `arn:aws:states:::lambda:invoke`: Lambda's Invoke response as the SDK integration returns it. */
export function lambdaEnvelope(payload: Json, requestId: string, now: number): JsonObject {
  const date = new Date(now).toUTCString();
  const length = String(Buffer.byteLength(JSON.stringify(payload), 'utf8'));
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': length,
    'Content-Type': 'application/json',
    Date: date,
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
  };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

/** Task tokens carry the execution and task they belong to, so the API can route SendTask* without an index. */
export function makeTaskToken(executionArn: string, taskId: string, nonce: string): string {
  return Buffer.from(JSON.stringify({ e: executionArn, t: taskId, n: nonce }), 'utf8').toString('base64url');
}

export function parseTaskToken(token: string): { executionArn: string; taskId: string } | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      e?: unknown;
      t?: unknown;
    };
    if (typeof decoded.e === 'string' && typeof decoded.t === 'string')
      return { executionArn: decoded.e, taskId: decoded.t };
  } catch {
    // not one of ours
  }
  return undefined;
}
