import {
  type Account,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import {
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { mapLimited } from '../_shared/concurrency';
import { configurationReader } from '../_shared/configuration';
import {
  causeMessage,
  type FieldIssue,
  HttpError,
  NotFoundError,
  requesterFacingErrors,
  ValidationError,
} from '../_shared/errors';
import { matchesPrincipal, ownerOf } from '../_shared/principals';
import { type Caller, fieldIssuesOf, IdempotencyKeySchema } from '../_shared/schemas';
import { reportApprovalNews } from '../all-features/approval-watch';
import { type MemberOrganizations, MemberUnreachableError } from '../all-features/member-access';
import { type MigrationConfig, MigrationConfigSchema } from '../all-features/migration-config';
import {
  MEMBER_STATES,
  type MemberRecord,
  type MemberState,
  type MigrationRecord,
  type MigrationStorePorts,
  type OperatorWait,
  type RoundRecord,
  readMigration,
  requestResend,
} from '../all-features/migration-store';
import { pendingRound } from '../all-features/preflight/preflight';
import { approvalCommand, type HandshakeState, listMemberRequests } from '../all-features/round';
import { MigrationIdSchema } from '../all-features/step-inputs';
import { migrationIdFor } from './caller';
import { describeIfExists, executionArnOf } from './executions';
import { parseObject } from './request-status';

// POST /all-features-migrations and GET /all-features-migrations/{id}: one migration to all features per
// organization at a time, its dry run computed here (nothing is started or accepted), and where it stands.

/**
 * What the API reads of the enable-all-features configuration (`ALL_FEATURES_CONFIG_PARAMETER`, or locally
 * `ALL_FEATURES_CONFIG` or `ALL_FEATURES_CONFIG_FILE`): the workflow's own settings, plus `callers`, the
 * principals (`*` matches any characters) who may start and read migrations. Without `callers`, the closure
 * configuration's callers may: both are the ops team's.
 */
export interface AllFeaturesAccess {
  callers: readonly string[];
  config: MigrationConfig;
}

/** The configuration as the API reads it: `callers` stays absent when not given, so that the fallback applies. */
const AccessSchema = MigrationConfigSchema.extend({
  callers: z.array(z.string().min(1), { error: 'callers must be a list of principal patterns' }).optional(),
});

/**
 * The API's view of the configuration as it is at each call (functions/_shared/configuration.ts);
 * `fallbackCallers` (the closure configuration's) when it names none. Build it once per environment.
 */
export function allFeaturesAccessReader(env: {
  ALL_FEATURES_CONFIG?: string | undefined;
  ALL_FEATURES_CONFIG_FILE?: string | undefined;
  ALL_FEATURES_CONFIG_PARAMETER?: string | undefined;
}): (fallbackCallers: readonly string[]) => Promise<AllFeaturesAccess> {
  const read = configurationReader(
    'enable-all-features configuration',
    'ALL_FEATURES_CONFIG',
    env,
    AccessSchema,
  );
  return async (fallbackCallers) => {
    const { callers, ...settings } = await read();
    return { callers: callers ?? fallbackCallers, config: { ...settings, callers: callers ?? [] } };
  };
}

/** POST /all-features-migrations: only a dry run can be asked for; the rest is the configuration's. */
export const MigrationBodySchema = z.strictObject(
  { dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false) },
  { error: 'the body must be a JSON object: { dryRun? }, or no body at all' },
);
export type MigrationBody = z.infer<typeof MigrationBodySchema>;

export interface AllFeaturesApiPorts extends MigrationStorePorts {
  sfn: SFNClient;
  organizations: OrganizationsClient;
  /** Organizations as an invited member through the approval role: the dry run only asks whether it can */
  memberOrganizations: MemberOrganizations;
  access: AllFeaturesAccess;
  /** the AllFeaturesMigration state machine */
  stateMachineArn: string;
  now: () => number;
}

export interface MigrationSubmission {
  caller: Caller;
  /** the `Idempotency-Key` header, if sent */
  idempotencyKey: string | undefined;
  body: unknown;
  /** the status URL of a migration id */
  statusUrl: (migrationId: string) => string;
}

export interface MigrationAccepted {
  migrationId: string;
  statusUrl: string;
  /** false when a migration was already running (or this key already started one): this is it */
  created: boolean;
}

/** Refuses callers the configuration does not name: enabling all features is for the ops team only. */
function assertMayMigrate(access: AllFeaturesAccess, caller: Caller): void {
  if (access.callers.some((pattern) => matchesPrincipal(pattern, caller))) return;
  throw new HttpError(
    403,
    `${caller.arn} may not start or read migrations to all features: it is not one of the configured callers (${access.callers.length ? access.callers.join(', ') : 'none are configured'}); ask the platform team to add it to "callers" in ALL_FEATURES_CONFIG`,
  );
}

/** The body and the optional key, or a ValidationError listing every bad field. */
function parseSubmission(submission: MigrationSubmission): { body: MigrationBody; key: string | undefined } {
  const issues: FieldIssue[] = [];
  const input = submission.body ?? {};
  const parsed = MigrationBodySchema.safeParse(input);
  if (!parsed.success) issues.push(...fieldIssuesOf(parsed.error, input));
  const key =
    submission.idempotencyKey === undefined
      ? undefined
      : IdempotencyKeySchema.safeParse(submission.idempotencyKey);
  if (key && !key.success)
    issues.push({
      path: 'Idempotency-Key',
      rule: 'pattern',
      message: key.error.issues[0]?.message ?? 'not valid',
    });
  if (!parsed.success || issues.length > 0) throw new ValidationError(issues);
  return { body: parsed.data, key: key?.data };
}

/** What the state machine is started with: its id and who asked (Start Migration reads these two), and the key. */
interface MigrationInput {
  migrationId: string;
  requestedBy: string;
  idempotencyKey?: string;
}

/**
 * POST /all-features-migrations (not a dry run). The migration id is the execution's name, the organization's id
 * and a count (`afm-o-…-<n>`): while one runs, asking again answers with it; once it ended, the next count
 * starts a new one. Two callers asking at once compute the same name, and Step Functions starts it once. With an
 * Idempotency-Key, a repeat of the request that started the last migration answers with it even after it ended,
 * and after Step Functions forgot it: its record keeps the key.
 */
export async function submitMigration(
  ports: AllFeaturesApiPorts,
  submission: MigrationSubmission,
): Promise<MigrationAccepted | MigrationPreview> {
  const { caller } = submission;
  assertMayMigrate(ports.access, caller);
  const { body, key } = parseSubmission(submission);
  if (body.dryRun) return previewMigration(ports);

  const organizationId = await organizationIdOf(ports.organizations);
  const latest = await latestMigration(ports, organizationId);
  const answer = (migrationId: string, created: boolean): MigrationAccepted => ({
    migrationId,
    statusUrl: submission.statusUrl(migrationId),
    created,
  });
  if (latest && (latest.running || (key !== undefined && startedBy(latest.started, caller, key))))
    return answer(latest.migrationId, false);

  const migrationId = migrationIdFor(organizationId, (latest?.attempt ?? 0) + 1);
  const input: MigrationInput = {
    migrationId,
    requestedBy: caller.arn,
    ...(key === undefined ? {} : { idempotencyKey: key }),
  };
  try {
    await ports.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ports.stateMachineArn,
        name: migrationId,
        input: JSON.stringify(input),
      }),
    );
    return answer(migrationId, true);
  } catch (error) {
    // another call started this very migration between our look and our start: it is the one running
    if (error instanceof ExecutionAlreadyExists) return answer(migrationId, false);
    throw error;
  }
}

