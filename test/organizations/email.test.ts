import { describe, expect, it } from 'vitest';
import {
  brokenEmailRule as functionsRule,
  emailRules as functionsRules,
} from '../../functions/account-vending/account-email';
import { brokenEmailRule, type EmailRule, emailRules } from '../../local/organizations/email';
import { seededRandom } from '../../local/random';

describe('CreateAccount email rules', () => {
  it.each([
    'a@b.co',
    'jane.doe+sandbox@example.com',
    'x_y-z=1!#$*@sub-domain.example.org',
    'UPPER@EXAMPLE.COM',
    `${'a'.repeat(52)}@example.com`,
  ])('accepts %s', (email) => {
    // Act
    const rule = brokenEmailRule(email);

    // Assess
    expect(rule).toBeUndefined();
  });

  it.each<[string, EmailRule]>([
    ['a@b.c', 'length'],
    [`${'a'.repeat(53)}@example.com`, 'length'],
    ['jöhn@example.com', 'ascii'],
    ['jane@example.çom', 'ascii'],
    ['jane.example.com', 'single-at'],
    ['jane@doe@example.com', 'single-at'],
    ['@example.com', 'single-at'],
    ['jane.doe@', 'single-at'],
    ['ja ne@example.com', 'local-characters'],
    ['ja\tne@example.com', 'local-characters'],
    ...[...`"'()<>[]:;,\\|%&`].map((c): [string, EmailRule] => [`ja${c}ne@example.com`, 'local-characters']),
    ['.jane@example.com', 'local-leading-dot'],
    ['jane@exa_mple.com', 'domain-characters'],
    ['jane@exa mple.com', 'domain-characters'],
    ['jane@example.com!', 'domain-characters'],
    ['jane@-example.com', 'domain-edges'],
    ['jane@example.com-', 'domain-edges'],
    ['jane@.example.com', 'domain-edges'],
    ['jane@example.com.', 'domain-edges'],
    ['jane@localhost', 'domain-dot'],
  ])('refuses %j: %s', (email, expected) => {
    // Act
    const rule = brokenEmailRule(email);

    // Assess
    expect(rule).toBe(expected);
  });

  it('describes every rule', () => {
    // Assess
    for (const text of Object.values(emailRules)) expect(text).toMatch(/^[a-z]/);
  });
});

describe('the functions check email addresses as the emulator does', () => {
  it('agrees with the emulator, rule for rule and word for word, on a seeded sample of addresses', () => {
    // Prepare
    const random = seededRandom(2026);
    const pick = () => random.next();
    const alphabet = ['a', 'Z', '0', '.', '-', '_', '+', '@', ' ', '"', '%', '&', 'ö', '\t', '|', '['];
    const addresses = Array.from({ length: 5000 }, () =>
      Array.from({ length: 2 + Math.floor(pick() * 20) }, () => alphabet[Math.floor(pick() * 16)]).join(''),
    );
    addresses.push('jane@example.com', 'a@b.co', '.x@y.zz', 'ab@-c.de');

    // Act
    const disagreements = addresses.filter((email) => functionsRule(email) !== brokenEmailRule(email));

    // Assess
    expect(disagreements).toEqual([]);
    expect(functionsRules).toEqual(emailRules);
  });
});
