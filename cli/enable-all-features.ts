import { type ApiTarget, callApi } from './api';
import { UsageError } from './close';
import { ApiFailure, type FollowOptions, follow } from './follow';

// `orgflow enable-all-features` and `orgflow migration`: ask the API to take the organization to all features,
// or for the dry run, and show where a migration stands.

export const enableAllFeaturesUsage = `orgflow enable-all-features [--dry-run] [--follow] [--json] [--idempotency-key K]
       orgflow migration <migration-id> [--resend] [--follow] [--json]`;

/** The flags of one of the two commands that the other would ignore. */
export interface MigrationOptions {
  resend?: boolean | undefined;
  'dry-run'?: boolean | undefined;
}

/** What the command line asks for; a UsageError for words it does not take, and for the other command's flags. */
export function migrationCommandOf(
  command: 'enable-all-features' | 'migration',
  positionals: readonly string[],
  options: MigrationOptions = {},
): { migrationId?: string } {
  if (command === 'enable-all-features') {
    if (positionals.length > 0)
      throw new UsageError(
        `enable-all-features takes no arguments (${positionals.map((w) => `'${w}'`).join(', ')}): it migrates the whole organization\n\nusage: ${enableAllFeaturesUsage}`,
      );
    if (options.resend)
      throw new UsageError(
        `enable-all-features takes no --resend: a resend is for a migration that waits for an operator, with orgflow migration <migration-id> --resend (the id enable-all-features printed)\n\nusage: ${enableAllFeaturesUsage}`,
      );
    return {};
  }
  if (positionals.length !== 1 || !positionals[0])
    throw new UsageError(`migration takes one migration id\n\nusage: ${enableAllFeaturesUsage}`);
  if (options['dry-run'])
    throw new UsageError(
      `migration takes no --dry-run: the dry run of a migration is orgflow enable-all-features --dry-run\n\nusage: ${enableAllFeaturesUsage}`,
    );
  return { migrationId: positionals[0] };
}

/** A member of the dry run (functions/api/all-features-migrations.ts, PreviewMember). */
export interface PreviewMember {
  accountId: string;
  name?: string;
  reachable: boolean;
  reason?: string;
  request?: string;
}

/** POST /all-features-migrations with dryRun (MigrationPreview). */
export interface MigrationPreview {
  dryRun: true;
  organizationId: string;
  featureSet: string;
  plan: string;
  handshake?: { handshakeId: string; state: string; expiresAt?: string };
  approvalRoleName: string;
  members: PreviewMember[];
  counts: { members: number; reachable: number; unreachable: number };
  nextAction: string;
}

export interface MigrationMember {
  accountId: string;
  state: string;
  handshakeId?: string;
  detail?: string;
  command?: string;
}

/** The round ended and waits for an operator (OperatorWaitStatus). */
export interface OperatorWait {
  round: number;
  end: string;
  decliners: string[];
  resendRequestedAt?: string;
  options: string[];
}

/** GET /all-features-migrations/{id} (MigrationStatus). */
export interface MigrationStatus {
  migrationId: string;
  state: string;
  round: number;
  maxRounds?: number;
  expiresAt?: string;
  nextLookAt?: string;
  operatorWait?: OperatorWait;
  members: MigrationMember[];
  counts: Record<string, number>;
  nextAction: string;
  failure?: { error: string; message: string };
  [field: string]: unknown;
}

export interface MigrationAccepted {
  migrationId: string;
  statusUrl: string;
  created: boolean;
}

/** POST /all-features-migrations: the running migration if there is one, else a new one. */
export async function startMigration(api: ApiTarget, idempotencyKey?: string): Promise<MigrationAccepted> {
  const response = await callApi(
    api,
    'POST',
    '/all-features-migrations',
    {},
    idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  );
  if (response.status !== 202)
    throw new ApiFailure('the migration to all features was refused', response.status, response.body);
  return response.body as MigrationAccepted;
}

/** POST /all-features-migrations with dryRun: what a migration would do; nothing starts. */
export async function previewMigration(api: ApiTarget): Promise<MigrationPreview> {
  const response = await callApi(api, 'POST', '/all-features-migrations', { dryRun: true });
  if (response.status !== 200)
    throw new ApiFailure('the dry run was refused', response.status, response.body);
  return response.body as MigrationPreview;
}

/** POST /all-features-migrations/{id}/resend (ResendAccepted). */
export interface ResendAccepted {
  migrationId: string;
  round: number;
  nextRound: number;
  statusUrl: string;
}

