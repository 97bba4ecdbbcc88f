import { z } from 'zod';
import { brokenEmailRule, emailRules } from '../account-vending/account-email';
import { isReservedTagKey, RESERVED_TAG_PREFIX } from '../account-vending/account-mark';
import { type FieldIssue, ValidationError } from './errors';

// The account request as a requester sends it, as the workflow carries it once validated, and the caller.
// Each rule's message says what is allowed, for the 400 that lists every bad field.

export const ACCOUNT_NAME_MAX_LENGTH = 50;
// AWS allows 50 tags on an account; one of them is orgflow's request mark (account-mark.ts)
export const MAX_TAGS = 49;
export const MAX_POLICIES = 20;
/** OUs nest at most five levels under the root (reference §3.1). */
export const MAX_OU_DEPTH = 5;

/** zod's `error` option: one message for a missing field, another for a value of the wrong type. */
const typeError = (missing: string, wrongType: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? missing : wrongType),
});

export const AccountNameSchema = z
  .string(typeError('the account name is required', 'the account name must be a string'))
  .min(1, 'the account name must not be empty')
  .max(ACCOUNT_NAME_MAX_LENGTH, `the account name must be at most ${ACCOUNT_NAME_MAX_LENGTH} characters`)
  .regex(/^[\x20-\x7e]*$/, 'the account name may contain only printable ASCII characters (space to ~)');

export const EmailSchema = z
  .string(typeError('the email address is required', 'the email address must be a string'))
  .superRefine((email, ctx) => {
    const rule = brokenEmailRule(email);
    if (rule) ctx.addIssue({ code: 'custom', message: emailRules[rule], params: { rule: `email-${rule}` } });
  });

const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

export const isOrganizationalUnitId = (ref: string): boolean => OU_ID.test(ref) || ROOT_ID.test(ref);

/** The path's OU names, for `Workloads/Prod` or `/Workloads/Prod/`. */
export const pathSegments = (path: string): string[] => path.replace(/^\/+|\/+$/g, '').split('/');

/** An OU id (`ou-…`), the root's id (`r-…`), or a path of OU names from the root such as `Workloads/Prod`. */
export const OrganizationalUnitRefSchema = z
  .string(
    typeError(
      'the organizational unit is required: an id (ou-…) or a path such as Workloads/Prod',
      'the organizational unit must be a string: an id (ou-…) or a path such as Workloads/Prod',
    ),
  )
  .min(1, 'the organizational unit must not be empty: give an id (ou-…) or a path such as Workloads/Prod')
  .superRefine((ref, ctx) => {
    if (isOrganizationalUnitId(ref)) return;
    const segments = pathSegments(ref);
    if (segments.some((s) => s.length === 0 || s.length > 128))
      ctx.addIssue({
        code: 'custom',
        message: 'each OU name in the path must be 1 to 128 characters, separated by single slashes',
        params: { rule: 'ou-path' },
      });
    else if (segments.length > MAX_OU_DEPTH)
      ctx.addIssue({
        code: 'custom',
        message: `OUs nest at most ${MAX_OU_DEPTH} levels under the root; the path has ${segments.length}`,
        params: { rule: 'ou-depth' },
      });
  });

export const TagSchema = z.strictObject({
  key: z
    .string(typeError('a tag needs a key', 'a tag key must be a string'))
    .min(1, 'a tag key must not be empty')
    .max(128, 'a tag key must be at most 128 characters')
    .refine((key) => !key.toLowerCase().startsWith('aws:'), {
      message: "a tag key can't start with aws:, which AWS reserves",
      params: { rule: 'tag-key-reserved' },
    })
    .refine((key) => !isReservedTagKey(key), {
      message: `a tag key can't start with ${RESERVED_TAG_PREFIX}, which orgflow reserves for its own marks`,
      params: { rule: 'tag-key-reserved' },
    }),
  value: z
    .string(
      typeError('a tag needs a value (it may be empty)', 'a tag value must be a string (it may be empty)'),
    )
    .max(256, 'a tag value must be at most 256 characters'),
});
export type Tag = z.infer<typeof TagSchema>;

export const TagsSchema = z
  .array(TagSchema, { error: 'tags must be a list of { key, value }' })
  .superRefine((tags, ctx) => {
    if (tags.length > MAX_TAGS)
      ctx.addIssue({
        code: 'custom',
        message: `an account can have at most ${MAX_TAGS} tags; the request has ${tags.length}`,
        params: { rule: 'tag-count' },
      });
    const seen = new Set<string>();
    tags.forEach((tag, index) => {
      if (seen.has(tag.key))
        ctx.addIssue({
          code: 'custom',
          path: [index, 'key'],
          message: `tag key '${tag.key}' appears more than once; tag keys must be unique`,
          params: { rule: 'tag-key-unique' },
        });
      seen.add(tag.key);
    });
  });

/** A policy by id (`p-…`) or by name; resolved and checked against the self-service allowlist by Validate Request. */
export const PolicyRefSchema = z
  .string({ error: 'a policy must be given by its id (p-…) or its name' })
  .min(1, 'a policy reference must not be empty')
  .max(128, 'a policy name must be at most 128 characters');

