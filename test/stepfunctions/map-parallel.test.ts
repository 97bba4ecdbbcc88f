import { describe, expect, it } from 'vitest';
import type { Json } from '../../local/stepfunctions/index';
import { begin, FN, harness, machine, run, types } from './harness';

const pass = { Type: 'Pass', End: true };
const processor = (state: object = pass) => ({ StartAt: 'Item', States: { Item: { End: true, ...state } } });
const work = { Type: 'Task', Resource: `${FN}:work` };

function mapOf(map: object, top: object = {}) {
  return machine({ ...top, StartAt: 'Each', States: { Each: { Type: 'Map', End: true, ...map } } });
}

describe('Map', () => {
  it('runs the processor per item, in order, with ItemSelector seeing $$.Map.Item and the effective input', async () => {
    // Prepare
    const definition = mapOf({
      InputPath: '$.request',
      ItemsPath: '$.accounts',
      ItemSelector: { 'index.$': '$$.Map.Item.Index', 'account.$': '$$.Map.Item.Value', 'ou.$': '$.ou' },
      ItemProcessor: processor(work),
    });
    const input = { request: { ou: 'ou-1', accounts: ['a', 'b', 'c'] } };

    // Act
    const result = await run(definition, input, { [`${FN}:work`]: (item) => item });

    // Assess
    expect(result.output).toEqual([
      { index: 0, account: 'a', ou: 'ou-1' },
      { index: 1, account: 'b', ou: 'ou-1' },
      { index: 2, account: 'c', ou: 'ou-1' },
    ]);
    const mapEvents = result.history.filter((e) => e.type.startsWith('Map'));
    expect(mapEvents[1]).toMatchObject({
      type: 'MapStateStarted',
      mapStateStartedEventDetails: { length: 3 },
    });
    expect(types(mapEvents)).toEqual([
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'MapIterationStarted',
      'MapIterationStarted',
      'MapIterationSucceeded',
      'MapIterationSucceeded',
      'MapIterationSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
    ]);
  });

  it('supports the older Iterator and Parameters fields', async () => {
    const definition = mapOf({ Iterator: processor(), Parameters: { 'v.$': '$$.Map.Item.Value' } });
    expect((await run(definition, [1, 2])).output).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('gives [] for no items', async () => {
    const result = await run(mapOf({ ItemProcessor: processor(work) }), []);
    expect(result.output).toEqual([]);
  });

  it('fails with States.Runtime when the items are not an array', async () => {
    const result = await run(mapOf({ ItemsPath: '$.items', ItemProcessor: processor() }), {
      items: { a: 1 },
    });
    expect(result.error).toBe('States.Runtime');
  });

  it.each([
    ['MaxConcurrency', { MaxConcurrency: 3 }, {}],
    ['MaxConcurrencyPath', { MaxConcurrencyPath: '$.limit' }, { limit: 3 }],
  ])('keeps at most N iterations in flight with %s', async (_label, field, extra) => {
    // Prepare
    const h = harness({ [`${FN}:work`]: 'hold' });
    const items = Array.from({ length: 10 }, (_, i) => i);
    const definition = mapOf({ ItemsPath: '$.items', ...field, ItemProcessor: processor(work) });

    // Act: answer the held invocations one at a time, oldest first
    const execution = await begin(definition, { items, ...extra }, h);
    const inFlightSeen: number[] = [];
    while (h.tasks.held.length > 0) {
      inFlightSeen.push(h.tasks.inFlight);
      const next = h.tasks.held.shift();
      next?.resolve((next.request.input as number) * 10);
      await execution.runUntilIdle();
    }

    // Assess
    expect(h.tasks.maxInFlight).toBe(3);
    expect(inFlightSeen.slice(0, 8).every((n) => n === 3)).toBe(true);
    expect(h.tasks.calls).toHaveLength(10);
    expect(execution.state.output).toEqual(items.map((i) => i * 10));
  });

  it('limits an inline Map to 40 concurrent iterations when MaxConcurrency is 0', async () => {
    const h = harness({ [`${FN}:work`]: 'hold' });
    await begin(
      mapOf({ MaxConcurrency: 0, ItemProcessor: processor(work) }),
      Array.from({ length: 50 }, (_, i) => i),
      h,
    );
    expect(h.tasks.inFlight).toBe(40);
  });

  it('fails with the error of a failed iteration and aborts the others; Catch on the Map routes it', async () => {
    // Prepare
    const h = harness({ [`${FN}:work`]: 'hold' });
    const definition = machine({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: processor(work),
          Catch: [{ ErrorEquals: ['AccountNotFoundError'], ResultPath: '$.error', Next: 'Handle' }],
          End: true,
        },
        Handle: pass,
      },
    });

    // Act
    const execution = await begin(definition, { items: [1, 2, 3] }, h);
    h.tasks.held[1]?.reject({ error: 'AccountNotFoundError', cause: 'account 2' });
    await execution.runUntilIdle();

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({
      items: [1, 2, 3],
      error: { Error: 'AccountNotFoundError', Cause: 'account 2' },
    });
    expect(h.tasks.aborted.map((r) => r.input)).toEqual([1, 3]);
    const events = types(execution.history);
    expect(events.filter((t) => t === 'MapIterationAborted')).toHaveLength(2);
    expect(events.filter((t) => t === 'TaskStateAborted')).toHaveLength(2);
    expect(events).toContain('MapIterationFailed');
    expect(events).toContain('MapStateFailed');
  });

  it('keeps going within ToleratedFailureCount, leaving the error output of failed items', async () => {
    const fail = (n: Json) => {
      if ((n as number) % 3 === 0) throw { error: 'E', cause: `item ${n}` };
      return n;
    };
    const result = await run(
      mapOf({ ToleratedFailureCount: 2, ItemProcessor: processor(work) }),
      [1, 2, 3, 4, 5, 6],
      { [`${FN}:work`]: fail },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([
      1,
      2,
      { Error: 'E', Cause: 'item 3' },
      4,
      5,
      { Error: 'E', Cause: 'item 6' },
    ]);
  });

  it('fails with States.ExceedToleratedFailureThreshold beyond ToleratedFailureCount', async () => {
    const result = await run(mapOf({ ToleratedFailureCount: 1, ItemProcessor: processor(work) }), [3, 6, 7], {
      [`${FN}:work`]: (n) => {
        if ((n as number) % 3 === 0) throw { error: 'E', cause: '' };
        return n;
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it.each([
    [25, 'SUCCEEDED'],
    [20, 'FAILED'],
  ])('measures failures against ToleratedFailurePercentage %s', async (percentage, status) => {
    const result = await run(
      mapOf({ ToleratedFailurePercentage: percentage, ItemProcessor: processor(work) }),
      [1, 2, 3, 4],
      {
        [`${FN}:work`]: (n) => {
          if (n === 4) throw { error: 'E', cause: '' };
          return n;
        },
      },
    );
    expect(result.status).toBe(status);
  });

  it('runs JSONata Items, ItemSelector and MaxConcurrency', async () => {
    const definition = mapOf(
      {
        Items: '{% $states.input.list[$ > 1] %}',
        ItemSelector: {
          value: '{% $states.context.Map.Item.Value %}',
          at: '{% $states.context.Map.Item.Index %}',
        },
        MaxConcurrency: '{% 2 %}',
        ItemProcessor: processor(),
        Output: '{% $states.result.value %}',
      },
      { QueryLanguage: 'JSONata' },
    );
    expect((await run(definition, { list: [1, 2, 3] })).output).toEqual([2, 3]);
  });
});

/** a state that ends its branch: End true unless it is a Fail or Succeed state */
const terminal = (state: { Type?: string }) =>
  state.Type === 'Fail' || state.Type === 'Succeed' ? state : { End: true, ...state };

describe('Parallel', () => {
  const twoBranches = (first: object, second: object, extra: object = {}) =>
    machine({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'First', States: { First: terminal(first) } },
            { StartAt: 'Second', States: { Second: terminal(second) } },
          ],
          End: true,
          ...extra,
        },
      },
    });

  it('gives each branch the same input and outputs their results in branch order', async () => {
    const result = await run(
      twoBranches(
        { Type: 'Wait', Seconds: 0 },
        { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' } },
        {
          Parameters: { 'n.$': '$.value' },
          ResultSelector: { 'first.$': '$[0]', 'second.$': '$[1].doubled' },
        },
      ),
      { value: 4 },
    );
    expect(result.output).toEqual({ first: { n: 4 }, second: 8 });
    expect(types(result.history)).toEqual(
      expect.arrayContaining([
        'ParallelStateEntered',
        'ParallelStateStarted',
        'ParallelStateSucceeded',
        'ParallelStateExited',
      ]),
    );
  });

  it('fails with the error of a failed branch, aborting the others, and Catch routes it', async () => {
    // Prepare
    const h = harness({ [`${FN}:work`]: 'hold' });
    const definition = machine({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Slow', States: { Slow: { ...work, End: true } } },
            {
              StartAt: 'Broken',
              States: { Broken: { Type: 'Fail', Error: 'PolicyNotAttached', Cause: 'SCP missing' } },
            },
          ],
          Catch: [{ ErrorEquals: ['PolicyNotAttached'], Next: 'Recover' }],
          End: true,
        },
        Recover: pass,
      },
    });

    // Act
    const execution = await begin(definition, {}, h);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.state.output).toEqual({ Error: 'PolicyNotAttached', Cause: 'SCP missing' });
    expect(h.tasks.aborted).toHaveLength(1);
    expect(types(execution.history)).toEqual(
      expect.arrayContaining(['FailStateEntered', 'TaskStateAborted', 'ParallelStateFailed']),
    );
  });

  it('fails the execution when no catcher handles the branch error', async () => {
    const result = await run(
      twoBranches({ Type: 'Pass' }, { Type: 'Fail', Error: 'Nope', Cause: 'because' }),
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'because' });
  });

  it('re-runs every branch when a retrier matches the branch error', async () => {
    let calls = 0;
    const h = harness({
      [`${FN}:work`]: () => {
        if (++calls === 1) throw { error: 'Flaky', cause: '' };
        return calls;
      },
    });
    const execution = await begin(
      twoBranches(
        work,
        { Type: 'Pass', Result: 'p' },
        { Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1 }] },
      ),
      {},
      h,
    );
    h.clock.advance(1000);
    await execution.runUntilIdle();
    expect(execution.state.output).toEqual([2, 'p']);
    expect(types(execution.history).filter((t) => t === 'ParallelStateStarted')).toHaveLength(2);
  });

  it('nests a Map in a Parallel branch', async () => {
    const definition = twoBranches(
      {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: { StartAt: 'Inner', States: { Inner: { ...work, End: true } } },
      },
      { Type: 'Pass', InputPath: '$.label' },
    );
    const result = await run(
      definition,
      { items: [1, 2], label: 'x' },
      { [`${FN}:work`]: (n) => (n as number) + 100 },
    );
    expect(result.output).toEqual([[101, 102], 'x']);
  });
});
