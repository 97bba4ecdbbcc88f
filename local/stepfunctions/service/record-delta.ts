import type { Json } from '../json';
import type { ExecutionState, ThreadState } from '../state';

// The journal writes what a transition changed, not the whole record: an inline Map over N items would
// otherwise rewrite its items, its input and all its results on each of its ~2N transitions (a Map of 400
// accounts wrote 62 MB). A record is cut into a small header, and per thread a "rest" plus its large pieces
// (input, a Wait's output, a task's input and arguments, a Map/Parallel frame's items, selector input and
// each result); a transition writes the header, the threads whose rest or pieces changed, and of those only
// the changed pieces. Pieces are compared by identity first: the interpreter never mutates a JSON value in
// place (ResultPath and friends copy), only the record's own containers (vars, results, counters).

interface Cached {
  ref: unknown;
  json: string;
}

interface ThreadCache {
  rest: string;
  pieces: Map<string, Cached>;
  frame?: unknown;
  results?: Cached[];
}

type Piece = {
  get(thread: ThreadState): Json | undefined;
  set(thread: ThreadState, value: Json): void;
  /** removes the piece from a shallow copy chain of the thread (the rest) */
  strip(rest: Record<string, unknown>): void;
};

const step = (rest: Record<string, unknown>) => {
  const copy = { ...(rest.step as Record<string, unknown>) };
  rest.step = copy;
  return copy;
};

const pieces: Record<string, Piece> = {
  input: {
    get: (t) => t.input,
    set: (t, v) => {
      t.input = v;
    },
    strip: (rest) => {
      delete rest.input;
    },
  },
  wo: {
    get: (t) => (t.step.kind === 'wait' ? t.step.output : undefined),
    set: (t, v) => {
      if (t.step.kind === 'wait') t.step.output = v;
    },
    strip: (rest) => {
      delete step(rest).output;
    },
  },
  ti: {
    get: (t) => (t.step.kind === 'task' ? t.step.task.request.input : undefined),
    set: (t, v) => {
      if (t.step.kind === 'task') t.step.task.request.input = v;
    },
    strip: (rest) => {
      const s = step(rest);
      const task = { ...(s.task as Record<string, unknown>) };
      const request = { ...(task.request as Record<string, unknown>) };
      delete request.input;
      task.request = request;
      s.task = task;
    },
  },
  ta: {
    get: (t) => (t.step.kind === 'task' ? t.step.task.request.arguments : undefined),
    set: (t, v) => {
      if (t.step.kind === 'task') t.step.task.request.arguments = v;
    },
    strip: (rest) => {
      const s = step(rest);
      const task = { ...(s.task as Record<string, unknown>) };
      const request = { ...(task.request as Record<string, unknown>) };
      delete request.arguments;
      task.request = request;
      s.task = task;
    },
  },
  fi: {
    get: (t) => (t.step.kind === 'branches' ? t.step.frame.items : undefined),
    set: (t, v) => {
      if (t.step.kind === 'branches') t.step.frame.items = v as Json[];
    },
    strip: (rest) => {
      const s = step(rest);
      const frame = { ...(s.frame as Record<string, unknown>) };
      delete frame.items;
      s.frame = frame;
    },
  },
  fs: {
    get: (t) => (t.step.kind === 'branches' ? t.step.frame.selectorInput : undefined),
    set: (t, v) => {
      if (t.step.kind === 'branches') t.step.frame.selectorInput = v;
    },
    strip: (rest) => {
      const s = step(rest);
      const frame = { ...(s.frame as Record<string, unknown>) };
      delete frame.selectorInput;
      s.frame = frame;
    },
  },
};

const pieceNames = Object.keys(pieces);

function stripResults(rest: Record<string, unknown>): void {
  const s = step(rest);
  const frame = { ...(s.frame as Record<string, unknown>) };
  delete frame.results;
  s.frame = frame;
}

/** The header: every member of the record but `execution` and `threads`. */
function header(state: ExecutionState): string {
  const { execution: _execution, threads: _threads, ...rest } = state;
  return JSON.stringify(rest);
}

/**
 * Writes one execution's records as changes. `encode` returns the members of a journal line for the
 * record's current state, given what the previous calls wrote; `full` the members of a line that holds
 * all of it (a snapshot), from what was written, never from the live record.
 */
export class RecordEncoder {
  private header = '{}';
  private readonly threads = new Map<string, ThreadCache>();

  encode(state: ExecutionState): string {
    this.header = header(state);
    const parts: string[] = [];
    for (const id of this.threads.keys()) {
      if (state.threads[id]) continue;
      this.threads.delete(id);
      parts.push(`${JSON.stringify(id)}:null`);
    }
    for (const [id, thread] of Object.entries(state.threads)) {
      const patch = this.thread(id, thread);
      if (patch !== undefined) parts.push(`${JSON.stringify(id)}:${patch}`);
    }
    return `"h":${this.header},"t":{${parts.join(',')}}`;
  }

