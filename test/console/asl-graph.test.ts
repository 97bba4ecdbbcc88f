import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aslGraph, END, START } from '../../local/console/asl-graph';
import { mermaid } from '../../local/console/mermaid';

const files = readdirSync('statemachines').filter((f) => f.endsWith('.asl.json'));
const read = (file: string) => readFileSync(join('statemachines', file), 'utf8');

describe('a state machine as a graph', () => {
  it.each(files)('%s: a node per state, every transition an edge between known nodes', (file) => {
    // Prepare
    const definition = JSON.parse(read(file));

    // Act
    const graph = aslGraph(definition);

    // Assess
    const ids = new Set(graph.nodes.map((n) => n.id));
    expect(ids.size).toBe(graph.nodes.length);
    for (const name of Object.keys(definition.States)) expect(ids.has(name), name).toBe(true);
    for (const edge of graph.edges) {
      expect(ids.has(edge.from), `${edge.from}→${edge.to}`).toBe(true);
      expect(ids.has(edge.to), `${edge.from}→${edge.to}`).toBe(true);
    }
    expect(graph.edges).toContainEqual({ from: START, to: definition.StartAt, kind: 'next' });
    expect(graph.edges.some((e) => e.to === END)).toBe(true);
  });

  it('labels choices and catches, and names what a task calls', () => {
    // Act
    const graph = aslGraph(read('account-vending.asl.json'));

    // Assess
    expect(graph.nodes.find((n) => n.id === 'Create Account')?.resource).toBe('CreateAccount');
    expect(graph.nodes.find((n) => n.id === 'Wait For Account')?.resource).toBe(
      'lambda:invoke.waitForTaskToken WatchAccountCreation',
    );
    expect(graph.edges).toContainEqual({
      from: 'Validate Request',
      to: 'Record Failure',
      kind: 'catch',
      label: 'States.ALL',
    });
    expect(graph.edges).toContainEqual({
      from: 'Email Already Used?',
      to: 'Record Failure',
      kind: 'default',
      label: 'default',
    });
    expect(graph.edges.find((e) => e.from === 'Email Already Used?' && e.kind === 'choice')?.label).toMatch(
      /EmailAlreadyExists/,
    );
  });

  it("groups a Map's states under it, entered by an iteration edge", () => {
    // Act
    const graph = aslGraph(read('closure-batch.asl.json'));

    // Assess
    expect(graph.groups).toEqual([
      { id: 'Close Accounts#0', label: 'Close Accounts: each item', owner: 'Close Accounts' },
    ]);
    expect(graph.nodes.find((n) => n.name === 'Close One Account')).toMatchObject({
      id: 'Close Accounts/Close One Account',
      group: 'Close Accounts#0',
    });
    expect(graph.edges).toContainEqual({
      from: 'Close Accounts',
      to: 'Close Accounts/Close One Account',
      kind: 'iteration',
    });
  });

  it.each(files)('%s as Mermaid: every edge between declared ids, no reserved word as an id', (file) => {
    // Act
    const text = mermaid(aslGraph(read(file)));

    // Assess
    expect(text.startsWith('flowchart TD\n')).toBe(true);
    const declared = new Set([...text.matchAll(/^\s+(\w+)[([{/]/gm)].map((m) => m[1]));
    const edges = [...text.matchAll(/^ {2}(\w+) (?:-->|-\.->|==>)(?:\|"[^"]*"\|)? (\w+)$/gm)];
    expect(edges.length).toBeGreaterThan(5);
    for (const [, from, to] of edges) {
      expect(declared.has(from), from).toBe(true);
      expect(declared.has(to), to).toBe(true);
    }
    expect(declared.has('end')).toBe(false);
  });
});
