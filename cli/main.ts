import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { apiStageName } from '../catalog/routes';
import { edgeEnvironment, exportLines, localEnvironment, shellWord } from '../local/environment-variables';
import { replaceSdkNodeNotice } from '../local/sdk-node-notice';
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
import { history, listExecutions, placeInLine, renderExecutions, renderHistory } from './executions';
import { renderGraph, stateMachineGraph } from './graph';
import { organizationTree, renderTree } from './organization-tree';
import { connect, explainUnreachable, type Target } from './target';
import { describePlace, describeRequest, followRequest, requestStatus, submitVending } from './vend';

const hasEnded = (status: { state: string }) => status.state === 'SUCCEEDED' || status.state === 'FAILED';

// `orgflow <command>`: the command line is parsed by commander, each command with its own options and help.
// Exit status: 0 done, 1 failed or refused, 2 a command line that cannot run (before any stack is looked for).

/** The options every command takes, before or after the command's name. */
interface GlobalOptions {
  json: boolean;
  dataDir: string;
  aws: boolean;
  profile?: string;
  apiUrl?: string;
}

const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

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

const quoted = (words: readonly string[]) => words.map((w) => `'${w}'`).join(', ');

/** The global options, and the target they name (looked for only when a command runs). */
function contextOf(command: Command) {
  const given = command.optsWithGlobals<Partial<GlobalOptions>>();
  const globals: GlobalOptions = {
    ...given,
    json: given.json === true,
    aws: given.aws === true,
    dataDir: given.dataDir ?? '.orgflow',
  };
  const target = () =>
    connect({
      aws: globals.aws,
      profile: globals.profile,
      apiUrl: globals.apiUrl,
      dataDir: globals.dataDir,
    });
  const print = (json: unknown, text: string) =>
    console.log(globals.json ? JSON.stringify(json, null, 2) : text);
  return { globals, target, print };
}

// `start` leaves its servers running when its action returns: the process is not to exit then
let keepRunning = false;

