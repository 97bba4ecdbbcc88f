import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigurationError } from './errors';

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
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): z.infer<Schema> {
  const value = env[variable];
  const file = env[`${variable}_FILE`];
  if (value !== undefined && file !== undefined)
    throw new ConfigurationError(`set ${variable} or ${variable}_FILE, not both`);
  let text: string;
  let source: string;
  if (value !== undefined) {
    text = value;
    source = variable;
  } else if (file !== undefined) {
    source = file;
    try {
      text = readFile(file);
    } catch (error) {
      throw new ConfigurationError(`cannot read ${variable}_FILE ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else return schema.parse({});
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
