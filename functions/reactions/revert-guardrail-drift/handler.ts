import type { Context } from 'aws-lambda';
import { oncePerEvent } from '../../_shared/idempotency';
import { logger } from '../../_shared/logger';
import { parseOrThrow } from '../../_shared/schemas';
import { reactionPorts } from '../reaction-ports';
import { DriftEventSchema, revertGuardrailDrift } from './revert-guardrail-drift';

const { tableName, ports } = reactionPorts();

/**
 * Revert Guardrail Drift, the target of events/rules/revert-guardrail-drift.json: a guardrail detached, its
 * content changed or its type disabled → put back as the configuration says; once per CloudTrail event.
 */
export const handler = oncePerEvent('RevertGuardrailDrift', tableName, async (event, context: Context) => {
  logger.addContext(context);
  const outcome = await revertGuardrailDrift(await ports(), parseOrThrow(DriftEventSchema, event));
  if (outcome.reverted) logger.info('guardrail drift reverted', { ...outcome });
  else if (outcome.reason === 'no-approved-content')
    logger.warn('guardrail drift not reverted', { ...outcome });
  else logger.info('no guardrail drift to revert', { ...outcome });
  return outcome;
});
