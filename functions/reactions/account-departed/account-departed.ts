import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AccountNotFoundException,
  AWSOrganizationsNotInUseException,
  DescribeAccountCommand,
  type OrganizationsClient,
  paginateListHandshakesForOrganization,
} from '@aws-sdk/client-organizations';
import { paginateListExecutions, type SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { AccountDepartedError } from '../../_shared/errors';
import { publishEvent } from '../../_shared/publish-event';
import { answerWaiter, type RendezvousPorts } from '../../_shared/task-rendezvous';
import { readBatchRecord, setAccountState } from '../../account-closure/batch-store';
import { BatchIdSchema } from '../../account-closure/closure-step-inputs';
import { closureWaiterOf } from '../../account-closure/closure-watch';
import { ACCOUNT_DEPARTED_REASON } from '../../account-closure/finish-closure/finish-closure';
import { reportApprovalNews } from '../../all-features/approval-watch';
import type { SlotPool } from '../../governor/plan';
import { readWaiter, ticketHeld } from '../../governor/store';

/** What orgflow publishes once per departure it acted on. */
export const ACCOUNT_DEPARTED = 'Account Departed';

/**
 * AWS's `AccountDepartedOrganization` in the management account (events/samples/, local/organizations/README.md
 * "Membership events"): the account, how it went (LEFT, REMOVED, or CLEANED at the end of its post-closure
 * period) and when. The rule events/rules/account-departed.json delivers only these.
 */
export const DepartedEventSchema = z.object({
  source: z.literal('aws.organizations'),
  detail: z.looseObject({
    eventName: z.literal('AccountDepartedOrganization'),
    eventID: z.string().min(1),
    // AWS has not published this event's shape (the reference marks it unverified): only the account is
    // required, so that a difference in the rest never dead-letters a departure
    serviceEventDetails: z.looseObject({
      accountId: z.string().regex(/^\d{12}$/, 'an account id is 12 digits'),
      departureMethod: z.enum(['LEFT', 'REMOVED', 'CLEANED']).optional().catch(undefined),
      departureTime: z.string().min(1).optional().catch(undefined),
    }),
  }),
});
export type DepartedEvent = z.infer<typeof DepartedEventSchema>;

export interface DepartedPorts {
  organizations: OrganizationsClient;
  /** lists the closure executions (ListExecutions) */
  sfn: SFNClient;
  /** the governor table, and a client that answers task tokens (one attempt) */
  rendezvous: RendezvousPorts;
  closePool: SlotPool;
  closureStateMachineArn: string;
  events: EventBridgeClient;
  eventBusName: string;
}

/**
 * A workflow the departure ended or woke:
 * - a closure of the account: recorded `departed` in its batch and ended with `AccountDepartedError` by
 *   answering the wait it is parked on (`close-slot`: in line for a closure slot; `closure`: waiting for AWS's
 *   result); `none`: it was in a Wait state (deferred, or holding its slot until its call time), and its next
 *   Check Account ends it the same way;
 * - a migration to all features waiting on an open round: woken to look at the round at once.
 */
export type DepartureWorkflow =
  | {
      workflow: 'account-closure';
      execution: string;
      batchId: string;
      outcome: 'departed';
      error: 'AccountDepartedError';
      wait: 'close-slot' | 'closure' | 'none';
    }
  | { workflow: 'all-features-migration'; roundHandshakeId: string; outcome: 'woken' };

export type DepartureOutcome =
  | {
      acted: true;
      accountId: string;
      departureMethod: string | undefined;
      departureTime: string | undefined;
      workflows: DepartureWorkflow[];
      eventId: string;
    }
  | { acted: false; accountId: string; reason: 'still-a-member'; detail: string };

/**
 * Account Departed: an account that left the organization or was removed from it ends the orgflow workflows
 * working on it with a named outcome, and `Account Departed` says so. It looks at the organization first: an
 * account that is a member now (it rejoined, or the event is late or replayed) is not gone, and nothing
 * happens. Only orgflow's own work is touched: closure executions of a batch that planned to close the account,
 * and the open round of a migration (woken, never ended: its look decides). A closure already finished (an
 * account CLEANED 90 days after orgflow closed it) is not running, and its record stays `closed`.
 */
export async function accountDeparted(ports: DepartedPorts, event: DepartedEvent): Promise<DepartureOutcome> {
  const { accountId, departureMethod, departureTime } = event.detail.serviceEventDetails;
  if (await isMember(ports.organizations, accountId))
    return {
      acted: false,
      accountId,
      reason: 'still-a-member',
      detail: 'the account is in the organization now (it rejoined, or the event is late)',
    };
  const error = new AccountDepartedError(accountId, { method: departureMethod, at: departureTime });
  const workflows: DepartureWorkflow[] = [];
  for (const closure of await closuresOf(ports, accountId))
    workflows.push(await endClosure(ports, closure, error));
  workflows.push(...(await wakeMigrations(ports, event)));
  const { eventId } = await publishEvent(ports.events, ports.eventBusName, ACCOUNT_DEPARTED, {
    accountId,
    departureMethod,
    departureTime,
    workflows,
    // the CloudTrail event's id names the fact, for consumers that drop a duplicate publication
    sourceEventId: event.detail.eventID,
  });
  return { acted: true, accountId, departureMethod, departureTime, workflows, eventId };
}

async function isMember(organizations: OrganizationsClient, accountId: string): Promise<boolean> {
  try {
    await organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
    return true;
  } catch (error) {
    if (error instanceof AccountNotFoundException || error instanceof AWSOrganizationsNotInUseException)
      return false;
    throw error;
  }
}

/**
 * The running closures of the account that are orgflow's: executions of the closure state machine named
 * `<batch>-<account>` whose batch planned to close it (an execution started by hand under such a name is not).
 */
async function closuresOf(
  ports: DepartedPorts,
  accountId: string,
): Promise<{ name: string; executionArn: string; batchId: string }[]> {
  const suffix = `-${accountId}`;
  const found: { name: string; executionArn: string; batchId: string }[] = [];
  const pages = paginateListExecutions(
    { client: ports.sfn },
    { stateMachineArn: ports.closureStateMachineArn, statusFilter: 'RUNNING' },
  );
  for await (const page of pages)
    for (const execution of page.executions ?? []) {
      const name = execution.name ?? '';
      const batchId = BatchIdSchema.safeParse(name.slice(0, -suffix.length));
      if (!name.endsWith(suffix) || !batchId.success || !execution.executionArn) continue;
      const batch = await readBatchRecord(ports.rendezvous, batchId.data);
      const planned = batch?.plan.find((p) => p.accountId === accountId);
      if (planned && planned.decision !== 'skipped')
        found.push({ name, executionArn: execution.executionArn, batchId: batchId.data });
    }
  return found;
}

/**
 * Records the closure `departed` in its batch (a final state: no later step of it writes over it, and a closure
 * recorded closed stays closed), then answers the wait it is parked on with AccountDepartedError: its place in
 * line for a closure slot (the governor's waiter, named by the execution), else its wait for AWS's result.
 */
async function endClosure(
  ports: DepartedPorts,
  closure: { name: string; executionArn: string; batchId: string },
  error: AccountDepartedError,
): Promise<DepartureWorkflow> {
  const { rendezvous, closePool } = ports;
  await setAccountState(
    rendezvous,
    closure.batchId,
    error.accountId,
    'departed',
    rendezvous.now(),
    { reason: ACCOUNT_DEPARTED_REASON, detail: error.message },
    { keepFinal: true },
  );
  const ended = (wait: 'close-slot' | 'closure' | 'none'): DepartureWorkflow => ({
    workflow: 'account-closure',
    execution: closure.executionArn,
    batchId: closure.batchId,
    outcome: 'departed',
    error: 'AccountDepartedError',
    wait,
  });
  const ticket = await ticketHeld(rendezvous.db, closePool, closure.name);
  const waiter = ticket === undefined ? undefined : await readWaiter(rendezvous.db, closePool, ticket);
  if (waiter?.requestId === closure.name && (await answerWaiter(rendezvous.sfn, waiter.taskToken, { error })))
    return ended('close-slot');
  const token = await closureWaiterOf(rendezvous, error.accountId);
  if (token !== undefined && (await answerWaiter(rendezvous.sfn, token, { error }))) return ended('closure');
  return ended('none');
}

/**
 * Wakes the migration waiting on each open round of ENABLE_ALL_FEATURES (the departed account may have been one
 * it waited for): its look at the round decides, as for any news of the round (all-features/approval-watch.ts).
 */
async function wakeMigrations(ports: DepartedPorts, event: DepartedEvent): Promise<DepartureWorkflow[]> {
  const woken: DepartureWorkflow[] = [];
  const pages = paginateListHandshakesForOrganization(
    { client: ports.organizations },
    { Filter: { ActionType: 'ENABLE_ALL_FEATURES' } },
  );
  for await (const page of pages)
    for (const handshake of page.Handshakes ?? []) {
      if (!handshake.Id || (handshake.State !== 'OPEN' && handshake.State !== 'REQUESTED')) continue;
      const woke = await reportApprovalNews(ports.rendezvous, handshake.Id, {
        eventId: event.detail.eventID,
        eventName: event.detail.eventName,
        handshakeId: handshake.Id,
      });
      if (woke)
        woken.push({ workflow: 'all-features-migration', roundHandshakeId: handshake.Id, outcome: 'woken' });
    }
  return woken;
}
