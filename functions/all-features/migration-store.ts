import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { mapLimited } from '../_shared/concurrency';
import { conditional } from '../_shared/conditional-write';

// Where a migration to all features stands, one partition per migration in the governor table, so a status is
// one Query (not a walk through the execution's history):
//
// | pk                     | sk                             | what                                                   |
// | ---------------------- | ------------------------------ | ------------------------------------------------------ |
// | `all-features#<id>`    | `migration`                    | who asked, the state, the current round, its handshake and expiry |
// | `all-features#<id>`    | `round#<nn>`                   | one round: its ENABLE_ALL_FEATURES handshake, expiry, how it ended |
// | `all-features#<id>`    | `round#<nn>#member#<account>`  | one invited member in that round: its APPROVE_ALL_FEATURES handshake and state |
//
// Every round keeps its items, so the record says how each round went and who declined. (`expiresAt` is the
// table's TTL attribute: the handshakes' expiry is `handshakeExpiresAt`.)

export const MEMBER_STATES = [
  'pending',
  'approved-by-orgflow',
  'approved-by-member',
  'waiting-role-unreachable',
  'declined',
  'canceled',
  'expired',
] as const;
export type MemberState = (typeof MEMBER_STATES)[number];

/** A member's answer: no look, retry or late step writes over it. */
const ANSWERED: readonly MemberState[] = ['approved-by-orgflow', 'approved-by-member', 'declined'];
export const isAnswered = (state: MemberState): boolean => ANSWERED.includes(state);

export const ROUND_ENDS = ['approved', 'declined', 'canceled', 'expired'] as const;
export type RoundEnd = (typeof ROUND_ENDS)[number];

/**
 * The migration waits for an operator (`afterRoundEnds: wait-for-operator`): its round ended `end` (the members
 * that declined named) and is left as it is until the operator resends (the next round) or removes the accounts.
 */
export const OperatorWaitSchema = z.object({
  round: z.number().int().min(1),
  end: z.enum(['declined', 'canceled', 'expired']),
  since: z.string(),
  decliners: z.array(z.string()),
  resendRequestedAt: z.string().optional(),
  resendRequestedBy: z.string().optional(),
});
export type OperatorWait = z.infer<typeof OperatorWaitSchema>;

export const MigrationRecordSchema = z.object({
  migrationId: z.string(),
  requestedBy: z.string().optional(),
  /** the Idempotency-Key of the POST that started it: a repeat is answered with it once the execution is gone */
  idempotencyKey: z.string().optional(),
  createdAt: z.string(),
  state: z.enum(['running', 'enabled', 'failed']),
  round: z.number().int().min(0),
  handshakeId: z.string().optional(),
  handshakeExpiresAt: z.string().optional(),
  error: z.string().optional(),
  detail: z.string().optional(),
  policyTypesEnabled: z.array(z.string()).optional(),
  /** when the wait for the current round's answers looks at it next, unless news wakes it first */
  nextLookAt: z.string().optional(),
  operatorWait: OperatorWaitSchema.optional(),
  updatedAt: z.string(),
});
export type MigrationRecord = z.infer<typeof MigrationRecordSchema>;

export const RoundRecordSchema = z.object({
  round: z.number().int().min(1),
  handshakeId: z.string(),
  adopted: z.boolean(),
  openedAt: z.string(),
  handshakeExpiresAt: z.string(),
  remindedAt: z.string(),
  end: z.enum(ROUND_ENDS).optional(),
  endedAt: z.string().optional(),
  /** the operator's resend of the round before, which opened this one: when and who (a repeat of it is answered with it) */
  resentAt: z.string().optional(),
  resentBy: z.string().optional(),
});
export type RoundRecord = z.infer<typeof RoundRecordSchema>;

export const MemberRecordSchema = z.object({
  accountId: z.string(),
  round: z.number().int().min(1),
  handshakeId: z.string(),
  state: z.enum(MEMBER_STATES),
  detail: z.string().optional(),
  notifiedAt: z.string().optional(),
  /** when orgflow was about to accept as the member: an acceptance found later without its answer is orgflow's */
  attemptedAt: z.string().optional(),
  /** when a look found the member, which had declined, removed from the organization */
  departedAt: z.string().optional(),
  updatedAt: z.string(),
});
export type MemberRecord = z.infer<typeof MemberRecordSchema>;