  full(): string {
    const parts: string[] = [];
    for (const [id, cache] of this.threads) {
      const written = [...cache.pieces].map(([name, piece]) => `${JSON.stringify(name)}:${piece.json}`);
      let patch = `{"r":${cache.rest},"k":${JSON.stringify([...cache.pieces.keys()])},"p":{${written.join(',')}}`;
      if (cache.results) patch += `,"fR":[${cache.results.map((r) => r.json).join(',')}]`;
      parts.push(`${JSON.stringify(id)}:${patch}}`);
    }
    return `"h":${this.header},"t":{${parts.join(',')}}`;
  }

  /** The patch of one thread, or undefined when nothing of it changed. */
  private thread(id: string, thread: ThreadState): string | undefined {
    const old = this.threads.get(id);
    const rest: Record<string, unknown> = { ...thread };
    const present: string[] = [];
    const cached = new Map<string, Cached>();
    const written: string[] = [];
    for (const name of pieceNames) {
      const piece = pieces[name] as Piece;
      const value = piece.get(thread);
      if (value === undefined) continue;
      piece.strip(rest);
      present.push(name);
      const before = old?.pieces.get(name);
      const json = before && before.ref === value ? before.json : JSON.stringify(value);
      cached.set(name, { ref: value, json });
      if (before?.json !== json) written.push(`${JSON.stringify(name)}:${json}`);
    }
    let resultsPatch = '';
    let results: Cached[] | undefined;
    const frame = thread.step.kind === 'branches' ? thread.step.frame : undefined;
    if (frame) {
      stripResults(rest);
      const previous = old?.frame === frame ? old.results : undefined;
      results = frame.results.map((value, i) => {
        const before = previous?.[i];
        return before && before.ref === value ? before : { ref: value, json: JSON.stringify(value) };
      });
      if (!previous || previous.length !== results.length)
        resultsPatch = `,"fR":[${results.map((r) => r.json).join(',')}]`;
      else {
        const changed = results.flatMap((r, i) => (previous[i]?.json === r.json ? [] : [`"${i}":${r.json}`]));
        if (changed.length > 0) resultsPatch = `,"fr":{${changed.join(',')}}`;
      }
    }
    const restJson = JSON.stringify(rest);
    const cache: ThreadCache = { rest: restJson, pieces: cached };
    if (frame) {
      cache.frame = frame;
      if (results) cache.results = results;
    }
    this.threads.set(id, cache);
    const samePieces =
      old !== undefined &&
      old.pieces.size === cached.size &&
      [...old.pieces.keys()].every((name) => cached.has(name));
    if (old?.rest === restJson && samePieces && written.length === 0 && resultsPatch === '') return undefined;
    return `{"r":${restJson},"k":${JSON.stringify(present)},"p":{${written.join(',')}}${resultsPatch}}`;
  }
}

interface ThreadPatch {
  r: ThreadState;
  k: string[];
  p: Record<string, Json>;
  fR?: Json[];
  fr?: Record<string, Json>;
}

export interface EncodedLine {
  h: Omit<ExecutionState, 'execution' | 'threads'>;
  t: Record<string, ThreadPatch | null>;
}

/** Applies a line's changes to the record it was written after (none for a line that holds all of it). */
export function decode(
  previous: ExecutionState | undefined,
  info: ExecutionState['execution'],
  line: EncodedLine,
): ExecutionState {
  const threads: Record<string, ThreadState> = previous ? { ...previous.threads } : {};
  for (const [id, patch] of Object.entries(line.t)) {
    if (patch === null) {
      delete threads[id];
      continue;
    }
    const before = previous?.threads[id];
    const thread = patch.r;
    for (const name of patch.k) {
      const piece = pieces[name];
      if (!piece) throw new Error(`the journal names an unknown piece '${name}' of thread ${id}`);
      const value = Object.hasOwn(patch.p, name) ? patch.p[name] : before ? piece.get(before) : undefined;
      if (value === undefined)
        throw new Error(`the journal omits piece '${name}' of thread ${id} it never wrote`);
      piece.set(thread, value);
    }
    if (thread.step.kind === 'branches') {
      const previousResults = before?.step.kind === 'branches' ? before.step.frame.results : [];
      const results = patch.fR ?? [...previousResults];
      for (const [index, value] of Object.entries(patch.fr ?? {})) results[Number(index)] = value;
      thread.step.frame.results = results;
    }
    threads[id] = thread;
  }
  return { ...line.h, execution: info, threads } as ExecutionState;
}
