import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventNotPublishedError } from '../../_shared/errors';
import type { PublishAccountVendedInput } from '../step-inputs';

export const EVENT_SOURCE = 'orgflow';
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
export async function publishAccountVended(
  events: EventBridgeClient,
  eventBusName: string,
  input: PublishAccountVendedInput,
): Promise<{ eventId: string }> {
  const { Entries, FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: ACCOUNT_VENDED,
          Detail: JSON.stringify(accountVendedDetail(input)),
          EventBusName: eventBusName,
        },
      ],
    }),
  );
  const entry = Entries?.[0];
  if (FailedEntryCount || !entry?.EventId)
    throw new EventNotPublishedError(
      `EventBridge did not accept the Account Vended event: ${entry?.ErrorCode ?? 'no entry'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  return { eventId: entry.EventId };
}
