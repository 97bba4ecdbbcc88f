import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DuplicateAccountException,
  ListParentsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { causeMessage, OrganizationalUnitNotFoundError } from '../../_shared/errors';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { resolveOrganizationalUnit } from '../../_shared/organization-lookup';
import { publishEvent } from '../../_shared/publish-event';
import { type BatchStorePorts, setAccountState } from '../batch-store';
import type { ClosureConfig } from '../closure-config';
import type { FinishClosureInput } from '../closure-step-inputs';

export const ACCOUNT_CLOSED = 'Account Closed';

/** The reason a batch records for an account that left the organization before orgflow closed it. */
export const ACCOUNT_DEPARTED_REASON = 'account-departed';

/** The tags a closed account carries: when, in which batch, and why. */
export const CLOSURE_TAGS = {
  closedAt: 'orgflow:closed-at',
  batch: 'orgflow:closure-batch',
  reason: 'orgflow:closure-reason',
} as const;

export interface FinishClosurePorts extends BatchStorePorts {
  organizations: OrganizationsClient;
  directory: OrganizationDirectory;
  events: EventBridgeClient;
  eventBusName: string;
  config: ClosureConfig;
  now: () => number;
}

/** A tag value keeps the characters AWS allows (letters, digits, spaces and `_.:/=+-@`), at most 256. */
export function tagValueOf(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 256);
}

/**
 * Finish Closure: how one account's closure ended, recorded in its batch. A closed account is tagged (when, which
 * batch, why), moved into the configured closed OU if there is one, and announced on the bus (`Account
 * Closed`); a skipped, failed or departed one is only recorded, with its reason. Every part is safe to repeat.
 */
export async function finishClosure(
  ports: FinishClosurePorts,
  input: FinishClosureInput,
): Promise<{ accountId: string; outcome: string; movedTo?: string; eventId?: string }> {
  const now = ports.now();
  const { batchId, accountId } = input;
  if (input.outcome !== 'closed') {
    const reason =
      input.outcome === 'departed'
        ? ACCOUNT_DEPARTED_REASON
        : (input.failure?.reason ?? input.failure?.Error ?? 'unknown');
    const detail = causeMessage(input.failure?.Cause) ?? reason;
    // the closure execution's own record of why it failed stands over the batch's later "it did not finish"
    await setAccountState(
      ports,
      batchId,
      accountId,
      input.outcome,
      now,
      { reason, detail },
      { keepFinal: true },
    );
    return { accountId, outcome: input.outcome };
  }
  const closedAt = new Date(now).toISOString();
  await ports.organizations.send(
    new TagResourceCommand({
      ResourceId: accountId,
      Tags: [
        { Key: CLOSURE_TAGS.closedAt, Value: closedAt },
        { Key: CLOSURE_TAGS.batch, Value: batchId },
        { Key: CLOSURE_TAGS.reason, Value: tagValueOf(input.reason) },
      ],
    }),
  );
  const movedTo = await moveToClosedOu(ports, accountId);
  const { eventId } = await publishEvent(ports.events, ports.eventBusName, ACCOUNT_CLOSED, {
    batchId,
    accountId,
    reason: input.reason,
    closedAt,
    ...(movedTo ? { organizationalUnit: movedTo } : {}),
  });
  await setAccountState(ports, batchId, accountId, 'closed', now, { closedAt });
  return { accountId, outcome: 'closed', ...(movedTo ? { movedTo } : {}), eventId };
}

/** Moves the account into the configured closed OU; nothing when none is configured or it is there already. */
async function moveToClosedOu(ports: FinishClosurePorts, accountId: string): Promise<string | undefined> {
  const ref = ports.config.closedOrganizationalUnit;
  if (!ref) return undefined;
  const ou = await resolveOrganizationalUnit(ports.directory, ref);
  if (!ou) throw new OrganizationalUnitNotFoundError(ref);
  const { Parents } = await ports.organizations.send(new ListParentsCommand({ ChildId: accountId }));
  const parentId = Parents?.[0]?.Id;
  if (parentId && parentId !== ou.id)
    try {
      await ports.organizations.send(
        new MoveAccountCommand({
          AccountId: accountId,
          SourceParentId: parentId,
          DestinationParentId: ou.id,
        }),
      );
    } catch (error) {
      // an earlier attempt moved it between our ListParents and this call
      if (!(error instanceof DuplicateAccountException)) throw error;
    }
  return ou.path || ou.id;
}
