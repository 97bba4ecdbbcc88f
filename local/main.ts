import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadClosureConfig } from '../functions/account-closure/closure-config';
import { loadMigrationConfig } from '../functions/all-features/migration-config';
import { loadReactionsConfig } from '../functions/reactions/reactions-config';
import { dataDirectory } from './data-dir';
import { shellWord } from './environment-variables';
import { exposureWarning } from './host';
import { type Limits, legacyQuotas } from './organizations/config';
import type { FaultConfig } from './organizations/faults';
import { DEMO_MANAGEMENT_ACCOUNT, type DemoOrganization, demoOrganizations } from './organizations/seed';
import { replaceSdkNodeNotice } from './sdk-node-notice';
import { startLocalStack } from './stack';

const usage = `usage: npm start -- [options]

  --port <n>                    first port: Organizations on n, STS n+1, Step Functions n+2, events n+3,
                                DynamoDB n+4, API n+5, console n+6, the edge endpoint (every service on
                                one port) n+7 (default 4701; 0 picks free ones)
  --host <addr>                 address to listen on (default 127.0.0.1)
  --data-dir <dir>              where state and endpoints.json are kept, owner-only and by one stack at
                                a time (default .orgflow)
  --time-scale <n>              virtual seconds per real second, e.g. 60 (default 1)
  --throttling <on|off>         AWS's published API rate limits (default on)
  --account-quota <n>           accounts per organization (default 1000, as if raised through Service Quotas)
  --create-account-seconds <s>  how long CreateAccount stays IN_PROGRESS: "3-20" (default) or "0"
  --close-account-seconds <s>   how long CloseAccount stays PENDING_CLOSURE (default 60)
  --quota-profile <name>        current (default) or legacy (the older documented quotas)
  --closure-config <file.json>  the closure configuration (who may close, protected OUs, the decommission OU;
                                see functions/account-closure/closure-config.ts); default: the demo's
  --all-features-config <file.json>
                                the enable-all-features configuration (who may migrate, the approval role,
                                rounds; see functions/all-features/migration-config.ts); default: the demo's
  --reactions-config <file.json>
                                the reactions configuration (baseline of joining accounts, guardrails; see
                                functions/reactions/reactions-config.ts); default: the demo's
  --faults <file.json>          fault injection per operation, e.g. {"CreateAccount":{"throttle":0.3}}
  --fault-seed <n>              seed for the fault draws, for replayable runs
  --fsync                       flush every write to disk before answering (survives a machine crash)
  --function-environments <m>   isolated (default: each function in worker threads of its own, as on
                                Lambda) or shared (every function in this process: faster cold starts)
  --demo-organization <name>    what a new data directory is seeded with: all-features (default) or
                                consolidated-billing (invited members, some without the access role)
  -h, --help                    show this help`;

/** The text of a configuration file given by `--<flag>`, checked by `check`; undefined when not given. */
function configurationFile(
  flag: string,
  file: string | undefined,
  check: (text: string) => unknown,
): string | undefined {
  if (!file) return undefined;
  try {
    const text = readFileSync(file, 'utf8');
    check(text);
    return text;
  } catch (error) {
    throw new Error(`--${flag} ${file}: ${(error as Error).message}`);
  }
}

