import type { OperationDefinition, TimerHandler } from '../context';
import { inputShapes } from '../shapes';
import { accountOperations, accountTimers } from './accounts';
import type { Handler } from './define';
import { delegationOperations } from './delegation';
import { effectivePolicyOperations } from './effective-policies';
import { handshakeOperations, handshakeTimers } from './handshakes';
import { membershipOperations, membershipTimers } from './membership';
import { organizationOperations } from './organization';
import { ouOperations } from './ous';
import { policyOperations } from './policies';
import { tagOperations } from './tags';
import { transferOperations } from './transfers';

const handlers: Record<string, Handler> = {
  ...organizationOperations,
  ...ouOperations,
  ...accountOperations,
  ...tagOperations,
  ...policyOperations,
  ...delegationOperations,
  ...effectivePolicyOperations,
  ...membershipOperations,
  ...handshakeOperations,
  ...transferOperations,
};

export const operations: Readonly<Record<string, OperationDefinition>> = Object.fromEntries(
  Object.entries(handlers).map(([name, handler]) => {
    const input = inputShapes[name];
    if (!input) throw new Error(`operation ${name} has no input shape in shapes.ts`);
    return [name, { input, handler }];
  }),
);

/** Handlers of the work operations schedule on the clock, by timer kind. */
export const timerHandlers: Readonly<Record<string, TimerHandler>> = {
  ...accountTimers,
  ...membershipTimers,
  ...handshakeTimers,
};
