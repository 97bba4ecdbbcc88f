import { validationError } from './errors';

/** One request parameter's constraints as the STS API model states them. */
export interface ParameterRule {
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  /** the model's pattern, shown to the caller verbatim when a value breaks it */
  pattern?: string;
  integer?: { min: number; max: number };
}

/** The member name AWS's validator prints: the parameter's name with a lowercase first letter. */
const memberName = (parameter: string) => parameter[0]!.toLowerCase() + parameter.slice(1);

function violations(parameter: string, value: string | null, rule: ParameterRule): string[] {
  const at = (shown: string, constraint: string) =>
    `Value ${shown} at '${memberName(parameter)}' failed to satisfy constraint: Member must ${constraint}`;
  if (value === null) return rule.required ? [at('null', 'not be null')] : [];
  const shown = `'${value}'`;
  const found: string[] = [];
  if (rule.minLength !== undefined && value.length < rule.minLength)
    found.push(at(shown, `have length greater than or equal to ${rule.minLength}`));
  if (rule.maxLength !== undefined && value.length > rule.maxLength)
    found.push(at(shown, `have length less than or equal to ${rule.maxLength}`));
  if (rule.pattern !== undefined && !new RegExp(`^(?:${rule.pattern})$`, 'u').test(value))
    found.push(at(shown, `satisfy regular expression pattern: ${rule.pattern}`));
  if (rule.integer) {
    const n = Number(value);
    if (!/^-?\d+$/.test(value)) found.push(at(shown, 'be a whole number'));
    else if (n < rule.integer.min)
      found.push(at(shown, `have value greater than or equal to ${rule.integer.min}`));
    else if (n > rule.integer.max)
      found.push(at(shown, `have value less than or equal to ${rule.integer.max}`));
  }
  return found;
}

/**
 * Checks every parameter and reports all violations at once, in the wording of AWS's validator
 * ("1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: …").
 */
export function validateParameters(params: URLSearchParams, rules: Record<string, ParameterRule>): void {
  const found = Object.entries(rules).flatMap(([parameter, rule]) =>
    violations(parameter, params.get(parameter), rule),
  );
  if (found.length === 0) return;
  const count = found.length === 1 ? '1 validation error' : `${found.length} validation errors`;
  throw validationError(`${count} detected: ${found.join('; ')}`);
}