export interface MigrationStorePorts {
  db: DynamoDBDocumentClient;
  table: string;
}

const partition = (migrationId: string) => `all-features#${migrationId}`;
const roundKey = (round: number) => `round#${String(round).padStart(2, '0')}`;
const memberKey = (round: number, accountId: string) => `${roundKey(round)}#member#${accountId}`;
/** Migrations are kept two years: a round lasts up to 90 days, and the record is read long after. */
const KEEP_MS = 2 * 365 * 24 * 60 * 60 * 1000;
const expiresAtOf = (now: number) => Math.floor((now + KEEP_MS) / 1000);
const iso = (ms: number) => new Date(ms).toISOString();

/** SET for every field; names and values bound as #f<i>/:f<i>. */
function setAll(fields: Record<string, unknown>) {
  const names = Object.keys(fields);
  return {
    UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
    ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]])),
  };
}

/** Records the migration on its first step; a repeat keeps the first record. */
export async function ensureMigration(
  ports: MigrationStorePorts,
  migrationId: string,
  requestedBy: string | undefined,
  now: number,
  idempotencyKey?: string,
): Promise<void> {
  const record: MigrationRecord = {
    migrationId,
    ...(requestedBy ? { requestedBy } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
    createdAt: iso(now),
    state: 'running',
    round: 0,
    updatedAt: iso(now),
  };
  await conditional(
    ports.db.send(
      new PutCommand({
        TableName: ports.table,
        Item: { pk: partition(migrationId), sk: 'migration', ...record, expiresAt: expiresAtOf(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/**
 * Records the round of `handshakeId`: the current round again when it is the handshake the migration already
 * follows (a retried or resumed Preflight), else the next round, noting the operator's resend that opened it.
 * Returns its number.
 */
export async function openRound(
  ports: MigrationStorePorts,
  migrationId: string,
  handshake: { handshakeId: string; expiresAt: number; adopted: boolean },
  now: number,
): Promise<number> {
  const current = (await readMigration(ports, migrationId))?.migration;
  if (current?.handshakeId === handshake.handshakeId) return current.round;
  const round = (current?.round ?? 0) + 1;
  const wait = current?.operatorWait;
  const resent = wait?.round === current?.round && wait?.resendRequestedAt ? wait : undefined;
  const record: RoundRecord = {
    round,
    handshakeId: handshake.handshakeId,
    adopted: handshake.adopted,
    openedAt: iso(now),
    handshakeExpiresAt: iso(handshake.expiresAt),
    remindedAt: iso(now),
    ...(resent?.resendRequestedAt ? { resentAt: resent.resendRequestedAt } : {}),
    ...(resent?.resendRequestedBy ? { resentBy: resent.resendRequestedBy } : {}),
  };
  await conditional(
    ports.db.send(
      new PutCommand({
        TableName: ports.table,
        Item: { pk: partition(migrationId), sk: roundKey(round), ...record, expiresAt: expiresAtOf(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  const set = setAll({
    round,
    handshakeId: handshake.handshakeId,
    handshakeExpiresAt: iso(handshake.expiresAt),
    updatedAt: iso(now),
  });
  await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: { pk: partition(migrationId), sk: 'migration' },
      ...set,
      // the last round's wait for an operator and its next look are over
      UpdateExpression: `${set.UpdateExpression} REMOVE operatorWait, nextLookAt`,
    }),
  );
  return round;
}

/** Records the members a round asks (their APPROVE_ALL_FEATURES handshakes); those recorded keep their state. */
export async function recordMembers(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  members: readonly { accountId: string; handshakeId: string }[],
  now: number,
): Promise<void> {
  await mapLimited(members, 25, (member) => {
    const record: MemberRecord = { ...member, round, state: 'pending', updatedAt: iso(now) };
    return conditional(
      ports.db.send(
        new PutCommand({
          TableName: ports.table,
          Item: {
            pk: partition(migrationId),
            sk: memberKey(round, member.accountId),
            ...record,
            expiresAt: expiresAtOf(now),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  });
}

/**
 * Sets where a member stands in a round. An answer (approved by orgflow or by the member, declined) stays:
 * a look that comes later does not turn orgflow's approval into the member's. False when it stayed.
 */
export function setMemberState(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  accountId: string,
  state: MemberState,
  now: number,
  detail?: string,
): Promise<boolean> {
  const set = setAll({ state, updatedAt: iso(now), ...(detail ? { detail } : {}) });
  return conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: { pk: partition(migrationId), sk: memberKey(round, accountId) },
        ...set,
        ConditionExpression: `attribute_exists(pk) AND NOT #state IN (${ANSWERED.map((_, i) => `:answered${i}`).join(', ')})`,
        ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#state': 'state' },
        ExpressionAttributeValues: {
          ...set.ExpressionAttributeValues,
          ...Object.fromEntries(ANSWERED.map((answered, i) => [`:answered${i}`, answered])),
        },
      }),
    ),
  );
}

/** Notes that a member was asked to approve (`Approval Needed` published). */
export async function markNotified(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  accountId: string,
  now: number,
): Promise<void> {
  await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: { pk: partition(migrationId), sk: memberKey(round, accountId) },
      ...setAll({ notifiedAt: iso(now) }),
    }),
  );
}

/**
 * Notes that orgflow is about to accept as the member (`attempted`), or that its call was refused before it could
 * accept (throttled: the member is tried again, and an acceptance found later is not orgflow's).
 */
export async function markAttempt(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  accountId: string,
  attempted: boolean,
  now: number,
): Promise<void> {
  await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: { pk: partition(migrationId), sk: memberKey(round, accountId) },
      ...(attempted ? setAll({ attemptedAt: iso(now) }) : { UpdateExpression: 'REMOVE attemptedAt' }),
    }),
  );
}

/**
 * Claims the round's next reminder: true (and the reminder time moved to now) when the last one, or the round's
 * start, is at least `intervalMs` ago; false when it is not due or another look claimed it.
 */
export function claimReminder(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  intervalMs: number,
  now: number,
): Promise<boolean> {
  return conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: { pk: partition(migrationId), sk: roundKey(round) },
        UpdateExpression: 'SET remindedAt = :now',
        ConditionExpression: 'remindedAt <= :due',
        ExpressionAttributeValues: { ':now': iso(now), ':due': iso(now - intervalMs) },
      }),
    ),
  );
}

/** Records how a round ended; the first end recorded stands. */
export async function endRound(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  end: RoundEnd,
  now: number,
): Promise<void> {
  await conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: { pk: partition(migrationId), sk: roundKey(round) },
        UpdateExpression: 'SET #end = :end, endedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#end)',
        ExpressionAttributeNames: { '#end': 'end' },
        ExpressionAttributeValues: { ':end': end, ':now': iso(now) },
      }),
    ),
  );
}

