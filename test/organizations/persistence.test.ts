import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock';
import { OrganizationsEmulator } from '../../local/organizations/emulator';
import { MANAGEMENT } from './harness';

describe('state kept in a data directory', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgflow-state-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('restores every acknowledged change after a restart, without a clean shutdown', () => {
    const dir = fresh();
    const clock = new ManualClock();
    const first = new OrganizationsEmulator({ dataDir: dir, clock });
    const { Organization } = first.call('CreateOrganization', {}, MANAGEMENT) as {
      Organization: { Id: string };
    };
    // no close(): the journal must already hold the write

    const second = new OrganizationsEmulator({ dataDir: dir, clock });
    const described = second.call('DescribeOrganization', {}, MANAGEMENT) as { Organization: { Id: string } };

    expect(described.Organization.Id).toBe(Organization.Id);
    second.close();
    first.close();
  });

  it('ignores a torn last journal line, which no caller was ever answered for', () => {
    const dir = fresh();
    const first = new OrganizationsEmulator({ dataDir: dir });
    first.call('CreateOrganization', {}, MANAGEMENT);
    first.close();
    const second = new OrganizationsEmulator({ dataDir: dir });
    second.call('DeleteOrganization', {}, MANAGEMENT);
    second.close();
    appendFileSync(join(dir, 'organizations.journal.jsonl'), '[{"table":"organiza');

    const third = new OrganizationsEmulator({ dataDir: dir });

    expect(third.store.organizations.size).toBe(0);
    third.close();
  });

  it('rolls back every change of a request that fails half-way', () => {
    const emulator = new OrganizationsEmulator();
    emulator.call('CreateOrganization', {}, MANAGEMENT);
    const before = JSON.stringify(emulator.store.snapshot());

    expect(() =>
      emulator.store.transaction(() => {
        emulator.store.organizations.delete([...emulator.store.organizations.values()][0]!.id);
        throw new Error('boom');
      }),
    ).toThrow('boom');

    expect(JSON.stringify(emulator.store.snapshot())).toBe(before);
  });
});
