// Throttling fidelity of the Organizations emulator: with throttling on, is each operation held to the rate
// AWS publishes? Each operation gets its own emulator, in this process behind its HTTP server, with a
// ScaledClock sped up (or slowed down) so that its published rate comes to PACE calls per real second: the
// 0.05/s of CloseAccount and the 20/s of DescribeAccount are then measured alike, and all at once. Real SDK
// clients (maxAttempts 1) call the operation back to back, more of them than the rate allows. Once the burst
// is spent (the first refusal), the benchmark times the next TOKENS admitted calls on the emulator's clock:
// measured rate = (admitted - 1) / (virtual time from the first to the last of them). Prints, per operation,
// the published rate, the measured one, their ratio (target 0.9-1.1) and the share of calls refused.
// It asserts nothing. A bucket with a burst of 1 (CloseAccount) banks nothing beyond one token, so the time
// between a token's arrival and the next call is lost, as it would be against AWS: such rows read slightly
// under 1, the more so the busier the machine (a slower PACE helps).
// BENCH_PACE and BENCH_TOKENS override the defaults below.
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  EnableAWSServiceAccessCommand,
  ListAccountsCommand,
  ListDelegatedAdministratorsCommand,
  ListHandshakesForAccountCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { ScaledClock } from '../local/clock';
import { OrganizationsEmulator } from '../local/organizations/emulator';
import { type RunningServer, startOrganizationsServer } from '../local/organizations/server';
import { publishedRates } from '../local/organizations/throttling';

/** admitted calls per real second each operation's clock is scaled to */
const PACE = Number(process.env.BENCH_PACE ?? 2);
/** admitted calls timed per operation after its burst */
const TOKENS = Number(process.env.BENCH_TOKENS ?? 40);
/** concurrent SDK clients per operation */
const WORKERS = 4;
const MANAGEMENT = '111111111111';
const THROTTLED = 'TooManyRequestsException';

/** One operation's emulator, with an organization whose management account is MANAGEMENT. */
class Stage {
  readonly clients: OrganizationsClient[] = [];
  readonly org: OrganizationsClient;
  rootId = '';
  private names = 0;

  private constructor(
    readonly emulator: OrganizationsEmulator,
    readonly server: RunningServer,
  ) {
    this.org = this.client(MANAGEMENT);
  }