async function organizationIdOf(organizations: OrganizationsClient): Promise<string> {
  const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
  if (!Organization?.Id) throw new Error('DescribeOrganization answered without an organization id');
  return Organization.Id;
}

/** Migrations an organization may have had: a bound on the look for the last one, never reached in practice. */
const MAX_ATTEMPTS = 500;

/** Who started a migration, and with which key: the execution's input, or its record once the execution is gone. */
interface Started {
  requestedBy?: unknown;
  idempotencyKey?: unknown;
}

/**
 * The organization's last migration by count: the execution, or its record once Step Functions forgot the
 * execution (90 days after it ended; the record is kept two years). Counts are used in order, so the first
 * count with neither is the next one.
 */
async function latestMigration(
  ports: AllFeaturesApiPorts,
  organizationId: string,
): Promise<{ attempt: number; migrationId: string; running: boolean; started: Started } | undefined> {
  let latest: Awaited<ReturnType<typeof latestMigration>>;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const migrationId = migrationIdFor(organizationId, attempt);
    const execution = await describeIfExists(ports.sfn, executionArnOf(ports.stateMachineArn, migrationId));
    const record = execution ? undefined : (await readMigration(ports, migrationId))?.migration;
    if (!execution && !record) return latest;
    const started: Started = execution ? parseObject(execution.input) : (record as MigrationRecord);
    latest = { attempt, migrationId, running: execution?.status === 'RUNNING', started };
  }
  throw new Error(`organization ${organizationId} has had ${MAX_ATTEMPTS} migrations: look at why`);
}

