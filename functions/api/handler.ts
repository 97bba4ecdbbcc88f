import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import {
  dynamoDocumentClient,
  managementStsClient,
  organizationsClient,
  organizationsReadClient,
  sfnClient,
} from '../_shared/clients';
import { parseEnv } from '../_shared/env';
import { HttpError } from '../_shared/errors';
import { logger } from '../_shared/logger';
import { OrganizationDirectory } from '../_shared/organization-directory';
import { ClosureConfigEnvSchema, closureConfigReader } from '../account-closure/closure-config';
import { VendingConfigEnvSchema, vendingConfigReader } from '../account-vending/vending-config';
import { memberOrganizationsThroughRole } from '../all-features/member-access';
import { MigrationConfigEnvSchema } from '../all-features/migration-config';
import { describeAccountRequest, listAccountRequests, submitAccountRequest } from './account-requests';
import {
  allFeaturesAccessReader,
  describeMigration,
  resendMigration,
  submitMigration,
} from './all-features-migrations';
import { callerOf } from './caller';
import { describeClosureBatch, submitClosureBatch } from './closure-batches';
import { type ApiEvent, header, json, jsonApi, urlOf } from './http';

const env = parseEnv(
  VendingConfigEnvSchema.extend(ClosureConfigEnvSchema.shape)
    .extend(MigrationConfigEnvSchema.shape)
    .extend({
      ACCOUNT_VENDING_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
      CLOSURE_BATCH_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
      ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN: z.string().startsWith('arn:'),
      GOVERNOR_TABLE_NAME: z.string().min(1),
    }),
);
const sfn = sfnClient();
const db = dynamoDocumentClient();
const directory = new OrganizationDirectory(organizationsClient());
// each route reads the configurations it needs as they are now: a changed parameter applies without a deploy
const vendingConfig = vendingConfigReader(env);
const closureConfig = closureConfigReader(env);
const allFeaturesAccess = allFeaturesAccessReader(env);
const vendingPorts = {
  sfn,
  db,
  table: env.GOVERNOR_TABLE_NAME,
  now: () => Date.now(),
  directory,
  stateMachineArn: env.ACCOUNT_VENDING_STATE_MACHINE_ARN,
};
const ports = async () => ({ ...vendingPorts, config: await vendingConfig() });
const closureBatchPorts = {
  sfn,
  directory,
  db,
  table: env.GOVERNOR_TABLE_NAME,
  stateMachineArn: env.CLOSURE_BATCH_STATE_MACHINE_ARN,
  now: () => Date.now(),
};
const closurePorts = async () => ({ ...closureBatchPorts, config: await closureConfig() });
const sts = managementStsClient();
const migrationPorts = {
  sfn,
  db,
  table: env.GOVERNOR_TABLE_NAME,
  // the dry run reads every account: the SDK's retries absorb a throttled page
  organizations: organizationsReadClient(),
  stateMachineArn: env.ALL_FEATURES_MIGRATION_STATE_MACHINE_ARN,
  now: () => Date.now(),
};
const allFeaturesPorts = async () => {
  // without callers of its own, the enable-all-features configuration lets the closure configuration's callers in
  const access = await allFeaturesAccess((await closureConfig()).callers);
  const memberOrganizations = memberOrganizationsThroughRole(sts, access.config.approvalRoleName);
  return { ...migrationPorts, access, memberOrganizations };
};

const statusUrlFor = (event: ApiEvent) => (requestId: string) =>
  urlOf(event, `/account-requests/${requestId}`);
const batchUrlFor = (event: ApiEvent) => (batchId: string) => urlOf(event, `/closure-batches/${batchId}`);
const migrationUrlFor = (event: ApiEvent) => (migrationId: string) =>
  urlOf(event, `/all-features-migrations/${migrationId}`);

/** The routes of catalog/routes.ts that name ApiHandler. */
async function route(event: ApiEvent): Promise<APIGatewayProxyResult> {
  switch (`${event.httpMethod} ${event.resource}`) {
    case 'POST /account-requests': {
      const accepted = await submitAccountRequest(await ports(), {
        caller: callerOf(event),
        idempotencyKey: header(event, 'Idempotency-Key'),
        body: event.body,
        statusUrl: statusUrlFor(event),
      });
      logger.info(accepted.created ? 'account request started' : 'account request repeated', { ...accepted });
      return json(
        202,
        { requestId: accepted.requestId, statusUrl: accepted.statusUrl, created: accepted.created },
        { Location: accepted.statusUrl },
      );
    }
    case 'GET /account-requests/{id}':
      return json(
        200,
        await describeAccountRequest(await ports(), event.pathParameters?.id, callerOf(event)),
      );
    case 'GET /account-requests':
      return json(
        200,
        await listAccountRequests(
          await ports(),
          event.queryStringParameters ?? {},
          statusUrlFor(event),
          callerOf(event),
        ),
      );
    case 'POST /closure-batches': {
      const accepted = await submitClosureBatch(await closurePorts(), {
        caller: callerOf(event),
        idempotencyKey: header(event, 'Idempotency-Key'),
        body: event.body,
        statusUrl: batchUrlFor(event),
      });
      logger.info(accepted.created ? 'closure batch started' : 'closure batch repeated', { ...accepted });
      return json(
        202,
        { batchId: accepted.batchId, statusUrl: accepted.statusUrl, created: accepted.created },
        { Location: accepted.statusUrl },
      );
    }
    case 'GET /closure-batches/{id}':
      return json(
        200,
        await describeClosureBatch(await closurePorts(), event.pathParameters?.id, callerOf(event)),
      );
    case 'POST /all-features-migrations': {
      const answer = await submitMigration(await allFeaturesPorts(), {
        caller: callerOf(event),
        idempotencyKey: header(event, 'Idempotency-Key'),
        body: event.body,
        statusUrl: migrationUrlFor(event),
      });
      if ('dryRun' in answer) return json(200, answer);
      logger.info(
        answer.created ? 'migration to all features started' : 'migration to all features repeated',
        {
          ...answer,
        },
      );
      return json(202, answer, { Location: answer.statusUrl });
    }
    case 'GET /all-features-migrations/{id}':
      return json(
        200,
        await describeMigration(await allFeaturesPorts(), event.pathParameters?.id, callerOf(event)),
      );
    case 'POST /all-features-migrations/{id}/resend': {
      const resent = await resendMigration(
        await allFeaturesPorts(),
        event.pathParameters?.id,
        callerOf(event),
        migrationUrlFor(event),
      );
      logger.info('migration to all features resent', { ...resent });
      return json(202, resent, { Location: resent.statusUrl });
    }
    default:
      throw new HttpError(404, `no route for ${event.httpMethod} ${event.path}`);
  }
}

export const handler = middy<ApiEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .use(jsonApi({ logger }))
  .handler(route);
