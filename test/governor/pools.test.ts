import { describe, expect, it } from 'vitest';
import {
  CloseAccountPoolEnvSchema,
  CreateAccountPoolEnvSchema,
  closeAccountPool,
  createAccountPool,
} from '../../functions/governor/pools';

describe('the governor pools', () => {
  it("default to AWS's limits: 5 creations at 0.1/s burst 3, 3 closures at 0.05/s burst 1, in one table", () => {
    // Act
    const env = { GOVERNOR_TABLE_NAME: 'orgflow-governor' };
    const create = createAccountPool(CreateAccountPoolEnvSchema.parse(env));
    const close = closeAccountPool(CloseAccountPoolEnvSchema.parse(env));

    // Assess
    expect(create).toMatchObject({ name: 'create-account', slots: 5, pace: { perSecond: 0.1, burst: 3 } });
    expect(close).toMatchObject({ name: 'close-account', slots: 3, pace: { perSecond: 0.05, burst: 1 } });
    expect(close.table).toBe(create.table);
  });
});