/** Whether the migration was started by this caller (any session of its role) with this key. */
function startedBy(started: Started, caller: Caller, key: string): boolean {
  if (started.idempotencyKey !== key || typeof started.requestedBy !== 'string') return false;
  const requester = { arn: started.requestedBy, accountId: started.requestedBy.split(':')[4] ?? '' };
  return ownerOf(requester) === ownerOf(caller);
}

// --- the dry run ------------------------------------------------------------------------------------------

export interface PreviewMember {
  accountId: string;
  name?: string;
  email?: string;
  /** whether orgflow can approve as this member: AssumeRole into the approval role succeeded */
  reachable: boolean;
  /** why it cannot, when it cannot */
  reason?: string;
  /** its APPROVE_ALL_FEATURES request in the handshake a migration would adopt */
  request?: HandshakeState;
}

export interface MigrationPreview {
  dryRun: true;
  organizationId: string;
  managementAccountId: string;
  featureSet: string;
  /** what a migration would do first */
  plan: 'nothing-to-do' | 'adopt-handshake' | 'enable-all-features';
  /** the ENABLE_ALL_FEATURES handshake still pending, which a migration would adopt */
  handshake?: { handshakeId: string; state: string; expiresAt?: string };
  approvalRoleName: string;
  /** the invited members that must approve (created members and the management account need not) */
  members: PreviewMember[];
  counts: { members: number; reachable: number; unreachable: number };
  nextAction: string;
}

/** AssumeRole calls at once in a dry run: STS answers in milliseconds, and a big organization stays under 29 s. */
const REACHABILITY_CONCURRENCY = 10;

/**
 * The dry run: what a migration would do, computed now, starting and accepting nothing. The organization's
 * feature set (ALL: nothing to do), the ENABLE_ALL_FEATURES handshake a migration would adopt, the invited members
 * that must approve (ListAccounts, JoinedMethod INVITED, not the management account) and, for each, whether
 * orgflow can approve as it: AssumeRole into the approval role, the credentials then dropped.
 */
