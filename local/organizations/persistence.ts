import { closeSync, existsSync, fsyncSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock';
import { DataDirectoryError, ensurePrivateDirectory, openPrivate } from '../data-dir';
import type { Store } from './store';
import type { Change } from './table';

/**
 * Keeps a store in `dir`: a snapshot plus a journal of committed changes. Each request's changes are written
 * before its response is sent, so a killed process loses no acknowledged write; with `fsync` they also
 * survive a machine crash, at a cost in throughput.
 */
export class FileJournal {
  private fd: number;
  private linesSinceSnapshot = 0;
  private clock: Clock | undefined;
  /** the latest clock reading the directory holds, so a virtual clock can resume instead of going back */
  lastTime: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly dir: string,
    private readonly options: { fsync?: boolean; compactAfter?: number } = {},
  ) {
    ensurePrivateDirectory(dir);
    this.load();
    this.compact();
    this.fd = openPrivate(this.journalPath, 'a');
    store.onCommit((changes) => this.append(changes));
  }

  private get snapshotPath() {
    return join(this.dir, 'organizations.snapshot.json');
  }

  private get journalPath() {
    return join(this.dir, 'organizations.journal.jsonl');
  }

  private load(): void {
    // the snapshot is always written before the journal is started: a journal alone has lost its base
    if (!existsSync(this.snapshotPath) && existsSync(this.journalPath))
      throw new DataDirectoryError(
        `${this.dir} holds a journal (${this.journalPath}) but no snapshot to replay it on: the organization cannot be rebuilt from it; put the snapshot back, or delete the data directory to start over with a new demo organization`,
      );
    if (existsSync(this.snapshotPath)) {
      const snapshot = JSON.parse(readFileSync(this.snapshotPath, 'utf8'));
      this.store.load(snapshot.tables);
      this.lastTime = snapshot.time ?? undefined;
    }
    if (!existsSync(this.journalPath)) return;
    const lines = readFileSync(this.journalPath, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      let entry: { t: number | null; c: Change[] };
      try {
        entry = JSON.parse(line);
      } catch (error) {
        // only the very last line can be torn, by a kill in the middle of a write: that request was never acknowledged
        if (i >= lines.length - 2) break;
        throw new Error(`${this.journalPath}:${i + 1} is corrupt: ${(error as Error).message}`);
      }
      this.store.replay(entry.c);
      if (entry.t !== null) this.lastTime = entry.t;
    }
  }

  /** Writes the whole state as the new snapshot and starts an empty journal. */
  compact(): void {
    const temporary = `${this.snapshotPath}.tmp`;
    const fd = openPrivate(temporary, 'w');
    writeSync(
      fd,
      JSON.stringify({ time: this.clock?.now() ?? this.lastTime ?? null, tables: this.store.snapshot() }),
    );
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.snapshotPath);
    closeSync(openPrivate(this.journalPath, 'w'));
    this.linesSinceSnapshot = 0;
  }

  private append(changes: Change[]): void {
    writeSync(this.fd, `${JSON.stringify({ t: this.clock?.now() ?? null, c: changes })}\n`);
    if (this.options.fsync) fsyncSync(this.fd);
    if (++this.linesSinceSnapshot >= (this.options.compactAfter ?? 100_000)) {
      closeSync(this.fd);
      this.compact();
      this.fd = openPrivate(this.journalPath, 'a');
    }
  }

  /** Records `clock`'s time with every write from now on. */
  timeFrom(clock: Clock): void {
    this.clock = clock;
  }

  close(): void {
    // a clean stop records how far virtual time got, so the next start resumes there rather than at the last write
    if (this.clock) writeSync(this.fd, `${JSON.stringify({ t: this.clock.now(), c: [] })}\n`);
    closeSync(this.fd);
  }
}
