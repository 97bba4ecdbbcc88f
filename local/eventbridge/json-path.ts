/**
 * The JSONPath subset EventBridge evaluates in InputPath and InputPathsMap: `$`, `.name` (letters, digits,
 * `-`, `_`, `/`, `@`, `:`), `['name']`, `[n]` and the wildcards `.*` / `[*]`.
 */
type Step = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'all' };

export interface JsonPath {
  readonly text: string;
  readonly steps: readonly Step[];
  /** a wildcard makes the result the list of everything it reached */
  readonly multiple: boolean;
}

/** Parses `text`, or returns why it is not a path EventBridge accepts. */
export function parseJsonPath(text: string): JsonPath | string {
  if (!text.startsWith('$')) return `a JSON path starts with $, not ${JSON.stringify(text.slice(0, 1))}`;
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    const dotted = /^\.([A-Za-z0-9_\-/@:]+|\*)/.exec(rest);
    const indexed = /^\[(\d+|\*)\]/.exec(rest);
    const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
    const match = dotted ?? indexed ?? quoted;
    if (!match) return `unexpected ${JSON.stringify(rest.slice(0, 12))} at position ${i}`;
    if (dotted) steps.push(dotted[1] === '*' ? { kind: 'all' } : { kind: 'key', name: dotted[1] as string });
    else if (indexed)
      steps.push(indexed[1] === '*' ? { kind: 'all' } : { kind: 'index', index: Number(indexed[1]) });
    else if (quoted) steps.push({ kind: 'key', name: (quoted[1] ?? quoted[2]) as string });
    i += match[0].length;
  }
  return { text, steps, multiple: steps.some((step) => step.kind === 'all') };
}

/** The value at `path` in `document`, or undefined when nothing is there (a wildcard path yields a list). */
export function evaluateJsonPath(path: JsonPath, document: unknown): unknown {
  let current: unknown[] = [document];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'all') {
        if (Array.isArray(value)) next.push(...value);
        else if (value !== null && typeof value === 'object') next.push(...Object.values(value));
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.hasOwn(value, step.name)
      ) {
        next.push((value as Record<string, unknown>)[step.name]);
      }
    }
    current = next;
  }
  if (path.multiple) return current;
  return current[0];
}