  static async start(speed: number): Promise<Stage> {
    const emulator = new OrganizationsEmulator({
      clock: new ScaledClock(speed),
      throttling: false,
      limits: { accountQuota: 5000, createAccountDurationMs: [0, 0], closeAccountDurationMs: 0 },
    });
    const stage = new Stage(emulator, await startOrganizationsServer(emulator, { port: 0 }));
    await stage.org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    stage.rootId = (await stage.org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    return stage;
  }

  client(accountId: string): OrganizationsClient {
    const made = new OrganizationsClient({
      endpoint: this.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: accountId, secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    this.clients.push(made);
    return made;
  }

  name(prefix: string): string {
    return `${prefix}${++this.names}`;
  }

  /** Creates a member account (creations finish at once here). */
  async createAccount(): Promise<{ accountId: string; requestId: string }> {
    const name = this.name('account');
    const { CreateAccountStatus } = await this.org.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@bench.example` }),
    );
    const requestId = CreateAccountStatus!.Id!;
    const { CreateAccountStatus: done } = await this.org.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
    );
    return { accountId: done!.AccountId!, requestId };
  }

  async createAccounts(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await this.createAccount()).accountId);
    return ids;
  }

  async createOu(): Promise<string> {
    const { OrganizationalUnit } = await this.org.send(
      new CreateOrganizationalUnitCommand({ ParentId: this.rootId, Name: this.name('ou') }),
    );
    return OrganizationalUnit!.Id!;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    await this.server.close();
    this.emulator.close();
  }
}

type Call = (client: OrganizationsClient, worker: number) => Promise<unknown>;

interface Row {
  operation: string;
  /** which published limit binds: the calling account's, or the organization's (two accounts call together) */
  scope: 'account' | 'organization';
  /** makes what the calls need, with throttling still off; returns the call and the accounts that make it */
  prepare(stage: Stage): Promise<{ call: Call; callers?: string[] }>;
}

/** Takes an item for a call and puts it back if the call is refused, so throttling loses no item. */
function drawingFrom<T>(pool: T[], use: (item: T) => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    const item = pool.shift();
    if (item === undefined) throw new Error('the benchmark ran out of prepared items: raise the pool size');
    try {
      return await use(item);
    } catch (error) {
      if ((error as Error).name === THROTTLED) pool.unshift(item);
      throw error;
    }
  };
}

/** enough items for the timed calls, the burst and the calls in flight when timing stops */
const POOL = TOKENS + 10 + WORKERS;

const rows: Row[] = [
  {
    operation: 'CreateAccount',
    scope: 'account',
    prepare: async (stage) => ({
      call: (c) => {
        const name = stage.name('created');
        return c.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@bench.example` }));
      },
    }),
  },
  {
    operation: 'CloseAccount',
    scope: 'account',
    prepare: async (stage) => {
      const closable = await stage.createAccounts(POOL);
      return {
        call: (c) => drawingFrom(closable, (AccountId) => c.send(new CloseAccountCommand({ AccountId })))(),
      };
    },
  },
  {
    operation: 'DescribeAccount',
    scope: 'account',
    prepare: async () => ({ call: (c) => c.send(new DescribeAccountCommand({ AccountId: MANAGEMENT })) }),
  },
  {
    operation: 'DescribeCreateAccountStatus',
    scope: 'account',
    prepare: async (stage) => {
      const { requestId } = await stage.createAccount();
      return {
        call: (c) => c.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId })),
      };
    },
  },
  {
    operation: 'ListAccounts',
    scope: 'account',
    prepare: async () => ({ call: (c) => c.send(new ListAccountsCommand({ MaxResults: 20 })) }),
  },
  {
    operation: 'ListRoots',
    scope: 'account',
    prepare: async () => ({ call: (c) => c.send(new ListRootsCommand({})) }),
  },
  {
    operation: 'MoveAccount',
    scope: 'account',
    prepare: async (stage) => {
      // each worker moves its own account to and fro between the root and an OU
      const movers = await stage.createAccounts(WORKERS);
      const ouId = await stage.createOu();
      const parents = movers.map(() => stage.rootId);
      return {
        call: async (c, worker) => {
          const from = parents[worker]!;
          const to = from === stage.rootId ? ouId : stage.rootId;
          await c.send(
            new MoveAccountCommand({
              AccountId: movers[worker]!,
              SourceParentId: from,
              DestinationParentId: to,
            }),
          );
          parents[worker] = to;
        },
      };
    },
  },
  {
    operation: 'TagResource',
    scope: 'account',
    prepare: async (stage) => ({
      call: (c) =>
        c.send(
          new TagResourceCommand({
            ResourceId: stage.rootId,
            Tags: [{ Key: 'bench', Value: stage.name('v') }],
          }),
        ),
    }),
  },
  {
    operation: 'AttachPolicy',
    scope: 'account',
    prepare: async (stage) => {
      // each OU takes 9 policies beside the FullAWSAccess it has (10 per target)
      const policies: string[] = [];
      for (let p = 0; p < 9; p++) {
        const { Policy } = await stage.org.send(
          new CreatePolicyCommand({
            Name: `bench${p}`,
            Description: 'benchmark',
            Type: 'SERVICE_CONTROL_POLICY',
            Content: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Deny', Action: `bench${p}:*`, Resource: '*' }],
            }),
          }),
        );
        policies.push(Policy!.PolicySummary!.Id!);
      }
      const pairs: { PolicyId: string; TargetId: string }[] = [];
      for (let t = 0; t < Math.ceil(POOL / policies.length); t++) {
        const TargetId = await stage.createOu();
        for (const PolicyId of policies) pairs.push({ PolicyId, TargetId });
      }
      return { call: (c) => drawingFrom(pairs, (pair) => c.send(new AttachPolicyCommand(pair)))() };
    },
  },
  {
    operation: 'ListHandshakesForAccount',
    scope: 'organization',
    prepare: async (stage) => {
      const [member] = await stage.createAccounts(1);
      return { call: (c) => c.send(new ListHandshakesForAccountCommand({})), callers: [MANAGEMENT, member!] };
    },
  },
  {
    operation: 'ListDelegatedAdministrators',
    scope: 'organization',
    prepare: async (stage) => {
      const [member] = await stage.createAccounts(1);
      const ServicePrincipal = 'config.amazonaws.com';
      await stage.org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal }));
      await stage.org.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: member!, ServicePrincipal }),
      );
      return {
        call: (c) => c.send(new ListDelegatedAdministratorsCommand({})),
        callers: [MANAGEMENT, member!],
      };
    },
  },
];

