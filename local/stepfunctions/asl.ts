import type { Json, JsonObject } from './json';

// An ASL document as written: the JSON shapes of the Amazon States Language that definition.ts loads and
// definition-checks.ts checks.

export type QueryLanguage = 'JSONPath' | 'JSONata';
export type StateType = 'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
  Comment?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: Json;
  Assign?: JsonObject;
  Comment?: string;
}

/** A Choice Rule; its operators are read by name (see choice.ts). */
export type ChoiceRule = JsonObject;

export interface AslScope {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  ProcessorConfig?: JsonObject;
}

export interface AslDefinition extends AslScope {
  QueryLanguage?: QueryLanguage;
  TimeoutSeconds?: number;
  Version?: string;
}

export interface AslState {
  Type: StateType;
  Comment?: string;
  QueryLanguage?: QueryLanguage;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  Result?: Json;
  Arguments?: Json;
  Output?: Json;
  Assign?: JsonObject;
  Resource?: string;
  Credentials?: Json;
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
  HeartbeatSecondsPath?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: ChoiceRule[];
  Default?: string;
  Seconds?: number | string;
  Timestamp?: string;
  SecondsPath?: string;
  TimestampPath?: string;
  Error?: string;
  Cause?: string;
  ErrorPath?: string;
  CausePath?: string;
  Branches?: AslScope[];
  ItemProcessor?: AslScope;
  Iterator?: AslScope;
  ItemsPath?: string;
  Items?: Json;
  ItemSelector?: Json;
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
  /** Distributed Map: items grouped into batches, each child workflow's input `{ Items, BatchInput }` */
  ItemBatcher?: JsonObject;
  Label?: string;
}
