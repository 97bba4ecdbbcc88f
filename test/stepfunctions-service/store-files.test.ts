import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirectoryError } from '../../local/data-dir';
import { FileStore } from '../../local/stepfunctions/service/store';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the files the Step Functions store keeps', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-sfn-files-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('are its owner only, also when an earlier version left them readable by everyone', () => {
    // Prepare
    const dir = join(fresh(), 'stepfunctions');
    const first = new FileStore(dir);
    first.load();
    first.putDefinition('k', '{}');
    first.close();
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(first.snapshotPath)).toBe('600');
    expect(modeOf(first.journalPath)).toBe('600');
    chmodSync(dir, 0o755);
    chmodSync(first.journalPath, 0o644);

    // Act
    const second = new FileStore(dir);
    second.load();
    second.close();

    // Assess
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(second.snapshotPath)).toBe('600');
    expect(modeOf(second.journalPath)).toBe('600');
  });

  it('refuses a journal without its snapshot, leaving it as it is, rather than lose every execution', () => {
    // Prepare
    const dir = fresh();
    const first = new FileStore(dir);
    first.load();
    first.putDefinition('k', '{}');
    first.close();
    rmSync(first.snapshotPath);
    const journal = readFileSync(first.journalPath, 'utf8');

    // Act
    const second = new FileStore(dir);

    // Assess
    expect(() => second.load()).toThrow(DataDirectoryError);
    expect(() => second.load()).toThrow(/holds a journal .* but no snapshot/);
    expect(readFileSync(second.journalPath, 'utf8')).toBe(journal);
    expect(existsSync(second.snapshotPath)).toBe(false);
  });
});
