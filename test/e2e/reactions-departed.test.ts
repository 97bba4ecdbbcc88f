import {
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
} from '@aws-sdk/client-organizations';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { readBatch } from '../../functions/account-closure/batch-store';
import { CloseAccountPoolEnvSchema, closeAccountPool } from '../../functions/governor/pools';
import { readLine } from '../../functions/governor/store';
import type { EventBridgeEvent } from '../../local/eventbridge/bus';
import { closureBatchInput } from '../../local/organizations/large-organization';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { type ReactionsStack, reactionsStacks, shuffled } from './reactions-harness';

// Issue #14, reaction 4 on the local stack (demo organization, manual clock): an account removed with the AWS
// CLI while its closure waits in line for a closure slot ends that closure departed (not failed), its batch
// goes on with the others, and one `Account Departed` says so, however often the departure is delivered.

const BATCH = 'cb-departure';

describe('an account that departs ends the workflows working on it (local stack, manual clock)', {
  timeout: 180_000,
}, () => {
  const stacks = reactionsStacks();
  afterEach(() => stacks.stop());

  /** The `Account Departed` events orgflow publishes, as a consumer's rule on the bus receives them. */
  /**
   * Four accounts (marked as vended, so the baseline leaves them be) in a closure batch: three take the 3 closure
   * slots, the fourth waits in line. Returns the one in line and the others.
   */
  async function batchWithOneInLine(env: ReactionsStack, sfn: SFNClient) {
    const requests: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      const { CreateAccountStatus } = await env.organizations.send(
        new CreateAccountCommand({
          Email: `departing-${n}@orgflow.example`,
          AccountName: `Departing ${n}`,
          Tags: [{ Key: 'orgflow:request-id', Value: `req-departing-${n}` }],
        }),
      );
      requests.push(CreateAccountStatus!.Id!);
    }
    const ids: string[] = [];
    await env.advanceUntil(async () => {
      ids.length = 0;
      for (const id of requests) {
        const { CreateAccountStatus } = await env.organizations.send(
          new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }),
        );
        if (CreateAccountStatus?.AccountId) ids.push(CreateAccountStatus.AccountId);
      }
      return ids.length === requests.length;
    });
    // an account may leave its organization only days after its creation
    env.clock.advance(5 * 24 * 60 * 60 * 1000);
    await env.stack.settled();
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.stack.stateMachineArns.ClosureBatch,
        name: BATCH,
        input: JSON.stringify(closureBatchInput({ accountIds: ids }, 'departure test')),
      }),
    );
    await env.stack.settled();
    const pool = closeAccountPool(CloseAccountPoolEnvSchema.parse({ GOVERNOR_TABLE_NAME: env.table }));
    const inLine = (await readLine(env.db, pool)).waiters.filter((w) => w.grantId === undefined);
    expect(inLine.map((w) => w.requestId)).toHaveLength(1);
    const waiting = inLine[0]!.requestId.slice(BATCH.length + 1);
    return { waiting, others: ids.filter((id) => id !== waiting) };
  }

  const closureOf = async (env: ReactionsStack, sfn: SFNClient, accountId: string) => {
    const machine = env.stack.stateMachineArns.AccountClosure!;
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${BATCH}-${accountId}`;
    return sfn.send(new DescribeExecutionCommand({ executionArn }));
  };
  const stateIn = async (env: ReactionsStack, accountId: string) =>
    (await readBatch({ db: env.db, table: env.table }, BATCH))?.accounts.find(
      (a) => a.accountId === accountId,
    );

  async function start() {
    const env = await stacks.start({
      closureConfig: JSON.stringify({ callers: [`arn:aws:iam::${DEMO_MANAGEMENT_ACCOUNT}:*`] }),
    });
    const sfn = new SFNClient({
      region: 'us-east-1',
      endpoint: env.stack.endpoints.stepfunctions,
      credentials: { accessKeyId: DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
    });
    return { env, sfn, departures: env.published('Account Departed') };
  }

  it('ends a closure waiting in line departed when its account is removed with the AWS CLI, and the batch goes on', async () => {
    // Prepare
    const { env, sfn, departures } = await start();
    const { waiting, others } = await batchWithOneInLine(env, sfn);

    // Act
    await env.cli(['remove-account-from-organization', '--account-id', waiting]);
    await env.stack.settled();

    // Assess: ended at once, without waiting for a slot, and recorded departed
    const closure = await closureOf(env, sfn, waiting);
    expect(closure.status).toBe('SUCCEEDED');
    expect(JSON.parse(closure.output!)).toMatchObject({
      accountId: waiting,
      outcome: 'departed',
      error: 'AccountDepartedError',
      reason: expect.stringContaining(`account ${waiting} was removed from the organization`),
    });
    expect(await stateIn(env, waiting)).toMatchObject({ state: 'departed', reason: 'account-departed' });
    expect(departures).toEqual([
      {
        accountId: waiting,
        departureMethod: 'REMOVED',
        departureTime: expect.any(String),
        workflows: [
          {
            workflow: 'account-closure',
            execution: closure.executionArn,
            batchId: BATCH,
            outcome: 'departed',
            error: 'AccountDepartedError',
            wait: 'close-slot',
          },
        ],
        sourceEventId: expect.any(String),
      },
    ]);
    expect(
      env
        .cloudTrail('CloseAccount')
        .filter(
          (e) =>
            (e.detail as { requestParameters?: { accountId?: string } }).requestParameters?.accountId ===
            waiting,
        ),
    ).toEqual([]);

    // and the batch closes the three others and counts the departure apart from failures
    await env.advanceUntil(
      async () => {
        const { status } = await sfn.send(
          new DescribeExecutionCommand({
            executionArn: `${env.stack.stateMachineArns.ClosureBatch!.replace(':stateMachine:', ':execution:')}:${BATCH}`,
          }),
        );
        return status !== 'RUNNING';
      },
      10_000,
      600,
    );
    const batch = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${env.stack.stateMachineArns.ClosureBatch!.replace(':stateMachine:', ':execution:')}:${BATCH}`,
      }),
    );
    expect(JSON.parse(batch.output!)).toEqual({
      batchId: BATCH,
      closed: 3,
      skipped: 0,
      failed: 0,
      departed: 1,
    });
    for (const id of others) expect((await stateIn(env, id))?.state).toBe('closed');
  });

  it('changes nothing more when the departure is delivered three more times, shuffled with other events', async () => {
    // Prepare: the removal handled once
    const { env, sfn, departures } = await start();
    const { waiting } = await batchWithOneInLine(env, sfn);
    await env.cli(['remove-account-from-organization', '--account-id', waiting]);
    await env.stack.settled();
    const [departure] = env.cloudTrail('AccountDepartedOrganization');
    expect(departures).toHaveLength(1);
    const before = { record: await stateIn(env, waiting), closure: await closureOf(env, sfn, waiting) };
    const removals = env.cloudTrail('RemoveAccountFromOrganization');

    // Act: three more deliveries, shuffled with the removal's own event
    const deliveries: EventBridgeEvent[] = shuffled([departure!, departure!, departure!, ...removals]);
    const matched = deliveries.map((event) => env.redeliver(event));
    expect(matched.filter((rules) => rules.includes('account-departed'))).toHaveLength(3);
    await env.stack.settled();

    // Assess
    expect(departures).toHaveLength(1);
    expect(await stateIn(env, waiting)).toEqual(before.record);
    const after = await closureOf(env, sfn, waiting);
    expect({ status: after.status, stopDate: after.stopDate }).toEqual({
      status: before.closure.status,
      stopDate: before.closure.stopDate,
    });
    await expect(
      env.organizations.send(new DescribeAccountCommand({ AccountId: waiting })),
    ).rejects.toMatchObject({ name: 'AccountNotFoundException' });
  });
});
