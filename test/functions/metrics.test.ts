import { readFileSync } from 'node:fs';
import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { governorTableOnDynalite } from '../governor-table';
import { lambdaContext } from './fixtures/lambda-context';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

// The metrics of catalog/metrics.ts as the handlers write them: embedded-metric-format lines on stdout, read
// back here as CloudWatch would read them. (vitest.config.ts turns metrics off for every other test.)

interface MetricLine {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

const organizationsMock = mockClient(OrganizationsClient);
const eventsMock = mockClient(EventBridgeClient);
const sfnMock = mockClient(SFNClient);
const table = governorTableOnDynalite();
const handlers: Record<string, Handler> = {};
let written: string[] = [];

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  for (const [name, value] of Object.entries(table.environment())) vi.stubEnv(name, value);
  vi.stubEnv('CREATE_ACCOUNT_SLOTS', '1');
  for (const folder of [
    'acquire-create-slot',
    'release-create-slot',
    'watch-account-creation',
    'complete-account-creation',
    'publish-account-vended',
  ])
    handlers[folder] = (
      (await import(`../../functions/account-vending/${folder}/handler.ts`)) as { handler: Handler }
    ).handler;
});

beforeEach(() => {
  organizationsMock.reset();
  eventsMock.reset();
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
  written = [];
  const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array) => boolean;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (!text.startsWith('{"_aws":')) return write(chunk);
    written.push(text);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const invoke = (folder: string, event: unknown) =>
  (handlers[folder] as Handler)(event, lambdaContext(folder));

/** The metric lines written so far, parsed. */
const metricLines = () => written.map((text) => JSON.parse(text) as MetricLine);

/** Each metric value written: its name, unit, dimensions (name → value) and value. */
const metricValues = () =>
  metricLines().flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) =>
      Metrics.map(({ Name, Unit }) => ({
        namespace: Namespace,
        name: Name,
        unit: Unit,
        dimensions: Object.fromEntries((Dimensions[0] ?? []).map((d) => [d, line[d]])),
        value: line[Name],
      })),
    ),
  );

const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8'));

const vended = {
  requestId: 'ar-0123456789abcdef0123456789abcdef',
  caller: { arn: 'arn:aws:sts::222233334444:assumed-role/PortalRole/portal', accountId: '222233334444' },
  request: {
    accountName: 'sandbox-alice',
    email: 'alice+sandbox@orgflow.example',
    organizationalUnit: { id: 'ou-ab12-sandbox1', path: 'Sandbox' },
    tags: [],
    policies: [],
  },
  accountId: '123456789012',
  adopted: false,
};

describe('metrics', () => {
  it('Publish Account Vended counts the account vended, in the orgflow namespace', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });

    // Act
    await invoke('publish-account-vended', vended);

    // Assess
    expect(metricValues()).toEqual([
      {
        namespace: 'orgflow',
        name: 'AccountsVended',
        unit: 'Count',
        dimensions: { service: 'orgflow' },
        value: 1,
      },
    ]);
  });

  it('a failed creation is counted once by its reason, by whichever side tells the execution', async () => {
    // Prepare: AWS's event comes before the execution waits, so Complete Account Creation wakes nobody
    const event = sample('organizations-create-account-result-failed');
    const { id } = event.detail.serviceEventDetails.createAccountStatus;

    // Act
    await invoke('complete-account-creation', event);
    const afterEvent = metricValues();
    await invoke('watch-account-creation', {
      createAccountRequestId: id,
      email: vended.request.email,
      taskToken: 'token-watch',
      look: false,
    });
    // a duplicate delivery of the event finds the token answered
    sfnMock
      .on(SendTaskFailureCommand)
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await invoke('complete-account-creation', event);

    // Assess
    expect(afterEvent).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-watch',
      error: 'EmailAlreadyExistsError',
    });
    expect(metricValues()).toEqual([
      {
        namespace: 'orgflow',
        name: 'CreateAccountFailures',
        unit: 'Count',
        dimensions: { service: 'orgflow', Reason: 'EMAIL_ALREADY_EXISTS' },
        value: 1,
      },
    ]);
  });

  it("the governor's hand-over tells how long the request waited in line, by pool", async () => {
    // Prepare: one slot, held by the first request; the second waits 90 seconds for it
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-01T10:00:00Z'));
    await invoke('acquire-create-slot', { requestId: 'ar-first', taskToken: 'token-1' });
    await invoke('acquire-create-slot', { requestId: 'ar-second', taskToken: 'token-2' });
    vi.setSystemTime(Date.parse('2026-03-01T10:01:30Z'));

    // Act
    await invoke('release-create-slot', { requestId: 'ar-first' });

    // Assess
    expect(metricValues()).toEqual([
      expect.objectContaining({
        name: 'QueueWait',
        value: 0,
        dimensions: { service: 'orgflow', Pool: 'create-account' },
      }),
      {
        namespace: 'orgflow',
        name: 'QueueWait',
        unit: 'Seconds',
        dimensions: { service: 'orgflow', Pool: 'create-account' },
        value: 90,
      },
    ]);
  });

  it('a request still in line tells its wait so far at each retried acquire, so a line that never moves is seen', async () => {
    // Prepare: one slot, held by the first request for good; the second gets in line
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-02T10:00:00Z'));
    await invoke('acquire-create-slot', { requestId: 'ar-holder', taskToken: 'token-1' });
    await invoke('acquire-create-slot', { requestId: 'ar-stuck', taskToken: 'token-2' });
    written = [];

    // Act: its acquire timed out and is retried 5 minutes later, then again at 10 minutes
    vi.setSystemTime(Date.parse('2026-03-02T10:05:00Z'));
    await invoke('acquire-create-slot', { requestId: 'ar-stuck', taskToken: 'token-3' });
    vi.setSystemTime(Date.parse('2026-03-02T10:10:00Z'));
    await invoke('acquire-create-slot', { requestId: 'ar-stuck', taskToken: 'token-4' });

    // Assess: the wait counted from when it first got in line
    expect(metricValues().map((metric) => [metric.name, metric.value])).toEqual([
      ['QueueWait', 300],
      ['QueueWait', 600],
    ]);
  });
});
