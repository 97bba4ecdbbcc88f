import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { history, listExecutions, renderExecutions, renderHistory } from './executions';
import { organizationTree, renderTree } from './organization-tree';
import { connect, type Target } from './target';

const usage = `usage: orgflow <command> [options]

commands:
  start [npm start options]     start the local stack (same as npm start; --help lists its options)
  status                        the organization tree with account states, and running executions
  executions [--state S]        executions of every workflow, newest first (S: RUNNING, SUCCEEDED, FAILED, …)
  history <execution>           an execution's history (an execution ARN, or a name if unique)
                                --follow: keep printing until it ends

options:
  --json                        machine-readable output
  --data-dir <dir>              the local stack's data directory (default .orgflow)
  --aws [--profile <name>]      the same commands against AWS instead of the local stack
  -h, --help`;

const statuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

function requireSfn(target: Target) {
  if (!target.sfn) throw new Error(`${target.description} has no Step Functions endpoint`);
  return target.sfn;
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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (!command || values.help || command === 'help') {
    console.log(usage);
    return;
  }
  const target = connect({ aws: values.aws, profile: values.profile, dataDir: values['data-dir'] });
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
    default:
      throw new Error(`unknown command '${command}'\n\n${usage}`);
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  const message = (error as Error).message;
  console.error(`orgflow: ${message}`);
  process.exit(1);
}
