import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseFunctionReference } from '../../local/lambda/arn';
import type { LogLine } from '../../local/lambda/environment';
import {
  type InvokeOutcome,
  LambdaRunner,
  type LambdaRunnerOptions,
  LambdaServiceError,
  type LambdaTimers,
  SDK_NODE_NOTICE_OFF,
} from '../../local/lambda/runner';
import { signalsOn } from './fixtures/signals';

const ACCOUNT = '111111111111';
/** how long a wait may take that includes starting a worker (seconds on a loaded 2-core machine) */
// a worker's cold start (tsx in the worker) takes seconds on a loaded machine; waitFor returns once it is done
const COLD_START = { timeout: 45_000 };
// and a test that waits for one may take as long
vi.setConfig({ testTimeout: 60_000 });
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const HANDLERS = fixture('handlers');

/** Time that moves only when the test says so. */
function manualTimers(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  let pending: { at: number; fire: () => void }[] = [];
  const timers = {
    now: () => now,
    schedule(ms: number, fire: () => void) {
      const entry = { at: now + ms, fire };
      pending.push(entry);
      return () => {
        pending = pending.filter((other) => other !== entry);
      };
    },
    pending: () => pending.length,
    advance(ms: number) {
      now += ms;
      const due = pending.filter((entry) => entry.at <= now);
      pending = pending.filter((entry) => entry.at > now);
      for (const entry of due) entry.fire();
    },
  } satisfies LambdaTimers & Record<string, unknown>;
  return timers;
}

type Environments = NonNullable<LambdaRunnerOptions['environments']>;
const modes: Environments[] = ['shared', 'isolated'];

/** every runner a test made, closed after it so no worker outlives its test */
const runners: LambdaRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function newRunner(options: Partial<LambdaRunnerOptions> = {}) {
  const runner = new LambdaRunner({ accountId: ACCOUNT, ...options });
  runners.push(runner);
  return runner;
}

function runnerWith(exports: Record<string, string>, options: Partial<LambdaRunnerOptions> = {}) {
  const runner = newRunner({ timers: manualTimers(), ...options });
  for (const [name, exportName] of Object.entries(exports))
    runner.register(name, { module: HANDLERS, export: exportName, timeoutMs: 3_000, memoryMb: 256 });
  return runner;
}

const errorOf = (outcome: InvokeOutcome) => {
  if (!('error' in outcome)) throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
};

const resultOf = (outcome: InvokeOutcome) => {
  if (!('result' in outcome)) throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.result;
};

describe('function references', () => {
  it('reads names, partial ARNs and ARNs, with or without a qualifier', () => {
    expect(parseFunctionReference('create-account')).toEqual({ name: 'create-account' });
    expect(parseFunctionReference('create-account:live')).toEqual({
      name: 'create-account',
      qualifier: 'live',
    });
    expect(parseFunctionReference('111111111111:function:create-account')).toEqual({
      name: 'create-account',
      accountId: ACCOUNT,
    });
    expect(
      parseFunctionReference('arn:aws:lambda:us-east-1:111111111111:function:create-account:$LATEST'),
    ).toEqual({ name: 'create-account', accountId: ACCOUNT, region: 'us-east-1', qualifier: '$LATEST' });
    expect(parseFunctionReference('arn:aws:states:us-east-1:111111111111:function:x')).toBeUndefined();
    expect(parseFunctionReference('has spaces')).toBeUndefined();
  });
});

