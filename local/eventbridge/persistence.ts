import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ensurePrivateDirectory, openPrivate } from '../data-dir';
import { RuleChangesFileError } from './errors';
import { type RuleChange, type RuleChangeLog, RuleChangeSchema } from './rule-changes';

const RuleChangesDocumentSchema = z.strictObject({
  version: z.literal(1),
  rules: z.array(
    z.strictObject({
      account: z.string().min(1),
      name: z.string().min(1),
      ...RuleChangeSchema.shape,
    }),
  ),
});
type RuleChangesDocument = z.infer<typeof RuleChangesDocumentSchema>;

const jsonPath = (segments: readonly PropertyKey[]) =>
  segments.reduce<string>(
    (path, segment) => (typeof segment === 'number' ? `${path}[${segment}]` : `${path}.${String(segment)}`),
    '$',
  );

/**
 * The EventBridge API's changes to rules, every account's, in one JSON file. Each change rewrites the whole file
 * (a temporary file renamed over it) before the call that made it is answered, so a killed process loses no
 * acknowledged change and never leaves half a file; with `fsync` the change also survives a machine crash.
 * Rule changes are rare and the file small, so there is no journal.
 */
export class RuleChangesFile {
  private readonly changes = new Map<string, Map<string, RuleChange>>();

  constructor(
    readonly file: string,
    private readonly options: { fsync?: boolean } = {},
  ) {
    ensurePrivateDirectory(dirname(file));
    // a write killed before its rename was never acknowledged
    rmSync(this.temporary, { force: true });
    if (existsSync(file)) this.load();
  }

  private get temporary(): string {
    return `${this.file}.tmp`;
  }

  private load(): void {
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      throw new RuleChangesFileError(this.file, '$', `not readable JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const parsed = RuleChangesDocumentSchema.safeParse(document);
    if (!parsed.success)
      throw new RuleChangesFileError(
        this.file,
        jsonPath(parsed.error.issues[0]?.path ?? []),
        parsed.error.issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`).join('; '),
      );
    for (const [i, { account, name, ...change }] of parsed.data.rules.entries()) {
      const rules = this.changes.get(account) ?? new Map<string, RuleChange>();
      if (rules.has(name))
        throw new RuleChangesFileError(
          this.file,
          `$.rules[${i}]`,
          `rule ${name} of account ${account} is listed twice`,
        );
      this.changes.set(account, rules.set(name, change));
    }
  }

  /** The accounts with a change to some rule. */
  accounts(): string[] {
    return [...this.changes.keys()];
  }

  /** The log of one account's bus. */
  forAccount(account: string): RuleChangeLog {
    return {
      where: `${this.file}, account ${account}`,
      get: (name) => this.changes.get(account)?.get(name),
      all: () => [...(this.changes.get(account) ?? [])],
      record: (name, change) => this.record(account, name, change),
    };
  }

  private record(account: string, name: string, change: RuleChange | undefined): void {
    const rules = new Map(this.changes.get(account));
    if (change === undefined) rules.delete(name);
    else rules.set(name, change);
    const next = new Map(this.changes);
    if (rules.size === 0) next.delete(account);
    else next.set(account, rules);
    this.write(next);
    this.changes.clear();
    for (const [key, value] of next) this.changes.set(key, value);
  }

  private write(changes: Map<string, Map<string, RuleChange>>): void {
    const rules: RuleChangesDocument['rules'] = [];
    for (const account of [...changes.keys()].sort())
      for (const [name, change] of [...(changes.get(account) ?? [])].sort(([a], [b]) => (a < b ? -1 : 1)))
        rules.push({ account, name, ...change });
    const document: RuleChangesDocument = { version: 1, rules };
    // what cannot be read back is not written: the call fails and nothing changes
    const checked = RuleChangesDocumentSchema.safeParse(document);
    if (!checked.success) throw new Error(`rule changes not written: ${checked.error.message}`);
    const text = `${JSON.stringify(document, null, 2)}\n`;
    rmSync(this.temporary, { force: true });
    const fd = openPrivate(this.temporary, 'wx');
    try {
      writeSync(fd, text);
      if (this.options.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.temporary, this.file);
    if (this.options.fsync) {
      // the rename itself reaches the disk only with its directory
      const dir = openSync(dirname(this.file), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
  }
}
