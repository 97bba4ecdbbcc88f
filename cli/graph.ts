import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stateMachines } from '../catalog/functions';
import { stateMachineOfTarget } from '../catalog/rule-files';
import { aslGraph, type StateGraph } from '../local/console/asl-graph';
import { mermaid } from '../local/console/mermaid';
import { UsageError } from './close';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

/**
 * The graph of a state machine named as the catalog names it (AccountVending), by its ASL file's name
 * (account-vending), or by the path of an ASL file; the same graph the console draws.
 */
export function stateMachineGraph(ref: string): StateGraph {
  const machine = stateMachineOfTarget(ref);
  const file = machine
    ? resolve(root, stateMachines[machine as keyof typeof stateMachines].definitionFile)
    : ref;
  if (!ref.endsWith('.json') && !machine)
    throw new UsageError(
      `no state machine named ${ref}: name one of ${Object.keys(stateMachines).join(', ')}, its file name (account-vending) or an .asl.json file`,
    );
  if (!existsSync(file)) throw new UsageError(`no such ASL file: ${file}`);
  return aslGraph(readFileSync(file, 'utf8'));
}

/** `orgflow graph <state-machine>`: the graph as a Mermaid flowchart. */
export const renderGraph = (graph: StateGraph): string => mermaid(graph).trimEnd();