/** The program: every command, its options and its help. */
export function program(): Command {
  const cli = new Command('orgflow')
    .description('AWS Organizations automation: the local stack, or AWS itself with --aws')
    .version(version, '-V, --version', 'the version of orgflow')
    .helpOption('-h, --help', 'this help')
    .addHelpCommand('help [command]', 'the help of a command')
    .option('--json', 'machine-readable output')
    .option('--data-dir <dir>', "the local stack's data directory", '.orgflow')
    .option('--aws', 'the same commands against AWS instead of the local stack')
    .option('--profile <name>', 'the AWS profile (with --aws)')
    .option('--api-url <url>', "orgflow's REST API (on AWS: its invoke URL)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(orgflow --help lists the commands; orgflow help <command> shows one)');

  cli
    .command('start')
    .description('start the local stack (same as npm start; orgflow start --help lists its options)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', 'the options of npm start')
    .action(async (words: string[], _options, command: Command) => {
      const { globals } = contextOf(command);
      const dataDir =
        command.parent?.getOptionValueSource('dataDir') === 'cli' ? ['--data-dir', globals.dataDir] : [];
      process.argv = [process.argv[0]!, 'local/main.ts', ...words, ...dataDir];
      keepRunning = true;
      await import('../local/main');
    });

  cli
    .command('env')
    .description(
      'the variables that point the AWS CLI, boto3 and the SDKs at the local stack, as export lines: eval "$(npx orgflow env)"',
    )
    .option('--edge', 'AWS_ENDPOINT_URL: every service through the one edge endpoint')
    .action((options: { edge?: boolean }, command: Command) => {
      const { globals, target, print } = contextOf(command);
      if (globals.aws)
        throw new UsageError("env names the local stack's endpoints; with --aws, AWS's own apply");
      const { endpoints, accessKeyId } = target();
      if (options.edge) {
        if (!endpoints!.edge)
          throw new Error('this local stack has no edge endpoint: restart it with this version of orgflow');
        const variables = edgeEnvironment({ edge: endpoints!.edge, region: endpoints!.region }, accessKeyId!);
        return print(
          variables,
          `${exportLines(variables)}\n# orgflow's API (signed, service execute-api): ${endpoints!.edge}/${apiStageName}/`,
        );
      }
      const variables = localEnvironment(endpoints!, accessKeyId!);
      print(
        variables,
        `${exportLines(variables)}\n# orgflow's API (signed, service execute-api): ${endpoints!.api}${
          endpoints!.edge
            ? `\n# every service on one endpoint instead: npx orgflow env --edge${globals.dataDir === '.orgflow' ? '' : ` --data-dir ${shellWord(globals.dataDir)}`}`
            : ''
        }`,
      );
    });

  cli
    .command('status')
    .description('the organization tree with account states, and running executions')
    .action(async (_options, command: Command) => {
      const { target: connectTo, print } = contextOf(command);
      const target = connectTo();
      const tree = await organizationTree(target.organizations);
      const running = target.sfn ? await listExecutions(target.sfn, 'RUNNING') : [];
      print(
        { organization: tree, runningExecutions: running },
        `${target.description}\n${renderTree(tree)}\n\nrunning executions:\n${renderExecutions(running)}`,
      );
    });

  cli
    .command('graph')
    .description(
      'a state machine as a Mermaid flowchart, as the console draws it (--json: its nodes and edges)',
    )
    .argument('<state-machine>', 'AccountVending, account-vending, … or the path of an .asl.json file')
    .action((ref: string, _options, command: Command) => {
      const graph = stateMachineGraph(ref);
      contextOf(command).print(graph, renderGraph(graph));
    });

  cli
    .command('executions')
    .description('executions of every workflow, newest first')
    .addOption(
      new Option('--state <state>', `only executions in this state: ${statuses.join(', ')}`).argParser(
        (value) => {
          const state = value.toUpperCase();
          if (!statuses.includes(state))
            throw new InvalidArgumentError(`it must be one of ${statuses.join(', ')}, not '${value}'`);
          return state;
        },
      ),
    )
    .action(async (options: { state?: string }, command: Command) => {
      const { target, print } = contextOf(command);
      const executions = await listExecutions(
        requireSfn(target()),
        options.state as ExecutionStatus | undefined,
      );
      print(executions, renderExecutions(executions));
    });

  cli
    .command('history')
    .description("an execution's history")
    .argument('<execution>', 'an execution ARN, or a name if unique')
    .option('--follow', 'keep printing until it ends')
    .action(async (ref: string, options: { follow?: boolean }, command: Command) => {
      const { globals, target: connectTo, print } = contextOf(command);
      const target = connectTo();
      const sfn = requireSfn(target);
      const executionArn = await resolveExecution(target, ref);
      let shown = 0;
      for (;;) {
        const events = await history(sfn, executionArn);
        if (globals.json && !options.follow) return print(events, '');
        const fresh = events.slice(shown);
        if (fresh.length > 0)
          console.log(globals.json ? fresh.map((e) => JSON.stringify(e)).join('\n') : renderHistory(fresh));
        shown = events.length;
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (!options.follow || status !== 'RUNNING') return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  cli
    .command('vend')
    .description('ask the API for an account')
    // required, checked below: a mistyped option is named first
    .option('--name <name>', 'the account name (required; quote a name with spaces: --name "Team A Dev")')
    .option('--email <email>', "the account's root email (required)")
    .option('--ou <ou>', 'the organizational unit: an id or a path like Workloads/Dev (required)')
    .option('--tag <key=value>', 'a tag of the account (repeatable)', collect)
    .option('--policy <policy>', 'a policy to attach (repeatable)', collect)
    .option('--key <key>', 'the Idempotency-Key (default: from the name and email)')
    .option('--follow', 'show its progress until it is ready or has failed')
    // words left over are refused below with a hint, instead of commander's bare count
    .allowExcessArguments()
    .action(async (options: VendOptions, command: Command) => {
      if (command.args.length > 0)
        throw new UsageError(
          `vend takes no words besides its options, got ${quoted(command.args)}: a name with spaces needs quotes, --name "${[options.name, ...command.args].join(' ')}"\n\nusage: ${vendUsage}`,
        );
      const missing = (['name', 'email', 'ou'] as const).filter((flag) => !options[flag]);
      if (missing.length > 0)
        throw new UsageError(`vend needs ${missing.map((m) => `--${m}`).join(', ')}\n\nusage: ${vendUsage}`);
      const tags = (options.tag ?? []).map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--tag takes key=value, not '${pair}'`);
        return { key: pair.slice(0, at), value: pair.slice(at + 1) };
      });
      const { globals, target, print } = contextOf(command);
      const connected = target();
      const api = apiOf(connected);
      const request = {
        accountName: options.name,
        email: options.email,
        organizationalUnit: options.ou,
        tags,
        policies: options.policy ?? [],
      };
      const accepted = await submitVending(
        api,
        request,
        options.key ?? defaultKey(options.name!, options.email!),
      );
      const follow = { sfn: connected.sfn, tty: process.stdout.isTTY === true };
      // a request that has already ended was asked for before with the same key (the API answers a repeat with the
      // same id): where it is, rather than "accepted" again
      const status = await requestStatus(api, accepted.requestId);
      if (accepted.created === false || hasEnded(status)) {
        if (!options.follow || hasEnded(status)) {
          print(
            { ...accepted, status },
            `request ${accepted.requestId} was asked for before (same name, email and key): ${describeRequest(status)}`,
          );
          if (status.state === 'FAILED') process.exitCode = 1;
          return;
        }
        if (!globals.json) console.log(`request ${accepted.requestId} was asked for before; following it`);
        return followRequest(api, accepted.requestId, globals.json, follow);
      }
      if (!options.follow)
        return print(accepted, `request ${accepted.requestId} accepted: ${accepted.statusUrl}`);
      if (!globals.json) console.log(`request ${accepted.requestId} accepted`);
      await followRequest(api, accepted.requestId, globals.json, follow);
    });

  cli
    .command('request')
    .description("a vending request's state (exit 1 if it failed)")
    .argument('<id>', 'the request id vend printed')
    .option('--follow', 'show its progress until it is ready or has failed')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const { globals, target, print } = contextOf(command);
      const connected = target();
      const api = apiOf(connected);
      if (options.follow)
        return followRequest(api, id, globals.json, {
          sfn: connected.sfn,
          tty: process.stdout.isTTY === true,
        });
      const status = await requestStatus(api, id);
      const place =
        status.state === 'PENDING' && connected.sfn ? await placeInLine(connected.sfn, id) : undefined;
      print(
        { ...status, ...(place ? { placeInLine: place } : {}) },
        `${describeRequest(status)}${place ? ` · ${describePlace(place)}` : ''}`,
      );
      if (status.state === 'FAILED') process.exitCode = 1;
    });

  cli
    .command('close')
    .description(
      "close accounts within AWS's closure quota (only callers the closure configuration names): those that cannot close now are deferred with a date, the management account and protected accounts skipped with why (exit 1 if it failed or an account could not be closed)",
    )
    .argument('[account-ids...]', 'the accounts to close (12 digits each), or --ou')
    .option('--ou <ou>', 'close the accounts of this OU')
    .option('--include-sub-ous', 'with --ou: the OUs under it too')
    .option('--reason <reason>', 'why these accounts are closed (tagged on each)')
    .option('--dry-run', 'only the plan')
    .option('--follow', 'show progress until the batch ends')
    .option('--idempotency-key <key>', 'the Idempotency-Key (default: a fresh one)')
    .addOption(new Option('--key <key>').hideHelp())
    .action(async (accountIds: string[], options: CloseCommandOptions, command: Command) => {
      const request = closureRequestOf(accountIds, {
        ou: options.ou,
        'include-sub-ous': options.includeSubOus,
        reason: options.reason,
        'dry-run': options.dryRun,
      });
      const { globals, target, print } = contextOf(command);
      const api = apiOf(target());
      const key = options.idempotencyKey ?? options.key ?? newIdempotencyKey();
      const accepted = await submitClosure(api, request, key);
      if (!options.follow)
        return print(
          { ...accepted, idempotencyKey: key },
          `closure batch ${accepted.batchId} accepted (Idempotency-Key ${key}): follow it with orgflow closure ${accepted.batchId} --follow`,
        );
      if (!globals.json) console.log(`closure batch ${accepted.batchId} accepted (Idempotency-Key ${key})`);
      const last = await followClosure(api, accepted.batchId, { json: globals.json });
      if (!hasSucceeded(last)) process.exitCode = 1;
    });

  cli
    .command('closure')
    .description('a closure batch: its state, the quota, and each account')
    .argument('<batch-id>', 'the batch id close printed')
    .option('--follow', 'show progress until the batch ends (exit 1 if it failed)')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const { globals, target, print } = contextOf(command);
      const api = apiOf(target());
      if (options.follow) {
        const last = await followClosure(api, id, { json: globals.json });
        if (!hasSucceeded(last)) process.exitCode = 1;
        return;
      }
      const status = await closureStatus(api, id);
      print(status, renderClosure(status));
    });

  cli
    .command('enable-all-features')
    .description(
      'take a consolidated-billing organization to all features (only callers the configuration names): orgflow approves as the invited members it can reach and waits for the others; one migration at a time (asking again shows the one running)',
    )
    .option('--dry-run', 'the members that must approve and which orgflow can approve for; nothing starts')
    .option(
      '--follow',
      'show progress until the organization is ALL, or until it waits for an operator (exit 1 unless it is ALL)',
    )
    .option('--idempotency-key <key>', 'the Idempotency-Key')
    .addOption(new Option('--key <key>').hideHelp())
    // taken only to be refused with the command that takes it
    .addOption(new Option('--resend').hideHelp())
    .allowExcessArguments()
    .action(async (options: MigrationCommandOptions, command: Command) => {
      migrationCommandOf('enable-all-features', command.args, {
        resend: options.resend,
        'dry-run': options.dryRun,
      });
      const { globals, target, print } = contextOf(command);
      const api = apiOf(target());
      if (options.dryRun) {
        const preview = await previewMigration(api);
        return print(preview, renderPreview(preview));
      }
      const accepted = await startMigration(api, options.idempotencyKey ?? options.key);
      const said = `migration ${accepted.migrationId} ${accepted.created ? 'started' : 'already running'}`;
      if (!options.follow)
        return print(
          accepted,
          `${said}: follow it with npx orgflow migration ${accepted.migrationId} --follow`,
        );
      if (!globals.json) console.log(said);
      const last = await followMigration(api, accepted.migrationId, { json: globals.json });
      if (last.state !== 'ENABLED') process.exitCode = 1;
    });

  cli
    .command('migration')
    .description('a migration to all features: its round, each member, the next look, and what comes next')
    .argument('[migration-id]', 'the migration id enable-all-features printed')
    .option(
      '--resend',
      'a migration that waits for an operator after a decline, cancellation or expiry starts its next round',
    )
    .option('--follow', 'show progress until the organization is ALL or it waits for an operator')
    .addOption(new Option('--dry-run').hideHelp())
    // the id is checked below, with what to type instead
    .allowExcessArguments()
    .action(async (_id: string | undefined, options: MigrationCommandOptions, command: Command) => {
      const id =
        migrationCommandOf('migration', command.args, { resend: options.resend, 'dry-run': options.dryRun })
          .migrationId ?? '';
      const { globals, target, print } = contextOf(command);
      const api = apiOf(target());
      if (options.resend) {
        const resent = await resendMigration(api, id);
        const said = `migration ${id}: resent; round ${resent.round} is cancelled and round ${resent.nextRound} starts`;
        if (!options.follow) return print(resent, said);
        if (!globals.json) console.log(said);
      }
      const last = options.follow
        ? await followMigration(api, id, { json: globals.json })
        : await migrationStatus(api, id);
      if (!options.follow) print(last, renderMigration(last));
      if (hasFinished(last) && last.state !== 'ENABLED') process.exitCode = 1;
    });

  return cli;
}

