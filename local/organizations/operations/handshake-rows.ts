import type { OperationContext } from '../context';
import { brokenEmailRule, emailRules } from '../email';
import { invalidInput, OrganizationsError } from '../errors';
import type { AccountRow, HandshakeRow, HandshakeState } from '../model';
import type { Store } from '../store';
import { seconds } from '../views';

// The handshake records shared by the handshake operations and the responsibility-transfer operations.

const DAY = 24 * 60 * 60 * 1000;

/** How long handshakes live (reference §3.1). */
export const handshakeLifetimes = {
  invite: 15 * DAY,
  allFeatures: 90 * DAY,
  /** ACCEPTED, DECLINED, CANCELED and EXPIRED handshakes stay listed this long, then AWS deletes them */
  listedAfterCompletion: 30 * DAY,
};

export const handshakeTimerKinds = { expiry: 'handshakeExpiry', cleanup: 'handshakeCleanup' } as const;

export type FinalState = Exclude<HandshakeState, 'REQUESTED' | 'OPEN'>;

export const isPending = (h: HandshakeRow): boolean => h.state === 'OPEN' || h.state === 'REQUESTED';

export function handshakeView(h: HandshakeRow) {
  return {
    Id: h.id,
    Arn: h.arn,
    Parties: h.parties,
    State: h.state,
    RequestedTimestamp: seconds(h.requestedAt),
    ExpirationTimestamp: seconds(h.expiresAt),
    Action: h.action,
    Resources: h.resources,
  };
}

/** Stores a new handshake and starts its expiry clock. */
export function addHandshake(ctx: OperationContext, h: HandshakeRow): HandshakeRow {
  ctx.store.handshakes.put(h);
  ctx.schedule(handshakeTimerKinds.expiry, h.id, h.expiresAt);
  return h;
}

/** Moves a handshake to a final state: its expiry clock stops and the 30 days after which it is deleted start. */
export function completeHandshake(
  ctx: OperationContext,
  h: HandshakeRow,
  state: FinalState,
  changes: Partial<HandshakeRow> = {},
): HandshakeRow {
  const now = ctx.clock.now();
  const next: HandshakeRow = { ...h, ...changes, state, completedAt: now };
  ctx.store.handshakes.put(next);
  ctx.cancelTimer(handshakeTimerKinds.expiry, h.id);
  ctx.schedule(handshakeTimerKinds.cleanup, h.id, now + handshakeLifetimes.listedAfterCompletion);
  return next;
}

/** The account a handshake is meant for: named by id, or (until it is accepted) by its email address. */
export function isRecipient(h: HandshakeRow, accountId: string, email: string | undefined): boolean {
  if (h.recipientAccountId !== null) return h.recipientAccountId === accountId;
  const emailParty = h.parties.find((p) => p.Type === 'EMAIL');
  return email !== undefined && emailParty?.Id.toLowerCase() === email.toLowerCase();
}

export interface Party {
  Id: string;
  Type: 'ACCOUNT' | 'EMAIL';
}

/** Checks the Target of an invitation: an account id or an email address, never an organization. */
export function checkTargetParty(target: { Id?: string | undefined; Type?: string | undefined }): Party {
  const id = target.Id!;
  if (target.Type === 'EMAIL') {
    const rule = brokenEmailRule(id);
    if (rule)
      throw invalidInput(
        'INVALID_EMAIL_ADDRESS_TARGET',
        `Target.Id '${id}' is not valid: ${emailRules[rule]}.`,
      );
    return { Id: id, Type: 'EMAIL' };
  }
  if (target.Type === 'ACCOUNT') {
    // UNVERIFIED which reason AWS gives an ACCOUNT target that is no account id; the generic pattern one
    if (!/^\d{12}$/.test(id))
      throw invalidInput(
        'INVALID_PATTERN',
        `Target.Id '${id}' must be a 12-digit account id for Type ACCOUNT.`,
      );
    return { Id: id, Type: 'ACCOUNT' };
  }
  throw invalidInput(
    'INVALID_PARTY_TYPE_TARGET',
    `Target.Type ${target.Type} is not allowed here; invite an ACCOUNT (account id) or an EMAIL (address).`,
  );
}

/** The account a party names, if the emulator knows it. */
export function accountOfParty(store: Store, party: Party): AccountRow | undefined {
  return party.Type === 'ACCOUNT'
    ? store.accounts.get(party.Id)
    : store.accounts.by('byEmail', party.Id.toLowerCase())[0];
}

export function invalidTransition(h: HandshakeRow, detail: string): OrganizationsError {
  return new OrganizationsError(
    'InvalidHandshakeTransitionException',
    `You can't perform the operation on the handshake in its current state. Handshake ${h.id} is ${h.state}: ${detail}`,
  );
}