export const PoliciesSchema = z
  .array(PolicyRefSchema, { error: 'policies must be a list of policy ids or names' })
  .superRefine((refs, ctx) => {
    if (refs.length > MAX_POLICIES)
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_POLICIES} policies can be asked for; the request has ${refs.length}`,
        params: { rule: 'policy-count' },
      });
    refs.forEach((ref, index) => {
      if (refs.indexOf(ref) !== index)
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `policy '${ref}' is listed more than once`,
          params: { rule: 'policy-unique' },
        });
    });
  });

export const RoleNameSchema = z
  .string({ error: 'the role name must be a string' })
  .regex(
    /^[\w+=,.@-]{1,64}$/,
    'the role name must be 1 to 64 letters, digits or any of _ + = , . @ -, without spaces',
  )
  .refine((name) => !name.startsWith('AWSServiceRoleFor'), {
    message: "the role name can't start with AWSServiceRoleFor, which AWS reserves",
    params: { rule: 'role-name-reserved' },
  });

export const IamUserAccessToBillingSchema = z.enum(['ALLOW', 'DENY'], {
  error: 'iamUserAccessToBilling must be ALLOW or DENY',
});

/** What a client uses to make its request idempotent: the `Idempotency-Key` header or `clientRequestId`. */
export const IdempotencyKeySchema = z
  .string({ error: 'the idempotency key must be a string' })
  .regex(
    /^[\x21-\x7e]{1,128}$/,
    'the idempotency key must be 1 to 128 printable ASCII characters without spaces',
  );

/** The fields of an account request, as the workflow receives them. */
export const AccountRequestSchema = z.strictObject(
  {
    accountName: AccountNameSchema,
    email: EmailSchema,
    organizationalUnit: OrganizationalUnitRefSchema,
    tags: TagsSchema.default([]),
    policies: PoliciesSchema.default([]),
    roleName: RoleNameSchema.optional(),
    iamUserAccessToBilling: IamUserAccessToBillingSchema.optional(),
  },
  typeError(
    'send the account request as a JSON object: { accountName, email, organizationalUnit, tags, policies }',
    'the account request must be a JSON object: { accountName, email, organizationalUnit, tags, policies }',
  ),
);
export type AccountRequest = z.infer<typeof AccountRequestSchema>;

/** The body of `POST /account-requests`: a request, and optionally its idempotency key. */
export const AccountRequestBodySchema = AccountRequestSchema.extend({
  clientRequestId: IdempotencyKeySchema.optional(),
});

/** Who asked: the IAM principal API Gateway authenticated (or whoever started the execution directly). */
export const CallerSchema = z.object({
  arn: z.string().min(1),
  accountId: z.string().regex(/^\d{12}$/),
});
export type Caller = z.infer<typeof CallerSchema>;

export const PolicyTypeSchema = z.enum([
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'TAG_POLICY',
  'BACKUP_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'SECURITYHUB_POLICY',
]);
export type PolicyType = z.infer<typeof PolicyTypeSchema>;

export const ResolvedOrganizationalUnitSchema = z.object({
  id: z.string(),
  /** OU names from the root, empty for the root itself */
  path: z.string(),
});
export type ResolvedOrganizationalUnit = z.infer<typeof ResolvedOrganizationalUnitSchema>;

export const ResolvedPolicySchema = z.object({ id: z.string(), name: z.string(), type: PolicyTypeSchema });
export type ResolvedPolicy = z.infer<typeof ResolvedPolicySchema>;

/**
 * What the API resolved the request's OU and policies to, passed on so Validate Request can verify the ids
 * instead of resolving them again. Claims only: Validate Request still checks them against the organization
 * and the vending configuration.
 */
export const ResolvedRequestSchema = z.object({
  organizationalUnit: ResolvedOrganizationalUnitSchema,
  policies: z.array(ResolvedPolicySchema),
});
export type ResolvedRequest = z.infer<typeof ResolvedRequestSchema>;

/** The input of an account-vending execution; its name is the request id. `resolved` is null when not given. */
export const VendingInputSchema = z.object({
  caller: CallerSchema,
  request: AccountRequestSchema,
  resolved: ResolvedRequestSchema.nullish(),
});
export type VendingInput = z.infer<typeof VendingInputSchema>;

/** A request after Validate Request: the OU and policies resolved to ids, every rule checked. */
export const NormalizedAccountRequestSchema = z.object({
  accountName: AccountNameSchema,
  email: EmailSchema,
  organizationalUnit: ResolvedOrganizationalUnitSchema,
  tags: z.array(TagSchema),
  policies: z.array(ResolvedPolicySchema),
  roleName: RoleNameSchema.optional(),
  iamUserAccessToBilling: IamUserAccessToBillingSchema.optional(),
});
export type NormalizedAccountRequest = z.infer<typeof NormalizedAccountRequestSchema>;

/** The request id: the execution name. */
export const RequestIdSchema = z
  .string()
  .regex(/^[\w-]{1,80}$/, 'a request id is 1 to 80 letters, digits, _ or -');

/** `tags[2].key` for zod's `['tags', 2, 'key']`. */
export function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

const ruleOfCode: Readonly<Record<string, string>> = {
  too_small: 'min-length',
  too_big: 'max-length',
  invalid_format: 'pattern',
  invalid_type: 'type',
  invalid_value: 'one-of',
};

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * Every problem zod found in `input`, one per field and rule: a missing field breaks `required`, an unknown
 * field `unknown-field` under its own name, a refinement the rule it names.
 */
export function fieldIssuesOf(error: z.ZodError, input: unknown): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        path: pathOf([...issue.path, key]),
        rule: 'unknown-field',
        message: `'${key}' is not a field of this request`,
      }));
    const params = issue.code === 'custom' ? (issue.params as { rule?: string } | undefined) : undefined;
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return [
      {
        path: pathOf(issue.path),
        rule: missing ? 'required' : (params?.rule ?? ruleOfCode[issue.code] ?? issue.code),
        message: issue.message,
      },
    ];
  });
}

/** `schema.parse` that fails with a {@link ValidationError} listing every bad field. */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(fieldIssuesOf(parsed.error, input));
  return parsed.data;
}
