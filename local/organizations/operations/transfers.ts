import type {
  DescribeResponsibilityTransferRequest,
  InviteOrganizationToTransferResponsibilityRequest,
  ListInboundResponsibilityTransfersRequest,
  ListOutboundResponsibilityTransfersRequest,
  TerminateResponsibilityTransferRequest,
  UpdateResponsibilityTransferRequest,
} from '@aws-sdk/client-organizations';
import { arn } from '../arns';
import { managedOrganization, type OperationContext } from '../context';
import {
  constraintViolation,
  handshakeConstraintViolation,
  invalidInput,
  notFound,
  OrganizationsError,
} from '../errors';
import { newId } from '../ids';
import type {
  HandshakeRow,
  OrganizationRow,
  ResponsibilityTransferRow,
  ResponsibilityTransferStatus,
  Tag,
} from '../model';
import { paginate } from '../pagination';
import type { Store } from '../store';
import { seconds } from '../views';
import { op } from './define';
import {
  accountOfParty,
  addHandshake,
  checkTargetParty,
  type FinalState,
  handshakeView,
  isPending,
} from './handshake-rows';
import { mergeTags } from './tags';

const HOUR = 60 * 60 * 1000;
// "Invites must be accepted 24 hours before the billing transfer start date" (Billing user guide): the
// invitation expires then (UNVERIFIED: AWS states no separate lifetime for transfer handshakes)
const acceptanceNotice = 24 * HOUR;

/** The last millisecond of the UTC month `ms` falls in: where AWS ends a withdrawn transfer. */
const endOfMonth = (ms: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1;
};

/** Wire timestamps arrive as epoch seconds (the SDK types them as Date). */
const millis = (timestamp: Date | undefined): number => Math.round((timestamp as unknown as number) * 1000);

/** A transfer keeps its organizations' bills moved while it is accepted, or withdrawn but not yet ended. */
const isInForce = (t: ResponsibilityTransferRow, now: number): boolean =>
  t.status === 'ACCEPTED' || (t.status === 'WITHDRAWN' && (t.endAt ?? 0) > now);

/** Whether an organization takes part in a transfer invitation or a transfer in force (DeleteOrganization refuses then). */
export function hasActiveResponsibilityTransfer(store: Store, orgId: string, now: number): boolean {
  return [
    ...store.responsibilityTransfers.by('bySourceOrg', orgId),
    ...store.responsibilityTransfers.by('byTargetOrg', orgId),
  ].some((t) => t.status === 'REQUESTED' || isInForce(t, now));
}

function transferView(store: Store, t: ResponsibilityTransferRow, viewer: OrganizationRow) {
  const participant = (accountId: string) => ({
    ManagementAccountId: accountId,
    ManagementAccountEmail: store.accounts.get(accountId)?.email,
  });
  // the ARN is the viewer's: its management account and organization, inbound for the Target, outbound for the Source
  const direction = viewer.id === t.targetOrgId ? 'inbound' : 'outbound';
  return {
    Arn: `arn:aws:organizations::${viewer.managementAccountId}:transfer/${viewer.id}/${t.type.toLowerCase()}/${direction}/${t.id}`,
    Name: t.name,
    Id: t.id,
    Type: t.type,
    Status: t.status,
    Source: participant(t.sourceAccountId),
    Target: participant(t.targetAccountId),
    StartTimestamp: seconds(t.startAt),
    EndTimestamp: t.endAt === null ? undefined : seconds(t.endAt),
    ActiveHandshakeId: t.handshakeId,
  };
}

/** A transfer the caller's organization takes part in, as Source or Target. */
function transferOf(ctx: OperationContext, org: OrganizationRow, id: string): ResponsibilityTransferRow {
  const t = ctx.store.responsibilityTransfers.get(id);
  if (!t || (t.sourceOrgId !== org.id && t.targetOrgId !== org.id))
    throw notFound('ResponsibilityTransferNotFoundException', id);
  return t;
}

