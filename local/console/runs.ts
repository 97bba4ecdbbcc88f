import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
  paginateListStateMachines,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { REMEMBER_EVENTS_FOR_SECONDS } from '../../functions/_shared/idempotency';
import { closuresInWindow, recordedQuotaLimit } from '../../functions/account-closure/ledger';
import { closureBudget } from '../../functions/governor/closure-window';
import { isHeld, type SlotPool } from '../../functions/governor/plan';
import {
  CloseAccountPoolEnvSchema,
  CreateAccountPoolEnvSchema,
  closeAccountPool,
  createAccountPool,
} from '../../functions/governor/pools';
import { readLine } from '../../functions/governor/store';
import type { PoolView, QuotaView, RunKind, RunsView, RunView } from './views';

// Requests and runs as the console lists them: every execution of every state machine (ListStateMachines,
// ListExecutions; an execution's input and outcome from DescribeExecution, kept once it has ended), the
// reactions from their idempotency records in the governor table, and the quota picture from the governor's
// items (slots, the line, the closure ledger).

const kinds: Record<string, RunKind> = {
  AccountVending: 'account-request',
  ClosureBatch: 'closure-batch',
  AccountClosure: 'closure',
  AllFeaturesMigration: 'all-features-migration',
};

/** the reactions run once per CloudTrail event (functions/_shared/idempotency.ts), by the name they run under */
export const REACTIONS = ['BaselineAccount', 'RevertGuardrailDrift', 'AccountDeparted', 'StartDecommission'];

export interface RunsReaderOptions {
  sfn: SFNClient;
  db: DynamoDBDocumentClient;
  table: string;
  now: () => number;
  /** executions listed per state machine, newest first */
  limit?: number;
}

type Described = Pick<DescribeExecutionCommandOutput, 'input' | 'output' | 'status'>;

const parse = (text: string | undefined): Record<string, unknown> => {
  try {
    const value = text ? JSON.parse(text) : {};
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
};

function subjectOf(kind: RunKind, input: Record<string, unknown>): string | undefined {
  const request = (input.request ?? input) as Record<string, unknown>;
  if (kind === 'account-request' && request.accountName)
    return `${request.accountName} → ${String(request.organizationalUnit ?? '')}`;
  if (kind === 'closure' && input.accountId) return `account ${input.accountId}`;
  if (kind === 'closure-batch') {
    const ids = request.accountIds as unknown[] | undefined;
    return (
      [
        request.organizationalUnit ? `OU ${request.organizationalUnit}` : '',
        ids?.length ? `${ids.length} accounts` : '',
      ]
        .filter(Boolean)
        .join(', ') || undefined
    );
  }
  return undefined;
}

/** Reads runs; an ended execution's description is kept, as it never changes. */
export class RunsReader {
  readonly #described = new Map<string, Described>();
  #machines: { name: string; arn: string }[] | undefined;

  constructor(private readonly options: RunsReaderOptions) {}

  async machines(): Promise<{ name: string; arn: string }[]> {
    if (!this.#machines) {
      const machines: { name: string; arn: string }[] = [];
      for await (const page of paginateListStateMachines({ client: this.options.sfn }, {}))
        for (const m of page.stateMachines ?? []) machines.push({ name: m.name!, arn: m.stateMachineArn! });
      this.#machines = machines;
    }
    return this.#machines;
  }

  async #describe(item: ExecutionListItem): Promise<Described> {
    const kept = this.#described.get(item.executionArn!);
    if (kept) return kept;
    const described = await this.options.sfn.send(
      new DescribeExecutionCommand({ executionArn: item.executionArn }),
    );
    if (described.status !== 'RUNNING') this.#described.set(item.executionArn!, described);
    return described;
  }

  async read(): Promise<RunsView> {
    const machines = await this.machines();
    const lists = await Promise.all(
      machines.map(async (machine) => {
        const { executions } = await this.options.sfn.send(
          new ListExecutionsCommand({ stateMachineArn: machine.arn, maxResults: this.options.limit ?? 50 }),
        );
        return Promise.all(
          (executions ?? []).map(async (item): Promise<RunView> => {
            const described = await this.#describe(item);
            const input = parse(described.input);
            const output = parse(described.output);
            const kind = kinds[machine.name] ?? 'closure';
            const caller = (input.caller ?? {}) as { arn?: string };
            const subject = subjectOf(kind, input);
            return {
              kind,
              workflow: machine.name,
              name: item.name!,
              executionArn: item.executionArn!,
              status: item.status!,
              startedAt: new Date(item.startDate!).toISOString(),
              ...(item.stopDate ? { stoppedAt: new Date(item.stopDate).toISOString() } : {}),
              ...(caller.arn ? { requester: caller.arn } : {}),
              ...(subject ? { subject } : {}),
              ...(typeof output.state === 'string' ? { outcome: output.state } : {}),
              ...(typeof output.error === 'string' ? { error: output.error } : {}),
            };
          }),
        );
      }),
    );
    const [reactions, quotas] = await Promise.all([this.#reactions(), this.quotas()]);
    const runs = [...lists.flat(), ...reactions].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return { now: new Date(this.options.now()).toISOString(), runs, quotas };
  }

  /** The reactions' runs, one per CloudTrail event they handled (their idempotency records). */
  async #reactions(): Promise<RunView[]> {
    const { db, table } = this.options;
    const runs = await Promise.all(
      REACTIONS.map(async (name) => {
        const { Items } = await db.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `idempotency#${name}` },
          }),
        );
        return (Items ?? []).map((item): RunView => {
          const expiresAt = Number(item.expiresAt ?? item.expiration ?? 0);
          const data = parse(typeof item.data === 'string' ? item.data : undefined);
          const summary = Object.entries(data)
            .filter(([, v]) => typeof v !== 'object')
            .map(([k, v]) => `${k}: ${v}`)
            .slice(0, 3)
            .join(', ');
          return {
            kind: 'reaction',
            workflow: name,
            name: String(item.sk ?? '').slice(0, 12),
            status: item.status === 'COMPLETED' ? 'SUCCEEDED' : String(item.status ?? 'RUNNING'),
            startedAt: new Date((expiresAt - REMEMBER_EVENTS_FOR_SECONDS) * 1000).toISOString(),
            ...(summary ? { subject: summary } : {}),
          };
        });
      }),
    );
    return runs.flat();
  }

  /** CreateAccount slots in use and the line behind them; closures in flight and the 30-day budget. */
  async quotas(): Promise<QuotaView> {
    const { db, table, now } = this.options;
    const env = { GOVERNOR_TABLE_NAME: table };
    const pool = async (pool: SlotPool): Promise<PoolView> => {
      const line = await readLine(db, pool);
      const at = now();
      return {
        slots: pool.slots,
        inUse: line.slots.filter((slot) => isHeld(slot, at)).length,
        waiting: line.waiters.filter((w) => w.grantId === undefined).length,
      };
    };
    const [createAccount, closeAccount, window, limit] = await Promise.all([
      pool(createAccountPool(CreateAccountPoolEnvSchema.parse(env))),
      pool(closeAccountPool(CloseAccountPoolEnvSchema.parse(env))),
      closuresInWindow({ db, table }, now()),
      recordedQuotaLimit({ db, table }),
    ]);
    const budget = limit === undefined ? undefined : closureBudget(window, limit, now());
    return {
      createAccount,
      closeAccount,
      closureBudget: {
        used: budget?.used ?? window.length,
        limit: limit ?? null,
        nextFitsAt: budget && budget.nextFitsAt > now() ? new Date(budget.nextFitsAt).toISOString() : null,
      },
    };
  }
}
