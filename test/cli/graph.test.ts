import { describe, expect, it } from 'vitest';
import { orgflow } from './run-cli';

describe('orgflow graph', () => {
  it('prints a state machine as Mermaid, by catalog name or file name, without a stack', async () => {
    // Act
    const byName = await orgflow(['graph', 'AccountVending', '--data-dir', '/nonexistent']);
    const byFile = await orgflow(['graph', 'account-vending']);

    // Assess
    expect(byName.status, byName.stderr).toBe(0);
    expect(byName.stdout).toMatch(/^flowchart TD\n/);
    expect(byName.stdout).toContain('["Create Account<br/>(CreateAccount)"]');
    expect(byName.stdout).toMatch(/s\d+ -\.->\|"States\.ALL"\| s\d+/);
    expect(byFile.stdout).toBe(byName.stdout);
  });

  it('gives the graph as JSON, and refuses an unknown state machine with exit 2', async () => {
    // Act
    const json = await orgflow(['graph', 'closure-batch', '--json']);
    const unknown = await orgflow(['graph', 'Nope']);

    // Assess
    expect(JSON.parse(json.stdout).groups).toHaveLength(1);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no state machine named Nope');
  });
});
