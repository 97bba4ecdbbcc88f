import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// `orgflow` as a user runs it: a child process of cli/orgflow.mjs, its exit status, stdout and stderr.

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const orgflowBin = resolve(repoRoot, 'cli/orgflow.mjs');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `orgflow ...args` to its end (in `cwd`, the repository by default) with `env` over this process's (undefined removes one). */
export function orgflow(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliRun> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...options.env }))
    if (value !== undefined) env[name] = value;
  return new Promise((done) => {
    execFile(
      process.execPath,
      [orgflowBin, ...args],
      { cwd: options.cwd ?? repoRoot, env, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ status, stdout, stderr });
      },
    );
  });
}
