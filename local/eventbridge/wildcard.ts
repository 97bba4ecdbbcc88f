/** A wildcard pattern: literal runs and `*` (any run of characters, including none). */
export type WildcardToken = { star: true } | { star: false; text: string };

/** Parses a wildcard value: `\*` is a literal star, `\\` a literal backslash. Returns the reason when invalid. */
export function parseWildcard(value: string): WildcardToken[] | string {
  const tokens: WildcardToken[] = [];
  let literal = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${i + 1}`;
      literal += next;
      i++;
    } else if (char === '*') {
      if (value[i + 1] === '*') return `Consecutive wildcard characters at pos ${i + 1}`;
      if (literal) tokens.push({ star: false, text: literal });
      literal = '';
      tokens.push({ star: true });
    } else {
      literal += char;
    }
  }
  if (literal) tokens.push({ star: false, text: literal });
  return tokens;
}

/** Whether `text` matches the whole pattern. Greedy with backtracking to the last star: O(n·m), no regex. */
export function matchesWildcard(tokens: WildcardToken[], text: string): boolean {
  const chars: (string | null)[] = [];
  for (const token of tokens) {
    if (token.star) chars.push(null);
    else chars.push(...token.text);
  }
  const input = Array.from(text);
  let p = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < input.length) {
    const expected = chars[p];
    if (p < chars.length && expected !== null && expected === input[t]) {
      p++;
      t++;
    } else if (p < chars.length && expected === null) {
      starAt = p++;
      resumeAt = t;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < chars.length && chars[p] === null) p++;
  return p === chars.length;
}

/**
 * How many wildcard prefixes of the given patterns (all on one field of one rule) a worst-case value can keep
 * alive at once: the size of the largest set of NFA states reachable by some input. EventBridge refuses a rule
 * whose field goes over its limit with "Rule is too complex"; this is an approximation of its evaluator.
 */
export function wildcardComplexity(patterns: WildcardToken[][], cap: number): number {
  // one NFA per pattern, states numbered globally; a state is "after n literal characters of pattern k"
  interface State {
    star: boolean; // loops on any character (the state right after a `*`)
    next: number | undefined; // state reached by `char`
    char: string | undefined;
    skip: number | undefined; // epsilon to the state after the following `*`
  }
  const states: State[] = [];
  const starts: number[] = [];
  const alphabet = new Set<string>();
  for (const tokens of patterns) {
    const start = states.length;
    starts.push(start);
    states.push({ star: false, next: undefined, char: undefined, skip: undefined });
    for (const token of tokens) {
      const current = states.length - 1;
      const state = states[current] as State;
      if (token.star) {
        states.push({ star: true, next: undefined, char: undefined, skip: undefined });
        state.skip = states.length - 1;
      } else {
        for (const char of token.text) {
          alphabet.add(char);
          const from = states[states.length - 1] as State;
          states.push({ star: false, next: undefined, char: undefined, skip: undefined });
          from.char = char;
          from.next = states.length - 1;
        }
      }
    }
  }
  const close = (set: Set<number>) => {
    for (const id of set) {
      const skip = states[id]?.skip;
      if (skip !== undefined) set.add(skip);
    }
    return set;
  };
  const symbols = [...alphabet, null]; // null: a character no pattern names
  const seen = new Set<string>();
  let pending = [close(new Set(starts))];
  let worst = 0;
  while (pending.length > 0) {
    const following: Set<number>[] = [];
    for (const active of pending) {
      for (const symbol of symbols) {
        const next = new Set<number>();
        for (const id of active) {
          const state = states[id] as State;
          if (state.star) next.add(id);
          if (symbol !== null && state.char === symbol && state.next !== undefined) next.add(state.next);
        }
        close(next);
        const size = [...next].filter((id) => !starts.includes(id)).length;
        if (size > worst) worst = size;
        if (worst > cap) return worst;
        const key = [...next].sort((a, b) => a - b).join(',');
        if (next.size > 0 && !seen.has(key)) {
          seen.add(key);
          following.push(next);
        }
      }
    }
    pending = following;
  }
  return worst;
}
