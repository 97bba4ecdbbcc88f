import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/_shared/errors';
import { AccountRequestBodySchema, fieldIssuesOf, parseOrThrow } from '../../functions/_shared/schemas';

const valid = {
  accountName: 'payments-prod',
  email: 'payments-prod@orgflow.example',
  organizationalUnit: 'Workloads/Prod',
  tags: [{ key: 'team', value: 'payments' }],
  policies: ['DenyLeaveOrganization'],
};

function issuesOf(body: unknown) {
  const parsed = AccountRequestBodySchema.safeParse(body);
  return parsed.success ? [] : fieldIssuesOf(parsed.error, body);
}

describe('AccountRequestBodySchema', () => {
  it('accepts a complete request and defaults tags and policies to none', () => {
    // Act
    const full = AccountRequestBodySchema.parse({
      ...valid,
      roleName: 'OrgAdmin',
      iamUserAccessToBilling: 'DENY',
    });
    const minimal = AccountRequestBodySchema.parse({
      accountName: 'x',
      email: 'jane@example.com',
      organizationalUnit: 'ou-ab12-prod0001',
    });

    // Assess
    expect(full).toMatchObject({ roleName: 'OrgAdmin', iamUserAccessToBilling: 'DENY' });
    expect(minimal).toMatchObject({ tags: [], policies: [] });
  });

  it('lists every bad field with its path and rule', () => {
    // Prepare
    const body = {
      accountName: 'x'.repeat(51),
      email: 'jane@@example.com',
      organizationalUnit: 'Workloads//Prod',
      tags: [
        { key: 'aws:owner', value: 'me' },
        { key: 'team', value: 'v'.repeat(257) },
        { key: 'team', value: 'again' },
      ],
      policies: ['DenyLeaveOrganization', 'DenyLeaveOrganization'],
      roleName: 'has space',
      iamUserAccessToBilling: 'MAYBE',
      ou: 'Workloads/Prod',
    };

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual(
      expect.arrayContaining([
        { path: 'accountName', rule: 'max-length' },
        { path: 'email', rule: 'email-single-at' },
        { path: 'organizationalUnit', rule: 'ou-path' },
        { path: 'tags[0].key', rule: 'tag-key-reserved' },
        { path: 'tags[1].value', rule: 'max-length' },
        { path: 'tags[2].key', rule: 'tag-key-unique' },
        { path: 'policies[1]', rule: 'policy-unique' },
        { path: 'roleName', rule: 'pattern' },
        { path: 'iamUserAccessToBilling', rule: 'one-of' },
        { path: 'ou', rule: 'unknown-field' },
      ]),
    );
    expect(issues).toHaveLength(10);
    expect(issues.find((i) => i.path === 'email')?.message).toBe(
      'there must be exactly one @, with a local name before it and a domain name after it',
    );
  });

  it("refuses orgflow's own tag keys, so no requester can forge the mark that proves an account is theirs", () => {
    // Act
    const issues = issuesOf({
      accountName: 'payments-prod',
      email: 'payments-prod@orgflow.example',
      organizationalUnit: 'Workloads/Prod',
      tags: [
        { key: 'ORGFLOW:request-id', value: 'ar-0123456789abcdef0123456789abcdef' },
        { key: 'orgflow:protected', value: 'true' },
      ],
    });

    // Assess
    expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: 'tags[0].key', rule: 'tag-key-reserved' },
      { path: 'tags[1].key', rule: 'tag-key-reserved' },
    ]);
  });

  it('reports duplicate tag keys once all tags are well formed', () => {
    // Act
    const issues = issuesOf({
      ...valid,
      tags: [
        { key: 'team', value: 'a' },
        { key: 'team', value: 'b' },
      ],
    });

    // Assess
    expect(issues).toEqual([
      {
        path: 'tags[1].key',
        rule: 'tag-key-unique',
        message: "tag key 'team' appears more than once; tag keys must be unique",
      },
    ]);
  });

  it('names missing fields as required', () => {
    // Act
    const issues = issuesOf({ tags: [{ value: 'x' }] });

    // Assess
    expect(issues).toEqual([
      { path: 'accountName', rule: 'required', message: 'the account name is required' },
      { path: 'email', rule: 'required', message: 'the email address is required' },
      {
        path: 'organizationalUnit',
        rule: 'required',
        message: 'the organizational unit is required: an id (ou-…) or a path such as Workloads/Prod',
      },
      { path: 'tags[0].key', rule: 'required', message: 'a tag needs a key' },
    ]);
  });

  it.each([
    ['a non-ASCII name', { accountName: 'naïve' }, 'accountName', 'pattern'],
    ['an empty name', { accountName: '' }, 'accountName', 'min-length'],
    ['a 5-character email', { email: 'a@b.c' }, 'email', 'email-length'],
    ['a local name with a leading dot', { email: '.jane@example.com' }, 'email', 'email-local-leading-dot'],
    ['a domain without a dot', { email: 'jane@example' }, 'email', 'email-domain-dot'],
    ['an OU six levels deep', { organizationalUnit: 'A/B/C/D/E/F' }, 'organizationalUnit', 'ou-depth'],
    [
      '51 tags',
      { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' })) },
      'tags',
      'tag-count',
    ],
    ['21 policies', { policies: Array.from({ length: 21 }, (_, i) => `p-${i}`) }, 'policies', 'policy-count'],
    ['a reserved role name', { roleName: 'AWSServiceRoleForMe' }, 'roleName', 'role-name-reserved'],
    ['a key with a space', { clientRequestId: 'has space' }, 'clientRequestId', 'pattern'],
  ])('refuses %s', (_label, change, path, rule) => {
    // Act
    const issues = issuesOf({ ...valid, ...change });

    // Assess
    expect(issues.map((i) => [i.path, i.rule])).toEqual([[path, rule]]);
  });

  it('asks for a JSON object when there is no body, or something else', () => {
    // Act
    const missing = issuesOf(undefined);
    const array = issuesOf([]);

    // Assess
    expect(missing).toEqual([
      {
        path: '',
        rule: 'required',
        message:
          'send the account request as a JSON object: { accountName, email, organizationalUnit, tags, policies }',
      },
    ]);
    expect(array).toEqual([expect.objectContaining({ path: '', rule: 'type' })]);
  });

  it('throws one ValidationError listing the issues from parseOrThrow', () => {
    // Act
    const parse = () => parseOrThrow(AccountRequestBodySchema, { ...valid, accountName: '', email: 'x' });

    // Assess
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(
      /accountName: the account name must not be empty; email: the address must be 6 to 64/,
    );
  });
});
