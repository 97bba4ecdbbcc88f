import { closeSync, existsSync, fsyncSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirectoryError, ensurePrivateDirectory, openPrivate } from '../../data-dir';
import type { HistoryEvent } from '../history';
import type { ExecutionInfo, ExecutionState } from '../state';
import { decode, type EncodedLine, RecordEncoder } from './record-delta';

// Where the service keeps what it must not lose: state machines, the definition texts executions run,
// and every execution's record and history. `MemoryStore` keeps nothing (unit tests); `FileStore`
// appends one JSON line per change to a journal (a transition writes only what it changed, see
// record-delta.ts) and compacts it into a snapshot at start and every `compactAfter` lines.

export interface StateMachineRecord {
  arn: string;
  name: string;
  accountId: string;
  /** the definition text as created (after substitution, for files registered by the composition root) */
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  description?: string;
  /** epoch ms */
  creationDate: number;
  updateDate?: number;
  revisionId: string;
  /** list order */
  seq: number;
}

/** What the service knows about an execution beyond its record. */
export interface ExecutionMeta {
  /** the definition text it runs, by key (an update of its state machine does not change it) */
  definitionKey: string;
  /** list order: later executions have larger numbers */
  seq: number;
  /** `<parent execution ARN>#<task id>` for a child started by a states:startExecution task */
  startedBy?: string;
}

export interface StoredExecution {
  meta: ExecutionMeta;
  state: ExecutionState;
  history: HistoryEvent[];
}

export interface Loaded {
  stateMachines: Map<string, StateMachineRecord>;
  definitions: Map<string, string>;
  executions: Map<string, StoredExecution>;
}

/** Everything a snapshot holds, one item per line; an execution's record is the one the store last wrote. */
export type SnapshotItem =
  | { kind: 'definition'; key: string; text: string }
  | { kind: 'stateMachine'; record: StateMachineRecord }
  | {
      kind: 'execution';
      arn: string;
      meta: ExecutionMeta;
      info: ExecutionInfo;
      history: readonly HistoryEvent[];
    };

export interface Store {
  /** true when changes survive the process */
  readonly durable: boolean;
  load(): Loaded;
  putDefinition(key: string, text: string): void;
  putStateMachine(record: StateMachineRecord): void;
  deleteStateMachine(arn: string): void;
  /**
   * Records one transition of an execution: what changed in its record (all of it, with `meta`, on the
   * first one) and the events it produced.
   */
  transition(arn: string, state: ExecutionState, events: readonly HistoryEvent[], meta?: ExecutionMeta): void;
  deleteExecution(arn: string): void;
  /** where a snapshot taken while running gets its items */
  snapshotFrom(source: () => Iterable<SnapshotItem>): void;
  close(): void;
}

/** Keeps nothing: for unit tests and throwaway runs. */
export class MemoryStore implements Store {
  readonly durable = false;
  load(): Loaded {
    return { stateMachines: new Map(), definitions: new Map(), executions: new Map() };
  }
  putDefinition(): void {}
  putStateMachine(): void {}
  deleteStateMachine(): void {}
  transition(): void {}
  deleteExecution(): void {}
  snapshotFrom(): void {}
  close(): void {}
}

export interface FileStoreOptions {
  /** flush every line to the disk before going on (survives a machine crash, not only a killed process) */
  fsync?: boolean;
  /** journal lines after which the journal is compacted into a new snapshot while running */
  compactAfter?: number;
}

type Line =
  | { g: number }
  | { d: { key: string; text: string } }
  | { sm: StateMachineRecord }
  | { smDel: string }
  | ({ x: string; m?: ExecutionMeta; i?: ExecutionInfo; e: HistoryEvent[] } & EncodedLine)
  | { xDel: string };

/**
 * A snapshot plus a journal, both JSON lines, in one directory. Each line is written with `writeSync`
 * before the change it records takes effect (a task is invoked, an API call answered), so a killed
 * process loses nothing it acted on. Only the last line can be torn by a kill; it is ignored on load.
 * Both files start with a generation number: a journal already compacted into the snapshot (a kill between
 * writing the snapshot and emptying the journal) has an older one and is not replayed again.
 */
export class FileStore implements Store {
  readonly durable = true;
  private fd: number | undefined;
  private lines = 0;
  private generation = 0;
  private source: (() => Iterable<SnapshotItem>) | undefined;
  private readonly encoders = new Map<string, RecordEncoder>();

  constructor(
    private readonly dir: string,
    private readonly options: FileStoreOptions = {},
  ) {
    ensurePrivateDirectory(dir);
  }

  get snapshotPath(): string {
    return join(this.dir, 'stepfunctions.snapshot.jsonl');
  }

  get journalPath(): string {
    return join(this.dir, 'stepfunctions.journal.jsonl');
  }

  /** Reads snapshot and journal, then compacts them into a new snapshot and opens an empty journal. */
  load(): Loaded {
    // the snapshot is always written before the journal is started: a journal alone has lost its base
    if (!existsSync(this.snapshotPath) && existsSync(this.journalPath))
      throw new DataDirectoryError(
        `${this.dir} holds a journal (${this.journalPath}) but no snapshot to replay it on: the executions cannot be rebuilt from it; put the snapshot back, or delete the data directory to start over`,
      );
    const loaded: Loaded = { stateMachines: new Map(), definitions: new Map(), executions: new Map() };
    const snapshot = readLines(this.snapshotPath);
    const generation = snapshot.generation ?? 0;
    for (const line of snapshot.lines) replay(line, loaded);
    const journal = readLines(this.journalPath);
    if (journal.generation === generation) for (const line of journal.lines) replay(line, loaded);
    this.generation = generation;
    for (const [arn, { state }] of loaded.executions) {
      const encoder = new RecordEncoder();
      encoder.encode(state);
      this.encoders.set(arn, encoder);
    }
    this.compact(itemsOf(loaded));
    return loaded;
  }

