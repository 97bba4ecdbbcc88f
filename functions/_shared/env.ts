import type { z } from 'zod';
import { ConfigurationError } from './errors';

/**
 * Parses the function's environment once, at module load: a missing or bad variable stops the cold start
 * with every problem named, instead of failing later inside a step.
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
  throw new ConfigurationError(`the function's environment is not valid: ${problems.join('; ')}`);
}