describe.each(modes)('invoking a handler (%s environments)', (environments) => {
  it('passes a JSON copy of the payload and a Lambda context', async () => {
    // Prepare
    const runner = runnerWith({ 'vend-account': 'echo' }, { environments });
    const payload = { accountName: 'payments', tags: [{ Key: 'team', Value: 'payments' }] };

    // Act
    const outcome = await runner.invoke(
      'arn:aws:lambda:us-east-1:111111111111:function:vend-account',
      payload,
    );

    // Assess
    const { event, context } = resultOf(outcome) as { event: unknown; context: Record<string, unknown> };
    expect(event).toEqual(payload);
    expect(context).toEqual({
      awsRequestId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      functionName: 'vend-account',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:vend-account',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/vend-account',
      logStreamName: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
      remainingTimeInMillis: 3_000,
      callbackWaitsForEmptyEventLoop: true,
    });
  });

  it('answers to a bare name, a partial ARN and a qualified ARN, showing the ARN it was invoked by', async () => {
    const runner = runnerWith({ 'vend-account': 'echo' }, { environments });

    const byName = resultOf(await runner.invoke('vend-account', {})) as { context: Record<string, unknown> };
    const byPartial = resultOf(
      await runner.invoke('111111111111:function:vend-account', {}),
    ) as typeof byName;
    const byAlias = resultOf(
      await runner.invoke('arn:aws:lambda:us-east-1:111111111111:function:vend-account:live', {}),
    ) as typeof byName;

    expect(byName.context.invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:111111111111:function:vend-account',
    );
    expect(byPartial.context.invokedFunctionArn).toBe(byName.context.invokedFunctionArn);
    expect(byAlias.context.invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:111111111111:function:vend-account:live',
    );
    expect(byAlias.context.functionVersion).toBe('$LATEST');
    // one execution environment: one log stream for every invocation
    expect(byAlias.context.logStreamName).toBe(byName.context.logStreamName);
    expect(byName.context.awsRequestId).not.toBe(byPartial.context.awsRequestId);
  });

  it('counts getRemainingTimeInMillis down from the timeout', async () => {
    const timers = manualTimers();
    const runner = runnerWith({ waits: 'waits' }, { timers, environments });
    const signals = signalsOn('runner-waits');

    const invocation = runner.invoke('waits', {});
    await signals.waiting();
    await vi.waitFor(() => expect(timers.pending()).toBe(1), COLD_START);
    timers.advance(1_200);
    signals.release();
    const { atStart, later } = resultOf(await invocation) as { atStart: number; later: number };
    signals.close();

    expect(atStart).toBe(3_000);
    expect(later).toBe(1_800);
    expect(timers.pending()).toBe(0);
  });

  it('waits for the callback of a callback-style handler', async () => {
    const runner = runnerWith({ cb: 'callbackStyle', cbError: 'callbackError' }, { environments });

    expect(resultOf(await runner.invoke('cb', { n: 1 }))).toEqual({ via: 'callback', event: { n: 1 } });
    expect(errorOf(await runner.invoke('cbError', {}))).toMatchObject({
      errorType: 'AccountNotFoundError',
      errorMessage: 'reported through the callback',
    });
  });

  it('answers null for a handler that is neither async nor callback-style, as AWS does', async () => {
    const runner = runnerWith({ sync: 'returnsSynchronously', undef: 'returnsUndefined' }, { environments });

    expect(resultOf(await runner.invoke('sync', {}))).toBeNull();
    expect(resultOf(await runner.invoke('undef', {}))).toBeNull();
  });

  it('returns the result as JSON, so a Date arrives as its ISO string', async () => {
    const runner = runnerWith({ date: 'returnsDate' }, { environments });

    expect(resultOf(await runner.invoke('date', {}))).toEqual({ at: '2026-01-02T00:00:00.000Z' });
  });

  it('finds a handler through a dotted export', async () => {
    const runner = runnerWith({ nested: 'nested.handler' }, { environments });

    expect(resultOf(await runner.invoke('nested', {}))).toBe('found through a dotted export');
  });
});

