/**
 * The email address rules of CreateAccount and CreateGovCloudAccount, which the API model states only in
 * prose (seed reference, CreateAccount `Email`). Pure: the API refuses a bad address with these words before
 * anything starts, and the local Organizations emulator keeps its own copy (`local/organizations/email.ts`), the oracle these are
 * tested against (test/organizations/email.test.ts).
 */

export type EmailRule =
  | 'length'
  | 'ascii'
  | 'single-at'
  | 'local-characters'
  | 'local-leading-dot'
  | 'domain-characters'
  | 'domain-edges'
  | 'domain-dot';

/** What each rule requires, worded for an error message. */
export const emailRules: Readonly<Record<EmailRule, string>> = {
  length: 'the address must be 6 to 64 characters long',
  ascii: 'all characters must be 7-bit ASCII',
  'single-at': 'there must be exactly one @, with a local name before it and a domain name after it',
  'local-characters': `the local name can't contain whitespace or any of " ' ( ) < > [ ] : ; , \\ | % &`,
  'local-leading-dot': "the local name can't begin with a dot (.)",
  'domain-characters': 'the domain name can consist of only a-z, A-Z, 0-9, hyphen (-) and dot (.)',
  'domain-edges': "the domain name can't begin or end with a hyphen (-) or dot (.)",
  'domain-dot': 'the domain name must contain at least one dot',
};

const forbiddenInLocal = /[\s"'()<>[\]:;,\\|%&]/;

/** The first rule `email` breaks, in the order AWS lists them; undefined for a valid address. */
export function brokenEmailRule(email: string): EmailRule | undefined {
  if (email.length < 6 || email.length > 64) return 'length';
  if ([...email].some((c) => c.codePointAt(0)! > 0x7f)) return 'ascii';
  const parts = email.split('@');
  const [local, domain] = parts;
  if (parts.length !== 2 || !local || !domain) return 'single-at';
  if (forbiddenInLocal.test(local)) return 'local-characters';
  if (local.startsWith('.')) return 'local-leading-dot';
  if (!/^[a-zA-Z0-9.-]+$/.test(domain)) return 'domain-characters';
  if (/^[.-]|[.-]$/.test(domain)) return 'domain-edges';
  if (!domain.includes('.')) return 'domain-dot';
  return undefined;
}
