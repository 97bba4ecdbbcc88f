import { describe, expect, it } from 'vitest';
import {
  Execution,
  type ExecutionState,
  type Json,
  ManualClock,
  parseDefinition,
  type StepResult,
  seededRandom,
  type TaskRequest,
} from '../../local/stepfunctions/index';
import { decode, type EncodedLine, RecordEncoder } from '../../local/stepfunctions/service/record-delta';

// The journal's delta encoding must reproduce the record after every transition exactly, whatever the
// states do to it: Map and Parallel frames, results filled one by one, tolerated failures, retries,
// Waits, variables, callback tasks with heartbeats, lambda:invoke arguments.

const FN = 'arn:aws:lambda:us-east-1:111111111111:function';

const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;

/** Runs `definition` to its end, checking after each transition that decoding the delta gives the record. */
async function roundTrip(
  definition: object,
  input: Json,
  answer: (request: TaskRequest) => Json | Promise<Json>,
  options: { checkEach: boolean } = { checkEach: true },
) {
  const compiled = parseDefinition(JSON.stringify(definition), { source: 'delta.asl.json' });
  const clock = new ManualClock();
  const encoder = new RecordEncoder();
  let decoded: ExecutionState | undefined;
  let transitions = 0;
  let bytes = 0;
  const tokens: string[] = [];
  const check = (result: StepResult) => {
    const changes = encoder.encode(result.state);
    bytes += changes.length;
    decoded = decode(decoded, result.state.execution, JSON.parse(`{${changes}}`) as EncodedLine);
    transitions++;
    if (!options.checkEach && result.state.status === 'RUNNING') return;
    expect(plain(decoded), `after transition ${transitions}`).toEqual(plain(result.state));
    expect(plain(decode(undefined, result.state.execution, JSON.parse(`{${encoder.full()}}`)))).toEqual(
      plain(result.state),
    );
  };
  const execution = await Execution.start(
    compiled,
    input,
    {
      clock,
      random: seededRandom(7),
      tasks: {
        invoke: async (request) => {
          if (request.taskToken) tokens.push(request.taskToken);
          return answer(request);
        },
      },
    },
    { name: 'delta', onTransition: check },
  );
  for (let i = 0; i < 500 && execution.status === 'RUNNING'; i++) {
    await execution.runUntilIdle();
    const token = tokens.shift();
    if (token) {
      clock.advance(5000);
      await execution.sendTaskHeartbeat(token);
      await execution.sendTaskSuccess(token, { approved: token.length > 0 });
      continue;
    }
    const deadline = execution.nextDeadline();
    if (deadline === undefined) break;
    clock.advance(Math.max(0, deadline - clock.now()));
  }
  return { state: execution.state, transitions, bytes };
}

describe('the journal delta encoding', () => {
  it('reproduces a Map with limited concurrency, waits, variables, retries and a tolerated failure', async () => {
    const definition = {
      StartAt: 'Each Account',
      States: {
        'Each Account': {
          Type: 'Map',
          ItemsPath: '$.accounts',
          MaxConcurrency: 2,
          ToleratedFailureCount: 1,
          ItemSelector: { 'account.$': '$$.Map.Item.Value', 'batch.$': '$.batch' },
          ItemProcessor: {
            StartAt: 'Close',
            States: {
              Close: {
                Type: 'Task',
                Resource: `${FN}:close`,
                Retry: [{ ErrorEquals: ['TooManyRequestsException'], IntervalSeconds: 1, MaxAttempts: 2 }],
                ResultPath: '$.closed',
                Assign: { 'last.$': '$.closed' },
                Next: 'Settle',
              },
              Settle: { Type: 'Wait', Seconds: 10, Next: 'Done' },
              Done: { Type: 'Pass', Parameters: { 'id.$': '$.account.id', 'last.$': '$last' }, End: true },
            },
          },
          ResultPath: '$.results',
          End: true,
        },
      },
    };
    const accounts = Array.from({ length: 5 }, (_, i) => ({
      id: `10000000000${i}`,
      email: `m${i}@example.com`,
    }));
    const seen = new Map<string, number>();
    const { state, transitions } = await roundTrip(definition, { batch: 'b-1', accounts }, (request) => {
      const id = (request.input as { account: { id: string } }).account.id;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (id.endsWith('1') && seen.get(id) === 1)
        throw { error: 'TooManyRequestsException', cause: 'slow down' };
      if (id.endsWith('3')) throw { error: 'AccountNotFoundError', cause: 'gone' };
      return { closed: id };
    });
    expect(state.status).toBe('SUCCEEDED');
    expect(transitions).toBeGreaterThan(20);
    expect((state.output as { results: Json[] }).results[3]).toEqual({
      Error: 'AccountNotFoundError',
      Cause: 'gone',
    });
  });

  it('reproduces Parallel branches, callback tasks with heartbeats and lambda:invoke arguments', async () => {
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Ask',
              States: {
                Ask: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                  HeartbeatSeconds: 60,
                  Parameters: {
                    FunctionName: `${FN}:ask`,
                    Payload: { 'token.$': '$$.Task.Token', 'in.$': '$' },
                  },
                  End: true,
                },
              },
            },
            {
              StartAt: 'Invoke',
              States: {
                Invoke: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: `${FN}:work`, Payload: { 'in.$': '$' }, Qualifier: '$LATEST' },
                  Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recover' }],
                  End: true,
                },
                Recover: { Type: 'Pass', End: true },
              },
            },
          ],
          End: true,
        },
      },
    };
    const { state } = await roundTrip(definition, { request: 'r-1' }, (request) => {
      if (request.resource.endsWith(':work')) throw { error: 'Boom', cause: 'the work failed' };
      return { StatusCode: 200 };
    });
    expect(state.status).toBe('SUCCEEDED');
    expect(state.output).toEqual([
      { approved: true },
      { request: 'r-1', error: { Error: 'Boom', Cause: 'the work failed' } },
    ]);
  });

  it('writes a Map of many items in a size that grows with the items, not with their square', async () => {
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'Keep', States: { Keep: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    const sizes: number[] = [];
    for (const count of [50, 200]) {
      const items = Array.from({ length: count }, (_, i) => ({ id: i, email: `member-${i}@example.com` }));
      const { bytes } = await roundTrip(definition, { items }, () => null, { checkEach: false });
      sizes.push(bytes / count);
    }
    // bytes per item stay about the same from 50 to 200 items (a full record each time would grow 4×)
    expect(sizes[1]! / sizes[0]!).toBeLessThan(1.5);
  });
});
