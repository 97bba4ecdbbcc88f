import { END, type GraphNode, START, type StateGraph } from './asl-graph';

// The graph as a Mermaid flowchart (`orgflow graph`), for docs and reviews: the same nodes and edges the console
// draws, shapes by state type, caught errors as dotted edges.

/** Mermaid's entity for `"`, so that any state name fits in a quoted label. */
const quoted = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;

function shape(node: GraphNode, id: string): string {
  const label = quoted(node.resource ? `${node.name}<br/>(${node.resource})` : node.name);
  switch (node.type) {
    case 'Start':
    case 'End':
      return `${id}((${quoted(node.name)}))`;
    case 'Choice':
      return `${id}{${label}}`;
    case 'Succeed':
    case 'Fail':
      return `${id}([${label}])`;
    case 'Wait':
      return `${id}[/${label}/]`;
    case 'Map':
    case 'Parallel':
      return `${id}[[${label}]]`;
    default:
      return `${id}[${label}]`;
  }
}

export function mermaid(graph: StateGraph): string {
  const ids = new Map(
    graph.nodes.map((node, i) => [
      node.id,
      node.id === START ? 'machine_start' : node.id === END ? 'machine_end' : `s${i}`,
    ]),
  );
  const lines = ['flowchart TD'];
  const indent = (depth: number) => '  '.repeat(depth);
  const emitGroup = (group: string | undefined, depth: number) => {
    for (const node of graph.nodes.filter((n) => n.group === group))
      lines.push(`${indent(depth)}${shape(node, ids.get(node.id)!)}`);
    for (const child of graph.groups.filter(
      (g) => graph.nodes.find((n) => n.id === g.owner)?.group === group,
    )) {
      lines.push(
        `${indent(depth)}subgraph ${ids.get(child.owner)}_${child.id.split('#').pop()}[${quoted(child.label)}]`,
      );
      emitGroup(child.id, depth + 1);
      lines.push(`${indent(depth)}end`);
    }
  };
  emitGroup(undefined, 1);
  for (const edge of graph.edges) {
    const from = ids.get(edge.from);
    const to = ids.get(edge.to);
    if (!from || !to) continue;
    const arrow = edge.kind === 'catch' ? '-.->' : edge.kind === 'iteration' ? '==>' : '-->';
    lines.push(`  ${from} ${arrow}${edge.label ? `|${quoted(edge.label)}|` : ''} ${to}`);
  }
  lines.push('  classDef fail fill:#fde2e1,stroke:#b42318', '  classDef succeed fill:#dcfae6,stroke:#067647');
  const of = (type: string) => graph.nodes.filter((n) => n.type === type).map((n) => ids.get(n.id));
  if (of('Fail').length) lines.push(`  class ${of('Fail').join(',')} fail`);
  if (of('Succeed').length) lines.push(`  class ${of('Succeed').join(',')} succeed`);
  return `${lines.join('\n')}\n`;
}
