import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirectoryError } from '../../local/data-dir';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { MANAGEMENT } from './harness';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the files the Organizations emulator keeps', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-files-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('are its owner only: the directory 0700, snapshot and journal 0600', () => {
    const dir = join(fresh(), 'organizations');

    const emulator = new OrganizationsEmulator({ dataDir: dir });
    emulator.call('CreateOrganization', {}, MANAGEMENT);
    emulator.close();

    expect(modeOf(dir)).toBe('700');
    expect(modeOf(join(dir, 'organizations.snapshot.json'))).toBe('600');
    expect(modeOf(join(dir, 'organizations.journal.jsonl'))).toBe('600');
  });

  it('are tightened when an earlier version left them readable by everyone', () => {
    // Prepare
    const dir = fresh();
    new OrganizationsEmulator({ dataDir: dir }).close();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'organizations.snapshot.json'), 0o644);
    chmodSync(join(dir, 'organizations.journal.jsonl'), 0o644);

    // Act
    new OrganizationsEmulator({ dataDir: dir }).close();

    // Assess
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(join(dir, 'organizations.snapshot.json'))).toBe('600');
    expect(modeOf(join(dir, 'organizations.journal.jsonl'))).toBe('600');
  });

  it('refuses a journal without its snapshot, leaving it as it is, rather than start an empty store', () => {
    // Prepare
    const dir = fresh();
    const first = new OrganizationsEmulator({ dataDir: dir });
    first.call('CreateOrganization', {}, MANAGEMENT);
    first.close();
    rmSync(join(dir, 'organizations.snapshot.json'));
    const journal = readFileSync(join(dir, 'organizations.journal.jsonl'), 'utf8');

    // Act
    const start = () => new OrganizationsEmulator({ dataDir: dir });

    // Assess
    expect(start).toThrow(DataDirectoryError);
    expect(start).toThrow(/holds a journal .* but no snapshot/);
    expect(start).toThrow(/delete the data directory to start over/);
    expect(readFileSync(join(dir, 'organizations.journal.jsonl'), 'utf8')).toBe(journal);
  });
});
