import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTarget, callApi } from '../../cli/api';
import type { LogLine } from '../../local/lambda/environment';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';
import { isMetricLine, type LocalStack, startLocalStack } from '../../local/stack';
import { temporaryDirectories } from '../temp-dirs';

// The stack as `npm start` runs it: every function in execution environments of its own. One account vended
// end to end, and every log line the functions wrote names the function that wrote it.

const tempDir = temporaryDirectories();
let stack: LocalStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('the local stack with isolated function environments', { timeout: 120_000 }, () => {
  it('vends an account, and each function logs under its own name, cold once per environment', async () => {
    // Prepare
    const lines: LogLine[] = [];
    stack = await startLocalStack({
      dataDir: tempDir('orgflow-isolated-'),
      functionEnvironments: 'isolated',
      timeScale: 20,
      throttling: false,
      limits: { createAccountDurationMs: [0, 0] },
      onFunctionLog: (line) => lines.push(line),
    });
    const api: ApiTarget = { baseUrl: stack.endpoints.api, accessKeyId: DEMO_MANAGEMENT_ACCOUNT };

    // Act
    const accepted = await callApi(
      api,
      'POST',
      '/account-requests',
      {
        accountName: 'Isolated Dev',
        email: 'isolated-dev@example.com',
        organizationalUnit: 'Workloads/Dev',
        policies: ['DenyLeaveOrganization'],
      },
      { 'idempotency-key': 'isolated-1' },
    );
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const { requestId } = accepted.body as { requestId: string };
    let state = '';
    // bounded: the request ends within a minute of real time on a 20× clock
    for (let attempt = 0; attempt < 600 && state !== 'SUCCEEDED' && state !== 'FAILED'; attempt++) {
      const status = await callApi(api, 'GET', `/account-requests/${requestId}`);
      state = (status.body as { state: string }).state;
      if (state !== 'SUCCEEDED' && state !== 'FAILED')
        await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Assess
    expect(state).toBe('SUCCEEDED');
    const logged = lines
      .filter((line) => line.text.startsWith('{'))
      .map((line) => ({ writer: line.functionName, entry: JSON.parse(line.text) as Record<string, unknown> }))
      .filter(({ entry }) => entry.function_name !== undefined);
    const writers = new Set(logged.map((l) => l.writer));
    for (const name of ['ApiHandler', 'CreateAccount', 'CompleteAccountCreation', 'MoveAccount'])
      expect(writers).toContain(name);
    for (const { writer, entry } of logged) expect(entry.function_name, JSON.stringify(entry)).toBe(writer);
    // an environment is cold for its first invocation only: in each log stream, cold_start is true, then false
    const colds = new Map<string, boolean[]>();
    for (const line of lines) {
      if (!line.text.startsWith('{')) continue;
      const { cold_start: cold } = JSON.parse(line.text) as { cold_start?: boolean };
      if (cold !== undefined) colds.set(line.logStreamName, [...(colds.get(line.logStreamName) ?? []), cold]);
    }
    expect(colds.size).toBeGreaterThan(5);
    for (const [environment, sequence] of colds) {
      const warmFrom = sequence.indexOf(false);
      expect([environment, sequence[0]]).toEqual([environment, true]);
      if (warmFrom >= 0)
        expect([environment, sequence.slice(warmFrom).includes(true)]).toEqual([environment, false]);
    }
    // the metrics, as CloudWatch would read them from the logs (the console leaves these lines out)
    const metrics = lines
      .filter((line) => isMetricLine(line.text))
      .map((line) => ({
        writer: line.functionName,
        entry: JSON.parse(line.text) as Record<string, unknown>,
      }));
    expect(metrics.filter(({ entry }) => entry.AccountsVended !== undefined)).toEqual([
      {
        writer: 'PublishAccountVended',
        entry: expect.objectContaining({ AccountsVended: 1, service: 'orgflow' }),
      },
    ]);
    expect(metrics.filter(({ entry }) => entry.QueueWait !== undefined)).toEqual([
      {
        writer: 'AcquireCreateSlot',
        entry: expect.objectContaining({ Pool: 'create-account', service: 'orgflow' }),
      },
    ]);
    // Powertools Tracer is off here (no X-Ray): nothing complains of a missing segment
    expect(lines.map((line) => line.text).filter((text) => /segment/i.test(text))).toEqual([]);
  });
});