export async function previewMigration(ports: AllFeaturesApiPorts): Promise<MigrationPreview> {
  const { approvalRoleName } = ports.access.config;
  const { Organization } = await ports.organizations.send(new DescribeOrganizationCommand({}));
  const organizationId = Organization?.Id ?? '';
  const managementAccountId = Organization?.MasterAccountId ?? '';
  const featureSet = Organization?.FeatureSet ?? 'UNKNOWN';
  const base = { dryRun: true as const, organizationId, managementAccountId, featureSet, approvalRoleName };
  if (featureSet === 'ALL')
    return {
      ...base,
      plan: 'nothing-to-do',
      members: [],
      counts: { members: 0, reachable: 0, unreachable: 0 },
      nextAction: 'nothing to do: the organization already has all features (ALL)',
    };

  const [handshake, invited] = await Promise.all([
    pendingRound(ports.organizations),
    invitedMembers(ports.organizations, managementAccountId),
  ]);
  const requests = handshake?.Id
    ? new Map(
        (await listMemberRequests(ports.organizations, handshake.Id)).map((r) => [r.accountId, r.state]),
      )
    : undefined;
  const members = await mapLimited(invited, REACHABILITY_CONCURRENCY, async (account) => {
    const request = requests?.get(account.Id ?? '');
    const reach = await reachability(ports.memberOrganizations, account.Id ?? '');
    return {
      accountId: account.Id ?? '',
      ...(account.Name ? { name: account.Name } : {}),
      ...(account.Email ? { email: account.Email } : {}),
      ...reach,
      ...(request ? { request } : {}),
    };
  });
  const reachable = members.filter((m) => m.reachable).length;
  const counts = { members: members.length, reachable, unreachable: members.length - reachable };
  const asks = `${counts.members} invited member${counts.members === 1 ? '' : 's'} must approve: orgflow can approve as ${reachable} through ${approvalRoleName}, ${counts.unreachable} must accept as themselves`;
  return {
    ...base,
    plan: handshake ? 'adopt-handshake' : 'enable-all-features',
    ...(handshake?.Id
      ? {
          handshake: {
            handshakeId: handshake.Id,
            state: handshake.State ?? 'UNKNOWN',
            ...(handshake.ExpirationTimestamp
              ? { expiresAt: handshake.ExpirationTimestamp.toISOString() }
              : {}),
          },
        }
      : {}),
    members,
    counts,
    nextAction: handshake?.Id
      ? `a migration would adopt the pending handshake ${handshake.Id}; ${asks}`
      : `a migration would call EnableAllFeatures; ${asks}`,
  };
}

/** The active members that joined by invitation: AWS asks only these to approve. */
async function invitedMembers(organizations: OrganizationsClient, managementAccountId: string) {
  const invited: Account[] = [];
  for await (const page of paginateListAccounts({ client: organizations }, {}))
    for (const account of page.Accounts ?? [])
      if (
        account.JoinedMethod === 'INVITED' &&
        account.Id !== managementAccountId &&
        (account.State ?? account.Status) === 'ACTIVE'
      )
        invited.push(account);
  return invited.sort((a, b) => (a.Id ?? '').localeCompare(b.Id ?? ''));
}

async function reachability(
  memberOrganizations: MemberOrganizations,
  accountId: string,
): Promise<{ reachable: boolean; reason?: string }> {
  try {
    (await memberOrganizations(accountId)).destroy();
    return { reachable: true };
  } catch (error) {
    if (error instanceof MemberUnreachableError) return { reachable: false, reason: error.message };
    throw error;
  }
}

// --- the status -------------------------------------------------------------------------------------------

/**
 * A migration's state: STARTING before Preflight recorded a round, RUNNING, ENABLED once the organization is
 * ALL, FAILED when it stopped before (its error says why; a stopped or timed-out execution counts).
 */
export type MigrationState = 'STARTING' | 'RUNNING' | 'WAITING_FOR_OPERATOR' | 'ENABLED' | 'FAILED';

/** The round ended and the migration waits for an operator (`afterRoundEnds: wait-for-operator`). */
export interface OperatorWaitStatus {
  round: number;
  /** how the round ended */
  end: OperatorWait['end'];
  since: string;
  /** the members that declined the round (and are still in the organization) */
  decliners: string[];
  /** once the operator resent: when and who */
  resendRequestedAt?: string | undefined;
  resendRequestedBy?: string | undefined;
  /** what the operator can do, each a command */
  options: string[];
}