/** POST /all-features-migrations/{id}/resend: a migration that waits for an operator starts its next round. */
export async function resendMigration(api: ApiTarget, migrationId: string): Promise<ResendAccepted> {
  const response = await callApi(
    api,
    'POST',
    `/all-features-migrations/${encodeURIComponent(migrationId)}/resend`,
  );
  if (response.status !== 202)
    throw new ApiFailure(
      `the resend of migration ${migrationId} was refused`,
      response.status,
      response.body,
    );
  return response.body as ResendAccepted;
}

export async function migrationStatus(api: ApiTarget, migrationId: string): Promise<MigrationStatus> {
  const response = await callApi(api, 'GET', `/all-features-migrations/${encodeURIComponent(migrationId)}`);
  if (response.status !== 200)
    throw new ApiFailure(`migration ${migrationId}`, response.status, response.body);
  return response.body as MigrationStatus;
}

/** Whether the migration has stopped moving: the organization is ALL, or it failed. */
export const hasFinished = (status: MigrationStatus): boolean =>
  status.state === 'ENABLED' || status.state === 'FAILED';

/** Whether following it should stop: it finished, or it waits for an operator (--resend, or a removal). */
const stopsFollowing = (status: MigrationStatus): boolean =>
  hasFinished(status) || status.state === 'WAITING_FOR_OPERATOR';

/** One line: the state, the round, the members per state, and what comes next. */
export function describeProgress(status: MigrationStatus): string {
  const parts = [status.state];
  if (status.round > 0) parts.push(`round ${status.round}${status.maxRounds ? `/${status.maxRounds}` : ''}`);
  const counts = Object.entries(status.counts ?? {}).filter(([, n]) => n > 0);
  if (counts.length > 0) parts.push(counts.map(([state, n]) => `${state} ${n}`).join(', '));
  parts.push(status.nextAction);
  return parts.join(' · ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The members of the current round: state, and what a member orgflow cannot reach runs to approve. */
export function renderMembers(status: MigrationStatus): string {
  if (status.members.length === 0)
    return status.round === 0 ? '  (no round opened yet)' : '  (no invited member has to approve)';
  return table(
    ['account', 'state', 'to approve, the member runs'],
    status.members.map((m) => [m.accountId, m.state, m.command ?? '']),
  );
}

/** What an operator can do for a migration that waits for one, a line each. */
export function renderOperatorOptions(status: MigrationStatus): string {
  if (status.state !== 'WAITING_FOR_OPERATOR' || !status.operatorWait) return '';
  return `\n\nan operator can:\n${status.operatorWait.options.map((option) => `  - ${option}`).join('\n')}`;
}

/** The status and the table, as `orgflow migration <id>` prints them. */
export function renderMigration(status: MigrationStatus): string {
  const nextLook = status.nextLookAt ? `\n  next look: ${status.nextLookAt}` : '';
  return `migration ${status.migrationId}\n  ${describeProgress(status)}${nextLook}\n\n${renderMembers(status)}${renderOperatorOptions(status)}`;
}

/** The dry run: the organization, what a migration would do, and each invited member's reachability. */
export function renderPreview(preview: MigrationPreview): string {
  const lines = [
    `organization ${preview.organizationId}: ${preview.featureSet}`,
    `  dry run: ${preview.nextAction}`,
  ];
  if (preview.members.length > 0)
    lines.push(
      '',
      table(
        ['account', 'name', `approval through ${preview.approvalRoleName}`],
        preview.members.map((m) => [
          m.accountId,
          m.name ?? '',
          `${m.reachable ? 'orgflow approves' : 'the member must accept'}${m.request ? ` (request ${m.request})` : ''}`,
        ]),
      ),
    );
  return lines.join('\n');
}

/**
 * Prints a line whenever the migration's progress changes, until the organization is ALL, the migration failed
 * or it waits for an operator, then the members of its last round (and what the operator can do); returns the
 * last status.
 */
export function followMigration(
  api: ApiTarget,
  migrationId: string,
  options: FollowOptions<MigrationStatus>,
): Promise<MigrationStatus> {
  return follow(
    {
      look: () => migrationStatus(api, migrationId),
      progress: describeProgress,
      done: stopsFollowing,
      summary: (status) => `\n${renderMembers(status)}${renderOperatorOptions(status)}`,
    },
    options,
  );
}
