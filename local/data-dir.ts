import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, parse, relative, resolve } from 'node:path';

// The data directory holds state that works as credentials (the journal records STS session key ids): the
// directories orgflow creates there are its owner's only (0700) and so is every file it writes (0600).

export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The file a running stack holds its data directory by: it contains the pid of that process. */
export const LOCK_FILE = 'orgflow.lock';

/** Kernel filesystems: paths under them look like directories but cannot hold files. */
const pseudoFilesystems = ['/proc', '/sys', '/dev'];

export class DataDirectoryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataDirectoryError';
  }
}

export class DataDirectoryInUseError extends DataDirectoryError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `data directory ${dataDir} is in use by process ${pid}: stop that stack first, or give --data-dir another directory (if ${pid} is not an orgflow stack, delete ${join(dataDir, LOCK_FILE)})`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * The absolute path of `value` if it can be a data directory: a directory this user may write, or a path
 * where one can be created. Throws a DataDirectoryError saying why not, before anything is written.
 */
export function dataDirectory(value: string): string {
  const fix = 'give --data-dir a directory of your own, such as .orgflow';
  if (value.trim() === '')
    throw new DataDirectoryError(
      `the data directory cannot be '${value}' (that would scatter state in the current directory): ${fix}`,
    );
  const path = resolve(value);
  // the nearest part of the path that exists, resolved through symbolic links: that is where files would go
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const real = join(realpathSync(existing), relative(existing, path));
  if (real === parse(real).root)
    throw new DataDirectoryError(`the data directory cannot be the filesystem root '${value}': ${fix}`);
  const kernel = pseudoFilesystems.find((dir) => within(real, dir));
  if (kernel)
    throw new DataDirectoryError(
      `the data directory cannot be '${value}': ${kernel} is the kernel's (processes, devices, settings), no place for files; ${fix}`,
    );
  if (!statSync(existing).isDirectory())
    throw new DataDirectoryError(
      existing === path
        ? `the data directory '${value}' exists and is not a directory: ${fix}`
        : `the data directory '${value}' cannot be created: ${existing} is not a directory; ${fix}`,
    );
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new DataDirectoryError(
      `the data directory '${value}' cannot be ${existing === path ? 'written' : 'created'}: ${existing} is not writable by this user; ${fix}`,
      { cause: error },
    );
  }
  return path;
}

/**
 * Creates `dir` (0700) and whichever of its parents are missing (with the usual mode), one level at a time:
 * the loop is bounded by the depth of the path. Answers the outermost directory it created (undefined when
 * `dir` existed), so that a start refused later can remove what it made.
 */
export function createDirectory(dir: string): string | undefined {
  const missing: string[] = [];
  for (let path = resolve(dir); !existsSync(path); path = dirname(path)) {
    missing.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path, path === missing.at(-1) ? { mode: PRIVATE_DIRECTORY_MODE } : {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return missing[0];
}

/** A directory of orgflow's own under the data directory: created 0700, or tightened to 0700 if it exists. */
export function ensurePrivateDirectory(dir: string): void {
  if (!createDirectory(dir)) chmodSync(dir, PRIVATE_DIRECTORY_MODE);
}

/** `openSync` for a file of the data directory: 0600, also when it existed with a looser mode. */
export function openPrivate(path: string, flags: 'a' | 'w' | 'wx'): number {
  const fd = openSync(path, flags, PRIVATE_FILE_MODE);
  fchmodSync(fd, PRIVATE_FILE_MODE);
  return fd;
}

export function writePrivateFile(path: string, text: string): void {
  const fd = openPrivate(path, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The pid of the live process that holds `dataDir` (a running stack), if one does. */
export function holderOfDataDirectory(dataDir: string): number | undefined {
  const holder = holderOf(join(dataDir, LOCK_FILE));
  return holder !== undefined && isRunning(holder) ? holder : undefined;
}

/**
 * Holds `dataDir` for this process until the returned release is called (or the process exits). A lock left
 * by a process that is gone (killed) is taken over; one held by a live process is refused with a
 * DataDirectoryInUseError, without touching anything else. Node has no flock: the lock is a file, linked
 * into place complete with its pid so that no reader ever sees it half-written. Two starts taking over the
 * same stale lock at the same instant can both succeed; that race needs a crash and two starts within
 * microseconds of each other.
 */
export function lockDataDirectory(dataDir: string): () => void {
  const lock = join(dataDir, LOCK_FILE);
  const draft = `${lock}.${process.pid}`;
  const mine = `${process.pid}\n`;
  writeFileSync(draft, mine, { mode: PRIVATE_FILE_MODE });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = holderOf(lock);
      if (holder !== undefined && isRunning(holder)) throw new DataDirectoryInUseError(dataDir, holder);
      if (attempt === 2)
        throw new DataDirectoryError(`cannot take the lock ${lock}: other processes keep taking it`);
      // the holder is gone: its lock is stale
      try {
        unlinkSync(lock);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  } finally {
    unlinkSync(draft);
  }
  const release = () => {
    process.off('exit', release);
    try {
      if (readFileSync(lock, 'utf8') === mine) unlinkSync(lock);
    } catch {
      // already gone: nothing to release
    }
  };
  process.on('exit', release);
  return release;
}