export interface MigrationMember {
  accountId: string;
  state: MemberState;
  handshakeId: string;
  detail?: string;
  /** what the member runs, as itself, to approve (members orgflow cannot reach) */
  command?: string;
  /** when a look found the member, which had declined, removed from the organization */
  removedAt?: string;
  updatedAt: string;
}

export interface MigrationRound {
  round: number;
  handshakeId: string;
  adopted: boolean;
  openedAt: string;
  expiresAt: string;
  /** the last reminder of the members waited for (the round's start before the first) */
  remindedAt: string;
  end?: string;
  endedAt?: string;
  /** the operator's resend of the round before, which opened this one */
  resentAt?: string | undefined;
  resentBy?: string | undefined;
}

export interface MigrationStatus {
  migrationId: string;
  state: MigrationState;
  /** the execution's status, while Step Functions remembers it */
  executionStatus?: string;
  requestedBy?: string;
  createdAt?: string;
  completedAt?: string;
  /** the current round (0 before the first) and its ENABLE_ALL_FEATURES handshake */
  round: number;
  maxRounds: number;
  handshakeId?: string;
  /** when the current round's handshake expires */
  expiresAt?: string;
  /** when the migration looks at the round next, unless news comes first (while it waits for answers) */
  nextLookAt?: string;
  /** the round ended and waits for an operator to resend it or remove the accounts that declined */
  operatorWait?: OperatorWaitStatus;
  /** the invited members of the current round */
  members: MigrationMember[];
  counts: Record<MemberState, number>;
  rounds: MigrationRound[];
  nextAction: string;
  policyTypesEnabled?: string[];
  failure?: { error: string; message: string };
}

/** The workflow's errors written for the operator (functions/all-features/errors.ts). */
const operatorFacingErrors = new Set([
  ...requesterFacingErrors,
  'MaxRoundsReachedError',
  'OrganizationTooLargeError',
]);

/** A migration's record and execution (either may be gone, not both), or NotFoundError. */
async function findMigration(ports: AllFeaturesApiPorts, migrationId: string | undefined) {
  const id = MigrationIdSchema.safeParse(migrationId);
  const notFound = new NotFoundError(`there is no migration to all features ${migrationId ?? ''}`.trim());
  if (!id.success) throw notFound;
  const [recorded, execution] = await Promise.all([
    readMigration(ports, id.data),
    describeIfExists(ports.sfn, executionArnOf(ports.stateMachineArn, id.data)),
  ]);
  if (!recorded && !execution) throw notFound;
  return { id: id.data, recorded, execution };
}

/**
 * GET /all-features-migrations/{id}: the record (one Query: the migration, its rounds, their members) and the
 * execution's status; what the migration does next, in words.
 */
