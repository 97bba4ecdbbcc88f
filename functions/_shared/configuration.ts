import { readFileSync } from 'node:fs';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import type { z } from 'zod';
import { ConfigurationError } from './errors';

/**
 * How long a function reuses a configuration it read from SSM Parameter Store: a `put-parameter` reaches every
 * warm function within this time, without a deployment (docs/DEPLOY.md).
 */
export const CONFIGURATION_MAX_AGE_SECONDS = 60;

/** Where a configuration's text comes from; the defaults read the file system and SSM (through Powertools). */
export interface ConfigurationSources {
  readonly readFile?: (path: string) => string;
  /** the parameter's value, cached for `maxAgeSeconds`; `undefined` if it has none */
  readonly getParameter?: (name: string, maxAgeSeconds: number) => Promise<string | undefined>;
}

const readTextFile = (path: string) => readFileSync(path, 'utf8');
const getSsmParameter = (name: string, maxAge: number) => getParameter(name, { maxAge });

/**
 * A JSON configuration from the deployment: the text of `<VARIABLE>`, or the file `<VARIABLE>_FILE` names (one of
 * the two, or neither for the schema's defaults), checked with `schema`. Every mistake is a ConfigurationError
 * naming where the text came from and, for invalid content, every bad field.
 */
export function loadConfiguration<Schema extends z.ZodType>(
  what: string,
  variable: string,
  env: Readonly<Record<string, string | undefined>>,
  schema: Schema,
  readFile: (path: string) => string = readTextFile,
): z.infer<Schema> {
  const value = env[variable];
  const file = env[`${variable}_FILE`];
  if (value !== undefined && file !== undefined)
    throw new ConfigurationError(`set ${variable} or ${variable}_FILE, not both`);
  if (value !== undefined) return parseConfiguration(what, variable, value, schema);
  if (file === undefined) return schema.parse({});
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    throw new ConfigurationError(`cannot read ${variable}_FILE ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfiguration(what, file, text, schema);
}

/**
 * The reader of a configuration that may change while the function runs: on AWS, the SSM parameter
 * `<VARIABLE>_PARAMETER` names (read through Powertools Parameters, reused for
 * {@link CONFIGURATION_MAX_AGE_SECONDS}); locally, `<VARIABLE>` or the file `<VARIABLE>_FILE` (checked at once,
 * and the file read again at each call), as {@link loadConfiguration} reads them. Build it once per environment
 * and call it once per invocation. More than one source is a ConfigurationError at once; a parameter that cannot
 * be read, or is not valid, fails the call with a ConfigurationError naming the parameter and every bad field.
 */
export function configurationReader<Schema extends z.ZodType>(
  what: string,
  variable: string,
  env: Readonly<Record<string, string | undefined>>,
  schema: Schema,
  sources: ConfigurationSources = {},
): () => Promise<z.infer<Schema>> {
  const parameter = env[`${variable}_PARAMETER`];
  if (parameter === undefined) {
    const load = () => loadConfiguration(what, variable, env, schema, sources.readFile ?? readTextFile);
    // a mistake stops the cold start, as a bad variable does
    const loaded = load();
    return env[`${variable}_FILE`] === undefined ? async () => loaded : async () => load();
  }
  const others = [variable, `${variable}_FILE`].filter((name) => env[name] !== undefined);
  if (others.length > 0)
    throw new ConfigurationError(`set ${variable}_PARAMETER or ${others.join(' and ')}, not both`);
  const read = sources.getParameter ?? getSsmParameter;
  const source = `SSM parameter ${parameter}`;
  return async () => {
    let text: string | undefined;
    try {
      text = await read(parameter, CONFIGURATION_MAX_AGE_SECONDS);
    } catch (error) {
      throw new ConfigurationError(`cannot read ${source}: ${(error as Error).message}`, { cause: error });
    }
    if (text === undefined) throw new ConfigurationError(`${source} has no value`);
    return parseConfiguration(what, source, text, schema);
  };
}

/** The text from `source` as JSON, checked with `schema`; a ConfigurationError names every bad field. */
function parseConfiguration<Schema extends z.ZodType>(
  what: string,
  source: string,
  text: string,
  schema: Schema,
): z.infer<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new ConfigurationError(
      `${source} is not a valid ${what}: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}
