import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../temp-dirs';
import { orgflow } from './run-cli';

// The command line as a user types it, with no stack running: help, version, typos and words that would
// change what is asked for are answered at once, and usage errors exit 2.

const tempDir = temporaryDirectories();

describe('orgflow without a stack', () => {
  it('answers --help, help <command> and --version with exit 0, whatever the data directory', async () => {
    // Prepare
    const missing = `${tempDir('orgflow-cli-')}/none`;

    // Act
    const [help, commandHelp, helpCommand, version] = await Promise.all([
      orgflow(['--help', '--data-dir', missing]),
      orgflow(['vend', '--help']),
      orgflow(['help', 'close']),
      orgflow(['--version']),
    ]);

    // Assess
    expect([help.status, commandHelp.status, helpCommand.status, version.status]).toEqual([0, 0, 0, 0]);
    expect(help.stdout).toMatch(/Commands:\n\s+start/);
    for (const command of ['status', 'executions', 'history', 'vend', 'request', 'close', 'closure', 'env'])
      expect(help.stdout).toContain(`\n  ${command} `);
    expect(commandHelp.stdout).toContain('Usage: orgflow vend [options]');
    expect(commandHelp.stdout).toContain('--name <name>');
    expect(commandHelp.stdout).toContain('Global Options:');
    expect(helpCommand.stdout).toContain('Usage: orgflow close [options] [account-ids...]');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('suggests the command or option meant by a typo, with exit 2', async () => {
    // Act
    const [command, option] = await Promise.all([orgflow(['stauts']), orgflow(['vend', '--nmae', 'x'])]);

    // Assess
    expect(command.status).toBe(2);
    expect(command.stderr).toContain("orgflow: unknown command 'stauts'\n(Did you mean status?)");
    expect(option.status).toBe(2);
    expect(option.stderr).toContain("orgflow: unknown option '--nmae'\n(Did you mean --name?)");
  });

  it('refuses an unquoted account name instead of vending the first word', async () => {
    // Act
    const run = await orgflow([
      'vend',
      '--name',
      'Team',
      'B',
      'Dev',
      '--email',
      'b@example.com',
      '--ou',
      'Sandbox',
    ]);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `vend takes no words besides its options, got 'B', 'Dev': a name with spaces needs quotes, --name "Team B Dev"`,
    );
    expect(run.stdout).toBe('');
  });

  it('refuses extra words, a missing argument and a bad value with exit 2', async () => {
    // Act
    const runs = await Promise.all([
      orgflow(['status', 'now']),
      orgflow(['request']),
      orgflow(['executions', '--state', 'bogus']),
      orgflow(['vend', '--name', 'X']),
      orgflow([]),
    ]);

    // Assess
    expect(runs.map((r) => r.status)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]!.stderr).toContain("too many arguments for 'status'");
    expect(runs[1]!.stderr).toContain("missing required argument 'id'");
    expect(runs[2]!.stderr).toContain(
      "it must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE, not 'bogus'",
    );
    expect(runs[3]!.stderr).toContain('vend needs --email, --ou');
    expect(runs[4]!.stderr).toContain('Usage: orgflow [options] [command]');
  });

  it('takes the global options before or after the command', async () => {
    // Prepare
    const dir = `${tempDir('orgflow-cli-')}/stack`;

    // Act
    const [before, after] = await Promise.all([
      orgflow(['--data-dir', dir, 'status']),
      orgflow(['status', '--data-dir', dir]),
    ]);

    // Assess: both look for the stack of that directory (which is not running)
    expect([before.status, after.status]).toEqual([1, 1]);
    expect(before.stderr).toContain(dir);
    expect(after.stderr).toBe(before.stderr);
  });
});
