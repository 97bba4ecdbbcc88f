import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { publishEvent } from '../../_shared/publish-event';
import type { PublishAccountVendedInput } from '../step-inputs';

export { EVENT_SOURCE } from '../../_shared/publish-event';
export const ACCOUNT_VENDED = 'Account Vended';

/** The detail of an `orgflow` / `Account Vended` event; `requestId` lets consumers drop a duplicate. */
export function accountVendedDetail(input: PublishAccountVendedInput) {
  const { request } = input;
  return {
    requestId: input.requestId,
    accountId: input.accountId,
    accountName: request.accountName,
    email: request.email,
    organizationalUnit: request.organizationalUnit,
    tags: request.tags,
    policies: request.policies.map((policy) => policy.id),
    adopted: input.adopted,
    requestedBy: input.caller.arn,
  };
}

/** Announces the vended account on the bus; a retry may announce it twice (consumers key on requestId). */
export function publishAccountVended(
  events: EventBridgeClient,
  eventBusName: string,
  input: PublishAccountVendedInput,
): Promise<{ eventId: string }> {
  return publishEvent(events, eventBusName, ACCOUNT_VENDED, accountVendedDetail(input));
}
