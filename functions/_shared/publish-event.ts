import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventNotPublishedError } from './errors';

/** The source of every event orgflow publishes (`Account Vended`, `Account Closed`, …). */
export const EVENT_SOURCE = 'orgflow';

/**
 * Publishes one `orgflow` event on the bus. A retried step may publish it twice: each detail carries the id
 * its consumers drop a duplicate by.
 */
export async function publishEvent(
  events: EventBridgeClient,
  eventBusName: string,
  detailType: string,
  detail: Record<string, unknown>,
): Promise<{ eventId: string }> {
  const { Entries, FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          EventBusName: eventBusName,
        },
      ],
    }),
  );
  const entry = Entries?.[0];
  if (FailedEntryCount || !entry?.EventId)
    throw new EventNotPublishedError(
      `EventBridge did not accept the ${detailType} event: ${entry?.ErrorCode ?? 'no entry'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  return { eventId: entry.EventId };
}
