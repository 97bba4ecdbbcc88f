import { join, resolve } from 'node:path';

/** The repository root: entries, ASL files and rule files are found from here whatever the working directory. */
export const repoRoot = resolve(import.meta.dirname, '..');

export const ruleFilesDir = join(repoRoot, 'events', 'rules');
