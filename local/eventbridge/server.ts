import {
  type AwsJsonDialect,
  type AwsJsonServerOptions,
  type JsonObject,
  type OperationsOn,
  operationsOn,
  type RunningServer,
  serveAwsJson,
} from '../aws-json';
import { accountKeys, DEFAULT_ACCOUNT_ID, type KeyOwners } from '../identity';
import type { EventBus, EventBuses, PutEventsEntry, RuleDescription, RuleState, Target } from './bus';
import { EventBridgeError, InvalidEventPatternError } from './errors';
import { API_PATTERN_MAX_LENGTH, matchesCompiled, parsePattern } from './pattern';
import type { InputTransformer } from './transform';

export type { RunningServer };

export interface EventBridgeServerOptions extends AwsJsonServerOptions {
  /** who owns the access keys (local/identity.ts; the emulator's `keyOwners` in the stack); default: account keys, any other key DEFAULT_ACCOUNT_ID */
  keyOwners?: KeyOwners;
}

/** AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Operation>`, errors as `{ __type, message }` */
const eventBridge: AwsJsonDialect = {
  service: 'EventBridge',
  targetPrefix: 'AWSEvents',
  contentTypes: ['application/x-amz-json-1.1'],
  messageMember: 'message',
  errorTypes: { internal: 'InternalException', tooLarge: 'SerializationException' },
};

type Input = JsonObject;

const invalid = (message: string) => new EventBridgeError('ValidationException', message);

function required<T>(input: Input, member: string, type: 'string' | 'array' | 'object'): T {
  const value = input[member];
  if (value === undefined || value === null)
    throw invalid(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  const ok = type === 'array' ? Array.isArray(value) : typeof value === type && !Array.isArray(value);
  if (!ok) throw new EventBridgeError('SerializationException', `${member} must be of type ${type}.`);
  return value as T;
}

function optional<T>(
  input: Input,
  member: string,
  type: 'string' | 'number' | 'boolean' | 'object',
): T | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type || Array.isArray(value))
    throw new EventBridgeError('SerializationException', `${member} must be of type ${type}.`);
  return value as T;
}

function checkBus(bus: EventBus, input: Input): void {
  const name = optional<string>(input, 'EventBusName', 'string');
  if (name !== undefined && name !== 'default' && name !== bus.arn)
    throw new EventBridgeError(
      'ResourceNotFoundException',
      `Event bus ${name} does not exist: the local event bus serves the default bus only.`,
    );
}

function describeRule(rule: RuleDescription) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    State: rule.state,
    ...(rule.description === undefined ? {} : { Description: rule.description }),
    EventBusName: rule.eventBusName,
  };
}

function targetFromApi(value: unknown): Target {
  if (value === null || typeof value !== 'object')
    throw new EventBridgeError('SerializationException', 'Each target must be an object.');
  const input = value as Input;
  const deadLetter = optional<{ Arn?: string }>(input, 'DeadLetterConfig', 'object');
  const retryPolicy = optional<Target['retryPolicy'] & object>(input, 'RetryPolicy', 'object');
  const transformer = optional<InputTransformer>(input, 'InputTransformer', 'object');
  const optionalString = (member: string) => optional<string>(input, member, 'string');
  const roleArn = optionalString('RoleArn');
  const text = optionalString('Input');
  const inputPath = optionalString('InputPath');
  return {
    id: required<string>(input, 'Id', 'string'),
    arn: required<string>(input, 'Arn', 'string'),
    ...(roleArn === undefined ? {} : { roleArn }),
    ...(text === undefined ? {} : { input: text }),
    ...(inputPath === undefined ? {} : { inputPath }),
    ...(transformer === undefined ? {} : { inputTransformer: transformer }),
    ...(retryPolicy === undefined ? {} : { retryPolicy }),
    ...(deadLetter?.Arn === undefined ? {} : { deadLetterArn: deadLetter.Arn }),
  };
}

