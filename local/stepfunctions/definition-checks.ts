import type { QueryLanguage, StateType } from './asl';
import { CHOICE_OPERATORS, parseTimestamp, ruleOperator } from './choice';
import { DefinitionError, type DefinitionProblem, StatesErrorName } from './errors';
import { looksLikeIntrinsic, parseIntrinsic } from './intrinsics';
import { isObject, type Json, type JsonObject, PAYLOAD_LIMIT_BYTES } from './json';
import { isJsonataString, jsonataProblem } from './jsonata';
import { compilePath, isReferencePath } from './jsonpath';

// The checks Step Functions makes at CreateStateMachine that a JSON schema cannot make, or cannot word
// well: every problem names its state and field. All problems are collected, not only the first.

const COMMON_FIELDS = ['Type', 'Comment', 'QueryLanguage'];
const FIELDS: Record<StateType, string[]> = {
  Pass: ['Next', 'End', 'InputPath', 'OutputPath', 'ResultPath', 'Parameters', 'Result', 'Assign', 'Output'],
  Task: [
    'Next',
    'End',
    'Resource',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Parameters',
    'ResultSelector',
    'Retry',
    'Catch',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
    'Assign',
    'Arguments',
    'Output',
  ],
  Choice: ['Choices', 'Default', 'InputPath', 'OutputPath', 'Assign', 'Output'],
  Wait: [
    'Next',
    'End',
    'Seconds',
    'Timestamp',
    'SecondsPath',
    'TimestampPath',
    'InputPath',
    'OutputPath',
    'Assign',
    'Output',
  ],
  Succeed: ['InputPath', 'OutputPath', 'Output'],
  Fail: ['Error', 'Cause', 'ErrorPath', 'CausePath'],
  Parallel: [
    'Next',
    'End',
    'Branches',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'Parameters',
    'ResultSelector',
    'Retry',
    'Catch',
    'Assign',
    'Arguments',
    'Output',
  ],
  Map: [
    'Next',
    'End',
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'Parameters',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'Label',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'ResultSelector',
    'Retry',
    'Catch',
    'Assign',
    'Output',
  ],
};
const JSONPATH_ONLY = [
  'InputPath',
  'OutputPath',
  'ResultPath',
  'Parameters',
  'ResultSelector',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'ItemsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
];
const IO_FIELDS = ['InputPath', 'OutputPath', 'ResultPath', 'Parameters', 'ResultSelector'];
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];
/** Distributed Map fields that need Amazon S3, which the local engine cannot reach */
const S3_MAP_FIELDS: Record<string, string> = {
  ItemReader:
    'ItemReader reads items from Amazon S3, which the local engine cannot reach: pass the items in the state input and select them with ItemsPath (JSONPath) or Items (JSONata)',
  ResultWriter:
    'ResultWriter writes results to Amazon S3, which the local engine cannot reach: remove it and the results are the state output',
};
const ITEM_BATCHER_FIELDS = [
  'MaxItemsPerBatch',
  'MaxItemsPerBatchPath',
  'MaxInputBytesPerBatch',
  'MaxInputBytesPerBatchPath',
  'BatchInput',
];
/** the largest Wait in seconds AWS accepts (amazon-states-language-wait-state) */
export const MAX_WAIT_SECONDS = 99_999_999;
/**
 * The optimized integrations (`arn:aws:states:::<service>:<action>`) AWS offers, with their actions where
 * the set is small and stable; `undefined` accepts any action of the service.
 */
const INTEGRATIONS: Record<string, readonly string[] | undefined> = {
  apigateway: ['invoke'],
  athena: undefined,
  batch: ['submitJob'],
  bedrock: undefined,
  codebuild: undefined,
  databrew: ['startJobRun'],
  dynamodb: ['getItem', 'putItem', 'updateItem', 'deleteItem'],
  ecs: ['runTask'],
  eks: undefined,
  elasticmapreduce: undefined,
  'emr-containers': undefined,
  'emr-serverless': undefined,
  events: ['putEvents'],
  glue: ['startJobRun'],
  http: ['invoke'],
  lambda: ['invoke'],
  mediaconvert: ['createJob'],
  sagemaker: undefined,
  sns: ['publish'],
  sqs: ['sendMessage'],
  states: ['startExecution'],
};
/**
 * Fields whose values our checks judge in full. asl-validator's formats refuse there forms AWS runs
 * (`$.[0]`, unions, filters on the root, literal JSONata Output, `"Condition": true`, `{%x%}`), so its
 * verdict on them is not taken.
 */