/** One conditional update of the migration's item: false when its condition failed. */
function updateMigration(
  ports: MigrationStorePorts,
  migrationId: string,
  update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
): Promise<boolean> {
  return conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: { pk: partition(migrationId), sk: 'migration' },
        ...update,
      }),
    ),
  );
}

/** Notes when the wait for the round's answers looks next, unless news wakes it first. */
export async function recordNextLook(
  ports: MigrationStorePorts,
  migrationId: string,
  nextLookAt: number,
): Promise<void> {
  await updateMigration(ports, migrationId, setAll({ nextLookAt: iso(nextLookAt) }));
}

/**
 * Records that the migration waits for an operator after its round ended: the first look that finds it sets the
 * wait (and its start); a later one updates how the round ended and who declined, keeping a resend asked for.
 */
export async function recordOperatorWait(
  ports: MigrationStorePorts,
  migrationId: string,
  wait: Pick<OperatorWait, 'round' | 'end' | 'decliners'>,
  now: number,
): Promise<void> {
  const fresh: OperatorWait = { ...wait, since: iso(now) };
  const started = await updateMigration(ports, migrationId, {
    UpdateExpression: 'SET operatorWait = :wait',
    ConditionExpression:
      'attribute_exists(pk) AND (attribute_not_exists(operatorWait) OR operatorWait.#round <> :round)',
    ExpressionAttributeNames: { '#round': 'round' },
    ExpressionAttributeValues: { ':wait': fresh, ':round': wait.round },
  });
  if (started) return;
  await updateMigration(ports, migrationId, {
    UpdateExpression: 'SET operatorWait.#end = :end, operatorWait.decliners = :decliners',
    ConditionExpression: 'operatorWait.#round = :round',
    ExpressionAttributeNames: { '#round': 'round', '#end': 'end' },
    ExpressionAttributeValues: { ':end': wait.end, ':decliners': wait.decliners, ':round': wait.round },
  });
}

