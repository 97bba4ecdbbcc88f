import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ManualClock } from '../../local/clock';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack';
import { dataDirs } from './stack-process';

// The reactions' end-to-end tests share this: the demo stack on the manual clock, the organization's
// CloudTrail as the emulator recorded it, the AWS CLI run as a person would, and events delivered again.

const run = promisify(execFile);

export interface ReactionsStack {
  stack: LocalStack;
  organizations: OrganizationsClient;
  db: DynamoDBDocumentClient;
  /** the governor table, where Powertools idempotency keeps the events each reaction handled */
  table: string;
  clock: ManualClock;
  /** `aws organizations <args…>` with the AWS CLI, as `accountId` (the management account by default) */
  cli(args: string[], accountId?: string): Promise<unknown>;
  /** the CloudTrail events the emulator recorded, oldest first, optionally only those named `eventName` */
  cloudTrail(eventName?: string): EventBridgeEvent[];
  /** delivers an event on the default bus again; returns the rules it matched */
  redeliver(event: EventBridgeEvent): string[];
  /** the details of the `orgflow` events of `detailType` published from now on, as they arrive */
  published(detailType: string): Record<string, unknown>[];
  accountNamed(name: string): Promise<string>;
  /** a top-level OU of the demo organization by name */
  ouNamed(name: string): Promise<string>;
  /** advances the manual clock `stepMs` at a time, letting the stack work between steps, until `done` */
  advanceUntil(done: () => Promise<boolean>, stepMs?: number, maxSteps?: number): Promise<void>;
}

/** One stack per test at a time: `start()` in the test, `stop()` in afterEach. */
export function reactionsStacks() {
  const dirs = dataDirs();
  const clients: { destroy(): void }[] = [];
  let current: LocalStack | undefined;

  async function start(options: Partial<LocalStackOptions> = {}): Promise<ReactionsStack> {
    const stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: dirs.fresh(),
      timeScale: 'manual',
      throttling: false,
      limits: { createAccountDurationMs: [1_000, 1_000], accountQuota: 1_000 },
      onInternalError: (e) => console.error('INTERNAL', e),
      ...options,
    });
    current = stack;
    const config = {
      region: 'us-east-1',
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
    };
    const organizations = new OrganizationsClient({ ...config, endpoint: stack.endpoints.organizations });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...config, endpoint: stack.endpoints.dynamodb }),
    );
    clients.push(organizations, db);
    const clock = stack.clock as ManualClock;

    const cli = async (args: string[], accountId = DEMO_MANAGEMENT_ACCOUNT) => {
      // only the variables a person would set: nothing of this process's AWS settings
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')),
      );
      const { stdout } = await run(
        'aws',
        ['organizations', ...args, '--endpoint-url', stack.endpoints.organizations, '--output', 'json'],
        {
          env: {
            ...env,
            AWS_ACCESS_KEY_ID: accountId,
            AWS_SECRET_ACCESS_KEY: 'x',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          },
        },
      );
      return stdout.trim() === '' ? undefined : JSON.parse(stdout);
    };

    const cloudTrail = (eventName?: string) =>
      stack.emulator.events
        .since(0)
        .map((entry) => entry.event as EventBridgeEvent)
        .filter(
          (event) =>
            eventName === undefined || (event.detail as { eventName?: string }).eventName === eventName,
        );

    const accountNamed = async (name: string) => {
      for await (const page of paginateListAccounts({ client: organizations }, {}))
        for (const account of page.Accounts ?? []) if (account.Name === name) return account.Id!;
      throw new Error(`no account named ${name}`);
    };

    const ouNamed = async (name: string) => {
      const { Roots } = await organizations.send(new ListRootsCommand({}));
      const { OrganizationalUnits } = await organizations.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: Roots![0]!.Id! }),
      );
      const ou = OrganizationalUnits!.find((candidate) => candidate.Name === name);
      if (!ou) throw new Error(`no OU named ${name}`);
      return ou.Id!;
    };

    const advanceUntil = async (done: () => Promise<boolean>, stepMs = 1_000, maxSteps = 600) => {
      for (let step = 0; step < maxSteps; step++) {
        await stack.settled();
        if (await done()) return;
        clock.advance(stepMs);
      }
      throw new Error(`not done after ${maxSteps} steps of ${stepMs} ms`);
    };

    let collectors = 0;
    const published = (detailType: string) => {
      const received: Record<string, unknown>[] = [];
      const bus = stack.buses.forAccount(DEMO_MANAGEMENT_ACCOUNT);
      const rule = `test-collect-${++collectors}`;
      bus.putRule({ name: rule, eventPattern: { source: ['orgflow'], 'detail-type': [detailType] } });
      bus.putTargets(rule, [
        {
          id: 'collect',
          arn: 'arn:aws:lambda:us-east-1:000000000000:function:collect',
          deliver: (input) => {
            received.push((JSON.parse(input) as { detail: Record<string, unknown> }).detail);
          },
        },
      ]);
      return received;
    };

    return {
      stack,
      organizations,
      db,
      table: process.env.GOVERNOR_TABLE_NAME ?? 'orgflow-governor',
      clock,
      cli,
      cloudTrail,
      redeliver: (event) => stack.buses.publish(event),
      published,
      accountNamed,
      ouNamed,
      advanceUntil,
    };
  }

  async function stop() {
    for (const client of clients.splice(0)) client.destroy();
    await current?.close();
    current = undefined;
    dirs.removeAll();
  }

  return { start, stop };
}

/** The same events in a shuffled order (a seeded shuffle, so a failure replays). */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
