import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { answer, type CreationResult, lookUp, registerWaiter, type WatchPorts } from '../creation-watch';

export interface WatchAccountCreationInput {
  createAccountRequestId: string;
  email: string;
  taskToken: string;
  /** look with DescribeCreateAccountStatus too: a retry after a wait that timed out (the event may be lost) */
  look: boolean;
}

/**
 * Wait For Account: parks the execution on its task token until the creation's result arrives, answering at
 * once when the result is already known (the event came first, or a look finds it finished). Returns what it
 * did (`woke`: this call's answer reached the token); the execution continues with what the token is answered
 * with, not with this.
 */
export async function watchAccountCreation(
  ports: WatchPorts & { organizations: OrganizationsClient },
  input: WatchAccountCreationInput,
): Promise<{ answered: boolean; woke?: boolean; result?: CreationResult }> {
  let result = await registerWaiter(ports, input);
  if (!result && input.look) result = await lookUp(ports.organizations, input.createAccountRequestId);
  if (!result) return { answered: false };
  const woke = await answer(ports.sfn, { taskToken: input.taskToken, email: input.email }, result);
  return { answered: true, woke, result };
}
