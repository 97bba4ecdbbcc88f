import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { OrganizationDirectory } from '../../_shared/organization-directory';
import { resolveOrganizationalUnit } from '../../_shared/organization-lookup';
import { type Caller, isOrganizationalUnitId } from '../../_shared/schemas';
import type { ClosureConfig } from '../closure-config';
import type { ClosureBatchInput } from '../plan-closure-batch/plan-closure-batch';

const AccountIdSchema = z.string().regex(/^\d{12}$/, 'an account id is 12 digits');

/** A successful MoveAccount as CloudTrail reports it (events/samples/organizations-move-account.json). */
export const MoveAccountEventSchema = z.object({
  source: z.literal('aws.organizations'),
  // the management account, where Organizations' CloudTrail events arrive
  account: AccountIdSchema,
  detail: z
    .looseObject({
      eventName: z.literal('MoveAccount'),
      // CloudTrail's id of the call: the same in every delivery of the event, another for another move
      eventID: z.string().min(1),
      // an AWS service acting for the organization has no arn
      userIdentity: z
        .looseObject({ arn: z.string().min(1).optional(), accountId: AccountIdSchema.optional() })
        .optional(),
      requestParameters: z.object({
        accountId: AccountIdSchema,
        destinationParentId: z.string().min(1),
      }),
    })
    .refine((detail) => detail.errorCode === undefined, { message: 'a refused MoveAccount moves nothing' }),
});
export type MoveAccountEvent = z.infer<typeof MoveAccountEventSchema>;

export interface StartDecommissionPorts {
  sfn: SFNClient;
  directory: OrganizationDirectory;
  config: ClosureConfig;
  /** the closure batch state machine */
  stateMachineArn: string;
}

/**
 * `started` is also true for a repeat of the very same start while its batch runs: StartExecution with the same
 * name and input answers with the running execution (AWS's idempotent start), and starts nothing new.
 */
export type DecommissionOutcome =
  | { started: true; accountId: string; batchId: string; executionArn: string | undefined }
  | { started: false; accountId: string; reason: string; batchId?: string };

/**
 * The batch a move into the decommission OU starts: one per move (CloudTrail's event id), so a repeated delivery
 * finds it, while a later move (the account unprotected and moved there again) can start another. A second move
 * of an account already closing plans it skipped (already closing): it is closed once either way.
 */
export const decommissionBatchIdOf = (accountId: string, eventId: string): string =>
  `decommission-${accountId}-${eventId.replace(/[^0-9a-zA-Z]/g, '').slice(0, 16)}`;

/**
 * Start Decommission: an account moved into the configured decommission OU enters closure in a batch of its
 * own, named by the account and the move. The input depends only on the event (who moved which account where),
 * so the same event delivered again starts nothing new; a second move starts a batch that finds the account
 * already closing and skips it.
 * Whether the account may be closed (protected, the management account…) is the batch's plan to decide: a
 * protected account moved here is skipped, never closed.
 */
export async function startDecommission(
  ports: StartDecommissionPorts,
  event: MoveAccountEvent,
): Promise<DecommissionOutcome> {
  const { accountId, destinationParentId } = event.detail.requestParameters;
  const ref = ports.config.decommissionOrganizationalUnit;
  if (ref === undefined) return { started: false, accountId, reason: 'no decommission OU is configured' };
  // an OU configured by id needs no call to tell that this move went elsewhere (vending moves every new account)
  if (isOrganizationalUnitId(ref) && ref !== destinationParentId)
    return {
      started: false,
      accountId,
      reason: `moved into ${destinationParentId}, not the decommission OU`,
    };

  const decommission = await resolveOrganizationalUnit(ports.directory, ref);
  if (decommission === undefined)
    return { started: false, accountId, reason: `the decommission OU ${ref} does not exist` };
  if (decommission.id !== destinationParentId)
    return {
      started: false,
      accountId,
      reason: `moved into ${destinationParentId}, not the decommission OU`,
    };

  const batchId = decommissionBatchIdOf(accountId, event.detail.eventID);
  const input: Omit<ClosureBatchInput, 'batchId'> = {
    caller: moverOf(event),
    source: 'decommission',
    request: {
      selection: { accountIds: [accountId], includeSubOrganizationalUnits: false },
      reason: `moved into ${decommission.path}`,
      dryRun: false,
    },
  };
  try {
    const { executionArn } = await ports.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ports.stateMachineArn,
        name: batchId,
        input: JSON.stringify(input),
      }),
    );
    return { started: true, accountId, batchId, executionArn };
  } catch (error) {
    // another move of the same account (another mover, so another input), or its batch has ended
    if (error instanceof ExecutionAlreadyExists)
      return { started: false, accountId, batchId, reason: 'already started' };
    throw error;
  }
}

/** Who moved the account; the management account when CloudTrail names no principal. */
function moverOf(event: MoveAccountEvent): Caller {
  const identity = event.detail.userIdentity;
  if (identity?.arn !== undefined && identity.accountId !== undefined)
    return { arn: identity.arn, accountId: identity.accountId };
  return { arn: `arn:aws:iam::${event.account}:root`, accountId: event.account };
}