const vendUsage =
  'orgflow vend --name "Team A Dev" --email team-a-dev@example.com --ou Workloads/Dev [--tag k=v]… [--policy P]… [--key K] [--follow]';

interface VendOptions {
  name?: string;
  email?: string;
  ou?: string;
  tag?: string[];
  policy?: string[];
  key?: string;
  follow?: boolean;
}

interface CloseCommandOptions {
  ou?: string;
  includeSubOus?: boolean;
  reason?: string;
  dryRun?: boolean;
  follow?: boolean;
  idempotencyKey?: string;
  key?: string;
}

interface MigrationCommandOptions {
  dryRun?: boolean;
  resend?: boolean;
  follow?: boolean;
  idempotencyKey?: string;
  key?: string;
}

/** Runs the command line; resolves with the exit status, or undefined when a stack now runs in this process. */
export async function run(argv: string[]): Promise<number | undefined> {
  const cli = program();
  const fail = (message: string) => process.stderr.write(`orgflow: ${message.replace(/^error: /, '')}`);
  for (const command of [cli, ...cli.commands])
    command.exitOverride().configureOutput({ outputError: (text) => fail(text) });
  try {
    await cli.parseAsync(argv, { from: 'user' });
    if (keepRunning) return undefined;
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are done; `orgflow` alone is a command line that cannot run
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code))
        return error.exitCode === 0 ? 0 : 2;
      return 2;
    }
    if (error instanceof UsageError) {
      fail(`${error.message}\n`);
      return 2;
    }
    const globals = cli.opts<GlobalOptions>();
    const explained = explainUnreachable(error, { ...globals, aws: globals.aws === true });
    fail(`${(explained ?? (error as Error)).message}\n`);
    return 1;
  }
}

replaceSdkNodeNotice();
const status = await run(process.argv.slice(2));
if (status !== undefined) process.exit(status);
