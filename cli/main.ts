import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import type { ApiTarget } from './api';
import {
  closureRequestOf,
  closureStatus,
  followClosure,
  hasSucceeded,
  newIdempotencyKey,
  renderClosure,
  submitClosure,
  UsageError,
} from './close';
import {
  followMigration,
  hasFinished,
  migrationCommandOf,
  migrationStatus,
  previewMigration,
  renderMigration,
  renderPreview,
  resendMigration,
  startMigration,
} from './enable-all-features';
import { history, listExecutions, renderExecutions, renderHistory } from './executions';
import { organizationTree, renderTree } from './organization-tree';
import { connect, type Target } from './target';
import { describeRequest, followRequest, requestStatus, submitVending } from './vend';

const usage = `usage: orgflow <command> [options]

commands:
  start [npm start options]     start the local stack (same as npm start; --help lists its options)
  status                        the organization tree with account states, and running executions
  executions [--state S]        executions of every workflow, newest first (S: RUNNING, SUCCEEDED, FAILED, …)
  history <execution>           an execution's history (an execution ARN, or a name if unique)
                                --follow: keep printing until it ends
  vend --name N --email E --ou O [--tag k=v]… [--policy P]… [--key K] [--follow]
                                ask the API for an account (--key: Idempotency-Key, default from name+email);
                                --follow: show its progress until it is ready or has failed
  request <id> [--follow]       a vending request's state
  close --ou O [--include-sub-ous] --reason R [--dry-run] [--follow] [--idempotency-key K]
  close <account-id>… --reason R [--dry-run] [--follow] [--idempotency-key K]
                                close accounts within AWS's closure quota (only callers the closure
                                configuration names): those that cannot close now are deferred with a
                                date, the management account and protected accounts skipped with why;
                                --dry-run: only the plan; --follow: show progress until the batch ends
                                (exit 1 if it failed or an account could not be closed)
  closure <batch-id> [--follow] a closure batch: its state, the quota, and each account
  enable-all-features [--dry-run] [--follow] [--idempotency-key K]
                                take a consolidated-billing organization to all features (only callers the
                                configuration names): orgflow approves as the invited members it can reach and
                                waits for the others; one migration at a time (asking again shows the one
                                running); --dry-run: the members that must approve and which orgflow can
                                approve for, nothing started; --follow: show progress until the organization
                                is ALL, or until it waits for an operator (exit 1 unless it is ALL)
  migration <migration-id> [--resend] [--follow]
                                a migration to all features: its round, each member, the next look, and what
                                comes next; --resend: a migration that waits for an operator after a decline,
                                cancellation or expiry (afterRoundEnds wait-for-operator) starts its next round

options:
  --json                        machine-readable output
  --data-dir <dir>              the local stack's data directory (default .orgflow)
  --aws [--profile <name>] [--api-url <url>]
                                the same commands against AWS instead of the local stack
  -h, --help`;

const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

function requireSfn(target: Target) {
  if (!target.sfn) throw new Error(`${target.description} has no Step Functions endpoint`);
  return target.sfn;
}

/** The same account asked for twice is the same request: the key derives from what names it. */
function defaultKey(name: string, email: string): string {
  return `vend-${createHash('sha256').update(`${name}\n${email.toLowerCase()}`).digest('hex').slice(0, 32)}`;
}

function apiOf(target: Target): ApiTarget {
  if (!target.apiUrl) throw new Error(`${target.description}: no API URL known; pass --api-url`);
  return { baseUrl: target.apiUrl, ...(target.accessKeyId ? { accessKeyId: target.accessKeyId } : {}) };
}