describe.each(modes)(
  'function errors, reported as the Node.js runtime reports them (%s environments)',
  (environments) => {
    it("names a thrown error by its name, so Step Functions' ErrorEquals matches it", async () => {
      const runner = runnerWith({ fails: 'fails', throws: 'throwsSynchronously' }, { environments });

      const thrown = errorOf(await runner.invoke('fails', {}));
      const sync = errorOf(await runner.invoke('throws', {}));

      expect(thrown).toEqual({
        errorType: 'AccountNotFoundError',
        errorMessage: 'account 444455556666 is not in the organization',
        trace: expect.arrayContaining([
          'AccountNotFoundError: account 444455556666 is not in the organization',
          expect.stringMatching(/^ {4}at /),
        ]),
      });
      expect(sync).toMatchObject({
        errorType: 'TypeError',
        errorMessage: 'cannot read properties of undefined',
      });
    });

    it('names a rejected non-Error by its typeof, with an empty trace', async () => {
      const runner = runnerWith({ rejects: 'rejectsWithString' }, { environments });

      expect(errorOf(await runner.invoke('rejects', {}))).toEqual({
        errorType: 'string',
        errorMessage: 'quota exhausted',
        trace: [],
      });
    });

    it('times out with Sandbox.Timedout at its deadline, not before', async () => {
      const timers = manualTimers();
      const runner = runnerWith({ hangs: 'hangs' }, { timers, environments });

      const invocation = runner.invoke('hangs', {});
      await vi.waitFor(() => expect(timers.pending()).toBe(1), COLD_START);
      timers.advance(2_999);
      const early = await Promise.race([invocation, Promise.resolve('still running')]);
      timers.advance(1);

      expect(early).toBe('still running');
      expect(errorOf(await invocation)).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: expect.stringMatching(
          /^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/,
        ),
      });
    });

    it('times out on real timers too', async () => {
      const runner = newRunner({ environments });
      runner.register('hangs', { module: HANDLERS, export: 'hangs', timeoutMs: 50, memoryMb: 128 });

      const started = Date.now();
      const error = errorOf(await runner.invoke('hangs', {}));

      expect(error.errorType).toBe('Sandbox.Timedout');
      expect(error.errorMessage).toMatch(/Task timed out after 0\.05 seconds$/);
      // an isolated environment starts its worker first (its init is not part of the timeout)
      expect(Date.now() - started).toBeLessThan(environments === 'shared' ? 1_000 : 5_000);
    });

    it('reports a result JSON cannot hold as Runtime.JSONStringifyError', async () => {
      const runner = runnerWith({ bigint: 'returnsBigInt' }, { environments });

      expect(errorOf(await runner.invoke('bigint', {}))).toMatchObject({
        errorType: 'Runtime.JSONStringifyError',
        errorMessage: 'Unable to stringify response body',
      });
    });

    it('refuses a response over 6 MB with Function.ResponseSizeTooLarge', async () => {
      const runner = runnerWith({ large: 'returnsTooMuch' }, { environments });

      expect(errorOf(await runner.invoke('large', {}))).toEqual({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      });
    });
  },
);