const OWNED_FIELDS = new Set([
  'InputPath',
  'OutputPath',
  'ResultPath',
  'ItemsPath',
  'Parameters',
  'ResultSelector',
  'ItemSelector',
  'Assign',
  'Output',
  'Arguments',
  'Items',
  'Condition',
  'Variable',
]);
const TOP_FIELDS = ['Comment', 'StartAt', 'States', 'Version', 'TimeoutSeconds', 'QueryLanguage'];
const RETRIER_FIELDS = [
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;
/** fields holding a number (or, in JSONata, a `{% %}` expression yielding one) */
const NUMERIC_FIELDS = [
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'Seconds',
  'MaxConcurrency',
  'ToleratedFailureCount',
];

export class Checker {
  private readonly problems: DefinitionProblem[] = [];
  private readonly seen = new Set<string>();
  private topLanguage: QueryLanguage = 'JSONPath';

  constructor(private readonly source: string) {}

  throwIfAny(): void {
    if (this.problems.length > 0) throw new DefinitionError(this.source, this.problems);
  }

  private add(problem: string, state?: string, field?: string): void {
    const entry: DefinitionProblem = { problem };
    if (state !== undefined) entry.state = state;
    if (field !== undefined) entry.field = field;
    this.problems.push(entry);
  }

  definition(json: unknown): void {
    if (!isObject(json)) {
      this.add('the definition must be a JSON object with StartAt and States');
      return;
    }
    for (const key of Object.keys(json)) {
      if (!TOP_FIELDS.includes(key))
        this.add(`unknown top-level field '${key}'; allowed: ${TOP_FIELDS.join(', ')}`);
    }
    if (json.QueryLanguage !== undefined) {
      if (json.QueryLanguage !== 'JSONPath' && json.QueryLanguage !== 'JSONata') {
        this.add(`QueryLanguage must be 'JSONPath' or 'JSONata', not ${JSON.stringify(json.QueryLanguage)}`);
      } else this.topLanguage = json.QueryLanguage;
    }
    if (json.TimeoutSeconds !== undefined && !isPositiveInteger(json.TimeoutSeconds)) {
      this.add(`TimeoutSeconds must be a positive integer, not ${JSON.stringify(json.TimeoutSeconds)}`);
    }
    this.scope(json, undefined);
  }

  private scope(scope: JsonObject, owner: string | undefined): void {
    const where = owner === undefined ? 'the state machine' : `the branch of '${owner}'`;
    const states = scope.States;
    if (!isObject(states) || Object.keys(states).length === 0) {
      this.add(`${where} must have a non-empty States object`, owner, 'States');
      return;
    }
    if (typeof scope.StartAt !== 'string' || !Object.hasOwn(states, scope.StartAt)) {
      this.add(
        `StartAt ${JSON.stringify(scope.StartAt)} of ${where} is not one of its states (${Object.keys(states).join(', ')})`,
        owner,
        'StartAt',
      );
    }
    for (const [name, state] of Object.entries(states)) {
      if (this.seen.has(name)) this.add('state names must be unique across the whole state machine', name);
      this.seen.add(name);
      if (name.length === 0 || name.length > 80) this.add('a state name must have 1 to 80 characters', name);
      this.state(name, state, states);
    }
    this.reachability(scope, states, owner);
  }

  private reachability(scope: JsonObject, states: JsonObject, owner: string | undefined): void {
    if (typeof scope.StartAt !== 'string' || !Object.hasOwn(states, scope.StartAt)) return;
    const reached = new Set<string>([scope.StartAt]);
    const queue = [scope.StartAt];
    while (queue.length > 0) {
      const def = states[queue.pop() as string];
      if (!isObject(def)) continue;
      for (const next of targets(def)) {
        if (Object.hasOwn(states, next) && !reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    for (const name of Object.keys(states)) {
      if (!reached.has(name)) {
        const from = owner === undefined ? 'StartAt' : `the StartAt of '${owner}'`;
        this.add(`the state is not reachable from ${from}: remove it or point a Next at it`, name);
      }
    }
  }

  private state(name: string, def: Json, siblings: JsonObject): void {
    if (!isObject(def)) {
      this.add('a state must be a JSON object', name);
      return;
    }
    const type = def.Type as StateType;
    if (typeof def.Type !== 'string' || !Object.hasOwn(FIELDS, def.Type)) {
      this.add(
        `Type must be one of ${Object.keys(FIELDS).join(', ')}, not ${JSON.stringify(def.Type)}`,
        name,
        'Type',
      );
      return;
    }
    let language = this.topLanguage;
    if (def.QueryLanguage !== undefined) {
      if (def.QueryLanguage !== 'JSONPath' && def.QueryLanguage !== 'JSONata') {
        this.add(
          `QueryLanguage must be 'JSONPath' or 'JSONata', not ${JSON.stringify(def.QueryLanguage)}`,
          name,
          'QueryLanguage',
        );
      } else if (this.topLanguage === 'JSONata' && def.QueryLanguage === 'JSONPath') {
        this.add(
          "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata: set it to JSONPath at the top level instead",
          name,
          'QueryLanguage',
        );
      } else language = def.QueryLanguage;
    }

    const allowed = [...COMMON_FIELDS, ...(FIELDS[type] as string[])];
    for (const field of Object.keys(def)) {
      if (!allowed.includes(field)) {
        this.add(`unknown field for a ${type} state; allowed: ${allowed.join(', ')}`, name, field);
      } else if (language === 'JSONata' && JSONPATH_ONLY.includes(field)) {
        const instead = IO_FIELDS.includes(field)
          ? 'use Arguments and Output'
          : `use ${field.slice(0, -4)} with a {% %} expression`;
        this.add(`JSONata states cannot use ${field}: ${instead}`, name, field);
      } else if (language === 'JSONPath' && JSONATA_ONLY.includes(field)) {
        this.add(
          `JSONPath states cannot use ${field}: set "QueryLanguage": "JSONata" to use it`,
          name,
          field,
        );
      } else if (Object.hasOwn(S3_MAP_FIELDS, field)) {
        this.add(S3_MAP_FIELDS[field] as string, name, field);
      }
    }

    if (type !== 'Choice' && type !== 'Succeed' && type !== 'Fail') {
      const hasNext = def.Next !== undefined;
      const hasEnd = def.End !== undefined;
      if (hasNext === hasEnd)
        this.add('a state must have exactly one of Next and "End": true', name, hasNext ? 'End' : 'Next');
      if (hasEnd && def.End !== true) this.add('End must be true when present', name, 'End');
    }
    this.target(def.Next, siblings, name, 'Next');
    if (type === 'Choice') this.target(def.Default, siblings, name, 'Default');

    this.paths(def, name, language);
    this.numbers(def, name, language);
    if (def.Assign !== undefined) this.assign(def.Assign, name, 'Assign', language);
    if (language === 'JSONata') {
      for (const field of [
        'Arguments',
        'Output',
        'Items',
        'ItemSelector',
        'Timestamp',
        'Error',
        'Cause',
        'ToleratedFailurePercentage',
      ]) {
        this.jsonata(def[field], name, field);
      }
    } else {
      for (const field of ['Parameters', 'ResultSelector', 'ItemSelector'])
        this.template(def[field], name, field);
    }
    if (def.Retry !== undefined) this.retriers(def.Retry, name);
    if (def.Catch !== undefined) this.catchers(def.Catch, name, siblings, language);

    if (type === 'Task' && (typeof def.Resource !== 'string' || def.Resource === '')) {
      this.add('a Task state needs a Resource ARN', name, 'Resource');
    } else if (type === 'Task') this.resource(def.Resource as string, name);
    if (def.Credentials !== undefined) this.credentials(def.Credentials, name, language);
    if (type === 'Choice') this.choices(def, name, siblings, language);
    if (type === 'Wait') {
      const given = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter(
        (f) => def[f] !== undefined,
      );
      if (given.length !== 1)
        this.add(
          `a Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath (has ${given.join(', ') || 'none'})`,
          name,
        );
      if (typeof def.Seconds === 'number' && def.Seconds > MAX_WAIT_SECONDS)
        this.add(`must be at most ${MAX_WAIT_SECONDS}, not ${def.Seconds}`, name, 'Seconds');
      if (
        typeof def.Timestamp === 'string' &&
        !isJsonataString(def.Timestamp) &&
        parseTimestamp(def.Timestamp) === undefined
      ) {
        this.add(
          `'${def.Timestamp}' is not an RFC 3339 timestamp: write it like 2026-01-01T00:00:00Z, with an uppercase T between date and time`,
          name,
          'Timestamp',
        );
      }
    }
    if (type === 'Fail') {
      if (def.Error !== undefined && def.ErrorPath !== undefined)
        this.add('use Error or ErrorPath, not both', name, 'ErrorPath');
      if (def.Cause !== undefined && def.CausePath !== undefined)
        this.add('use Cause or CausePath, not both', name, 'CausePath');
      for (const field of ['ErrorPath', 'CausePath']) {
        const value = def[field];
        if (typeof value === 'string') this.dynamic(value, name, field);
      }
    }
    if (type === 'Parallel') {
      if (!Array.isArray(def.Branches) || def.Branches.length === 0) {
        this.add('a Parallel state needs a non-empty Branches array', name, 'Branches');
      } else {
        for (const branch of def.Branches) {
          if (isObject(branch)) this.scope(branch, name);
          else this.add('each branch must be an object with StartAt and States', name, 'Branches');
        }
      }
    }
    if (type === 'Map') {
      const processors = ['ItemProcessor', 'Iterator'].filter((f) => def[f] !== undefined);
      if (processors.length !== 1)
        this.add('a Map state needs exactly one of ItemProcessor and Iterator', name, 'ItemProcessor');
      if (def.ItemSelector !== undefined && def.Parameters !== undefined)
        this.add('use ItemSelector or Parameters, not both', name, 'Parameters');
      const processor = def.ItemProcessor ?? def.Iterator;
      if (isObject(processor)) this.scope(processor, name);
      if (def.ItemBatcher !== undefined) this.itemBatcher(def.ItemBatcher, processor, name, language);
    }
    for (const [plain, path] of [
      ['TimeoutSeconds', 'TimeoutSecondsPath'],
      ['HeartbeatSeconds', 'HeartbeatSecondsPath'],
      ['MaxConcurrency', 'MaxConcurrencyPath'],
      ['ToleratedFailureCount', 'ToleratedFailureCountPath'],
      ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'],
    ] as const) {
      if (def[plain] !== undefined && def[path] !== undefined)
        this.add(`use ${plain} or ${path}, not both`, name, path);
    }
    if (
      typeof def.TimeoutSeconds === 'number' &&
      typeof def.HeartbeatSeconds === 'number' &&
      def.HeartbeatSeconds >= def.TimeoutSeconds
    ) {
      this.add('HeartbeatSeconds must be smaller than TimeoutSeconds', name, 'HeartbeatSeconds');
    }
  }

  /** an optimized integration must be one AWS offers; `aws-sdk:*`, activities and Lambda ARNs are not judged */
  private resource(arn: string, state: string): void {
    const rest = /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(arn)?.[1];
    if (rest === undefined) return;
    const [service = '', action = '', ...more] = rest
      .replace(/\.(sync(:2)?|waitForTaskToken)$/, '')
      .split(':');
    if (service === 'aws-sdk' || service === 'activity') return;
    if (!Object.hasOwn(INTEGRATIONS, service) || more.length > 0) {
      this.add(
        `'${arn}' is not an integration Step Functions offers: use an optimized integration (arn:aws:states:::lambda:invoke, sqs:sendMessage, …) or arn:aws:states:::aws-sdk:<service>:<action>`,
        state,
        'Resource',
      );
      return;
    }
    const actions = INTEGRATIONS[service];
    if (actions && !actions.includes(action)) {
      this.add(
        `'${arn}' is not an integration Step Functions offers: the ${service} integration offers ${actions.join(', ')}`,
        state,
        'Resource',
      );
    }
  }

  /** Credentials names the role to assume: RoleArn (or RoleArn.$ in JSONPath) */
  private credentials(value: Json, state: string, language: QueryLanguage): void {
    if (language === 'JSONata' && isJsonataString(value)) {
      this.jsonata(value, state, 'Credentials');
      return;
    }
    const names = language === 'JSONPath' ? ['RoleArn', 'RoleArn.$'] : ['RoleArn'];
    if (!isObject(value) || !names.some((name) => Object.hasOwn(value, name))) {
      this.add(`Credentials must be an object with ${names.join(' or ')}`, state, 'Credentials');
      return;
    }
    for (const key of Object.keys(value)) {
      if (!names.includes(key))
        this.add(`unknown Credentials field '${key}'; allowed: ${names.join(', ')}`, state, 'Credentials');
    }
    if (language === 'JSONPath') this.template(value, state, 'Credentials');
    else this.jsonata(value, state, 'Credentials');
  }

  /** ItemBatcher groups items into batches for each child workflow: a Distributed Map only */
  private itemBatcher(
    value: Json,
    processor: Json | undefined,
    state: string,
    language: QueryLanguage,
  ): void {
    const mode =
      isObject(processor) && isObject(processor.ProcessorConfig) ? processor.ProcessorConfig.Mode : undefined;
    if (mode !== 'DISTRIBUTED')
      this.add(
        'ItemBatcher needs a Distributed Map: set ItemProcessor.ProcessorConfig.Mode to DISTRIBUTED',
        state,
        'ItemBatcher',
      );
    if (!isObject(value)) {
      this.add('ItemBatcher must be an object', state, 'ItemBatcher');
      return;
    }
    for (const key of Object.keys(value)) {
      if (!ITEM_BATCHER_FIELDS.includes(key))
        this.add(
          `unknown ItemBatcher field '${key}'; allowed: ${ITEM_BATCHER_FIELDS.join(', ')}`,
          state,
          'ItemBatcher',
        );
      else if (key.endsWith('Path')) {
        if (language === 'JSONata')
          this.add(
            `JSONata states cannot use ${key}: use ${key.slice(0, -4)} with a {% %} expression`,
            state,
            `ItemBatcher.${key}`,
          );
        else this.path(value[key] as Json, state, `ItemBatcher.${key}`, true);
      }
    }
    const limits = [
      'MaxItemsPerBatch',
      'MaxItemsPerBatchPath',
      'MaxInputBytesPerBatch',
      'MaxInputBytesPerBatchPath',
    ];
    if (!limits.some((key) => value[key] !== undefined))
      this.add(`ItemBatcher needs one of ${limits.join(', ')}`, state, 'ItemBatcher');
    for (const key of ['MaxItemsPerBatch', 'MaxInputBytesPerBatch']) {
      const limit = value[key];
      if (limit === undefined || (language === 'JSONata' && isJsonataString(limit))) continue;
      const max = key === 'MaxInputBytesPerBatch' ? PAYLOAD_LIMIT_BYTES : Number.MAX_SAFE_INTEGER;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max)
        this.add(
          `must be an integer from 1 to ${max}, not ${JSON.stringify(limit)}`,
          state,
          `ItemBatcher.${key}`,
        );
    }
    if (value.BatchInput !== undefined) {
      if (language === 'JSONPath') this.template(value.BatchInput, state, 'ItemBatcher.BatchInput');
      else this.jsonata(value.BatchInput, state, 'ItemBatcher.BatchInput');
    }
  }

  private target(next: Json | undefined, siblings: JsonObject, state: string, field: string): void {
    if (next === undefined) return;
    if (typeof next !== 'string' || !Object.hasOwn(siblings, next)) {
      this.add(
        `${JSON.stringify(next)} is not a state of the same States object (${Object.keys(siblings).join(', ')})`,
        state,
        field,
      );
    }
  }

  private paths(def: JsonObject, state: string, language: QueryLanguage): void {
    if (language !== 'JSONPath') return;
    for (const field of ['InputPath', 'OutputPath']) {
      const value = def[field];
      if (value === undefined || value === null) continue;
      this.path(value, state, field, false);
    }
    if (def.ResultPath !== undefined && def.ResultPath !== null)
      this.path(def.ResultPath, state, 'ResultPath', true);
    for (const field of [
      'ItemsPath',
      'TimeoutSecondsPath',
      'HeartbeatSecondsPath',
      'SecondsPath',
      'TimestampPath',
      'MaxConcurrencyPath',
      'ToleratedFailureCountPath',
      'ToleratedFailurePercentagePath',
    ]) {
      if (def[field] !== undefined) this.path(def[field], state, field, true);
    }
  }

  private path(value: Json, state: string, field: string, reference: boolean): void {
    if (typeof value !== 'string') {
      this.add(`must be a path string (or null), not ${JSON.stringify(value)}`, state, field);
      return;
    }
    try {
      compilePath(value);
    } catch (error) {
      this.add((error as Error).message, state, field);
      return;
    }
    if (reference && !isReferencePath(value)) {
      this.add(
        `'${value}' must be a reference path: names and indexes only, no wildcards, filters or slices`,
        state,
        field,
      );
    }
    if (field === 'ResultPath' && !value.startsWith('$'))
      this.add(`'${value}' must start with '$'`, state, field);
    if (field === 'ResultPath' && (value.startsWith('$$') || /^\$[A-Za-z_]/.test(value))) {
      this.add(
        `'${value}' must be a path into the state's input, not the context object or a variable`,
        state,
        field,
      );
    }
  }

  private numbers(def: JsonObject, state: string, language: QueryLanguage): void {
    for (const field of NUMERIC_FIELDS) {
      const value = def[field];
      if (value === undefined) continue;
      if (language === 'JSONata' && isJsonataString(value)) {
        this.jsonata(value, state, field);
        continue;
      }
      const min =
        field === 'Seconds' || field === 'MaxConcurrency' || field === 'ToleratedFailureCount' ? 0 : 1;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
        this.add(`must be an integer of at least ${min}, not ${JSON.stringify(value)}`, state, field);
      }
    }
    const percentage = def.ToleratedFailurePercentage;
    if (
      percentage !== undefined &&
      !(language === 'JSONata' && isJsonataString(percentage)) &&
      (typeof percentage !== 'number' || percentage < 0 || percentage > 100)
    ) {
      this.add(
        `must be a number from 0 to 100, not ${JSON.stringify(percentage)}`,
        state,
        'ToleratedFailurePercentage',
      );
    }
    if (def.Timestamp !== undefined && typeof def.Timestamp !== 'string') {
      this.add(
        `must be an RFC 3339 timestamp string, not ${JSON.stringify(def.Timestamp)}`,
        state,
        'Timestamp',
      );
    }
  }

  private jsonata(value: Json | undefined, state: string, field: string): void {
    const problem = jsonataProblem(value);
    if (problem) this.add(problem, state, field);
  }

  /** a JSONPath payload template: every `x.$` field holds a path or an intrinsic function */
  private template(value: Json | undefined, state: string, field: string): void {
    if (Array.isArray(value)) {
      for (const item of value) this.template(item, state, field);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, item] of Object.entries(value)) {
      if (key.endsWith('.$')) {
        if (typeof item !== 'string')
          this.add(`'${key}' must hold a path or an intrinsic function string`, state, field);
        else this.dynamic(item, state, `${field}.${key}`);
      } else this.template(item, state, field);
    }
  }

  private dynamic(text: string, state: string, field: string): void {
    try {
      if (looksLikeIntrinsic(text)) parseIntrinsic(text);
      else compilePath(text);
    } catch (error) {
      this.add((error as Error).message, state, field);
    }
  }

  private assign(value: Json, state: string, field: string, language: QueryLanguage): void {
    if (!isObject(value)) {
      this.add('Assign must be an object of variable names to values', state, field);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const dynamic = language === 'JSONPath' && key.endsWith('.$');
      const name = dynamic ? key.slice(0, -2) : key;
      if (!VARIABLE_NAME.test(name)) {
        this.add(
          `'${name}' is not a valid variable name: use letters, digits and _, not starting with a digit`,
          state,
          `${field}.${key}`,
        );
      }
      if (name === 'states') this.add("'states' is reserved for $states", state, `${field}.${key}`);
      if (dynamic) {
        if (typeof item !== 'string')
          this.add(`'${key}' must hold a path or an intrinsic function string`, state, field);
        else this.dynamic(item, state, `${field}.${key}`);
      } else if (language === 'JSONPath') this.template(item, state, `${field}.${key}`);
      else this.jsonata(item, state, `${field}.${key}`);
    }
  }

  private errorEquals(value: Json | undefined, state: string, field: string, last: boolean): void {
    if (!Array.isArray(value) || value.length === 0 || !value.every((e) => typeof e === 'string')) {
      this.add('ErrorEquals must be a non-empty array of error names', state, field);
      return;
    }
    if (value.includes(StatesErrorName.All)) {
      if (value.length > 1) this.add('States.ALL must appear alone in its ErrorEquals', state, field);
      if (!last) this.add('the retrier or catcher with States.ALL must be the last one', state, field);
    }
  }

  private retriers(value: Json, state: string): void {
    if (!Array.isArray(value)) {
      this.add('Retry must be an array of retriers', state, 'Retry');
      return;
    }
    value.forEach((retrier, i) => {
      const field = `Retry[${i}]`;
      if (!isObject(retrier)) {
        this.add('a retrier must be an object', state, field);
        return;
      }
      for (const key of Object.keys(retrier)) {
        if (!RETRIER_FIELDS.includes(key))
          this.add(`unknown retrier field '${key}'; allowed: ${RETRIER_FIELDS.join(', ')}`, state, field);
      }
      this.errorEquals(retrier.ErrorEquals, state, `${field}.ErrorEquals`, i === value.length - 1);
      const check = (key: string, ok: (v: number) => boolean, rule: string) => {
        const v = retrier[key];
        if (v !== undefined && (typeof v !== 'number' || !ok(v)))
          this.add(`${key} must be ${rule}, not ${JSON.stringify(v)}`, state, `${field}.${key}`);
      };
      check('IntervalSeconds', (v) => Number.isInteger(v) && v >= 1, 'an integer of at least 1');
      check('MaxAttempts', (v) => Number.isInteger(v) && v >= 0, 'an integer of at least 0');
      check('BackoffRate', (v) => v >= 1, 'a number of at least 1.0');
      check('MaxDelaySeconds', (v) => Number.isInteger(v) && v >= 1, 'an integer of at least 1');
      if (
        retrier.JitterStrategy !== undefined &&
        retrier.JitterStrategy !== 'FULL' &&
        retrier.JitterStrategy !== 'NONE'
      ) {
        this.add(
          `JitterStrategy must be FULL or NONE, not ${JSON.stringify(retrier.JitterStrategy)}`,
          state,
          `${field}.JitterStrategy`,
        );
      }
    });
  }

  private catchers(value: Json, state: string, siblings: JsonObject, language: QueryLanguage): void {
    if (!Array.isArray(value)) {
      this.add('Catch must be an array of catchers', state, 'Catch');
      return;
    }
    const allowed = [
      'ErrorEquals',
      'Next',
      'Comment',
      'Assign',
      language === 'JSONata' ? 'Output' : 'ResultPath',
    ];
    value.forEach((catcher, i) => {
      const field = `Catch[${i}]`;
      if (!isObject(catcher)) {
        this.add('a catcher must be an object', state, field);
        return;
      }
      for (const key of Object.keys(catcher)) {
        if (!allowed.includes(key))
          this.add(
            `unknown catcher field '${key}' for a ${language} state; allowed: ${allowed.join(', ')}`,
            state,
            field,
          );
      }
      this.errorEquals(catcher.ErrorEquals, state, `${field}.ErrorEquals`, i === value.length - 1);
      if (catcher.Next === undefined) this.add('a catcher needs Next', state, field);
      this.target(catcher.Next, siblings, state, `${field}.Next`);
      if (language === 'JSONPath' && catcher.ResultPath !== undefined && catcher.ResultPath !== null) {
        this.path(catcher.ResultPath, state, 'ResultPath', true);
      }
      if (catcher.Assign !== undefined) this.assign(catcher.Assign, state, `${field}.Assign`, language);
      if (language === 'JSONata') this.jsonata(catcher.Output, state, `${field}.Output`);
    });
  }

  private choices(def: JsonObject, state: string, siblings: JsonObject, language: QueryLanguage): void {
    const choices = def.Choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      this.add('a Choice state needs a non-empty Choices array', state, 'Choices');
      return;
    }
    choices.forEach((rule, i) => {
      const field = `Choices[${i}]`;
      if (!isObject(rule)) {
        this.add('a Choice Rule must be an object', state, field);
        return;
      }
      if (rule.Next === undefined) this.add('a top-level Choice Rule needs Next', state, field);
      this.target(rule.Next, siblings, state, `${field}.Next`);
      if (rule.Assign !== undefined) this.assign(rule.Assign, state, `${field}.Assign`, language);
      if (language === 'JSONata') {
        const allowed = ['Condition', 'Next', 'Comment', 'Assign', 'Output'];
        for (const key of Object.keys(rule)) {
          if (!allowed.includes(key))
            this.add(
              `unknown field '${key}' in a JSONata Choice Rule; allowed: ${allowed.join(', ')}`,
              state,
              field,
            );
        }
        if (rule.Condition === undefined) this.add('a JSONata Choice Rule needs Condition', state, field);
        else if (typeof rule.Condition !== 'boolean' && !isJsonataString(rule.Condition)) {
          this.add('Condition must be a {% %} expression or a boolean', state, `${field}.Condition`);
        } else this.jsonata(rule.Condition, state, `${field}.Condition`);
        this.jsonata(rule.Output, state, `${field}.Output`);
      } else this.rule(rule, state, field, true);
    });
  }

  private rule(rule: JsonObject, state: string, field: string, top: boolean): void {
    const allowed = [
      'Variable',
      'And',
      'Or',
      'Not',
      'Comment',
      ...(top ? ['Next', 'Assign'] : []),
      ...CHOICE_OPERATORS,
    ];
    for (const key of Object.keys(rule)) {
      if (!allowed.includes(key)) {
        this.add(
          key === 'Next' ? 'only top-level Choice Rules may have Next' : `unknown Choice Rule field '${key}'`,
          state,
          `${field}.${key}`,
        );
      }
    }
    const combinators = ['And', 'Or', 'Not'].filter((key) => rule[key] !== undefined);
    const operators = Object.keys(rule).filter((key) => CHOICE_OPERATORS.includes(key));
    if (combinators.length + operators.length !== 1) {
      this.add('a Choice Rule needs exactly one comparison operator, or one of And, Or, Not', state, field);
      return;
    }
    if (combinators.length === 1) {
      if (rule.Variable !== undefined)
        this.add('And, Or and Not rules take no Variable', state, `${field}.Variable`);
      const nested = rule[combinators[0] as string];
      const list = combinators[0] === 'Not' ? [nested] : nested;
      if (!Array.isArray(list) || list.length === 0 || !list.every(isObject)) {
        this.add(
          `${combinators[0]} must hold ${combinators[0] === 'Not' ? 'a Choice Rule' : 'a non-empty array of Choice Rules'}`,
          state,
          field,
        );
        return;
      }
      for (const [i, nestedRule] of list.entries()) {
        this.rule(nestedRule as JsonObject, state, `${field}.${combinators[0]}[${i}]`, false);
      }
      return;
    }
    const operator = ruleOperator(rule) as string;
    if (typeof rule.Variable !== 'string') {
      this.add('a comparison needs a Variable path', state, `${field}.Variable`);
      return;
    }
    this.dynamicPath(rule.Variable, state, `${field}.Variable`);
    const operand = rule[operator];
    if (operator.endsWith('Path')) {
      if (typeof operand !== 'string') this.add(`${operator} must be a path`, state, `${field}.${operator}`);
      else this.dynamicPath(operand, state, `${field}.${operator}`);
    } else if (operator.startsWith('Is') || operator === 'BooleanEquals') {
      if (typeof operand !== 'boolean')
        this.add(`${operator} must be true or false`, state, `${field}.${operator}`);
    } else if (operator.startsWith('Numeric')) {
      if (typeof operand !== 'number')
        this.add(`${operator} must be a number`, state, `${field}.${operator}`);
    } else if (typeof operand !== 'string') {
      this.add(`${operator} must be a string`, state, `${field}.${operator}`);
    }
  }

  private dynamicPath(text: string, state: string, field: string): void {
    try {
      compilePath(text);
    } catch (error) {
      this.add((error as Error).message, state, field);
    }
  }
}

