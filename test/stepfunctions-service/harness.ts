import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ManualClock } from '../../local/clock';
import { LambdaRunner } from '../../local/lambda/runner';
import {
  type RunningServer,
  StepFunctionsService,
  type StepFunctionsServiceOptions,
  startStepFunctionsServer,
} from '../../local/stepfunctions/service/index';

export const ACCOUNT = '111111111111';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/orgflow-test`;
export const START = Date.UTC(2026, 0, 1);

export const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function`;
export const HANDLERS = fileURLToPath(new URL('./fixtures/handlers.ts', import.meta.url));

/** A real Lambda runner with the fixture handlers as functions named after them in kebab case. */
export function fixtureRunner(): LambdaRunner {
  const runner = new LambdaRunner({ accountId: ACCOUNT });
  const functions: Record<string, string> = {
    'create-account': 'createAccount',
    noop: 'noop',
    'missing-account': 'missingAccount',
    'throttled-once': 'throttledOnce',
    'keeps-token': 'keepsToken',
    held: 'held',
  };
  for (const [name, exported] of Object.entries(functions))
    runner.register(name, { module: HANDLERS, export: exported, timeoutMs: 30_000, memoryMb: 128 });
  runner.register('hangs', { module: HANDLERS, export: 'hangs', timeoutMs: 100, memoryMb: 128 });
  return runner;
}

/** A service behind its HTTP server, and a real SDK client of it (no retries). */
export interface Stack {
  service: StepFunctionsService;
  server: RunningServer;
  client: SFNClient;
  clock: ManualClock;
  /** closes client, server and service, as a process that ends would (executions are left where they are) */
  close(): Promise<void>;
}

export async function startStack(
  options: Omit<StepFunctionsServiceOptions, 'clock'> & { clock?: ManualClock } = {},
): Promise<Stack> {
  const clock = options.clock ?? new ManualClock(START);
  const service = new StepFunctionsService({
    accountId: ACCOUNT,
    onInternalError: (error) => {
      throw error;
    },
    ...options,
    clock,
  });
  const server = await startStepFunctionsServer(service);
  const client = sfnClient(server.url);
  return {
    service,
    server,
    client,
    clock,
    async close() {
      client.destroy();
      await server.close();
      service.close();
    },
  };
}

export function sfnClient(endpoint: string, accessKeyId = ACCOUNT): SFNClient {
  return new SFNClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Temporary data directories, removed by `removeAll`. */
export function dataDirs() {
  const dirs: string[] = [];
  return {
    fresh(): string {
      const dir = mkdtempSync(join(tmpdir(), 'orgflow-sfn-'));
      dirs.push(dir);
      return dir;
    },
    removeAll(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a state machine from an inline definition and returns its ARN. */
export async function createMachine(client: SFNClient, name: string, definition: object): Promise<string> {
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }),
  );
  return stateMachineArn!;
}

export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  input: unknown = {},
  name?: string,
): Promise<string> {
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) }),
  );
  return executionArn!;
}

/** Retries `check` until it stops throwing (executions move on asynchronously after each API call). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

export async function describe(
  client: SFNClient,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput> {
  return client.send(new DescribeExecutionCommand({ executionArn }));
}

/** Waits until the execution has ended and returns its description. */
export function finished(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return eventually(async () => {
    const out = await describe(client, executionArn);
    if (out.status === 'RUNNING') throw new Error(`${executionArn} is still running`);
    return out;
  });
}

export async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export async function types(client: SFNClient, executionArn: string): Promise<string[]> {
  return (await history(client, executionArn)).map((event) => event.type ?? '?');
}

/** Waits until the execution's history has an event of `type` (the execution is parked there). */
export function reached(client: SFNClient, executionArn: string, type: string): Promise<HistoryEvent[]> {
  return eventually(async () => {
    const events = await history(client, executionArn);
    if (!events.some((event) => event.type === type)) throw new Error(`${executionArn} has no ${type} yet`);
    return events;
  });
}