async function resolveExecution(target: Target, ref: string): Promise<string> {
  if (ref.startsWith('arn:')) return ref;
  const matches = (await listExecutions(requireSfn(target))).filter((e) => e.name === ref);
  if (matches.length === 1) return matches[0]!.executionArn;
  throw new Error(
    matches.length === 0
      ? `no execution named ${ref}`
      : `${matches.length} executions are named ${ref}: pass the ARN`,
  );
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'start') {
    process.argv = [process.argv[0]!, 'local/main.ts', ...rest];
    await import('../local/main');
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: '.orgflow' },
      aws: { type: 'boolean', default: false },
      profile: { type: 'string' },
      state: { type: 'string' },
      follow: { type: 'boolean', default: false },
      name: { type: 'string' },
      email: { type: 'string' },
      ou: { type: 'string' },
      tag: { type: 'string', multiple: true },
      policy: { type: 'string', multiple: true },
      key: { type: 'string' },
      'idempotency-key': { type: 'string' },
      reason: { type: 'string' },
      'include-sub-ous': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      resend: { type: 'boolean', default: false },
      'api-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (!command || values.help || command === 'help') {
    console.log(usage);
    return;
  }
  // a command line that cannot run is refused before looking for a stack
  const closeRequest = command === 'close' ? closureRequestOf(positionals, values) : undefined;
  if (command === 'closure' && positionals.length !== 1)
    throw new UsageError('closure takes one batch id: orgflow closure <batch-id> [--follow]');
  const migration =
    command === 'enable-all-features' || command === 'migration'
      ? migrationCommandOf(command, positionals, values)
      : undefined;
  const target = connect({
    aws: values.aws,
    profile: values.profile,
    apiUrl: values['api-url'],
    dataDir: values['data-dir'],
  });
  const print = (json: unknown, text: string) =>
    console.log(values.json ? JSON.stringify(json, null, 2) : text);
  switch (command) {
    case 'status': {
      const tree = await organizationTree(target.organizations);
      const running = target.sfn ? await listExecutions(target.sfn, 'RUNNING') : [];
      print(
        { organization: tree, runningExecutions: running },
        `${target.description}\n${renderTree(tree)}\n\nrunning executions:\n${renderExecutions(running)}`,
      );
      return;
    }
    case 'executions': {
      const state = values.state?.toUpperCase();
      if (state && !statuses.includes(state))
        throw new Error(`--state must be one of ${statuses.join(', ')}, not '${values.state}'`);
      const executions = await listExecutions(requireSfn(target), state as ExecutionStatus | undefined);
      print(executions, renderExecutions(executions));
      return;
    }
    case 'history': {
      const ref = positionals[0];
      if (!ref) throw new Error('history needs an execution: orgflow history <execution ARN or name>');
      const sfn = requireSfn(target);
      const executionArn = await resolveExecution(target, ref);
      let shown = 0;
      for (;;) {
        const events = await history(sfn, executionArn);
        if (values.json && !values.follow) return print(events, '');
        const fresh = events.slice(shown);
        if (fresh.length > 0)
          console.log(values.json ? fresh.map((e) => JSON.stringify(e)).join('\n') : renderHistory(fresh));
        shown = events.length;
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (!values.follow || status !== 'RUNNING') return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    case 'vend': {
      const missing = (['name', 'email', 'ou'] as const).filter((flag) => !values[flag]);
      if (missing.length > 0) throw new Error(`vend needs ${missing.map((m) => `--${m}`).join(', ')}`);
      const tags = (values.tag ?? []).map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new Error(`--tag takes key=value, not '${pair}'`);
        return { key: pair.slice(0, at), value: pair.slice(at + 1) };
      });
      const request = {
        accountName: values.name,
        email: values.email,
        organizationalUnit: values.ou,
        tags,
        policies: values.policy ?? [],
      };
      const accepted = await submitVending(
        apiOf(target),
        request,
        values.key ?? defaultKey(values.name!, values.email!),
      );
      if (!values.follow)
        return print(accepted, `request ${accepted.requestId} accepted: ${accepted.statusUrl}`);
      if (!values.json) console.log(`request ${accepted.requestId} accepted`);
      await followRequest(apiOf(target), accepted.requestId, values.json);
      return;
    }
    case 'request': {
      const id = positionals[0];
      if (!id) throw new Error('request needs a request id: orgflow request <id>');
      if (values.follow) return followRequest(apiOf(target), id, values.json);
      const status = await requestStatus(apiOf(target), id);
      print(status, describeRequest(status));
      return;
    }
    case 'close': {
      const request = closeRequest ?? closureRequestOf(positionals, values);
      const key = values['idempotency-key'] ?? values.key ?? newIdempotencyKey();
      const accepted = await submitClosure(apiOf(target), request, key);
      if (!values.follow)
        return print(
          { ...accepted, idempotencyKey: key },
          `closure batch ${accepted.batchId} accepted (Idempotency-Key ${key}): follow it with orgflow closure ${accepted.batchId} --follow`,
        );
      if (!values.json) console.log(`closure batch ${accepted.batchId} accepted (Idempotency-Key ${key})`);
      const last = await followClosure(apiOf(target), accepted.batchId, { json: values.json });
      if (!hasSucceeded(last)) process.exitCode = 1;
      return;
    }
    case 'closure': {
      const id = positionals[0]!;
      if (values.follow) {
        const last = await followClosure(apiOf(target), id, { json: values.json });
        if (!hasSucceeded(last)) process.exitCode = 1;
        return;
      }
      const status = await closureStatus(apiOf(target), id);
      print(status, renderClosure(status));
      return;
    }
    case 'enable-all-features': {
      if (values['dry-run']) {
        const preview = await previewMigration(apiOf(target));
        return print(preview, renderPreview(preview));
      }
      const accepted = await startMigration(apiOf(target), values['idempotency-key'] ?? values.key);
      const said = `migration ${accepted.migrationId} ${accepted.created ? 'started' : 'already running'}`;
      if (!values.follow)
        return print(
          accepted,
          `${said}: follow it with npx orgflow migration ${accepted.migrationId} --follow`,
        );
      if (!values.json) console.log(said);
      const last = await followMigration(apiOf(target), accepted.migrationId, { json: values.json });
      if (last.state !== 'ENABLED') process.exitCode = 1;
      return;
    }
    case 'migration': {
      const id = migration?.migrationId ?? '';
      if (values.resend) {
        const resent = await resendMigration(apiOf(target), id);
        const said = `migration ${id}: resent; round ${resent.round} is cancelled and round ${resent.nextRound} starts`;
        if (!values.follow) return print(resent, said);
        if (!values.json) console.log(said);
      }
      const last = values.follow
        ? await followMigration(apiOf(target), id, { json: values.json })
        : await migrationStatus(apiOf(target), id);
      if (!values.follow) print(last, renderMigration(last));
      if (hasFinished(last) && last.state !== 'ENABLED') process.exitCode = 1;
      return;
    }
    default:
      throw new UsageError(`unknown command '${command}'\n\n${usage}`);
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  const message = (error as Error).message;
  console.error(`orgflow: ${message}`);
  // a command line it cannot run (parseArgs' own errors included) is a usage error, as for any CLI
  const usageError =
    error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  process.exit(usageError ? 2 : 1);
}
