import { StepFunctionsServiceError } from './errors';

// Names and ARNs as Step Functions forms and checks them.

export const REGION = 'us-east-1';

// whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : / and control characters are refused
// (\p{Cc} is exactly U+0000–001F and U+007F–009F)
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;

/** Checks a state machine or execution name (1–80 characters, none of the forbidden ones); throws InvalidName. */
export function checkName(name: string, what: 'state machine' | 'execution'): void {
  const length = [...name].length;
  if (length < 1 || length > 80)
    throw new StepFunctionsServiceError(
      'InvalidName',
      `Invalid Name: '${name}' (the ${what} name must be 1 to 80 characters long, not ${length})`,
    );
  const bad = FORBIDDEN.exec(name);
  if (bad)
    throw new StepFunctionsServiceError(
      'InvalidName',
      `Invalid Name: '${name}' (the ${what} name may not contain ${JSON.stringify(bad[0])}: whitespace, brackets, wildcards, control characters and " # % \\ ^ | ~ \` $ & , ; : / are not allowed)`,
    );
}

export function stateMachineArn(accountId: string, name: string): string {
  return `arn:aws:states:${REGION}:${accountId}:stateMachine:${name}`;
}

export function executionArn(accountId: string, machineName: string, name: string): string {
  return `arn:aws:states:${REGION}:${accountId}:execution:${machineName}:${name}`;
}

export interface ParsedArn {
  region: string;
  accountId: string;
  resourceType: string;
  /** the parts after the resource type: [machine] or [machine, execution] */
  names: string[];
}

/** Parses a Step Functions ARN of the expected type, or throws InvalidArn as AWS does. */
export function parseArn(arn: string, expected: 'stateMachine' | 'execution'): ParsedArn {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || !/^aws/.test(parts[1] ?? '') || parts[2] !== 'states')
    throw new StepFunctionsServiceError(
      'InvalidArn',
      `Invalid Arn: 'Unable to parse ARN from input: ${arn}'`,
    );
  const [, , , region = '', accountId = '', resourceType = '', ...names] = parts;
  if (resourceType !== expected)
    throw new StepFunctionsServiceError(
      'InvalidArn',
      `Invalid Arn: 'Resource type not valid in this context: ${resourceType}' (expected a ${expected} ARN)`,
    );
  if (!/^\d{12}$/.test(accountId))
    throw new StepFunctionsServiceError('InvalidArn', `Invalid Arn: 'Invalid account id: ${accountId}'`);
  const count = expected === 'stateMachine' ? 1 : 2;
  if (names.length < count || names.some((n) => n === ''))
    throw new StepFunctionsServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
  return { region, accountId, resourceType, names };
}