const entryMembers = {
  Source: 'string',
  DetailType: 'string',
  Detail: 'string',
  EventBusName: 'string',
  TraceHeader: 'string',
  Time: 'number',
} as const;

/** A PutEvents entry as the protocol reads it: a member of the wrong JSON type fails the whole request. */
function entryFromApi(value: unknown, index: number): PutEventsEntry {
  const wrongType = (member: string, expected: string) =>
    new EventBridgeError('SerializationException', `Entries[${index}]${member} must be ${expected}.`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw wrongType('', 'an object');
  const input = value as Input;
  const entry: Record<string, unknown> = {};
  for (const [member, type] of Object.entries(entryMembers)) {
    const item = input[member];
    // JSON null is how some clients spell "absent"
    if (item === undefined || item === null) continue;
    if (typeof item !== type)
      throw wrongType(`.${member}`, type === 'number' ? 'a timestamp in epoch seconds' : 'a string');
    entry[member] = item;
  }
  const resources = input.Resources;
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources) || !resources.every((resource) => typeof resource === 'string'))
      throw wrongType('.Resources', 'a list of strings');
    entry.Resources = resources;
  }
  return entry as PutEventsEntry;
}

function targetToApi(target: Omit<Target, 'deliver'>) {
  return {
    Id: target.id,
    Arn: target.arn,
    ...(target.roleArn === undefined ? {} : { RoleArn: target.roleArn }),
    ...(target.input === undefined ? {} : { Input: target.input }),
    ...(target.inputPath === undefined ? {} : { InputPath: target.inputPath }),
    ...(target.inputTransformer === undefined ? {} : { InputTransformer: target.inputTransformer }),
    ...(target.retryPolicy === undefined ? {} : { RetryPolicy: target.retryPolicy }),
    ...(target.deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: target.deadLetterArn } }),
  };
}

/** Slices `items` by `Limit` (1–100) and an opaque `NextToken` holding the next offset. */
function page<T>(items: T[], input: Input): { items: T[]; NextToken?: string } {
  const limit = optional<number>(input, 'Limit', 'number') ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw invalid(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  const token = optional<string>(input, 'NextToken', 'string');
  let offset = 0;
  if (token !== undefined) {
    const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!match)
      throw invalid(
        'The NextToken is not valid: pass the token a previous call of the same operation returned.',
      );
    offset = Number(match[1]);
  }
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit;
  return next < items.length
    ? { items: slice, NextToken: Buffer.from(`offset:${next}`).toString('base64url') }
    : { items: slice };
}

const MANDATORY_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

function compileApiPattern(text: string) {
  if (text.length > API_PATTERN_MAX_LENGTH)
    throw invalid(
      `1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to ${API_PATTERN_MAX_LENGTH}`,
    );
  try {
    return parsePattern(text, { maxLength: API_PATTERN_MAX_LENGTH });
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      throw new EventBridgeError(
        'InvalidEventPatternException',
        `Event pattern is not valid. Reason: ${error.reason} (at ${error.path})`,
        { cause: error },
      );
    throw error;
  }
}

