import { describe, expect, it } from 'vitest';
import { recordRequest } from '../../functions/account-vending/record-request/record-request';
import { refusalMetricLine } from '../../functions/account-vending/record-request/refusal-metric';
import {
  isDomainFailure,
  listRequestRecords,
  readRequestRecord,
  recordSubmission,
} from '../../functions/account-vending/request-record';
import { governorTableOnDynalite } from '../governor-table';

// The request record and the Record steps on the real table (dynalite, with the catalog's indexes).

const table = governorTableOnDynalite();
const caller = {
  arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal-1',
  accountId: '222233334444',
};
const anotherSession = { ...caller, arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal-2' };
const other = { arn: 'arn:aws:iam::222233334444:user/mallory', accountId: '222233334444' };
const request = {
  accountName: 'payments-prod',
  email: 'payments-prod@orgflow.example',
  organizationalUnit: 'Workloads/Prod',
};
const id = (n: number) => `ar-${n.toString(16).padStart(32, '0')}`;
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

function ports(now = T0) {
  const refusals: string[] = [];
  return {
    refusals,
    db: table.db,
    table: table.name,
    now: () => now,
    countRefusal: (error: string) => refusals.push(error),
  };
}

describe('the account request record', () => {
  it('is recorded once at submission: a second submission with the same id changes nothing', async () => {
    // Act
    const first = await recordSubmission(ports(), {
      requestId: id(1),
      idempotencyKey: 'k1',
      caller,
      request,
      now: T0,
    });
    const second = await recordSubmission(ports(), {
      requestId: id(1),
      idempotencyKey: 'k1',
      caller: anotherSession,
      request: { ...request, accountName: 'other' },
      now: T0 + 1000,
    });

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(await readRequestRecord(ports(), id(1))).toEqual({
      requestId: id(1),
      idempotencyKey: 'k1',
      owner: 'arn:aws:iam::222233334444:role/PortalRole',
      caller,
      request,
      state: 'PENDING',
      createdAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:00.000Z',
    });
    // no expiry: the record is kept as long as the organization needs it
    expect(await table.item(`request#${id(1)}`, 'account-request')).not.toHaveProperty('expiresAt');
  });

  it('follows the workflow: the account, then the outcome, which no late or retried step changes', async () => {
    // Prepare
    await recordSubmission(ports(), { requestId: id(2), idempotencyKey: 'k2', caller, request, now: T0 });
    const step = { requestId: id(2), caller, request };

    // Act
    await recordRequest(ports(T0 + 1000), { ...step, state: 'CONFIGURING', accountId: '123456789012' });
    const done = await recordRequest(ports(T0 + 2000), {
      ...step,
      state: 'SUCCEEDED',
      accountId: '123456789012',
    });
    const late = await recordRequest(ports(T0 + 3000), {
      ...step,
      state: 'FAILED',
      error: 'AccessDeniedException',
      cause: 'denied',
    });

    // Assess
    expect(done).toEqual({ state: 'SUCCEEDED', refused: false, recorded: true });
    expect(late.recorded).toBe(false);
    expect(await readRequestRecord(ports(), id(2))).toMatchObject({
      idempotencyKey: 'k2',
      state: 'SUCCEEDED',
      accountId: '123456789012',
      createdAt: '2026-03-01T10:00:00.000Z',
      completedAt: '2026-03-01T10:00:02.000Z',
    });
  });

  it('counts a request that cannot be served once, in its own words, and a broken step not at all', async () => {
    // Prepare
    const p = ports();
    const cause = JSON.stringify({
      errorType: 'EmailAlreadyExistsError',
      errorMessage: 'the email address payments-prod@orgflow.example already belongs to an account',
    });

    // Act
    const emailTaken = {
      requestId: id(3),
      caller,
      request,
      state: 'FAILED',
      error: 'EmailAlreadyExistsError',
      cause,
    } as const;
    const refused = await recordRequest(p, emailTaken);
    const again = await recordRequest(p, emailTaken);
    const broken = await recordRequest(p, {
      requestId: id(4),
      caller,
      request,
      state: 'FAILED',
      error: 'AccessDeniedException',
      cause: 'User: arn:aws:sts::… is not authorized',
    });

    // Assess
    expect(refused).toEqual({ state: 'FAILED', refused: true, recorded: true });
    expect(again).toEqual({ state: 'FAILED', refused: true, recorded: false });
    expect(broken).toEqual({ state: 'FAILED', refused: false, recorded: true });
    expect(p.refusals).toEqual(['EmailAlreadyExistsError']);
    // started without the API: the workflow made the record, with who asked and what for
    expect(await readRequestRecord(p, id(3))).toMatchObject({
      caller,
      request,
      owner: 'arn:aws:iam::222233334444:role/PortalRole',
      error: 'EmailAlreadyExistsError',
      reason: 'the email address payments-prod@orgflow.example already belongs to an account',
    });
    expect((await readRequestRecord(p, id(4)))?.reason).toBe(
      `the request failed because of an internal error (AccessDeniedException); give the platform team the request id ${id(4)}`,
    );
  });

  it("lists an owner's requests newest first, one Query a page, and every request for a reader", async () => {
    // Prepare
    for (let n = 1; n <= 5; n++)
      await recordSubmission(ports(T0 + n * 1000), {
        requestId: id(n),
        idempotencyKey: `k${n}`,
        caller: n % 2 ? caller : anotherSession,
        request: { ...request, accountName: `team-${n}` },
        now: T0 + n * 1000,
      });
    await recordSubmission(ports(), {
      requestId: id(9),
      idempotencyKey: 'k9',
      caller: other,
      request,
      now: T0 + 9000,
    });
    await recordRequest(ports(), {
      requestId: id(2),
      caller,
      request,
      state: 'FAILED',
      error: 'InvalidEmailError',
    });
    const owner = 'arn:aws:iam::222233334444:role/PortalRole';

    // Act
    const first = await listRequestRecords(ports(), { owner, limit: 3 });
    const rest = await listRequestRecords(ports(), {
      owner,
      limit: 3,
      ...(first.next ? { after: first.next } : {}),
    });
    const failed = await listRequestRecords(ports(), { owner, limit: 10, state: 'FAILED' });
    const everyone = await listRequestRecords(ports(), { owner: undefined, limit: 10 });

    // Assess
    expect(first.records.map((r) => r.requestId)).toEqual([id(5), id(4), id(3)]);
    expect(rest.records.map((r) => r.requestId)).toEqual([id(2), id(1)]);
    expect(failed.records.map((r) => r.requestId)).toEqual([id(2)]);
    expect(everyone.records.map((r) => r.requestId)).toEqual([id(9), id(5), id(4), id(3), id(2), id(1)]);
  });
});

describe('what counts as a request that cannot be served as asked', () => {
  it("is the request's own mistake; the organization's quota, payment, AWS's failures and timeouts are the platform's", () => {
    for (const error of ['EmailAlreadyExistsError', 'InvalidEmailError', 'OrganizationalUnitNotFoundError'])
      expect(isDomainFailure(error), error).toBe(true);
    for (const error of [
      'AccountLimitExceededError',
      'PaymentInstrumentError',
      'AccountCreationFailedError',
      'CreateAccountTimeoutError',
      'CreateSlotTimeoutError',
      'ConcurrentAccountModificationError',
      'AccountDepartedError',
      'TooManyRequestsException',
    ])
      expect(isDomainFailure(error), error).toBe(false);
  });
});

describe('the refusal metric', () => {
  it('is one embedded-metric-format line: the count, by workflow and by error', () => {
    // Act
    const line = JSON.parse(refusalMetricLine('EmailAlreadyExistsError', T0));

    // Assess
    expect(line).toEqual({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [
          {
            Namespace: 'orgflow',
            Dimensions: [['Workflow'], ['Workflow', 'Error']],
            Metrics: [{ Name: 'AccountRequestsRefused', Unit: 'Count' }],
          },
        ],
      },
      Workflow: 'AccountVending',
      Error: 'EmailAlreadyExistsError',
      AccountRequestsRefused: 1,
    });
  });
});