function transferOfHandshake(store: Store, h: HandshakeRow): ResponsibilityTransferRow {
  const id = h.resources.find((r) => r.Type === 'RESPONSIBILITY_TRANSFER')?.Value;
  const t = id === undefined ? undefined : store.responsibilityTransfers.get(id);
  if (!t) throw new Error(`handshake ${h.id} names no responsibility transfer`);
  return t;
}

function checkStart(ctx: OperationContext, startAt: number): void {
  const d = new Date(startAt);
  if (d.getUTCHours() + d.getUTCMinutes() + d.getUTCSeconds() + d.getUTCMilliseconds() !== 0)
    throw invalidInput(
      'START_DATE_NOT_BEGINNING_OF_DAY',
      `StartTimestamp ${d.toISOString()} must be 00:00:00.000 UTC.`,
    );
  if (d.getUTCDate() !== 1)
    throw invalidInput(
      'START_DATE_NOT_BEGINNING_OF_MONTH',
      `StartTimestamp ${d.toISOString()} must be the first day of a month.`,
    );
  if (startAt - acceptanceNotice <= ctx.clock.now())
    throw invalidInput(
      'START_DATE_TOO_EARLY',
      `StartTimestamp ${d.toISOString()} leaves no time to accept: the invitation must be accepted 24 hours before the start. Choose a later month.`,
    );
}

/** The management account a transfer invitation goes to, and its organization (reference: only management accounts take part). */
function inviteeOf(ctx: OperationContext, org: OrganizationRow, target: ReturnType<typeof checkTargetParty>) {
  const account = accountOfParty(ctx.store, target);
  if (account?.id === org.managementAccountId)
    throw handshakeConstraintViolation(
      'SOURCE_AND_TARGET_CANNOT_MATCH',
      `Target ${target.Id} is your own management account; invite another organization's management account.`,
    );
  const inviteeOrg = account?.orgId ? ctx.store.organizations.get(account.orgId) : undefined;
  // UNVERIFIED which reason AWS gives a target that is no other organization's management account
  if (!account || !inviteeOrg || inviteeOrg.managementAccountId !== account.id || inviteeOrg.id === org.id)
    throw handshakeConstraintViolation(
      'TARGET_ACCOUNT_VALIDATION_FAILURE',
      `Target ${target.Id} is not the management account of another organization; only management accounts can take part in a transfer.`,
    );
  return { account, org: inviteeOrg };
}

/** AcceptHandshake of a TRANSFER_RESPONSIBILITY handshake: the transfer comes into force. */
export function acceptTransferHandshake(ctx: OperationContext, h: HandshakeRow): void {
  const t = transferOfHandshake(ctx.store, h);
  const source = ctx.store.organizations.get(t.sourceOrgId);
  if (!source || source.managementAccountId !== ctx.callerAccountId)
    throw handshakeConstraintViolation(
      'TARGET_ACCOUNT_VALIDATION_FAILURE',
      `Account ${ctx.callerAccountId} is no longer the management account of organization ${t.sourceOrgId}.`,
    );
  if (!ctx.store.organizations.has(t.targetOrgId))
    throw constraintViolation(
      'TRANSFER_RESPONSIBILITY_TARGET_DELETION_IN_PROGRESS',
      `Organization ${t.targetOrgId}, which sent the invitation, no longer exists.`,
    );
  const now = ctx.clock.now();
  const current = ctx.store.responsibilityTransfers
    .by('bySourceOrg', source.id)
    .find((other) => other.id !== t.id && other.type === t.type && isInForce(other, now));
  if (current)
    throw handshakeConstraintViolation(
      'RESPONSIBILITY_TRANSFER_ALREADY_EXISTS',
      `Organization ${source.id} already has transfer ${current.id} of its ${t.type.toLowerCase()} in force; withdraw it first.`,
    );
  ctx.store.responsibilityTransfers.put({ ...t, status: 'ACCEPTED' });
}

