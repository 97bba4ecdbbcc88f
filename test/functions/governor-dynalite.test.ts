import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotUnavailableError } from '../../functions/_shared/errors';
import { acquireSlot, releaseSlot, type SlotGrant, type SlotPool } from '../../functions/_shared/governor';
import { createTableInput, governorTable } from '../../functions/_shared/tables';
import { createAccountOnce } from '../../functions/create-account/create-account';
import { type RunningDynamoDb, startDynamoDb } from '../../local/dynamodb/server';
import { seededRandom } from '../../local/random';

// The governor's conditional writes against a real DynamoDB implementation (dynalite), not a fake.

let dynamo: RunningDynamoDb;
let db: DynamoDBDocumentClient;
const table = createTableInput('orgflow', governorTable).TableName as string;
let poolCount = 0;
const newPool = (slots: number): SlotPool => ({
  table,
  name: `create-account-${++poolCount}`,
  slots,
  leaseMs: 60_000,
  waiterTimeoutMs: 10_000,
});

beforeAll(async () => {
  dynamo = await startDynamoDb({
    tables: [
      {
        table: createTableInput('orgflow', governorTable),
        timeToLiveAttribute: governorTable.timeToLiveAttribute,
      },
    ],
  });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
    }),
  );
});
afterAll(async () => {
  db.destroy();
  await dynamo.close();
});

const attempt = (pool: SlotPool, id: string, now: number) =>
  acquireSlot(db, pool, id, now).catch((error: unknown) => {
    if (error instanceof SlotUnavailableError) return error;
    throw error;
  });

describe('governor on dynalite', () => {
  it('serves concurrent requests at the limit, in ticket order', async () => {
    // Prepare
    const pool = newPool(3);
    const random = seededRandom(3);
    const waiting = new Set(Array.from({ length: 15 }, (_, i) => `r-${i}`));
    const heldUntil = new Map<string, number>();
    const granted: SlotGrant[] = [];
    let tick = 0;

    // Act
    while ((waiting.size > 0 || heldUntil.size > 0) && tick < 60) {
      tick++;
      for (const [id, until] of heldUntil)
        if (until <= tick) {
          await releaseSlot(db, pool, id, tick * 1_000);
          heldUntil.delete(id);
        }
      const askers = [...waiting].sort(() => random.next() - 0.5);
      const answers = await Promise.all(askers.map((id) => attempt(pool, id, tick * 1_000)));
      answers.forEach((answer, index) => {
        if (answer instanceof SlotUnavailableError) return;
        granted.push(answer);
        waiting.delete(askers[index] as string);
        heldUntil.set(askers[index] as string, tick + 2);
      });
      expect(heldUntil.size).toBeLessThanOrEqual(3);
      expect(granted.map((g) => g.ticket).sort((a, b) => a - b)).toEqual(granted.map((_, i) => i + 1));
    }

    // Assess: 5 waves of 3, each 2 ticks long
    expect(granted).toHaveLength(15);
    expect(tick).toBeLessThanOrEqual(11);
  });

  it('takes back an expired lease and releases idempotently', async () => {
    // Prepare
    const pool = newPool(1);
    await acquireSlot(db, pool, 'crashed', 0);

    // Act
    const before = await attempt(pool, 'next', 1_000);
    const after = await attempt(pool, 'next', pool.leaseMs + 1);
    const lateRelease = await releaseSlot(db, pool, 'crashed', pool.leaseMs + 2);
    const release = await releaseSlot(db, pool, 'next', pool.leaseMs + 3);
    const again = await releaseSlot(db, pool, 'next', pool.leaseMs + 4);

    // Assess
    expect(before).toBeInstanceOf(SlotUnavailableError);
    expect(after).toMatchObject({ slot: 0, ticket: 2 });
    expect([lateRelease, release, again]).toEqual([
      { released: false },
      { released: true },
      { released: false },
    ]);
  });

  it('records one CreateAccountRequestId per request', async () => {
    // Prepare
    const organizationsMock = mockClient(OrganizationsClient);
    organizationsMock
      .on(CreateAccountCommand)
      .resolves({ CreateAccountStatus: { Id: 'car-1', State: 'IN_PROGRESS' } });
    const ports = {
      organizations: new OrganizationsClient({ region: 'us-east-1' }),
      db,
      table,
      now: () => 1_000,
    };
    const input = {
      requestId: 'ar-dynalite',
      request: { accountName: 'x', email: 'x@orgflow.example', tags: [] },
    };

    // Act
    const first = await createAccountOnce(ports, input);
    const retry = await createAccountOnce(ports, input);

    // Assess
    expect(first).toEqual({ createAccountRequestId: 'car-1', source: 'new' });
    expect(retry).toEqual({ createAccountRequestId: 'car-1', source: 'recorded' });
    expect(organizationsMock.commandCalls(CreateAccountCommand)).toHaveLength(1);
    organizationsMock.restore();
  });
});
