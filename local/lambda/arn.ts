/** A function as Lambda's Invoke names it: by name, partial ARN or ARN, with an optional qualifier. */
export interface FunctionReference {
  name: string;
  /** absent when the reference does not say (a bare name): the runner's account applies */
  accountId?: string;
  region?: string;
  /** an alias, a version or `$LATEST` */
  qualifier?: string;
}

const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;
const qualifierPattern = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;

/**
 * Parses the forms Lambda accepts as FunctionName: `my-function`, `my-function:alias`,
 * `123456789012:function:my-function[:alias]` and `arn:aws:lambda:us-east-1:123456789012:function:my-function[:alias]`.
 * Returns undefined for anything else.
 */
export function parseFunctionReference(reference: string): FunctionReference | undefined {
  const parts = reference.split(':');
  let name: string | undefined;
  let qualifier: string | undefined;
  let accountId: string | undefined;
  let region: string | undefined;
  if (parts[0] === 'arn') {
    // arn:partition:lambda:region:account:function:name[:qualifier]
    if (parts.length < 7 || parts.length > 8 || parts[2] !== 'lambda' || parts[5] !== 'function')
      return undefined;
    if (!/^aws(-[a-z]+)*$/.test(parts[1] ?? '') || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(parts[3] ?? ''))
      return undefined;
    [region, accountId, name, qualifier] = [parts[3], parts[4], parts[6], parts[7]];
  } else if (parts[1] === 'function') {
    if (parts.length < 3 || parts.length > 4) return undefined;
    [accountId, name, qualifier] = [parts[0], parts[2], parts[3]];
  } else {
    if (parts.length > 2) return undefined;
    [name, qualifier] = [parts[0], parts[1]];
  }
  if (name === undefined || !namePattern.test(name)) return undefined;
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) return undefined;
  if (qualifier !== undefined && !qualifierPattern.test(qualifier)) return undefined;
  return {
    name,
    ...(accountId === undefined ? {} : { accountId }),
    ...(region === undefined ? {} : { region }),
    ...(qualifier === undefined ? {} : { qualifier }),
  };
}

export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
}