const operations: OperationsOn<EventBus> = {
  PutEvents(bus, input) {
    const entries = required<unknown[]>(input, 'Entries', 'array');
    return bus.putEvents(entries.map(entryFromApi));
  },
  TestEventPattern(_bus, input) {
    const pattern = compileApiPattern(required<string>(input, 'EventPattern', 'string'));
    const text = required<string>(input, 'Event', 'string');
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      throw invalid('Parameter Event is not valid.');
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event))
      throw invalid('Parameter Event is not valid.');
    const missing = MANDATORY_EVENT_FIELDS.filter((field) => !(field in event));
    if (missing.length > 0)
      throw invalid(`Parameter Event is not valid: it lacks the mandatory field(s) ${missing.join(', ')}.`);
    return { Result: matchesCompiled(pattern, event) };
  },
  ListEventBuses(bus, input) {
    const prefix = optional<string>(input, 'NamePrefix', 'string') ?? '';
    // each account has its default bus, and no other: the local event bus serves the default bus only
    const buses = 'default'.startsWith(prefix) ? [{ Name: 'default', Arn: bus.arn }] : [];
    const { items, NextToken } = page(buses, input);
    return { EventBuses: items, ...(NextToken === undefined ? {} : { NextToken }) };
  },
  PutRule(bus, input) {
    checkBus(bus, input);
    if (optional<string>(input, 'ScheduleExpression', 'string') !== undefined)
      throw invalid(
        'ScheduleExpression is not supported by the local event bus: give the rule an EventPattern.',
      );
    const name = required<string>(input, 'Name', 'string');
    const text = optional<string>(input, 'EventPattern', 'string');
    if (text === undefined)
      throw invalid('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    compileApiPattern(text);
    const state = optional<RuleState>(input, 'State', 'string');
    const description = optional<string>(input, 'Description', 'string');
    const { ruleArn } = bus.putRule({
      name,
      eventPattern: text,
      ...(state === undefined ? {} : { state }),
      ...(description === undefined ? {} : { description }),
    });
    return { RuleArn: ruleArn };
  },
  PutTargets(bus, input) {
    checkBus(bus, input);
    const rule = required<string>(input, 'Rule', 'string');
    const targets = required<unknown[]>(input, 'Targets', 'array').map(targetFromApi);
    bus.putTargets(rule, targets);
    return { FailedEntryCount: 0, FailedEntries: [] };
  },
  ListRules(bus, input) {
    checkBus(bus, input);
    const { items, NextToken } = page(
      bus.listRules(optional<string>(input, 'NamePrefix', 'string') ?? ''),
      input,
    );
    return { Rules: items.map(describeRule), ...(NextToken === undefined ? {} : { NextToken }) };
  },
  ListTargetsByRule(bus, input) {
    checkBus(bus, input);
    const { items, NextToken } = page(bus.listTargets(required<string>(input, 'Rule', 'string')), input);
    return { Targets: items.map(targetToApi), ...(NextToken === undefined ? {} : { NextToken }) };
  },
  DescribeRule(bus, input) {
    checkBus(bus, input);
    const rule = bus.describeRule(required<string>(input, 'Name', 'string'));
    return { ...describeRule(rule), CreatedBy: rule.createdBy };
  },
  DeleteRule(bus, input) {
    checkBus(bus, input);
    bus.deleteRule(required<string>(input, 'Name', 'string'));
    return {};
  },
  RemoveTargets(bus, input) {
    checkBus(bus, input);
    const ids = required<unknown[]>(input, 'Ids', 'array');
    if (ids.length < 1 || ids.length > 100 || !ids.every((id) => typeof id === 'string'))
      throw invalid('Ids must list 1 to 100 target ids.');
    bus.removeTargets(required<string>(input, 'Rule', 'string'), ids as string[]);
    return { FailedEntryCount: 0, FailedEntries: [] };
  },
  EnableRule(bus, input) {
    checkBus(bus, input);
    bus.enableRule(required<string>(input, 'Name', 'string'));
    return {};
  },
  DisableRule(bus, input) {
    checkBus(bus, input);
    bus.disableRule(required<string>(input, 'Name', 'string'));
    return {};
  },
};

/** Serves the EventBridge API of `buses` over HTTP on loopback, each caller on its account's bus; `port: 0` picks a free port. */
export function startEventBridgeServer(
  buses: EventBuses,
  options: EventBridgeServerOptions = {},
): Promise<RunningServer> {
  const onCallersBus = operationsOn(operations, ({ caller }) => buses.forAccount(caller.accountId));
  const keyOwners = options.keyOwners ?? accountKeys(DEFAULT_ACCOUNT_ID);
  return serveAwsJson({ ...eventBridge, operations: onCallersBus, keyOwners }, options);
}
