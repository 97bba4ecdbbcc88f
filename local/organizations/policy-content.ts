import { constraintViolation, OrganizationsError } from './errors';
import { exceptionMessages } from './messages';
import type { PolicyTypeInfo } from './policy-types';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What makes `content` an invalid document for a policy type, or undefined when it is valid. Every type
 * takes a JSON object; authorization policies (SCP, RCP) also need a Statement whose entries have an Effect.
 */
export function documentProblem(info: PolicyTypeInfo, content: string): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    return `The content is not valid JSON (${(error as Error).message}).`;
  }
  if (!isObject(document)) return 'The content must be a JSON object.';
  if (!info.authorization) return undefined;
  const statement = document.Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) return 'The policy needs a Statement with at least one entry.';
  for (const [index, entry] of statements.entries()) {
    if (!isObject(entry)) return `Statement[${index}] must be a JSON object.`;
    if (entry.Effect !== 'Allow' && entry.Effect !== 'Deny')
      return `Statement[${index}].Effect must be "Allow" or "Deny".`;
  }
  return undefined;
}

/** Refuses content AWS refuses for a policy of `type`: longer than the type allows, or not a valid document. */
export function checkPolicyContent(type: string, info: PolicyTypeInfo, content: string): void {
  if (content.length > info.maxContentLength)
    throw constraintViolation(
      'POLICY_CONTENT_LIMIT_EXCEEDED',
      `The content is ${content.length} characters; a ${type} may have at most ${info.maxContentLength}.`,
    );
  const problem = documentProblem(info, content);
  if (problem !== undefined)
    throw new OrganizationsError(
      'MalformedPolicyDocumentException',
      `${exceptionMessages.MalformedPolicyDocumentException} ${problem}`,
    );
}
