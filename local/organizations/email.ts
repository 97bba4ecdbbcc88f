// CreateAccount's and CreateGovCloudAccount's email rules, which AWS's API model states only in prose (seed
// reference, CreateAccount `Email`). The emulator keeps its own copy: it is the oracle the functions' checks
// (functions/account-vending/account-email.ts) are tested against, so the two must not share code.

export type EmailRule =
  | 'length'
  | 'ascii'
  | 'single-at'
  | 'local-characters'
  | 'local-leading-dot'
  | 'domain-characters'
  | 'domain-edges'
  | 'domain-dot';

/** What each rule requires, in AWS's words, for InvalidInputException's message. */
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

const LOCAL_FORBIDDEN = new Set(['"', "'", '(', ')', '<', '>', '[', ']', ':', ';', ',', '\\', '|', '%', '&']);
const isDomainCharacter = (c: string) =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === '.';

/** Each rule in the order AWS lists them, as a test of the whole address. */
const checks: readonly [EmailRule, (email: string, local: string, domain: string, ats: number) => boolean][] =
  [
    ['length', (email) => email.length >= 6 && email.length <= 64],
    ['ascii', (email) => Array.from(email).every((c) => (c.codePointAt(0) ?? 0) < 0x80)],
    ['single-at', (_, local, domain, ats) => ats === 1 && local !== '' && domain !== ''],
    [
      'local-characters',
      (_, local) => Array.from(local).every((c) => !LOCAL_FORBIDDEN.has(c) && c.trim() !== ''),
    ],
    ['local-leading-dot', (_, local) => local[0] !== '.'],
    ['domain-characters', (_, __, domain) => Array.from(domain).every(isDomainCharacter)],
    [
      'domain-edges',
      (_, __, domain) => !'.-'.includes(domain[0] ?? '') && !'.-'.includes(domain.at(-1) ?? ''),
    ],
    ['domain-dot', (_, __, domain) => domain.includes('.')],
  ];

/** The first rule `email` breaks; undefined for an address AWS accepts. */
export function brokenEmailRule(email: string): EmailRule | undefined {
  const at = email.indexOf('@');
  const local = at < 0 ? email : email.slice(0, at);
  const domain = at < 0 ? '' : email.slice(at + 1);
  const ats = email.split('@').length - 1;
  return checks.find(([, holds]) => !holds(email, local, domain, ats))?.[0];
}
