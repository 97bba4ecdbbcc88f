import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per function; POWERTOOLS_LOG_LEVEL and POWERTOOLS_SERVICE_NAME override the defaults. */
export const logger = new Logger({ serviceName: 'orgflow' });
