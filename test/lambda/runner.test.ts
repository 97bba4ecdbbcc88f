import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseFunctionReference } from '../../local/lambda/arn';
import {
  type InvokeOutcome,
  LambdaRunner,
  type LambdaRunnerOptions,
  LambdaServiceError,
  type LambdaTimers,
} from '../../local/lambda/runner';

const ACCOUNT = '111111111111';
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

function runnerWith(exports: Record<string, string>, options: Partial<LambdaRunnerOptions> = {}) {
  const runner = new LambdaRunner({ accountId: ACCOUNT, timers: manualTimers(), ...options });
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

describe('invoking a handler', () => {
  it('passes a JSON copy of the payload and a Lambda context', async () => {
    // Prepare
    const runner = runnerWith({ 'vend-account': 'echo' });
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
    const runner = runnerWith({ 'vend-account': 'echo' });

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
    const runner = runnerWith({ waits: 'waits' }, { timers });
    const slot = globalThis as { waitingContext?: Context; release?: (value: string) => void };

    const invocation = runner.invoke('waits', {});
    await vi.waitFor(() => expect(timers.pending()).toBe(1));
    const context = slot.waitingContext!;
    const atStart = context.getRemainingTimeInMillis();
    timers.advance(1_200);
    const later = context.getRemainingTimeInMillis();
    slot.release!('done');

    expect(atStart).toBe(3_000);
    expect(later).toBe(1_800);
    expect(resultOf(await invocation)).toBe('done');
    expect(timers.pending()).toBe(0);
  });

  it('waits for the callback of a callback-style handler', async () => {
    const runner = runnerWith({ cb: 'callbackStyle', cbError: 'callbackError' });

    expect(resultOf(await runner.invoke('cb', { n: 1 }))).toEqual({ via: 'callback', event: { n: 1 } });
    expect(errorOf(await runner.invoke('cbError', {}))).toMatchObject({
      errorType: 'AccountNotFoundError',
      errorMessage: 'reported through the callback',
    });
  });

  it('answers null for a handler that is neither async nor callback-style, as AWS does', async () => {
    const runner = runnerWith({ sync: 'returnsSynchronously', undef: 'returnsUndefined' });

    expect(resultOf(await runner.invoke('sync', {}))).toBeNull();
    expect(resultOf(await runner.invoke('undef', {}))).toBeNull();
  });

  it('returns the result as JSON, so a Date arrives as its ISO string', async () => {
    const runner = runnerWith({ date: 'returnsDate' });

    expect(resultOf(await runner.invoke('date', {}))).toEqual({ at: '2026-01-02T00:00:00.000Z' });
  });

  it('finds a handler through a dotted export', async () => {
    const runner = runnerWith({ nested: 'nested.handler' });

    expect(resultOf(await runner.invoke('nested', {}))).toBe('found through a dotted export');
  });
});

describe('function errors, reported as the Node.js runtime reports them', () => {
  it("names a thrown error by its name, so Step Functions' ErrorEquals matches it", async () => {
    const runner = runnerWith({ fails: 'fails', throws: 'throwsSynchronously' });

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
    const runner = runnerWith({ rejects: 'rejectsWithString' });

    expect(errorOf(await runner.invoke('rejects', {}))).toEqual({
      errorType: 'string',
      errorMessage: 'quota exhausted',
      trace: [],
    });
  });

  it('times out with Sandbox.Timedout and leaves the handler behind', async () => {
    const timers = manualTimers();
    const runner = runnerWith({ hangs: 'hangs' }, { timers });

    const invocation = runner.invoke('hangs', {});
    await vi.waitFor(() => expect(timers.pending()).toBe(1));
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
    const runner = new LambdaRunner({ accountId: ACCOUNT });
    runner.register('hangs', { module: HANDLERS, export: 'hangs', timeoutMs: 50, memoryMb: 128 });

    const started = Date.now();
    const error = errorOf(await runner.invoke('hangs', {}));

    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.errorMessage).toMatch(/Task timed out after 0\.05 seconds$/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports a result JSON cannot hold as Runtime.JSONStringifyError', async () => {
    const runner = runnerWith({ bigint: 'returnsBigInt' });

    expect(errorOf(await runner.invoke('bigint', {}))).toMatchObject({
      errorType: 'Runtime.JSONStringifyError',
      errorMessage: 'Unable to stringify response body',
    });
  });

  it('refuses a response over 6 MB with Function.ResponseSizeTooLarge', async () => {
    const runner = runnerWith({ large: 'returnsTooMuch' });

    expect(errorOf(await runner.invoke('large', {}))).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });
});

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
    const runner = new LambdaRunner({ accountId: ACCOUNT, timers: manualTimers(), ...options });
    runner.register('fn', { module, export: exportName, timeoutMs: 3_000, memoryMb: 128 });
    return runner;
  };

  it('imports a module once, however many invocations, even concurrent ones', async () => {
    const importModule = vi.fn((specifier: string) => import(specifier));
    const runner = runnerFor(fixture('counted'), 'handler', { importModule });

    const first = await Promise.all([runner.invoke('fn', {}), runner.invoke('fn', {})]);
    const again = await runner.invoke('fn', {});

    expect(importModule).toHaveBeenCalledTimes(1);
    expect(importModule).toHaveBeenCalledWith(expect.stringMatching(/^file:\/\/.*\/counted\.ts$/));
    expect([...first, again].map(resultOf)).toEqual([1, 1, 1]);
  });

  it("writes the function's env before the first import, so module scope reads it", async () => {
    const runner = new LambdaRunner({ accountId: ACCOUNT, timers: manualTimers() });
    runner.register('reader', {
      module: fixture('env-reader'),
      export: 'handler',
      timeoutMs: 3_000,
      memoryMb: 128,
      env: { ORGFLOW_FIXTURE_GREETING: 'hello from the env' },
    });

    expect(resultOf(await runner.invoke('reader', {}))).toEqual({ greeting: 'hello from the env' });
  });

  it('refuses two functions that give one variable different values (one process env)', () => {
    const runner = new LambdaRunner({ accountId: ACCOUNT });
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

  it('reports a missing module as Runtime.ImportModuleError', async () => {
    const missing = join(dir, 'no-such-handler.mjs');
    const runner = runnerFor(missing);

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
    );

    const error = errorOf(await runner.invoke('fn', {}));

    expect(error.errorType).toBe('Runtime.ImportModuleError');
    expect(error.errorMessage).toContain('orgflow-no-such-package');
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

  it('reports a missing or non-function export as Runtime.HandlerNotFound', async () => {
    const missing = runnerFor(HANDLERS, 'noSuchExport');
    const notAFunction = runnerFor(HANDLERS, 'notAFunction');

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

describe('what Lambda refuses before running anything', () => {
  it('rejects an unknown function with ResourceNotFoundException', async () => {
    const runner = runnerWith({ known: 'echo' });

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
    const runner = runnerWith({ echo: 'echo' });

    await expect(runner.invoke('echo', { blob: 'x'.repeat(6_291_456) })).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      statusCode: 413,
    });
  });

  it('rejects a payload that is not JSON with InvalidRequestContentException', async () => {
    const runner = runnerWith({ echo: 'echo' });

    await expect(runner.invoke('echo', { n: 1n })).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
      statusCode: 400,
    });
  });

  it('refuses registrations Lambda would refuse', () => {
    const runner = new LambdaRunner({ accountId: ACCOUNT });
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
