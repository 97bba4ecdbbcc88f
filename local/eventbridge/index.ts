// The local event bus: EventBridge pattern matching, rules and targets, at-least-once delivery, the HTTP API.
export {
  type DeadLetter,
  type Deliver,
  type Delivery,
  type EventBridgeEvent,
  EventBus,
  EventBuses,
  type EventBusesOptions,
  type EventBusOptions,
  type FaultInjection,
  type PutEventsEntry,
  type PutEventsResult,
  type RetryPolicy,
  type RuleDescription,
  type RuleInput,
  type RuleState,
  type Target,
} from './bus';
export { type Clock, ManualClock, mathRandom, type RandomSource, seededRandom, systemClock } from './clock';
export {
  EventBridgeError,
  InvalidEventPatternError,
  NonRetryableDeliveryError,
  RuleChangesFileError,
  RuleFileError,
} from './errors';
export {
  API_PATTERN_MAX_LENGTH,
  type CompiledPattern,
  compilePattern,
  matches,
  matchesCompiled,
  parsePattern,
  RULE_PATTERN_MAX_LENGTH,
  validatePattern,
} from './pattern';
export { RuleChangesFile } from './persistence';
export { effectiveRule, type RuleChange, type RuleChangeLog } from './rule-changes';
export {
  FunctionInvocationError,
  type FunctionInvoker,
  functionTarget,
  type InstalledTarget,
  installRules,
  loadRuleFiles,
  parseRuleFile,
  type RuleDefinition,
  type RuleTarget,
  type RuleTargetResolvers,
} from './rule-files';
export { type EventBridgeServerOptions, startEventBridgeServer } from './server';
export type { DeliveryContext, InputTransformer } from './transform';