/** The round no longer waits for an operator (the declining accounts were removed): its wait is forgotten. */
export async function clearOperatorWait(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
): Promise<void> {
  await updateMigration(ports, migrationId, {
    UpdateExpression: 'REMOVE operatorWait',
    ConditionExpression: 'operatorWait.#round = :round',
    ExpressionAttributeNames: { '#round': 'round' },
    ExpressionAttributeValues: { ':round': round },
  });
}

/**
 * The operator's resend of a round that waits for it: true when this call asked for it, false when the round
 * does not wait (any more), or a resend was asked for already.
 */
export function requestResend(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  requestedBy: string,
  now: number,
): Promise<boolean> {
  return updateMigration(ports, migrationId, {
    UpdateExpression: 'SET operatorWait.resendRequestedAt = :now, operatorWait.resendRequestedBy = :by',
    ConditionExpression:
      '#state = :running AND #round = :round AND operatorWait.#round = :round AND attribute_not_exists(operatorWait.resendRequestedAt)',
    ExpressionAttributeNames: { '#state': 'state', '#round': 'round' },
    ExpressionAttributeValues: {
      ':now': iso(now),
      ':by': requestedBy,
      ':running': 'running',
      ':round': round,
    },
  });
}

/** Notes that a member that declined was found removed from the organization (its answer stays). */
export async function markDeparted(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
  accountId: string,
  now: number,
): Promise<void> {
  await conditional(
    ports.db.send(
      new UpdateCommand({
        TableName: ports.table,
        Key: { pk: partition(migrationId), sk: memberKey(round, accountId) },
        UpdateExpression: 'SET departedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(departedAt)',
        ExpressionAttributeValues: { ':now': iso(now) },
      }),
    ),
  );
}

/** Sets the migration's state (and what goes with it: the error of a failure, the policy types enabled). */
export async function setMigrationState(
  ports: MigrationStorePorts,
  migrationId: string,
  state: MigrationRecord['state'],
  now: number,
  extra: { error?: string; detail?: string; policyTypesEnabled?: string[] } = {},
): Promise<void> {
  await ports.db.send(
    new UpdateCommand({
      TableName: ports.table,
      Key: { pk: partition(migrationId), sk: 'migration' },
      ...setAll({ state, updatedAt: iso(now), ...extra }),
    }),
  );
}

/** A migration, its rounds and their members (in round order), or undefined when there is no such migration. */
export async function readMigration(
  ports: MigrationStorePorts,
  migrationId: string,
): Promise<{ migration: MigrationRecord; rounds: RoundRecord[]; members: MemberRecord[] } | undefined> {
  let migration: MigrationRecord | undefined;
  const rounds: RoundRecord[] = [];
  const members: MemberRecord[] = [];
  let startKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page: QueryCommandOutput = await ports.db.send(
      new QueryCommand({
        TableName: ports.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition(migrationId) },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const sk = String(item.sk);
      if (sk === 'migration') migration = MigrationRecordSchema.parse(item);
      else if (sk.includes('#member#')) members.push(MemberRecordSchema.parse(item));
      else rounds.push(RoundRecordSchema.parse(item));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return migration ? { migration, rounds, members } : undefined;
}

/** The members of one round, from a migration's record. */
export async function readRoundMembers(
  ports: MigrationStorePorts,
  migrationId: string,
  round: number,
): Promise<MemberRecord[]> {
  return (await readMigration(ports, migrationId))?.members.filter((m) => m.round === round) ?? [];
}
