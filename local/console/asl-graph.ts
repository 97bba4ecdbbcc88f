// A state machine's definition as a graph, for the console's picture of an execution and for
// `orgflow graph` (Mermaid): one node per state (states inside a Map or Parallel grouped under it), one edge per
// transition the definition allows, labelled with what takes it. No layout here: the page lays it out with dagre.

export type StateType = 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Map' | 'Parallel';

export interface GraphNode {
  /** the state's path: its name, under its Map or Parallel state's path for a state inside one */
  id: string;
  /** the state's name, as history events name it */
  name: string;
  type: StateType | 'Start' | 'End';
  /** the group (a Map's iteration, a Parallel's branch) the state is drawn in */
  group?: string;
  /** what a Task calls, short: a function's name or an integration (`lambda:invoke.waitForTaskToken`) */
  resource?: string;
}

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch' | 'iteration';

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
}

export interface GraphGroup {
  id: string;
  label: string;
  /** the Map or Parallel state the group belongs to */
  owner: string;
}

export interface StateGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
}

export const START = 'Start';
export const END = 'End';

interface StatesObject {
  StartAt: string;
  States: Record<string, AslState>;
}

interface AslState {
  Type: StateType;
  Next?: string;
  End?: boolean;
  Default?: string;
  Resource?: string;
  Arguments?: { FunctionName?: unknown };
  Parameters?: { FunctionName?: unknown };
  Choices?: { Next: string; Condition?: string; Variable?: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Iterator?: StatesObject;
  ItemProcessor?: StatesObject;
  Branches?: StatesObject[];
}

/** `${CreateAccountFunctionArn}` → CreateAccount; an ARN → its function or integration; else as written. */
export function shortResource(state: AslState): string | undefined {
  if (!state.Resource) return undefined;
  const fn = state.Arguments?.FunctionName ?? state.Parameters?.FunctionName;
  const named = (value: string) =>
    /^\$\{(\w+?)(?:FunctionArn|Arn)?\}$/.exec(value)?.[1] ?? /:function:([^:]+)/.exec(value)?.[1];
  const integration = /^arn:aws:states:::(.+)$/.exec(state.Resource)?.[1];
  if (integration) {
    const target = typeof fn === 'string' ? named(fn) : undefined;
    return target ? `${integration} ${target}` : integration;
  }
  return named(state.Resource) ?? state.Resource;
}

/** The label of a choice rule: its JSONata condition or JSONPath variable, cut to a readable length. */
function choiceLabel(rule: { Condition?: string; Variable?: string }): string | undefined {
  const text = rule.Condition ?? rule.Variable;
  if (!text) return undefined;
  const plain = text.replace(/^\{%\s*|\s*%\}$/g, '').replace(/\s+/g, ' ');
  return plain.length > 40 ? `${plain.slice(0, 39)}…` : plain;
}

/** The graph of an ASL definition (a parsed object or its JSON text). */
export function aslGraph(definition: string | object): StateGraph {
  const root = (typeof definition === 'string' ? JSON.parse(definition) : definition) as StatesObject;
  const graph: StateGraph = { nodes: [], edges: [], groups: [] };
  graph.nodes.push({ id: START, name: START, type: 'Start' });
  graph.nodes.push({ id: END, name: END, type: 'End' });
  graph.edges.push({ from: START, to: root.StartAt, kind: 'next' });
  addStates(graph, root, '', undefined, END);
  return graph;
}

function addStates(
  graph: StateGraph,
  machine: StatesObject,
  prefix: string,
  group: string | undefined,
  end: string | undefined,
): void {
  const id = (name: string) => `${prefix}${name}`;
  for (const [name, state] of Object.entries(machine.States)) {
    const resource = shortResource(state);
    graph.nodes.push({
      id: id(name),
      name,
      type: state.Type,
      ...(group ? { group } : {}),
      ...(resource ? { resource } : {}),
    });
    if (state.Next) graph.edges.push({ from: id(name), to: id(state.Next), kind: 'next' });
    const terminal = state.End || state.Type === 'Succeed' || state.Type === 'Fail';
    if (terminal && end) graph.edges.push({ from: id(name), to: end, kind: 'next' });
    for (const rule of state.Choices ?? []) {
      const label = choiceLabel(rule);
      graph.edges.push({ from: id(name), to: id(rule.Next), kind: 'choice', ...(label ? { label } : {}) });
    }
    if (state.Default)
      graph.edges.push({ from: id(name), to: id(state.Default), kind: 'default', label: 'default' });
    for (const rule of state.Catch ?? [])
      graph.edges.push({
        from: id(name),
        to: id(rule.Next),
        kind: 'catch',
        label: rule.ErrorEquals.join(', '),
      });
    const branches =
      (state.ItemProcessor ?? state.Iterator)
        ? [state.ItemProcessor ?? state.Iterator!]
        : (state.Branches ?? []);
    branches.forEach((branch, i) => {
      const groupId = `${id(name)}#${i}`;
      graph.groups.push({
        id: groupId,
        label: state.Type === 'Map' ? `${name}: each item` : `${name}: branch ${i + 1}`,
        owner: id(name),
      });
      const inner = `${id(name)}/`;
      graph.edges.push({ from: id(name), to: `${inner}${branch.StartAt}`, kind: 'iteration' });
      addStates(graph, branch, inner, groupId, undefined);
    });
  }
}