export async function describeMigration(
  ports: AllFeaturesApiPorts,
  migrationId: string | undefined,
  reader: Caller,
): Promise<MigrationStatus> {
  assertMayMigrate(ports.access, reader);
  const { id, recorded, execution } = await findMigration(ports, migrationId);

  const migration = recorded?.migration;
  const roundNumber = migration?.round ?? 0;
  const rounds = (recorded?.rounds ?? []).map(roundOf).sort((a, b) => a.round - b.round);
  const current = rounds.find((r) => r.round === roundNumber);
  const members = (recorded?.members ?? []).filter((m) => m.round === roundNumber).map(memberOf);
  const counts = Object.fromEntries(MEMBER_STATES.map((state) => [state, 0])) as Record<MemberState, number>;
  for (const member of members) counts[member.state] += 1;
  const failure = failureOf(execution, migration);
  const waiting = waitingForOperator(execution, migration);
  const state =
    waiting && !waiting.resendRequestedAt
      ? 'WAITING_FOR_OPERATOR'
      : stateOf(execution, migration?.state, roundNumber);
  const createdAt = migration?.createdAt ?? execution?.startDate?.toISOString();
  const status: Omit<MigrationStatus, 'nextAction'> = {
    migrationId: id,
    state,
    ...(execution?.status ? { executionStatus: execution.status } : {}),
    ...(migration?.requestedBy ? { requestedBy: migration.requestedBy } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(execution?.stopDate ? { completedAt: execution.stopDate.toISOString() } : {}),
    round: roundNumber,
    maxRounds: ports.access.config.maxRounds,
    ...(migration?.handshakeId ? { handshakeId: migration.handshakeId } : {}),
    ...(migration?.handshakeExpiresAt ? { expiresAt: migration.handshakeExpiresAt } : {}),
    ...(migration?.nextLookAt && state !== 'ENABLED' && state !== 'FAILED'
      ? { nextLookAt: migration.nextLookAt }
      : {}),
    ...(waiting ? { operatorWait: operatorWaitOf(id, waiting, ports.access.config.maxRounds) } : {}),
    members,
    counts,
    rounds,
    ...(migration?.policyTypesEnabled ? { policyTypesEnabled: migration.policyTypesEnabled } : {}),
    ...(failure ? { failure } : {}),
  };
  return { ...status, nextAction: nextActionOf(status, current, ports.access.config) };
}

/** The operator wait of the current round, while the execution runs. */
function waitingForOperator(
  execution: DescribeExecutionOutput | undefined,
  migration: MigrationRecord | undefined,
): OperatorWait | undefined {
  const wait = migration?.operatorWait;
  if (!wait || wait.round !== migration?.round || migration.state !== 'running') return undefined;
  return execution?.status === 'RUNNING' ? wait : undefined;
}

/** The resend command, as the CLI and the API take it. */
const resendCommand = (migrationId: string) =>
  `npx orgflow migration ${migrationId} --resend (or POST /all-features-migrations/${migrationId}/resend)`;
const removeCommand = (accountId: string) =>
  `aws organizations remove-account-from-organization --account-id ${accountId}`;

function operatorWaitOf(migrationId: string, wait: OperatorWait, maxRounds: number): OperatorWaitStatus {
  const options: string[] = [];
  if (wait.round < maxRounds)
    options.push(`resend: ${resendCommand(migrationId)} starts round ${wait.round + 1} of ${maxRounds}`);
  if (wait.end === 'declined')
    for (const accountId of wait.decliners) options.push(`remove ${accountId}: ${removeCommand(accountId)}`);
  return { ...wait, options };
}

function stateOf(
  execution: DescribeExecutionOutput | undefined,
  recorded: 'running' | 'enabled' | 'failed' | undefined,
  round: number,
): MigrationState {
  // the execution's end wins: a stopped execution never recorded its failure
  if (execution?.status === 'SUCCEEDED' || recorded === 'enabled') return 'ENABLED';
  if (['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution?.status ?? '') || recorded === 'failed')
    return 'FAILED';
  return round === 0 ? 'STARTING' : 'RUNNING';
}

function failureOf(
  execution: DescribeExecutionOutput | undefined,
  migration: { error?: string | undefined; detail?: string | undefined } | undefined,
): MigrationStatus['failure'] {
  const ended = ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution?.status ?? '');
  if (!ended && !migration?.error) return undefined;
  const error = migration?.error ?? execution?.error ?? execution?.status ?? 'FAILED';
  const cause = migration?.detail ?? execution?.cause ?? error;
  // only the errors written for the operator are shown as they are; the rest stays in the logs
  const message = operatorFacingErrors.has(error)
    ? (causeMessage(cause) ?? cause)
    : `the migration ended ${execution?.status ?? 'FAILED'} (${error}); the platform team can see why in the execution's history`;
  return { error, message };
}

const roundOf = ({ handshakeExpiresAt, end, endedAt, ...round }: RoundRecord): MigrationRound => ({
  ...round,
  expiresAt: handshakeExpiresAt,
  ...(end ? { end } : {}),
  ...(endedAt ? { endedAt } : {}),
});

function memberOf(record: MemberRecord): MigrationMember {
  return {
    accountId: record.accountId,
    state: record.state,
    handshakeId: record.handshakeId,
    ...(record.departedAt
      ? { detail: `removed from the organization (found ${record.departedAt})` }
      : record.detail
        ? { detail: record.detail }
        : {}),
    ...(record.state === 'waiting-role-unreachable' ? { command: approvalCommand(record.handshakeId) } : {}),
    ...(record.departedAt ? { removedAt: record.departedAt } : {}),
    updatedAt: record.updatedAt,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')}Z`;
const second = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')}Z`;

/** What the migration does next, in words: from its state, its current round and that round's members. */
export function nextActionOf(
  status: Omit<MigrationStatus, 'nextAction'>,
  round: MigrationRound | undefined,
  config: Pick<MigrationConfig, 'approvalRoleName' | 'reminderIntervalDays'>,
): string {
  const { counts } = status;
  const nextLook = status.nextLookAt ? `; next look ${second(status.nextLookAt)}` : '';
  if (status.state === 'ENABLED')
    return `done: ALL${status.policyTypesEnabled?.length ? ` (policy types enabled: ${status.policyTypesEnabled.join(', ')})` : ''}`;
  if (status.state === 'FAILED')
    return `failed${status.failure ? ` (${status.failure.error}): ${status.failure.message}` : ''}; start a new migration with: npx orgflow enable-all-features`;
  const wait = status.operatorWait;
  if (status.state === 'WAITING_FOR_OPERATOR' && wait) {
    const who = wait.decliners.length ? ` (declined by ${wait.decliners.join(', ')})` : '';
    const can = [
      ...(wait.round < status.maxRounds
        ? [
            `resend the request (${resendCommand(status.migrationId)}), which starts round ${wait.round + 1} of ${status.maxRounds}`,
          ]
        : []),
      ...(wait.end === 'declined' && wait.decliners.length
        ? [
            `remove the declining account${wait.decliners.length === 1 ? '' : 's'} from the organization (${removeCommand(wait.decliners[0]!)}${wait.decliners.length > 1 ? ', …' : ''})`,
          ]
        : []),
    ];
    return `round ${wait.round} ended ${wait.end}${who}: waiting for an operator to ${can.join(', or to ')}${nextLook}`;
  }
  if (wait?.resendRequestedAt)
    return `resent by ${wait.resendRequestedBy ?? 'an operator'} at ${second(wait.resendRequestedAt)}: cancelling what is left of round ${wait.round} and starting round ${wait.round + 1} of ${status.maxRounds}`;
  if (status.state === 'STARTING' || !round)
    return 'starting: looking at the organization, then opening a round (EnableAllFeatures) or adopting the pending one';
  if (round.end && round.end !== 'approved')
    return `round ${round.round} ended ${round.end}: cancelling what is left of it${round.round < status.maxRounds ? ` and starting round ${round.round + 1} of ${status.maxRounds}` : ''}`;
  if (counts.pending > 0)
    return `approving as ${plural(counts.pending, 'member')} through ${config.approvalRoleName}`;
  // a member that declined and was removed no longer holds the round back
  const declined = counts.declined - status.members.filter((m) => m.removedAt).length;
  if (declined > 0)
    return `${plural(declined, 'member')} declined: the next look ends round ${round.round} and starts another`;
  const waiting = counts['waiting-role-unreachable'];
  if (round.end === 'approved' || waiting === 0)
    return 'every member approved: accepting the ENABLE_ALL_FEATURES handshake as the management account';
  const reminder = minute(
    new Date(Date.parse(round.remindedAt) + config.reminderIntervalDays * 86_400_000).toISOString(),
  );
  return `waiting for ${plural(waiting, 'member')} to accept as ${waiting === 1 ? 'itself' : 'themselves'}${nextLook || '; looking at the round'} (sooner when an answer reaches the bus); next reminder ${reminder}; the round expires ${minute(round.expiresAt)}`;
}

// --- the operator's resend --------------------------------------------------------------------------------

export interface ResendAccepted {
  migrationId: string;
  /** the round that ended, and the one the resend starts */
  round: number;
  nextRound: number;
  statusUrl: string;
}

/**
 * POST /all-features-migrations/{id}/resend: a migration that waits for an operator after its round ended starts
 * the next round (what is left of the round cancelled, EnableAllFeatures again; it counts toward maxRounds). The
 * resend is recorded on the migration, then its wait is woken (task-rendezvous.ts): a resend the wait misses is
 * seen by its next look. 404 for an unknown migration; 409 when it does not wait for an operator or has no round
 * left.
 *
 * A resend is idempotent: asking again answers 202 with the same round and starts nothing more, before the next
 * round opens and after (the round the resend opened is still the current one, whatever became of it). Once a
 * later round ends and waits for an operator in turn, a resend is a new one, for that round.
 */
export async function resendMigration(
  ports: AllFeaturesApiPorts,
  migrationId: string | undefined,
  caller: Caller,
  statusUrl: (migrationId: string) => string,
): Promise<ResendAccepted> {
  assertMayMigrate(ports.access, caller);
  const { id, recorded, execution } = await findMigration(ports, migrationId);
  const { maxRounds } = ports.access.config;
  const accepted = (round: number): ResendAccepted => ({
    migrationId: id,
    round,
    nextRound: round + 1,
    statusUrl: statusUrl(id),
  });
  let wait = waitingForOperator(execution, recorded?.migration);
  const migration = recorded?.migration;
  if (!wait || !migration?.handshakeId) {
    const resent = resentRound(recorded);
    if (resent !== undefined) return accepted(resent);
    throw new HttpError(
      409,
      `migration ${id} is not waiting for an operator (it is ${execution?.status === 'RUNNING' ? `running round ${migration?.round ?? 0}` : (migration?.state ?? execution?.status ?? 'unknown')}): nothing to resend; a resend is for a round that ended with a decline, a cancellation or the expiry while afterRoundEnds is wait-for-operator`,
    );
  }
  if (!wait.resendRequestedAt) {
    if (wait.round >= maxRounds)
      throw new HttpError(
        409,
        `migration ${id} has run all its ${maxRounds} rounds: it cannot resend; remove the declining accounts from the organization (${wait.decliners.map(removeCommand).join('; ') || 'none declined'}) or start a new migration once this one ends`,
      );
    if (!(await requestResend(ports, id, wait.round, caller.arn, ports.now()))) {
      // another resend, or a look, got there first: what the record says now decides
      const reread = await readMigration(ports, id);
      wait = waitingForOperator(execution, reread?.migration);
      if (!wait?.resendRequestedAt) {
        const resent = resentRound(reread);
        if (resent !== undefined) return accepted(resent);
        throw new HttpError(409, `migration ${id} no longer waits for an operator: look at its status`);
      }
    }
  }
  await reportApprovalNews(ports, migration.handshakeId, {
    eventId: `resend#${wait.round}`,
    eventName: 'ResendRequested',
    handshakeId: migration.handshakeId,
  });
  return accepted(wait.round);
}

/**
 * The round whose resend is recorded and still the migration's last: the current round's (the next round not
 * open yet, or its opening failed), or the round before the current one when a resend opened it.
 */
function resentRound(recorded: Awaited<ReturnType<typeof readMigration>>): number | undefined {
  const migration = recorded?.migration;
  if (!migration) return undefined;
  const wait = migration.operatorWait;
  if (wait?.round === migration.round && wait.resendRequestedAt) return wait.round;
  const current = recorded.rounds.find((r) => r.round === migration.round);
  return current?.resentAt ? current.round - 1 : undefined;
}
