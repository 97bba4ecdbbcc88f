import { globOf } from './glob';
import type { Caller } from './schemas';

// Who a caller is, for the configurations that name callers by principal pattern (the vending configuration's
// callers and readers, the closure configuration's callers).

/** The role behind an assumed-role session (`arn:aws:iam::<account>:role/<name>`), undefined for other callers. */
export function roleOf(caller: Caller): string | undefined {
  const session = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.arn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : undefined;
}

/** The names a caller is known by: its ARN, the role behind an assumed-role session, its account. */
export function principalsOf(caller: Caller): string[] {
  const role = roleOf(caller);
  return [caller.arn, ...(role ? [role] : []), caller.accountId];
}

/** Whether `pattern` names the caller by any of its names. */
export function matchesPrincipal(pattern: string, caller: Caller): boolean {
  const glob = globOf(pattern);
  return principalsOf(caller).some((name) => glob.test(name));
}

/** Who owns a request: the role behind an assumed-role session (any of its sessions), else the caller's ARN. */
export function ownerOf(caller: Caller): string {
  return roleOf(caller) ?? caller.arn;
}