  snapshotFrom(source: () => Iterable<SnapshotItem>): void {
    this.source = source;
  }

  putDefinition(key: string, text: string): void {
    this.append(JSON.stringify({ d: { key, text } }));
  }

  putStateMachine(record: StateMachineRecord): void {
    this.append(JSON.stringify({ sm: record }));
  }

  deleteStateMachine(arn: string): void {
    this.append(JSON.stringify({ smDel: arn }));
  }

  transition(
    arn: string,
    state: ExecutionState,
    events: readonly HistoryEvent[],
    meta?: ExecutionMeta,
  ): void {
    // compacted before this transition is encoded: the snapshot holds what earlier lines wrote, no more
    this.compactIfDue();
    let encoder = this.encoders.get(arn);
    if (meta || !encoder) {
      encoder = new RecordEncoder();
      this.encoders.set(arn, encoder);
    }
    const changes = encoder.encode(state);
    const head = meta
      ? `{"x":${JSON.stringify(arn)},"m":${JSON.stringify(meta)},"i":${JSON.stringify(state.execution)}`
      : `{"x":${JSON.stringify(arn)}`;
    this.append(`${head},${changes},"e":${JSON.stringify(events)}}`);
  }

  deleteExecution(arn: string): void {
    this.encoders.delete(arn);
    this.append(JSON.stringify({ xDel: arn }));
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private append(line: string): void {
    this.compactIfDue();
    if (this.fd === undefined) throw new Error(`the store in ${this.dir} is not open: call load() first`);
    writeSync(this.fd, `${line}\n`);
    if (this.options.fsync) fsyncSync(this.fd);
    this.lines++;
  }

  private compactIfDue(): void {
    if (this.lines >= (this.options.compactAfter ?? 100_000) && this.source) this.compact(this.source());
  }

  /** Writes `items` as the snapshot of the next generation (atomically, by rename) and starts its journal. */
  private compact(items: Iterable<SnapshotItem>): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const generation = this.generation + 1;
    const temporary = `${this.snapshotPath}.tmp`;
    const fd = openPrivate(temporary, 'w');
    let buffer = `${JSON.stringify({ g: generation })}\n`;
    for (const item of items) {
      buffer += `${this.snapshotLine(item)}\n`;
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    writeSync(fd, buffer);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.snapshotPath);
    this.fd = openPrivate(this.journalPath, 'w');
    writeSync(this.fd, `${JSON.stringify({ g: generation })}\n`);
    this.generation = generation;
    this.lines = 0;
  }

  private snapshotLine(item: SnapshotItem): string {
    if (item.kind !== 'execution') return snapshotLine(item);
    const encoder = this.encoders.get(item.arn);
    if (!encoder) throw new Error(`the store has never written execution ${item.arn}`);
    return `{"x":${JSON.stringify(item.arn)},"m":${JSON.stringify(item.meta)},"i":${JSON.stringify(item.info)},${encoder.full()},"e":${JSON.stringify(item.history)}}`;
  }
}

function snapshotLine(item: Exclude<SnapshotItem, { kind: 'execution' }>): string {
  return item.kind === 'definition'
    ? JSON.stringify({ d: { key: item.key, text: item.text } })
    : JSON.stringify({ sm: item.record });
}

function* itemsOf(loaded: Loaded): Iterable<SnapshotItem> {
  for (const [key, text] of loaded.definitions) yield { kind: 'definition', key, text };
  for (const record of loaded.stateMachines.values()) yield { kind: 'stateMachine', record };
  for (const [arn, { meta, state, history }] of loaded.executions)
    yield { kind: 'execution', arn, meta, info: state.execution, history };
}

/** The lines of a snapshot or journal file after its generation line. */
function readLines(path: string): { generation: number | undefined; lines: Line[] } {
  if (!existsSync(path)) return { generation: undefined, lines: [] };
  const texts = readFileSync(path, 'utf8').split('\n');
  const lines: Line[] = [];
  for (const [i, text] of texts.entries()) {
    if (text === '') continue;
    try {
      lines.push(JSON.parse(text) as Line);
    } catch (error) {
      // only the last line can be torn, by a kill in the middle of a write: nothing acted on it yet
      if (i >= texts.length - 2) break;
      throw new Error(`${path}:${i + 1} is corrupt: ${(error as Error).message}`);
    }
  }
  const first = lines[0];
  // a file always starts with its generation: without it, it holds nothing (its first write was torn)
  if (!first || !('g' in first)) return { generation: undefined, lines: [] };
  return { generation: first.g, lines: lines.slice(1) };
}

function replay(line: Line, loaded: Loaded): void {
  if ('g' in line) throw new Error('a generation line in the middle of a file: the store is corrupt');
  if ('d' in line) loaded.definitions.set(line.d.key, line.d.text);
  else if ('sm' in line) loaded.stateMachines.set(line.sm.arn, line.sm);
  else if ('smDel' in line) loaded.stateMachines.delete(line.smDel);
  else if ('xDel' in line) loaded.executions.delete(line.xDel);
  else if (line.m && line.i) {
    loaded.executions.set(line.x, { meta: line.m, state: decode(undefined, line.i, line), history: line.e });
  } else {
    const known = loaded.executions.get(line.x);
    if (!known) throw new Error(`the journal records a transition of ${line.x} before its start`);
    known.state = decode(known.state, known.state.execution, line);
    for (const event of line.e) known.history.push(event);
  }
}
