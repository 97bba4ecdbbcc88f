import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloseAccountCommand, ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closuresInWindow, type LedgerPorts } from '../../functions/account-closure/ledger';
import {
  CloseAccountEventSchema,
  recordClosureOf,
} from '../../functions/account-closure/record-closure/record-closure';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { governorTableOnDynalite } from '../governor-table';
import { temporaryDirectories } from '../temp-dirs';

const sample = () =>
  JSON.parse(readFileSync('events/samples/organizations-close-account.json', 'utf8')) as {
    detail: Record<string, unknown>;
  };

describe('Record Closure', () => {
  const table = governorTableOnDynalite();
  let ports: LedgerPorts;

  beforeEach(() => {
    ports = { db: table.db, table: table.name };
  });

  it('records a CloseAccount at the time it was requested, once however often it is delivered', async () => {
    // Prepare
    const event = CloseAccountEventSchema.parse(sample());
    const requestedAt = Date.parse('2022-03-18T18:16:58Z');

    // Act
    const first = await recordClosureOf(ports, event);
    const duplicate = await recordClosureOf(ports, event);

    // Assess
    expect([first, duplicate]).toEqual([
      { accountId: '555555555555', recorded: true },
      { accountId: '555555555555', recorded: false },
    ]);
    expect(await closuresInWindow(ports, requestedAt + 1000)).toEqual([requestedAt]);
  });

  it('refuses a CloseAccount that AWS refused: it closed nothing', () => {
    // Prepare
    const refused = sample();
    refused.detail.errorCode = 'ConstraintViolationException';

    // Act + Assess
    expect(CloseAccountEventSchema.safeParse(refused).success).toBe(false);
  });
});

describe('closures made outside orgflow on the local stack', { timeout: 60_000 }, () => {
  const tempDir = temporaryDirectories();
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('reach the closure ledger through the rule record-closure', async () => {
    // Prepare
    stack = await startLocalStack({
      functionEnvironments: 'shared',
      dataDir: tempDir('orgflow-record-closure-'),
      timeScale: 'manual',
      throttling: false,
    });
    const organizations = new OrganizationsClient({
      endpoint: stack.endpoints.organizations,
      region: 'us-east-1',
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
    });
    const { Accounts } = await organizations.send(new ListAccountsCommand({}));
    const accountId = Accounts!.find((a) => a.Email === 'old-analytics@orgflow.example')!.Id!;
    const ports = {
      db: DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: stack.endpoints.dynamodb,
          region: 'us-east-1',
          credentials: { accessKeyId: '111111111111', secretAccessKey: 'local' },
        }),
      ),
      table: process.env.GOVERNOR_TABLE_NAME!,
    };

    // Act: closed by hand, as from the console
    await organizations.send(new CloseAccountCommand({ AccountId: accountId }));
    await stack.buses.settled();

    // Assess
    expect(await closuresInWindow(ports, stack.clock.now())).toEqual([expect.any(Number)]);
    organizations.destroy();
    ports.db.destroy();
  });
});
