import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IModel,
  type IResource,
  type JsonSchema,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { z } from 'zod';
import { type ApiFunctionName, type ApiRoute, apiStageName } from '../catalog/routes';
import { suppressApiFindings } from './nag-suppressions';

export interface RequestsApiProps {
  /** the API's name, e.g. `orgflow-requests` */
  readonly name: string;
  readonly routes: readonly ApiRoute[];
  /** the function behind each logical name of the route table */
  readonly functionFor: (name: ApiFunctionName) => IFunction;
  /** only principals of this organization may call the API (`aws:PrincipalOrgID`) */
  readonly organizationId: string;
  /** JSON-schema models of request bodies, by `<METHOD> <path>` (`POST /account-requests`) */
  readonly bodySchemas: Readonly<Record<string, z.ZodType>>;
  /** the stage's steady-state requests per second and burst */
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Whether this stack sets the account's API Gateway CloudWatch Logs role (one per account and region, for every
   * API in it): only when asked, as another stack may own it. Without it the account must have one already.
   */
  readonly takeOverCloudWatchRole?: boolean;
}

/**
 * The REST API of catalog/routes.ts: AWS_IAM on every method, callable only from the organization,
 * bodies checked against a model made from the handler's own zod schema, Lambda proxy integrations.
 */
export class RequestsApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: RequestsApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.name,
      description: 'orgflow: self-service requests (account vending, closure batches)',
      endpointTypes: [EndpointType.REGIONAL],
      policy: organizationOnly(props.organizationId),
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      cloudWatchRole: props.takeOverCloudWatchRole === true,
      ...(props.takeOverCloudWatchRole === true ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: apiStageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
      },
    });
    // the model's 400 says what is wrong, as the handler's does, instead of "Invalid request body"
    this.api.addGatewayResponse('BadRequestBody', {
      type: ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        'application/json': String.raw`{"message":"the request body is not valid: $util.escapeJavaScript($context.error.validationErrorString).replaceAll("\\'","'")"}`,
      },
    });
    const validator = this.api.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const integrations = new Map<ApiFunctionName, LambdaIntegration>();
    const integrationFor = (name: ApiFunctionName) => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new LambdaIntegration(props.functionFor(name), { proxy: true, allowTestInvoke: false });
        integrations.set(name, integration);
      }
      return integration;
    };
    const known = new Set(props.routes.map((route) => `${route.method} ${route.path}`));
    for (const key of Object.keys(props.bodySchemas))
      if (!known.has(key))
        throw new Error(`a body schema is given for "${key}", which is not a route of catalog/routes.ts`);

    for (const route of props.routes) {
      const key = `${route.method} ${route.path}`;
      const schema = props.bodySchemas[key];
      const body = schema && {
        model: this.modelOf(key, schema),
        validator,
      };
      resourceAt(this.api.root, route.path).addMethod(route.method, integrationFor(route.function), {
        authorizationType: AuthorizationType.IAM,
        ...(body
          ? { requestModels: { 'application/json': body.model }, requestValidator: body.validator }
          : {}),
      });
    }
    suppressApiFindings(this.api, { cloudWatchRole: props.takeOverCloudWatchRole === true });
  }

  private modelOf(key: string, schema: z.ZodType): IModel {
    const { $schema: _draft, ...jsonSchema } = z.toJSONSchema(schema, {
      target: 'draft-4',
      io: 'input',
      unrepresentable: 'any',
    });
    const name = key.replace(
      /[^A-Za-z0-9]+(.)?/g,
      (_match, next: string | undefined) => next?.toUpperCase() ?? '',
    );
    return this.api.addModel(`${name}Model`, {
      contentType: 'application/json',
      modelName: name,
      description: `${key} body, from the zod schema its handler parses it with`,
      schema: { ...(jsonSchema as JsonSchema), schema: JsonSchemaVersion.DRAFT4 },
    });
  }
}

/** Denies every caller outside the organization, then allows the organization's principals to invoke. */
function organizationOnly(organizationId: string): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:PrincipalOrgID': organizationId } },
      }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      }),
    ],
  });
}

function resourceAt(root: IResource, path: string): IResource {
  let resource = root;
  for (const part of path.split('/').filter((segment) => segment.length > 0))
    resource = resource.getResource(part) ?? resource.addResource(part);
  return resource;
}