/**
 * Whether an asl-validator error falls on a field our checks own (see OWNED_FIELDS), on a `{% %}`
 * string, or on a state's Type (which our checks have already judged).
 */
export function schemaVerdictIsOurs(
  definition: unknown,
  error: { schemaError?: { instancePath: string } },
): boolean {
  const pointer = error.schemaError?.instancePath;
  if (pointer === undefined) return false;
  const keys = pointer
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = definition;
  for (const [i, key] of keys.entries()) {
    const stateName = keys[i - 1] === 'States';
    if (!stateName && (OWNED_FIELDS.has(key) || key.endsWith('Path'))) return true;
    if (!stateName && key === 'Type' && i === keys.length - 1) return true;
    node = isObject(node as Json)
      ? (node as JsonObject)[key]
      : Array.isArray(node)
        ? node[Number(key)]
        : undefined;
  }
  return isJsonataString(node);
}

function isPositiveInteger(value: Json | undefined): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** the states a state can transition to */
function targets(def: JsonObject): string[] {
  const out: string[] = [];
  const add = (value: Json | undefined) => {
    if (typeof value === 'string') out.push(value);
  };
  add(def.Next);
  add(def.Default);
  for (const list of [def.Choices, def.Catch]) {
    if (Array.isArray(list)) for (const item of list) if (isObject(item)) add(item.Next);
  }
  return out;
}