function whole(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

function seconds(name: string, value: string): [number, number] {
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value);
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (!match || !(max >= min))
    throw new Error(`--${name} must be seconds like "5" or "3-20", not '${value}'`);
  return [min * 1000, max * 1000];
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4701' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: '.orgflow' },
      'time-scale': { type: 'string', default: '1' },
      throttling: { type: 'string', default: 'on' },
      'account-quota': { type: 'string', default: '1000' },
      'create-account-seconds': { type: 'string' },
      'close-account-seconds': { type: 'string' },
      'quota-profile': { type: 'string', default: 'current' },
      faults: { type: 'string' },
      'closure-config': { type: 'string' },
      'reactions-config': { type: 'string' },
      'all-features-config': { type: 'string' },
      'fault-seed': { type: 'string' },
      fsync: { type: 'boolean', default: false },
      'function-environments': { type: 'string', default: 'isolated' },
      'demo-organization': { type: 'string', default: 'all-features' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 100_000))
    throw new Error(
      `--time-scale must be a number above 0 and at most 100000, not '${values['time-scale']}'`,
    );
  if (!['on', 'off'].includes(values.throttling))
    throw new Error(`--throttling must be on or off, not '${values.throttling}'`);
  if (!['isolated', 'shared'].includes(values['function-environments']))
    throw new Error(
      `--function-environments must be isolated or shared, not '${values['function-environments']}'`,
    );
  if (!(demoOrganizations as readonly string[]).includes(values['demo-organization']))
    throw new Error(
      `--demo-organization must be ${demoOrganizations.join(' or ')}, not '${values['demo-organization']}'`,
    );
  if (!['current', 'legacy'].includes(values['quota-profile']))
    throw new Error(`--quota-profile must be current or legacy, not '${values['quota-profile']}'`);
  const limits: Partial<Limits> = {
    ...(values['quota-profile'] === 'legacy' ? legacyQuotas : {}),
    accountQuota: whole('account-quota', values['account-quota'], 1, 50_000),
  };
  if (values['create-account-seconds'])
    limits.createAccountDurationMs = seconds('create-account-seconds', values['create-account-seconds']);
  if (values['close-account-seconds'])
    limits.closeAccountDurationMs = seconds('close-account-seconds', values['close-account-seconds'])[0];
  let faults: FaultConfig | undefined;
  if (values.faults) {
    try {
      faults = JSON.parse(readFileSync(values.faults, 'utf8'));
    } catch (error) {
      throw new Error(`--faults ${values.faults}: ${(error as Error).message}`);
    }
  }
  // each refused here, with the field, rather than by every function that reads it as it starts
  const closureConfig = configurationFile('closure-config', values['closure-config'], (text) =>
    loadClosureConfig({ CLOSURE_CONFIG: text }),
  );
  const allFeaturesConfig = configurationFile('all-features-config', values['all-features-config'], (text) =>
    loadMigrationConfig({ ALL_FEATURES_CONFIG: text }),
  );
  const reactionsConfig = configurationFile('reactions-config', values['reactions-config'], (text) =>
    loadReactionsConfig({ REACTIONS_CONFIG: text }),
  );
  return {
    help: values.help,
    firstPort: whole('port', values.port, 0, 65_530),
    host: values.host,
    dataDir: dataDirectory(values['data-dir']),
    dataDirGiven: values['data-dir'],
    timeScale,
    throttling: values.throttling === 'on',
    limits,
    fsync: values.fsync,
    functionEnvironments: values['function-environments'] as 'isolated' | 'shared',
    demoOrganization: values['demo-organization'] as DemoOrganization,
    ...(faults ? { faults } : {}),
    ...(closureConfig ? { closureConfig } : {}),
    ...(allFeaturesConfig ? { allFeaturesConfig } : {}),
    ...(reactionsConfig ? { reactionsConfig } : {}),
    ...(values['fault-seed'] ? { faultSeed: whole('fault-seed', values['fault-seed'], 0, 2 ** 31) } : {}),
  };
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`orgflow: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(usage);
    return;
  }
  replaceSdkNodeNotice();
  const warning = exposureWarning(options.host);
  if (warning) console.error(warning);
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  const at = (offset: number) => (options.firstPort === 0 ? 0 : options.firstPort + offset);
  try {
    stack = await startLocalStack({
      ...options,
      ports: {
        organizations: at(0),
        sts: at(1),
        stepfunctions: at(2),
        events: at(3),
        dynamodb: at(4),
        api: at(5),
        console: at(6),
        edge: at(7),
      },
    });
  } catch (error) {
    console.error(`orgflow: cannot start the local stack: ${(error as Error).message}`);
    process.exit(1);
  }
  const { endpoints, emulator } = stack;
  // before the banner: whoever reads it may stop the stack at once
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // the suggested commands name the data directory this stack was started with, as it was given
  const dataDirFlag =
    options.dataDirGiven === '.orgflow' ? '' : ` --data-dir ${shellWord(options.dataDirGiven)}`;
  const org = emulator.store.organizations.values().next().value;
  const creation = emulator.limits.createAccountDurationMs.map((ms) => ms / 1000).join('-');
  console.log(`orgflow local stack
  organizations  ${endpoints.organizations}   (the access key id is the calling account)
  sts            ${endpoints.sts}
  stepfunctions  ${endpoints.stepfunctions}   (${Object.keys(stack.stateMachineArns).join(', ')})
  events         ${endpoints.events}
  dynamodb       ${endpoints.dynamodb}
  api            ${endpoints.api}account-requests
  console        ${endpoints.console}   (the organization, requests and runs, each execution as a graph, live)
  edge           ${endpoints.edge}   (every service above on one port: AWS_ENDPOINT_URL=${endpoints.edge})
  data           ${options.dataDir}${stack.seeded ? '   (new: seeded the demo organization)' : '   (resumed)'}
  organization   ${org?.id ?? '(none)'}, management account ${org?.managementAccountId ?? '-'}
  clock          x${options.timeScale}; throttling ${options.throttling ? 'on' : 'off'}; CreateAccount takes ${creation}s

Try it, in another terminal in this folder:
${
  org?.featureSet === 'CONSOLIDATED_BILLING'
    ? `  npx orgflow enable-all-features --follow${dataDirFlag}     (consolidated billing only: move it to all features)`
    : `  npx orgflow vend --name "Team A Dev" --email team-a-dev@example.com --ou Workloads/Dev --follow${dataDirFlag}
  npx orgflow status${dataDirFlag}`
}

or with the AWS CLI, boto3 or an AWS SDK (npx orgflow env${dataDirFlag} prints the variables of every service;
npx orgflow env --edge${dataDirFlag}, those of the one edge endpoint):
  eval "$(npx orgflow env${dataDirFlag})"
  aws organizations list-accounts

The organization keeps itself in shape (functions/reactions/reactions-config.ts): an account created or invited
outside orgflow lands in Sandbox with the baseline, e.g. (with the variables above)
  aws organizations create-account --email outside@example.com --account-name Outside

Events (signed, as every endpoint wants):
  curl -N --aws-sigv4 aws:amz:us-east-1:organizations --user ${DEMO_MANAGEMENT_ACCOUNT}:local ${endpoints.organizations}/_orgflow/events
Ctrl-C stops; the next start resumes from ${options.dataDir}.`);
}

await main();