const statusAfter: Record<Exclude<FinalState, 'ACCEPTED'>, ResponsibilityTransferStatus> = {
  DECLINED: 'DECLINED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
};

/** A TRANSFER_RESPONSIBILITY handshake declined, cancelled or expired: its transfer follows. */
export function settleTransferHandshake(ctx: OperationContext, h: HandshakeRow): void {
  if (h.state !== 'DECLINED' && h.state !== 'CANCELED' && h.state !== 'EXPIRED') return;
  const t = transferOfHandshake(ctx.store, h);
  if (t.status === 'REQUESTED') ctx.store.responsibilityTransfers.put({ ...t, status: statusAfter[h.state] });
}

export const transferOperations = {
  InviteOrganizationToTransferResponsibility: op<InviteOrganizationToTransferResponsibilityRequest>(
    (ctx, input) => {
      const org = managedOrganization(ctx);
      const target = checkTargetParty(input.Target!);
      const tags: Tag[] = (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value! }));
      mergeTags(ctx, [], tags);
      const startAt = millis(input.StartTimestamp);
      checkStart(ctx, startAt);
      const invitee = inviteeOf(ctx, org, target);
      const open = ctx.store.handshakes
        .by('byOrg', org.id)
        .find(
          (h) =>
            h.action === 'TRANSFER_RESPONSIBILITY' &&
            isPending(h) &&
            h.recipientAccountId === invitee.account.id,
        );
      if (open)
        throw new OrganizationsError(
          'DuplicateHandshakeException',
          `Handshake ${open.id} already invites ${target.Id}; cancel it before sending another.`,
        );
      const now = ctx.clock.now();
      const management = ctx.store.accounts.get(org.managementAccountId)!;
      const transfer: ResponsibilityTransferRow = {
        id: newId.responsibilityTransfer(),
        type: input.Type as 'BILLING',
        name: input.SourceName!,
        status: 'REQUESTED',
        sourceOrgId: invitee.org.id,
        sourceAccountId: invitee.account.id,
        targetOrgId: org.id,
        targetAccountId: org.managementAccountId,
        handshakeId: newId.handshake(),
        startAt,
        endAt: null,
        requestedAt: now,
        tags,
      };
      ctx.store.responsibilityTransfers.put(transfer);
      // the resource layout is UNVERIFIED (no published sample): the model's resource types, grouped as INVITE groups its own
      const handshake = addHandshake(ctx, {
        id: transfer.handshakeId,
        orgId: org.id,
        arn: arn.handshake(org, 'TRANSFER_RESPONSIBILITY', transfer.handshakeId),
        action: 'TRANSFER_RESPONSIBILITY',
        state: 'OPEN',
        parties: [{ Id: org.id, Type: 'ORGANIZATION' }, target],
        resources: [
          {
            Type: 'RESPONSIBILITY_TRANSFER',
            Value: transfer.id,
            Resources: [
              { Type: 'TRANSFER_TYPE', Value: transfer.type },
              { Type: 'TRANSFER_START_TIMESTAMP', Value: new Date(startAt).toISOString() },
            ],
          },
          {
            Type: 'ORGANIZATION',
            Value: org.id,
            Resources: [
              { Type: 'MANAGEMENT_ACCOUNT', Value: management.id },
              { Type: 'MANAGEMENT_EMAIL', Value: management.email },
              { Type: 'MANAGEMENT_NAME', Value: management.name },
            ],
          },
          { Type: target.Type, Value: target.Id },
          ...(input.Notes === undefined ? [] : [{ Type: 'NOTES', Value: input.Notes }]),
        ],
        requestedAt: now,
        expiresAt: startAt - acceptanceNotice,
        completedAt: null,
        senderAccountId: org.managementAccountId,
        recipientAccountId: invitee.account.id,
        parentHandshakeId: null,
        tags: [],
      });
      return { Handshake: handshakeView(handshake) };
    },
  ),

  DescribeResponsibilityTransfer: op<DescribeResponsibilityTransferRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    return { ResponsibilityTransfer: transferView(ctx.store, transferOf(ctx, org, input.Id!), org) };
  }),

  ListInboundResponsibilityTransfers: op<ListInboundResponsibilityTransfersRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    let transfers = ctx.store.responsibilityTransfers
      .by('byTargetOrg', org.id)
      .filter((t) => t.type === input.Type);
    if (input.Id !== undefined) {
      transfers = transfers.filter((t) => t.id === input.Id);
      if (transfers.length === 0) throw notFound('ResponsibilityTransferNotFoundException', input.Id);
    }
    const { page, NextToken } = paginate(ctx, transfers, input, `${org.id}:${input.Type}:${input.Id ?? ''}`);
    return { ResponsibilityTransfers: page.map((t) => transferView(ctx.store, t, org)), NextToken };
  }),

  ListOutboundResponsibilityTransfers: op<ListOutboundResponsibilityTransfersRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const transfers = ctx.store.responsibilityTransfers
      .by('bySourceOrg', org.id)
      .filter((t) => t.type === input.Type);
    const { page, NextToken } = paginate(ctx, transfers, input, `${org.id}:${input.Type}`);
    return { ResponsibilityTransfers: page.map((t) => transferView(ctx.store, t, org)), NextToken };
  }),

  // either participant may rename it (UNVERIFIED: AWS says only that the name can be updated)
  UpdateResponsibilityTransfer: op<UpdateResponsibilityTransferRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const t = transferOf(ctx, org, input.Id!);
    if (t.status !== 'REQUESTED' && t.status !== 'ACCEPTED')
      throw constraintViolation(
        'TRANSFER_RESPONSIBILITY_UPDATE_NOT_ALLOWED',
        `Transfer ${t.id} is ${t.status}; only a requested or accepted transfer can be renamed.`,
      );
    const next = { ...t, name: input.Name! };
    ctx.store.responsibilityTransfers.put(next);
    return { ResponsibilityTransfer: transferView(ctx.store, next, org) };
  }),

  // either participant may withdraw; the transfer stays in force until the end of the month (Billing user guide)
  TerminateResponsibilityTransfer: op<TerminateResponsibilityTransferRequest>((ctx, input) => {
    const org = managedOrganization(ctx);
    const t = transferOf(ctx, org, input.Id!);
    if (t.status === 'WITHDRAWN')
      throw new OrganizationsError(
        'ResponsibilityTransferAlreadyInStatusException',
        `Transfer ${t.id} is already WITHDRAWN; it ends ${new Date(t.endAt!).toISOString()}.`,
      );
    if (t.status !== 'ACCEPTED')
      throw new OrganizationsError(
        'InvalidResponsibilityTransferTransitionException',
        `Transfer ${t.id} is ${t.status}; only an accepted transfer can be withdrawn (cancel or decline its handshake ${t.handshakeId} instead).`,
      );
    const earliest = endOfMonth(Math.max(ctx.clock.now(), t.startAt));
    let endAt = earliest;
    if (input.EndTimestamp !== undefined) {
      endAt = millis(input.EndTimestamp);
      if (endAt !== endOfMonth(endAt))
        throw invalidInput(
          'END_DATE_NOT_END_OF_MONTH',
          `EndTimestamp ${new Date(endAt).toISOString()} must be 23:59:59.999 UTC on the last day of a month.`,
        );
      if (endAt < earliest)
        throw invalidInput(
          'END_DATE_TOO_EARLY',
          `EndTimestamp ${new Date(endAt).toISOString()} is before ${new Date(earliest).toISOString()}, the earliest end.`,
        );
    }
    const next: ResponsibilityTransferRow = { ...t, status: 'WITHDRAWN', endAt };
    ctx.store.responsibilityTransfers.put(next);
    return { ResponsibilityTransfer: transferView(ctx.store, next, org) };
  }),
};
