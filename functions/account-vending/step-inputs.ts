import { z } from 'zod';
import {
  CallerSchema,
  NormalizedAccountRequestSchema,
  RequestIdSchema,
  ResolvedPolicySchema,
  TagSchema,
} from '../_shared/schemas';

// What the state machine hands each step (statemachines/account-vending.asl.json, Arguments), and so what
// each handler accepts. One schema per step; every handler parses its event with its own.

const AccountIdSchema = z.string().regex(/^\d{12}$/, 'an account id is 12 digits');

export const RequestStepInputSchema = z.object({ requestId: RequestIdSchema });

export const CreateAccountStepInputSchema = z.object({
  requestId: RequestIdSchema,
  request: NormalizedAccountRequestSchema.pick({
    accountName: true,
    email: true,
    tags: true,
    roleName: true,
    iamUserAccessToBilling: true,
  }),
});
export type CreateAccountStepInput = z.infer<typeof CreateAccountStepInputSchema>;

export const WatchAccountCreationInputSchema = z.object({
  createAccountRequestId: z.string().min(1),
  email: z.string(),
  taskToken: z.string().min(1),
  look: z.boolean().default(false),
});

export const AdoptExistingAccountInputSchema = z.object({
  requestId: RequestIdSchema,
  email: z.string(),
  organizationalUnitId: z.string().min(1),
});

export const MoveAccountInputSchema = z.object({
  accountId: AccountIdSchema,
  organizationalUnitId: z.string().min(1),
  /** true for an account this request just created, so in the root: moved without a ListParents */
  inRoot: z.boolean().default(false),
});

export const TagAccountInputSchema = z.object({ accountId: AccountIdSchema, tags: z.array(TagSchema) });

export const AttachPoliciesInputSchema = z.object({
  accountId: AccountIdSchema,
  policies: z.array(ResolvedPolicySchema),
});

export const PublishAccountVendedInputSchema = z.object({
  requestId: RequestIdSchema,
  caller: CallerSchema,
  request: NormalizedAccountRequestSchema,
  accountId: AccountIdSchema,
  adopted: z.boolean(),
});
export type PublishAccountVendedInput = z.infer<typeof PublishAccountVendedInputSchema>;

/** Record Account / Record Success / Record Failure: where the request now stands, for its record. */
export const RecordRequestInputSchema = z.object({
  requestId: RequestIdSchema,
  caller: CallerSchema,
  /** the request as asked (the execution's input) */
  request: z.record(z.string(), z.unknown()),
  state: z.enum(['CREATING', 'CONFIGURING', 'SUCCEEDED', 'FAILED']),
  accountId: AccountIdSchema.nullish(),
  /** a FAILED request's error and cause, as the state that failed reported them */
  error: z.string().min(1).optional(),
  cause: z.string().nullish(),
});
export type RecordRequestInput = z.infer<typeof RecordRequestInputSchema>;
