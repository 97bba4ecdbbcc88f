import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Message, type OutputFile } from 'esbuild';
import { RuntimeError } from './errors';

/**
 * What `cdk deploy` does to a NodejsFunction: esbuild bundles the handler and everything it imports into one
 * ESM file (platform node, target node20, a linked source map so stack traces name the .ts files), which an
 * isolated environment imports as plain JavaScript. The worker's own code is bundled the same way. Each module
 * is bundled once while isolated runners are open, into a temporary directory removed when the last one
 * closes, or when the process exits.
 */

let directory: string | undefined;
let bundles = new Map<string, Promise<string>>();
let openRunners = 0;
let built = 0;

const removeDirectory = () => {
  process.off('exit', removeDirectory);
  if (directory) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
  bundles = new Map();
};

/** An isolated runner holds the bundles while it is open. */
export function holdBundles(): void {
  openRunners += 1;
}

/** The last isolated runner to close removes the bundles and their directory, once none is being built. */
export async function releaseBundles(): Promise<void> {
  openRunners -= 1;
  if (openRunners > 0) return;
  await Promise.allSettled(bundles.values());
  if (openRunners === 0) removeDirectory();
}

/** The path of the bundle of `module` (an absolute path or a package specifier), built on first use. */
export function bundleOf(module: string): Promise<string> {
  return cached(module, () => buildBundle(module));
}

/** The path of the bundled worker code (local/lambda/worker.ts). */
export function workerBundle(): Promise<string> {
  return cached('orgflow:worker', () => buildBundle(fileURLToPath(new URL('./worker.ts', import.meta.url))));
}

function cached(key: string, make: () => Promise<string>): Promise<string> {
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = make();
    bundles.set(key, bundle);
    // a module that failed to build is built again next time (it may have been fixed)
    const current = bundles;
    bundle.catch(() => current.delete(key));
  }
  return bundle;
}

async function buildBundle(module: string): Promise<string> {
  const entry = isAbsolute(module) ? module : resolvePackage(module);
  if (!existsSync(entry))
    throw new RuntimeError('ImportModuleError', `Error: Cannot find module '${module}'`);
  if (!directory) {
    directory = mkdtempSync(join(tmpdir(), 'orgflow-lambda-'));
    process.once('exit', removeDirectory);
  }
  // the bundle keeps the module's file name, so the handler string (`handler.handler`) reads the same
  const outdir = join(directory, String(built++));
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, `${basename(entry, extname(entry))}.mjs`);
  let files: OutputFile[];
  try {
    ({ outputFiles: files } = await build({
      write: false,
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // ESM builds of the SDK first, as NodejsFunction bundles for ESM: smaller, and faster to load
      mainFields: ['module', 'main'],
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      // CommonJS dependencies bundled into ESM still call require() for node built-ins
      banner: {
        js: `import { createRequire as __orgflowCreateRequire } from 'node:module'; const require = __orgflowCreateRequire(${JSON.stringify(entry)});`,
      },
    }));
  } catch (error) {
    throw buildFailure(module, error);
  }
  for (const file of files)
    writeFileSync(file.path, file.path.endsWith('.map') ? ownMappings(file.text) : file.contents);
  return outfile;
}

function resolvePackage(specifier: string): string {
  try {
    return fileURLToPath(import.meta.resolve(specifier));
  } catch {
    throw new RuntimeError('ImportModuleError', `Error: Cannot find module '${specifier}'`);
  }
}

/** An import that cannot be resolved is the runtime's ImportModuleError; anything else a syntax error. */
function buildFailure(module: string, error: unknown): Error {
  const first = (error as { errors?: Message[] }).errors?.[0];
  if (!first) return error instanceof Error ? error : new Error(String(error));
  if (first.text.startsWith('Could not resolve'))
    return new RuntimeError('ImportModuleError', `Error: ${first.text} (imported from ${module})`);
  const where = first.location ? ` (${first.location.file}:${first.location.line})` : '';
  return new RuntimeError('UserCodeSyntaxError', `SyntaxError: ${first.text}${where}`);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGITS = new Map([...BASE64].map((char, digit) => [char, digit]));

/**
 * The source map with the mappings of the project's own sources only. Node parses a whole map the first time
 * a stack trace is formatted, and the dependencies' mappings (the SDK's, megabytes of them) made that cost
 * more than the rest of a cold start; frames in node_modules keep their bundle positions.
 */
function ownMappings(json: string): string {
  const map = JSON.parse(json) as { sources: string[]; mappings: string };
  const own = map.sources.map((source) => !source.split(/[\\/]/).includes('node_modules'));
  const read = [0, 0, 0, 0];
  const written = [0, 0, 0, 0];
  const lines = map.mappings.split(';').map((line) => {
    let column = 0;
    let writtenColumn = 0;
    const kept: string[] = [];
    for (const segment of line ? line.split(',') : []) {
      const fields = decodeVlq(segment);
      column += fields[0] ?? 0;
      if (fields.length < 4) continue;
      for (let i = 0; i < 4; i++) read[i] = (read[i] ?? 0) + (fields[i + 1] ?? 0);
      if (!own[read[0] ?? -1]) continue;
      const absolute = [column, ...read.slice(0, fields.length - 1)];
      const deltas = absolute.map((value, i) => value - (i === 0 ? writtenColumn : (written[i - 1] ?? 0)));
      writtenColumn = column;
      for (let i = 1; i < absolute.length; i++) written[i - 1] = absolute[i] ?? 0;
      kept.push(deltas.map(encodeVlq).join(''));
    }
    return kept.join(',');
  });
  return JSON.stringify({ ...map, mappings: lines.join(';') });
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGITS.get(char) ?? 0;
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value % 2 ? -Math.floor(value / 2) : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeVlq(value: number): string {
  let rest = value < 0 ? -value * 2 + 1 : value * 2;
  let text = '';
  do {
    let digit = rest % 32;
    rest = Math.floor(rest / 32);
    if (rest > 0) digit |= 32;
    text += BASE64[digit];
  } while (rest > 0);
  return text;
}
