import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE } from '../data-dir';
import { type Clock, mathRandom, type RandomSource, systemClock } from './clock';
import {
  EventBridgeError,
  InvalidEventPatternError,
  NonRetryableDeliveryError,
  RuleChangesFileError,
} from './errors';
import { type CompiledPattern, compilePattern, matchesCompiled, type PatternOptions } from './pattern';
import { RuleChangesFile } from './persistence';
import {
  afterDeleteRule,
  afterPutRule,
  afterPutTargets,
  afterRemoveTargets,
  afterStateChange,
  effectiveRule,
  memoryRuleChanges,
  plainTarget,
  type RuleChangeLog,
  type RuleSetup,
} from './rule-changes';
import { type CompiledInput, compileTargetInput, type InputTransformer, isoSeconds } from './transform';

/** An event as EventBridge delivers it. */
export interface EventBridgeEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  [field: string]: unknown;
}

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
const RULE_STATES: readonly RuleState[] = [
  'ENABLED',
  'DISABLED',
  'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
];

/** EventBridge's per-target retry policy; AWS's defaults are 185 attempts and 24 hours. */
export interface RetryPolicy {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

/** What a target learns about the delivery it is asked to make. */
export interface Delivery {
  event: EventBridgeEvent;
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  roleArn?: string;
  /** 0 for the first attempt, then one more per retry */
  attempt: number;
  /** unique per delivery: a duplicated delivery gets its own id, the event id stays the same */
  deliveryId: string;
  /** true for the extra copy an injected duplicate makes */
  duplicate: boolean;
}

/**
 * Hands a target its input (the event JSON, or what Input / InputPath / InputTransformer made of it). Resolving
 * means delivered; throwing means failed: retried by the target's policy, or dead-lettered at once when the
 * error is a NonRetryableDeliveryError.
 */
export type Deliver = (input: string, delivery: Delivery) => Promise<void> | void;

/** A rule target: where matched events go and in what shape. */
export interface Target {
  id: string;
  arn: string;
  roleArn?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
  retryPolicy?: RetryPolicy;
  /** recorded with dead-lettered deliveries (on AWS: the SQS queue of the target's DeadLetterConfig) */
  deadLetterArn?: string;
  /** when absent, the bus asks its `resolveTarget` port at delivery time */
  deliver?: Deliver;
}

export interface RuleInput {
  name: string;
  /** an object, or its JSON text as the API carries it */
  eventPattern: unknown;
  state?: RuleState;
  description?: string;
}

export interface RuleDescription {
  name: string;
  arn: string;
  eventPattern: string;
  state: RuleState;
  description?: string;
  eventBusName: 'default';
  createdBy: string;
}

export interface PutEventsEntry {
  Time?: Date | number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** One line of the dead-letter file: the event and why it could not be delivered. */
export interface DeadLetter {
  time: string;
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  deadLetterArn?: string;
  errorCode: string;
  errorMessage: string;
  /** absent for a non-retryable failure, which is dead-lettered without retries */
  exhaustedRetryCondition?: 'MaximumRetryAttemptsExhausted' | 'MaximumEventAgeExhausted';
  retryAttempts: number;
  deliveryId: string;
  event: EventBridgeEvent;
  input: string;
}

export interface FaultInjection {
  /** chance (0–1) that a delivery is made twice, as EventBridge's at-least-once delivery may */
  duplicateProbability?: number;
  /** each delivery waits a random 0…maxDelayMs on the clock before its first attempt */
  maxDelayMs?: number;
}

export interface EventBusOptions {
  account: string;
  clock?: Clock;
  /** draws duplicates, delays and backoff jitter: seed it for reproducible runs */
  random?: RandomSource;
  faults?: FaultInjection;
  /** exponential backoff between attempts: min(maxMs, baseMs·2^retry), half of it jittered */
  backoff?: { baseMs?: number; maxMs?: number };
  /** JSON lines, one per delivery that ran out of retries or failed for good */
  deadLetterFile?: string;
  /** the deliver function of a target given without one (rules created over the API) */
  resolveTarget?: (arn: string) => Deliver | undefined;
  /** called for every dead letter, after it is written */
  onDeadLetter?: (letter: DeadLetter) => void;
  patternMaxLength?: number;
  /** keeps what the API changes of the rules (a {@link RuleChangesFile}'s log); in memory only when absent */
  ruleChanges?: RuleChangeLog;
}

const REGION = 'us-east-1';
const NAME_PATTERN = /^[.\-_A-Za-z0-9]{1,64}$/;
const MAX_TARGETS_PER_RULE = 5;
const MAX_WILDCARD_RULES = 30;
const MAX_ENTRY_BYTES = 256 * 1024;
const DEFAULT_RETRY = { attempts: 185, ageSeconds: 86_400 };

interface StoredTarget {
  target: Target;
  compiled: CompiledInput;
}

interface StoredRule {
  name: string;
  arn: string;
  patternText: string;
  pattern: CompiledPattern;
  state: RuleState;
  description?: string;
  targets: Map<string, StoredTarget>;
}

const invalid = (message: string) => new EventBridgeError('ValidationException', message);

function checkRetryPolicy(id: string, policy: RetryPolicy | undefined): void {
  if (!policy) return;
  const { MaximumRetryAttempts: attempts, MaximumEventAgeInSeconds: age } = policy;
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 0 && attempts <= 185))
    throw invalid(
      `RetryPolicy.MaximumRetryAttempts of target ${id} must be an integer from 0 to 185, not ${attempts}.`,
    );
  if (age !== undefined && !(Number.isInteger(age) && age >= 60 && age <= 86_400))
    throw invalid(
      `RetryPolicy.MaximumEventAgeInSeconds of target ${id} must be an integer from 60 to 86400, not ${age}.`,
    );
}