describe('loading handler modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgflow-lambda-'));
  const write = (name: string, source: string) => {
    const path = join(dir, name);
    writeFileSync(path, source);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    delete process.env.ORGFLOW_FIXTURE_GREETING;
  });

  const runnerFor = (module: string, exportName = 'handler', options: Partial<LambdaRunnerOptions> = {}) => {
    const runner = newRunner({ timers: manualTimers(), ...options });
    runner.register('fn', { module, export: exportName, timeoutMs: 3_000, memoryMb: 128 });
    return runner;
  };

  describe.each(modes)('in %s environments', (environments) => {
    it("writes the function's env before the first import, so module scope reads it", async () => {
      const runner = newRunner({ timers: manualTimers(), environments });
      runner.register('reader', {
        module: fixture('env-reader'),
        export: 'handler',
        timeoutMs: 3_000,
        memoryMb: 128,
        env: { ORGFLOW_FIXTURE_GREETING: 'hello from the env' },
      });

      expect(resultOf(await runner.invoke('reader', {}))).toEqual({ greeting: 'hello from the env' });
    });

    it('reports a missing module as Runtime.ImportModuleError', async () => {
      const missing = join(dir, 'no-such-handler.mjs');
      const runner = runnerFor(missing, 'handler', { environments });

      expect(errorOf(await runner.invoke('fn', {}))).toMatchObject({
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `Error: Cannot find module '${missing}'`,
      });
    });

    it('reports a module whose import fails as Runtime.ImportModuleError', async () => {
      const runner = runnerFor(
        write(
          'imports-missing.mjs',
          "import 'orgflow-no-such-package';\nexport const handler = async () => 1;\n",
        ),
        'handler',
        { environments },
      );

      const error = errorOf(await runner.invoke('fn', {}));

      expect(error.errorType).toBe('Runtime.ImportModuleError');
      expect(error.errorMessage).toContain('orgflow-no-such-package');
    });

    it('reports a missing or non-function export as Runtime.HandlerNotFound', async () => {
      const missing = runnerFor(HANDLERS, 'noSuchExport', { environments });
      const notAFunction = runnerFor(HANDLERS, 'notAFunction', { environments });

      expect(errorOf(await missing.invoke('fn', {}))).toMatchObject({
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: 'handlers.noSuchExport is undefined or not exported',
      });
      expect(errorOf(await notAFunction.invoke('fn', {}))).toMatchObject({
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: 'handlers.notAFunction is not a function',
      });
    });
  });

  describe('in the shared environment', () => {
    it('imports a module once, however many invocations, even concurrent ones', async () => {
      const importModule = vi.fn((specifier: string) => import(specifier));
      const runner = runnerFor(fixture('counted'), 'handler', { importModule });

      const first = await Promise.all([runner.invoke('fn', {}), runner.invoke('fn', {})]);
      const again = await runner.invoke('fn', {});

      expect(importModule).toHaveBeenCalledTimes(1);
      expect(importModule).toHaveBeenCalledWith(expect.stringMatching(/^file:\/\/.*\/counted\.ts$/));
      expect([...first, again].map(resultOf)).toEqual([1, 1, 1]);
    });

    it('refuses two functions that give one variable different values (one process env)', () => {
      const runner = newRunner();
      const config = { module: HANDLERS, export: 'echo', timeoutMs: 1_000, memoryMb: 128 };
      runner.register('a', { ...config, env: { TABLE_NAME: 'requests' } });
      runner.register('b', { ...config, env: { TABLE_NAME: 'requests' } });

      expect(() => runner.register('c', { ...config, env: { TABLE_NAME: 'quotas' } })).toThrow(
        "function 'c' sets TABLE_NAME='quotas' but 'a' sets it to 'requests'",
      );
      expect(() => runner.register('d', { ...config, env: { AWS_REGION: 'eu-west-1' } })).toThrow(
        "env key 'AWS_REGION' is reserved by Lambda",
      );
    });

    it('reports an error thrown at module scope by its name, and retries the import next time', async () => {
      const importModule = vi.fn((specifier: string) => import(specifier));
      const runner = runnerFor(
        write('throws-at-init.mjs', "throw new RangeError('TABLE_NAME is not set');\n"),
        'handler',
        { importModule },
      );

      const first = errorOf(await runner.invoke('fn', {}));
      await runner.invoke('fn', {});

      expect(first).toMatchObject({ errorType: 'RangeError', errorMessage: 'TABLE_NAME is not set' });
      expect(importModule).toHaveBeenCalledTimes(2);
    });

    it('reports a syntax error as Runtime.UserCodeSyntaxError', async () => {
      // Node's loader throws a SyntaxError here (vitest's own loader wraps it, so the test plays Node)
      const importModule = async () => {
        throw new SyntaxError('Unexpected end of input');
      };
      const runner = runnerFor(HANDLERS, 'handler', { importModule });

      expect(errorOf(await runner.invoke('fn', {}))).toMatchObject({
        errorType: 'Runtime.UserCodeSyntaxError',
        errorMessage: 'SyntaxError: Unexpected end of input',
      });
    });
  });

  describe('in isolated environments', { timeout: 120_000 }, () => {
    it('reports an error thrown at module scope by its name, and initialises a new environment next time', async () => {
      const runner = runnerFor(fixture('throws-at-init'), 'handler', { environments: 'isolated' });

      const first = errorOf(await runner.invoke('fn', {}));
      const second = errorOf(await runner.invoke('fn', {}));

      expect(first).toMatchObject({
        errorType: 'RangeError',
        errorMessage: expect.stringMatching(/^TABLE_NAME is not set \(environment \d+\)$/),
      });
      expect(second.errorType).toBe('RangeError');
      expect(second.errorMessage).not.toBe(first.errorMessage);
      expect(runner.environmentCount('fn')).toBe(0);
    });

    it('reports a syntax error as Runtime.UserCodeSyntaxError', async () => {
      const runner = runnerFor(write('broken.mjs', 'export const handler = async () => {\n'), 'handler', {
        environments: 'isolated',
      });

      expect(errorOf(await runner.invoke('fn', {}))).toMatchObject({
        errorType: 'Runtime.UserCodeSyntaxError',
        errorMessage: expect.stringMatching(/^SyntaxError: /),
      });
    });
  });
});