interface Measure {
  row: Row;
  published: number;
  speed: number;
  /** virtual ms at which each timed call was answered */
  admittedAt: number[];
  refused: number;
  failed: number;
}

function publishedRate(row: Row): number {
  const rate = publishedRates[row.operation];
  const limit = row.scope === 'organization' ? rate?.organization : rate?.account;
  if (!limit) throw new Error(`${row.operation} has no published ${row.scope} rate`);
  return limit[0];
}

/** Calls the row's operation with WORKERS clients until TOKENS calls after the burst have been admitted. */
async function measure(row: Row): Promise<Measure> {
  const published = publishedRate(row);
  const speed = PACE / published;
  const stage = await Stage.start(speed);
  try {
    const { call, callers = [MANAGEMENT] } = await row.prepare(stage);
    stage.emulator.throttler.enabled = true;
    const clock = stage.emulator.clock;
    const result: Measure = { row, published, speed, admittedAt: [], refused: 0, failed: 0 };
    let burstSpentAt: number | undefined;
    const done = () => result.admittedAt.length >= TOKENS;
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const client = stage.client(callers[worker % callers.length]!);
        while (!done()) {
          const sentAt = clock.now();
          let outcome = 'ok';
          try {
            await call(client, worker);
          } catch (error) {
            outcome = (error as Error).name;
            if (outcome !== THROTTLED && result.failed === 0)
              console.error(`${row.operation}: ${outcome}: ${(error as Error).message}`);
          }
          if (burstSpentAt === undefined) {
            if (outcome === THROTTLED) burstSpentAt = clock.now();
          } else if (sentAt >= burstSpentAt && !done()) {
            if (outcome === THROTTLED) result.refused++;
            else {
              // any other answer got past the throttle; a failure is a mistake of this benchmark, shown apart
              if (outcome !== 'ok') result.failed++;
              result.admittedAt.push(clock.now());
            }
          }
        }
      }),
    );
    return result;
  } finally {
    await stage.close();
  }
}

const cell = (value: string | number, width: number) => String(value).padStart(width);

async function main() {
  const realStart = performance.now();
  console.log(
    `Organizations emulator, throttling on: per operation its own emulator, clock scaled so the published rate is ${PACE} calls per real second,\n` +
      `${WORKERS} SDK clients (maxAttempts 1) calling back to back, ${TOKENS} admitted calls timed after the burst; all operations at once\n`,
  );
  const results = await Promise.all(rows.map(measure));
  const failures = results.some((r) => r.failed > 0);
  console.log(
    `${'operation'.padEnd(28)} ${'limit per'.padEnd(12)} ${cell('published/s', 11)} ${cell('measured/s', 11)} ${cell('ratio', 6)} ${cell('refused', 8)} ${cell('clock', 6)} ${cell('virtual s', 9)}${failures ? cell('failed', 8) : ''}`,
  );
  for (const r of results) {
    const first = r.admittedAt[0]!;
    const last = r.admittedAt.at(-1)!;
    const measured = ((r.admittedAt.length - 1) * 1000) / (last - first);
    const calls = r.admittedAt.length + r.refused;
    console.log(
      `${r.row.operation.padEnd(28)} ${r.row.scope.padEnd(12)} ${cell(r.published, 11)} ${cell(measured.toFixed(3), 11)} ${cell((measured / r.published).toFixed(3), 6)} ${cell(`${((r.refused / calls) * 100).toFixed(1)}%`, 8)} ${cell(`x${r.speed >= 1 ? r.speed.toFixed(0) : r.speed.toFixed(2)}`, 6)} ${cell(((last - first) / 1000).toFixed(1), 9)}${failures ? cell(r.failed, 8) : ''}`,
    );
  }
  console.log(
    `\norganization rows: the management account and a member call together, so the organization's bucket binds` +
      `\nreal time ${((performance.now() - realStart) / 1000).toFixed(1)} s`,
  );
}

await main();