const utf8 = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

// EventBridge's documented entry size: 14 bytes for Time plus the UTF-8 of Source, DetailType, Detail, Resources
function entrySize(entry: PutEventsEntry): number {
  const resources = (entry.Resources ?? []).reduce((sum, resource) => sum + utf8(resource), 0);
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    resources
  );
}

function timeOf(time: PutEventsEntry['Time'], now: number): number | undefined {
  if (time === undefined) return now;
  const ms =
    time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The default event bus of one account in us-east-1, in process: rules, targets, PutEvents, and delivery that
 * behaves like EventBridge's — asynchronous, at least once, retried with backoff on the injected clock, and
 * dead-lettered when retries run out.
 */
export class EventBus {
  readonly account: string;
  readonly name = 'default';
  readonly arn: string;
  private readonly rules = new Map<string, StoredRule>();
  /** the rules as their rule files ship them, before the API's changes */
  private readonly shipped = new Map<string, RuleSetup>();
  private readonly changes: RuleChangeLog;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly closing = new AbortController();
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: EventBusOptions) {
    this.account = options.account;
    this.arn = `arn:aws:events:${REGION}:${options.account}:event-bus/default`;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? mathRandom;
    this.changes = options.ruleChanges ?? memoryRuleChanges();
    // the rules the API made; those it changed of a rule file come in with the file (ship)
    for (const [name, change] of this.changes.all())
      try {
        this.install(name, effectiveRule(name, undefined, change));
      } catch (error) {
        throw new RuleChangesFileError(this.changes.where, `rule ${name}`, (error as Error).message, {
          cause: error,
        });
      }
  }

  ruleArn(name: string): string {
    return `arn:aws:events:${REGION}:${this.account}:rule/${name}`;
  }

  private rule(name: string): StoredRule {
    const rule = this.rules.get(name);
    if (!rule)
      throw new EventBridgeError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus default.`,
      );
    return rule;
  }

  /** Checks a rule as PutRule does and compiles it, holding `targets`; changes nothing. */
  private compileRule(input: RuleInput, targets: Map<string, StoredTarget>): StoredRule {
    if (typeof input.name !== 'string' || !NAME_PATTERN.test(input.name))
      throw invalid(
        `Rule name ${JSON.stringify(input.name)} is not valid: use 1 to 64 letters, digits, '.', '-' or '_'.`,
      );
    if (input.eventPattern === undefined || input.eventPattern === null)
      throw invalid('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    const state = input.state ?? 'ENABLED';
    if (!RULE_STATES.includes(state))
      throw invalid(`State must be one of ${RULE_STATES.join(', ')}, not ${state}.`);
    if (input.description !== undefined && input.description.length > 512)
      throw invalid('Description must be at most 512 characters long.');
    const patternOptions: PatternOptions = { maxLength: this.options.patternMaxLength ?? 4096 };
    let pattern: CompiledPattern;
    let patternText: string;
    try {
      if (typeof input.eventPattern === 'string') {
        patternText = input.eventPattern;
        let parsed: unknown;
        try {
          parsed = JSON.parse(patternText);
        } catch (error) {
          throw new InvalidEventPatternError('$', `not valid JSON: ${(error as Error).message}`);
        }
        pattern = compilePattern(parsed, patternOptions);
      } else {
        patternText = JSON.stringify(input.eventPattern);
        pattern = compilePattern(input.eventPattern, patternOptions);
      }
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        throw new EventBridgeError(
          'InvalidEventPatternException',
          `Event pattern is not valid. Reason: ${error.reason} (at ${error.path})`,
          { cause: error },
        );
      throw error;
    }
    const otherWildcardRules = [...this.rules.values()].filter(
      (rule) => rule.name !== input.name && rule.pattern.usesWildcards,
    ).length;
    if (pattern.usesWildcards && otherWildcardRules >= MAX_WILDCARD_RULES)
      throw new EventBridgeError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed: an event bus holds at most ${MAX_WILDCARD_RULES} rules with wildcards.`,
      );
    return {
      name: input.name,
      arn: this.ruleArn(input.name),
      patternText,
      pattern,
      state,
      targets,
      ...(input.description === undefined ? {} : { description: input.description }),
    };
  }

  /** Creates or replaces a rule (its targets are kept), as PutRule does. */
  putRule(input: RuleInput): { ruleArn: string } {
    const rule = this.compileRule(input, this.rules.get(input.name)?.targets ?? new Map());
    const { patternText: eventPattern, description, state } = rule;
    this.changes.record(
      rule.name,
      afterPutRule(this.changes.get(rule.name), { eventPattern, description, state }),
    );
    this.rules.set(rule.name, rule);
    return { ruleArn: rule.arn };
  }

  /**
   * Holds rule `name` as `setup` says (none: no such rule), replacing whatever it was; all is checked before
   * anything changes. The API's changes are not recorded: they are what `setup` came from.
   */
  private install(name: string, setup: RuleSetup | undefined): void {
    if (!setup) {
      this.rules.delete(name);
      return;
    }
    const rule = this.compileRule(setup.input, new Map());
    for (const stored of this.compileTargets(rule, setup.targets)) rule.targets.set(stored.target.id, stored);
    this.rules.set(name, rule);
  }

  /**
   * Puts a rule as its rule file ships it, with its targets, then applies what the API changed of it (see
   * `ruleChanges`): a rule the API disabled stays disabled, one it deleted stays deleted.
   */
  ship(input: RuleInput, targets: Target[]): void {
    // the file's rule is checked even when the API's changes leave nothing of it
    this.compileTargets(this.compileRule(input, new Map()), targets);
    const base = { input, targets };
    const setup = effectiveRule(input.name, base, this.changes.get(input.name));
    this.install(input.name, setup);
    this.shipped.set(input.name, base);
  }

  private describe(rule: StoredRule): RuleDescription {
    return {
      name: rule.name,
      arn: rule.arn,
      eventPattern: rule.patternText,
      state: rule.state,
      ...(rule.description === undefined ? {} : { description: rule.description }),
      eventBusName: 'default',
      createdBy: this.account,
    };
  }

  describeRule(name: string): RuleDescription {
    return this.describe(this.rule(name));
  }

  /** Rules in name order, optionally only those whose name starts with `prefix`. */
  listRules(prefix = ''): RuleDescription[] {
    return [...this.rules.values()]
      .filter((rule) => rule.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((rule) => this.describe(rule));
  }

  /** Deletes a rule; refused while it has targets, and a rule that does not exist is already deleted. */
  deleteRule(name: string): void {
    const rule = this.rules.get(name);
    if (!rule) return;
    if (rule.targets.size > 0) throw invalid("Rule can't be deleted since it has targets.");
    this.changes.record(name, afterDeleteRule(this.shipped.has(name)));
    this.rules.delete(name);
  }

  enableRule(name: string): void {
    const rule = this.rule(name);
    // a rule enabled for read-only management events stays so
    if (rule.state !== 'DISABLED') return;
    this.changes.record(name, afterStateChange(this.changes.get(name), 'ENABLED'));
    rule.state = 'ENABLED';
  }

  disableRule(name: string): void {
    const rule = this.rule(name);
    if (rule.state === 'DISABLED') return;
    this.changes.record(name, afterStateChange(this.changes.get(name), 'DISABLED'));
    rule.state = 'DISABLED';
  }

  /**
   * Adds or replaces targets (by id), as PutTargets does: all are checked before any is stored. A deliver
   * function is not kept across restarts: a target put here comes back as the API's, resolved by its ARN.
   */
  putTargets(ruleName: string, targets: Target[]): void {
    const rule = this.rule(ruleName);
    if (targets.length < 1 || targets.length > 10)
      throw invalid(`PutTargets takes 1 to 10 targets per request, not ${targets.length}.`);
    const compiled = this.compileTargets(rule, targets);
    this.changes.record(
      ruleName,
      afterPutTargets(
        this.changes.get(ruleName),
        compiled.map((stored) => plainTarget(stored.target)),
      ),
    );
    for (const stored of compiled) rule.targets.set(stored.target.id, stored);
  }

  /** Checks targets for `rule` as PutTargets does (but for their number) and compiles them; changes nothing. */
  private compileTargets(rule: StoredRule, targets: Target[]): StoredTarget[] {
    const compiled = targets.map((target): StoredTarget => {
      if (typeof target.id !== 'string' || !NAME_PATTERN.test(target.id))
        throw invalid(
          `Target id ${JSON.stringify(target.id)} is not valid: use 1 to 64 letters, digits, '.', '-' or '_'.`,
        );
      if (typeof target.arn !== 'string' || target.arn.length === 0 || target.arn.length > 1600)
        throw invalid(`Target ${target.id} needs an Arn of 1 to 1600 characters.`);
      checkRetryPolicy(target.id, target.retryPolicy);
      if (target.deadLetterArn !== undefined && typeof target.deadLetterArn !== 'string')
        throw invalid(`DeadLetterConfig.Arn of target ${target.id} must be a string.`);
      return { target, compiled: compileTargetInput(target) };
    });
    const ids = new Set([...rule.targets.keys(), ...targets.map((target) => target.id)]);
    if (ids.size > MAX_TARGETS_PER_RULE)
      throw new EventBridgeError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed: a rule has at most ${MAX_TARGETS_PER_RULE} targets.`,
      );
    return compiled;
  }

  removeTargets(ruleName: string, ids: string[]): void {
    const rule = this.rule(ruleName);
    const present = [...new Set(ids)].filter((id) => rule.targets.has(id));
    if (present.length === 0) return;
    const change = this.changes.get(ruleName);
    const shipped = change?.dropped ? undefined : this.shipped.get(ruleName);
    this.changes.record(
      ruleName,
      afterRemoveTargets(
        change,
        present,
        (shipped?.targets ?? []).map((target) => target.id),
      ),
    );
    for (const id of present) rule.targets.delete(id);
  }

  /** The targets of a rule, without their deliver functions. */
  listTargets(ruleName: string): Omit<Target, 'deliver'>[] {
    return [...this.rule(ruleName).targets.values()].map(({ target }) => {
      const { deliver: _deliver, ...described } = target;
      return described;
    });
  }

  /** PutEvents: validates each entry like AWS (failures reported per entry), then routes the good ones. */
  putEvents(entries: PutEventsEntry[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10)
      throw invalid(
        `PutEvents takes 1 to 10 entries per request, not ${Array.isArray(entries) ? entries.length : 0}.`,
      );
    const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (total > MAX_ENTRY_BYTES)
      throw invalid(
        `Total size of the entries in the request is over the limit: ${total} bytes, at most 262144.`,
      );
    const complete = (entry: PutEventsEntry) =>
      entry.Source !== undefined && entry.DetailType !== undefined && entry.Detail !== undefined;
    if (!entries.some(complete))
      throw invalid('Parameters Source, DetailType and Detail must be specified in at least one entry.');
    const now = this.clock.now();
    const results = entries.map((entry): PutEventsResultEntry => {
      const failure = this.checkEntry(entry);
      if (failure) return failure;
      const event: EventBridgeEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: this.account,
        time: isoSeconds(timeOf(entry.Time, now) as number),
        region: REGION,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail as string),
      };
      this.route(event, now);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  private checkEntry(entry: PutEventsEntry): PutEventsResultEntry | undefined {
    const fail = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
    for (const field of ['Source', 'DetailType', 'Detail'] as const)
      if (typeof entry[field] !== 'string' || entry[field] === '')
        return fail(
          'InvalidArgument',
          `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        );
    const { Source: source = '', DetailType: detailType = '', Detail: detail = '' } = entry;
    if (detailType.length > 128)
      return fail(
        'InvalidArgument',
        'Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.',
      );
    if (source.length > 256)
      return fail(
        'InvalidArgument',
        'Parameter Source is not valid. Reason: Source is longer than 256 characters.',
      );
    if (source.startsWith('aws.'))
      return fail('NotAuthorizedForSourceException', `Not authorized for the source ${source}.`);
    const bus = entry.EventBusName;
    if (bus !== undefined && bus !== 'default' && bus !== this.arn)
      return fail(
        'InvalidArgument',
        `Event bus ${bus} does not exist: the local bus serves the default bus only.`,
      );
    if (
      entry.Resources !== undefined &&
      !(Array.isArray(entry.Resources) && entry.Resources.every((r) => typeof r === 'string'))
    )
      return fail(
        'InvalidArgument',
        'Parameter Resources is not valid. Reason: Resources must be a list of ARNs.',
      );
    if (timeOf(entry.Time, 0) === undefined)
      return fail(
        'InvalidArgument',
        'Parameter Time is not valid. Reason: Time must be an RFC3339 timestamp.',
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(detail);
    } catch {
      return fail('MalformedDetail', 'Detail is malformed.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return fail('MalformedDetail', 'Detail is malformed: it must be a JSON object.');
    return undefined;
  }

  /**
   * An event that arrives already shaped (the Organizations emulator's CloudTrail events): matched and delivered
   * as is. Returns the names of the rules it matched.
   */
  publish(event: EventBridgeEvent): string[] {
    return this.route(event, this.clock.now());
  }

  /** The enabled rules `event` matches, in name order; read-only CloudTrail calls need the opt-in state. */
  matchingRules(event: EventBridgeEvent): string[] {
    const readOnlyCall =
      event['detail-type'] === 'AWS API Call via CloudTrail' &&
      (event.detail as { readOnly?: unknown } | null)?.readOnly === true;
    return [...this.rules.values()]
      .filter((rule) => rule.state !== 'DISABLED')
      .filter((rule) => !readOnlyCall || rule.state === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS')
      .filter((rule) => matchesCompiled(rule.pattern, event))
      .map((rule) => rule.name)
      .sort();
  }

  private route(event: EventBridgeEvent, ingestionTime: number): string[] {
    const matched = this.matchingRules(event);
    const faults = this.options.faults ?? {};
    for (const name of matched) {
      const rule = this.rules.get(name) as StoredRule;
      for (const stored of rule.targets.values()) {
        const copies = this.random.next() < (faults.duplicateProbability ?? 0) ? 2 : 1;
        for (let copy = 0; copy < copies; copy++)
          void this.deliver(rule, stored, event, ingestionTime, copy > 0).catch((error: unknown) =>
            console.error('event bus: a delivery failed unexpectedly:', error),
          );
      }
    }
    return matched;
  }

  private async wait(deadline: number): Promise<void> {
    this.running--;
    this.notifyIfIdle();
    try {
      await this.clock.waitUntil(deadline, this.closing.signal);
    } finally {
      this.running++;
    }
  }

  private backoff(retry: number): number {
    const baseMs = this.options.backoff?.baseMs ?? 1000;
    const maxMs = this.options.backoff?.maxMs ?? 300_000;
    const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
    return Math.round(ceiling / 2 + this.random.next() * (ceiling / 2));
  }

  private async deliver(
    rule: StoredRule,
    stored: StoredTarget,
    event: EventBridgeEvent,
    ingestionTime: number,
    duplicate: boolean,
  ): Promise<void> {
    this.running++;
    try {
      const { target } = stored;
      const context = { ruleName: rule.name, ruleArn: rule.arn, ingestionTime };
      const input = stored.compiled.render(event, context);
      const deliveryId = randomUUID();
      const maxDelayMs = this.options.faults?.maxDelayMs ?? 0;
      if (maxDelayMs > 0) await this.wait(this.clock.now() + Math.floor(this.random.next() * maxDelayMs));
      const maxRetries = target.retryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY.attempts;
      const maxAgeMs = (target.retryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY.ageSeconds) * 1000;
      const deadLetter = (
        error: unknown,
        retryAttempts: number,
        condition?: DeadLetter['exhaustedRetryCondition'],
      ) =>
        this.deadLetter({
          time: isoSeconds(this.clock.now()),
          ruleName: rule.name,
          ruleArn: rule.arn,
          targetId: target.id,
          targetArn: target.arn,
          ...(target.deadLetterArn === undefined ? {} : { deadLetterArn: target.deadLetterArn }),
          errorCode:
            error instanceof NonRetryableDeliveryError
              ? error.code
              : error instanceof Error
                ? error.name
                : 'DeliveryFailed',
          errorMessage: error instanceof Error ? error.message : String(error),
          ...(condition === undefined ? {} : { exhaustedRetryCondition: condition }),
          retryAttempts,
          deliveryId,
          event,
          input,
        });
      for (let attempt = 0; ; attempt++) {
        if (this.closing.signal.aborted) return;
        try {
          const deliver = target.deliver ?? this.options.resolveTarget?.(target.arn);
          if (!deliver)
            throw new NonRetryableDeliveryError(
              'ResourceNotFoundException',
              `No local resource answers to target ARN ${target.arn}.`,
            );
          await deliver(input, {
            event,
            ruleName: rule.name,
            ruleArn: rule.arn,
            targetId: target.id,
            targetArn: target.arn,
            ...(target.roleArn === undefined ? {} : { roleArn: target.roleArn }),
            attempt,
            deliveryId,
            duplicate,
          });
          return;
        } catch (error) {
          if (error instanceof NonRetryableDeliveryError) return deadLetter(error, attempt);
          if (attempt >= maxRetries) return deadLetter(error, attempt, 'MaximumRetryAttemptsExhausted');
          const retryAt = this.clock.now() + this.backoff(attempt);
          if (retryAt - ingestionTime > maxAgeMs)
            return deadLetter(error, attempt, 'MaximumEventAgeExhausted');
          await this.wait(retryAt);
        }
      }
    } finally {
      this.running--;
      this.notifyIfIdle();
    }
  }

  private deadLetter(letter: DeadLetter): void {
    const file = this.options.deadLetterFile;
    if (file) {
      mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
      appendFileSync(file, `${JSON.stringify(letter)}\n`, { mode: PRIVATE_FILE_MODE });
    } else if (!this.options.onDeadLetter) {
      console.warn(
        `event bus: dead letter for rule ${letter.ruleName} target ${letter.targetId}: ${letter.errorCode}: ${letter.errorMessage}`,
      );
    }
    this.options.onDeadLetter?.(letter);
  }

  private notifyIfIdle(): void {
    if (this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Resolves once every delivery has finished or is sleeping on the clock (a delay or a backoff). With a
   * manual clock: `clock.advance(ms); await bus.settled()` runs whatever became due.
   */
  async settled(): Promise<void> {
    for (;;) {
      // let deliveries the clock just released take their next step first
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.running === 0) return;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Stops every pending delay and retry; deliveries in flight finish, nothing new is attempted. */
  close(): void {
    this.closing.abort();
  }
}

export interface EventBusesOptions extends Omit<EventBusOptions, 'account' | 'ruleChanges'> {
  /** where the API's changes to rules are kept across restarts (a {@link RuleChangesFile}); memory only when absent */
  ruleChangesFile?: string;
  /** flush every rule change to the disk before answering (survives a machine crash, not only a killed process) */
  fsync?: boolean;
}

/** The default bus of every account, created on first use with the same ports. */
export class EventBuses {
  private readonly buses = new Map<string, EventBus>();
  private readonly options: Omit<EventBusOptions, 'account'>;
  private readonly file: RuleChangesFile | undefined;

  /** Reads the rule changes file, if given, and brings back every bus it names: a bad file throws here. */
  constructor({ ruleChangesFile, fsync, ...options }: EventBusesOptions) {
    this.options = options;
    this.file =
      ruleChangesFile === undefined
        ? undefined
        : new RuleChangesFile(ruleChangesFile, fsync === undefined ? {} : { fsync });
    for (const account of this.file?.accounts() ?? []) this.forAccount(account);
  }

  forAccount(account: string): EventBus {
    let bus = this.buses.get(account);
    if (!bus) {
      bus = new EventBus({
        ...this.options,
        account,
        ...(this.file ? { ruleChanges: this.file.forAccount(account) } : {}),
      });
      this.buses.set(account, bus);
    }
    return bus;
  }

  /** Delivers an already-shaped event to the bus of the account it names (CloudTrail events). */
  publish(event: EventBridgeEvent): string[] {
    return this.forAccount(event.account).publish(event);
  }

  async settled(): Promise<void> {
    for (const bus of this.buses.values()) await bus.settled();
  }

  close(): void {
    for (const bus of this.buses.values()) bus.close();
  }
}