describe('isolated execution environments', { timeout: 120_000 }, () => {
  const ISOLATION = fixture('isolation');
  const isolated = (
    functions: Record<string, { module?: string; export: string; env?: Record<string, string> }>,
    options: Partial<LambdaRunnerOptions> = {},
  ) => {
    const runner = newRunner({ environments: 'isolated', ...options });
    for (const [name, fn] of Object.entries(functions))
      runner.register(name, {
        module: fn.module ?? ISOLATION,
        export: fn.export,
        timeoutMs: 3_000,
        memoryMb: 256,
        ...(fn.env ? { env: fn.env } : {}),
      });
    return runner;
  };
  afterEach(() => {
    delete process.env.GOVERNOR_TABLE_NAME;
  });

  it('gives a function only its declared variables: reading another fails at its cold start, as on AWS', async () => {
    // Prepare: this process has the variable (the local stack sets it for the functions that declare it)
    process.env.GOVERNOR_TABLE_NAME = 'orgflow-governor';
    const runner = isolated({
      Declares: {
        module: fixture('reads-table-name'),
        export: 'handler',
        env: { GOVERNOR_TABLE_NAME: 'orgflow-governor' },
      },
      Undeclared: {
        module: fixture('reads-table-name'),
        export: 'handler',
        env: { EVENT_BUS_NAME: 'default' },
      },
    });

    // Act
    const declares = await runner.invoke('Declares', {});
    const undeclared = await runner.invoke('Undeclared', {});

    // Assess
    expect(resultOf(declares)).toEqual({ table: 'orgflow-governor' });
    expect(errorOf(undeclared)).toMatchObject({
      errorType: 'ConfigurationError',
      errorMessage: expect.stringContaining('GOVERNOR_TABLE_NAME'),
    });
  });

  it("sees exactly Lambda's variables, the endpoints and its own, nothing of this process", async () => {
    const runner = isolated(
      { Names: { module: fixture('env-reader'), export: 'names', env: { EVENT_BUS_NAME: 'default' } } },
      {
        credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'local' },
        endpoints: () => ({ organizations: 'http://127.0.0.1:1', sfn: 'http://127.0.0.1:2' }),
      },
    );

    expect(resultOf(await runner.invoke('Names', {}))).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_ENDPOINT_URL_ORGANIZATIONS',
      'AWS_ENDPOINT_URL_SFN',
      'AWS_EXECUTION_ENV',
      'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
      'AWS_LAMBDA_FUNCTION_NAME',
      'AWS_LAMBDA_FUNCTION_VERSION',
      'AWS_LAMBDA_INITIALIZATION_TYPE',
      'AWS_LAMBDA_LOG_GROUP_NAME',
      'AWS_LAMBDA_LOG_STREAM_NAME',
      'AWS_REGION',
      // on Node 20, the SDK's switch for its notice about Node 20, which nodejs22.x would never show
      ...Object.keys(SDK_NODE_NOTICE_OFF),
      'AWS_SECRET_ACCESS_KEY',
      'EVENT_BUS_NAME',
      '_HANDLER',
    ]);
  });

  it('runs concurrent invocations in separate environments, and reuses a warm one after', async () => {
    // Prepare
    const runner = isolated({ Counts: { export: 'counts' } });
    const signals = signalsOn('isolation-holds');

    // Act: two invocations at once, both held until both run
    const both = Promise.all([
      runner.invoke('Counts', { hold: true }),
      runner.invoke('Counts', { hold: true }),
    ]);
    await signals.waiting(2);
    signals.release();
    const [first, second] = (await both).map(resultOf) as { invocations: number; threadId: number }[];
    const warm = resultOf(await runner.invoke('Counts', {})) as { invocations: number; threadId: number };
    signals.close();

    // Assess: each environment counted one invocation (its own module state); the third reused one of them
    expect(first?.invocations).toBe(1);
    expect(second?.invocations).toBe(1);
    expect(first?.threadId).not.toBe(second?.threadId);
    expect(runner.environmentCount('Counts')).toBe(2);
    expect(warm.invocations).toBe(2);
    expect([first?.threadId, second?.threadId]).toContain(warm.threadId);
  });

  it('keeps a function to its most environments: a burst beyond waits, in order, for one to come free', async () => {
    // Prepare
    const runner = isolated({ Counts: { export: 'counts' } }, { maxEnvironmentsPerFunction: 1 });
    const signals = signalsOn('isolation-holds');

    // Act: two invocations at once; the second may not start a second environment
    const first = runner.invoke('Counts', { hold: true });
    const second = runner.invoke('Counts', {});
    await signals.waiting(1);
    const countWhileHeld = runner.environmentCount('Counts');
    signals.release();
    const [held, queued] = (await Promise.all([first, second])).map(resultOf) as {
      invocations: number;
      threadId: number;
    }[];
    signals.close();

    // Assess: one environment served both, one after the other
    expect(countWhileHeld).toBe(1);
    expect(held?.invocations).toBe(1);
    expect(queued?.invocations).toBe(2);
    expect(queued?.threadId).toBe(held?.threadId);
    expect(runner.environmentCount('Counts')).toBe(1);
  });

  it('logs cold_start true on the first invocation of each environment, then false', async () => {
    const lines: LogLine[] = [];
    const runner = isolated({ Logs: { export: 'logs' } }, { onLog: (line) => lines.push(line) });

    await runner.invoke('Logs', {});
    await runner.invoke('Logs', {});
    await vi.waitFor(() => expect(lines).toHaveLength(4), COLD_START);

    expect(lines.map((line) => JSON.parse(line.text).cold_start)).toEqual([true, true, false, false]);
  });

  it('names its own function in every log line, however the invocations of two functions interleave', async () => {
    // Prepare
    const lines: LogLine[] = [];
    const runner = isolated(
      { ValidateRequest: { export: 'logs' }, CreateAccount: { export: 'logs' } },
      { onLog: (line) => lines.push(line) },
    );
    const signals = signalsOn('isolation-logs');

    // Act: both log once, hold, and log again once the other has logged too
    const invocations = Promise.all([
      runner.invoke('ValidateRequest', { hold: true }),
      runner.invoke('CreateAccount', { hold: true }),
    ]);
    await signals.waiting(2);
    signals.release();
    await invocations;
    await vi.waitFor(() => expect(lines).toHaveLength(4), COLD_START);
    signals.close();

    // Assess
    for (const line of lines) {
      const entry = JSON.parse(line.text);
      expect(entry.function_name).toBe(line.functionName);
      expect(entry.function_arn).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:${line.functionName}`);
      expect(line.logStreamName).toMatch(/\[\$LATEST\][0-9a-f]{32}$/);
    }
    expect(new Set(lines.map((line) => line.functionName))).toEqual(
      new Set(['ValidateRequest', 'CreateAccount']),
    );
  });

  it('ends the environment of an invocation that timed out; the next one starts cold', async () => {
    // Prepare
    const timers = manualTimers();
    const lines: LogLine[] = [];
    const runner = isolated({ Hangs: { export: 'hangs' } }, { timers, onLog: (line) => lines.push(line) });

    // Act
    const first = runner.invoke('Hangs', {});
    await vi.waitFor(() => expect(timers.pending()).toBe(1), COLD_START);
    timers.advance(3_000);
    const timedOut = await first;
    const countAfterTimeout = runner.environmentCount('Hangs');
    const second = runner.invoke('Hangs', {});
    await vi.waitFor(() => expect(timers.pending()).toBe(1), COLD_START);
    await vi.waitFor(() => expect(lines).toHaveLength(2), COLD_START);
    timers.advance(3_000);
    await second;

    // Assess
    expect(errorOf(timedOut).errorType).toBe('Sandbox.Timedout');
    expect(countAfterTimeout).toBe(0);
    const [before, after] = lines.map((line) => JSON.parse(line.text).hanging);
    expect(after).not.toBe(before);
  });

  it('ends every environment on close and refuses later invocations', async () => {
    const runner = isolated({ Counts: { export: 'counts' } });
    await runner.invoke('Counts', {});

    await runner.close();

    expect(runner.environmentCount('Counts')).toBe(0);
    await expect(runner.invoke('Counts', {})).rejects.toThrow('the Lambda runner is closed');
  });
});

describe.each(modes)('what Lambda refuses before running anything (%s environments)', (environments) => {
  it('rejects an unknown function with ResourceNotFoundException', async () => {
    const runner = runnerWith({ known: 'echo' }, { environments });

    const unknown = runner.invoke('arn:aws:lambda:us-east-1:111111111111:function:unknown', {});
    const otherAccount = runner.invoke('arn:aws:lambda:us-east-1:222222222222:function:known', {});

    await expect(unknown).rejects.toThrow(
      new LambdaServiceError(
        'ResourceNotFoundException',
        'Function not found: arn:aws:lambda:us-east-1:111111111111:function:unknown',
        404,
      ),
    );
    await expect(otherAccount).rejects.toMatchObject({ name: 'ResourceNotFoundException', statusCode: 404 });
  });

  it('rejects a request payload over 6 MB with RequestEntityTooLargeException', async () => {
    const runner = runnerWith({ echo: 'echo' }, { environments });

    await expect(runner.invoke('echo', { blob: 'x'.repeat(6_291_456) })).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      statusCode: 413,
    });
  });

  it('rejects a payload that is not JSON with InvalidRequestContentException', async () => {
    const runner = runnerWith({ echo: 'echo' }, { environments });

    await expect(runner.invoke('echo', { n: 1n })).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
      statusCode: 400,
    });
  });

  it('refuses registrations Lambda would refuse', () => {
    const runner = newRunner({ environments });
    const config = { module: HANDLERS, export: 'echo', timeoutMs: 1_000, memoryMb: 128 };

    expect(() => runner.register('not a name', config)).toThrow("cannot register 'not a name'");
    expect(() => runner.register('fn:live', config)).toThrow('register the unqualified function');
    expect(() => runner.register('arn:aws:lambda:us-east-1:222222222222:function:fn', config)).toThrow(
      'this runner serves account 111111111111',
    );
    expect(() => runner.register('fn', { ...config, timeoutMs: 901_000 })).toThrow('timeoutMs 901000');
    expect(() => runner.register('fn', { ...config, module: './relative.ts' })).toThrow('is relative');
    expect(runner.register('fn', config)).toBe('arn:aws:lambda:us-east-1:111111111111:function:fn');
    expect(() => runner.register('fn', config)).toThrow("function 'fn' is already registered");
  });
});
