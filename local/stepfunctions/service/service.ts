import { createHash, randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../clock';
import { DEFAULT_ACCOUNT_ID } from '../../identity';
import { JsonTextError, parseJsonText } from '../../json-body';
import type { LambdaInvoker } from '../../lambda/runner';
import { mathRandom, type RandomSource } from '../../random';
import { loadDefinitionFile, parseDefinition, type StateMachineDefinition } from '../definition';
import { DefinitionError, TaskTokenError } from '../errors';
import { Execution } from '../execution';
import type { EventDetails, HistoryEvent } from '../history';
import type { Json } from '../json';
import type { Ports } from '../ports';
import { parseTaskToken } from '../resources';
import type { ExecutionState, ExecutionStatus, StepResult } from '../state';
import { ServiceClosedError, StepFunctionsServiceError } from './errors';
import { checkName, executionArn, parseArn, stateMachineArn } from './names';
import { type ExecutionStatusChangeEvent, statusChangeEvent } from './status-events';
import {
  type ExecutionMeta,
  FileStore,
  MemoryStore,
  type SnapshotItem,
  type StateMachineRecord,
  type Store,
} from './store';
import { type ChildSummary, createTaskPort, type PutEvents, type ServiceTaskPort } from './tasks';

// The Step Functions service of the local stack: state machines, executions and their histories, the
// task-token API. Each execution is an interpreter `Execution` driven by `run()` on the shared clock; the
// service persists every transition through `onTransition` before the transition's effects happen, and on
// start resumes every execution that was running.

export interface StepFunctionsServiceOptions {
  /** the local stack's one clock (default: the system clock) */
  clock?: Clock;
  random?: RandomSource;
  /** keep state machines and executions here (journal + snapshot); in memory when absent */
  dataDir?: string;
  /** flush every journal line to the disk (survives a machine crash, not only a killed process) */
  fsync?: boolean;
  /** journal lines after which it is compacted into a new snapshot while running */
  compactAfter?: number;
  /** runs Lambda function ARNs and `lambda:invoke` */
  lambda?: LambdaInvoker;
  /** local endpoints of `aws-sdk:<service>` integrations (organizations, sts, sfn, eventbridge, dynamodb…); read at call time */
  endpoints?: Readonly<Record<string, string>>;
  /** the event bus behind `events:putEvents` */
  putEvents?: PutEvents;
  /**
   * the default bus of the state machine's account: gets each execution's "Step Functions Execution Status
   * Change" events, as it starts and as it ends (status-events.ts)
   */
  publishStatusChange?: (event: ExecutionStatusChangeEvent) => void;
  /** the account of state machines registered from files, and of callers without a 12-digit access key */
  accountId?: string;
  /** an execution's driver failed unexpectedly (an engine bug or a journal that cannot be written) */
  onInternalError?: (error: unknown) => void;
  /** loads SDK client packages (default: dynamic `import()`) */
  importModule?: (specifier: string) => Promise<unknown>;
}

export interface Caller {
  accountId: string;
}

/** An execution name stays taken this long after the execution ended (AWS keeps closed executions 90 days). */
export const NAME_RESERVATION_MS = 90 * 24 * 3600 * 1000;
/** Step Functions' payload quota for execution input and task output */
export const MAX_PAYLOAD_BYTES = 262_144;
const DEFAULT_PAGE = 100;

interface Machine {
  record: StateMachineRecord;
  definitionKey: string;
}

interface Entry {
  arn: string;
  meta: ExecutionMeta;
  state: ExecutionState;
  history: HistoryEvent[];
  definition: StateMachineDefinition;
  driver?: Execution;
  waiters: ((summary: ChildSummary) => void)[];
}

export interface StateMachineListItem {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD';
  creationDate: Date;
}

export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface ExecutionDescription extends ExecutionListItem {
  input: string;
  inputDetails: { included: true };
  output?: string;
  outputDetails?: { included: true };
  error?: string;
  cause?: string;
  redriveCount: 0;
}

export type ApiHistoryEvent = Omit<HistoryEvent, 'timestamp'> & { timestamp: Date };

/** The Step Functions API, in process. The HTTP server (server.ts) is a thin layer over it. */
export class StepFunctionsService {
  readonly clock: Clock;
  readonly accountId: string;
  private readonly store: Store;
  private readonly ports: Ports;
  private readonly taskPort: ServiceTaskPort;
  private readonly machines = new Map<string, Machine>();
  /** definition texts by key, compiled on first use */
  private readonly definitions = new Map<string, { text: string; compiled?: StateMachineDefinition }>();
  /** keys of the definitions the store holds */
  private readonly definitionSaved = new Set<string>();
  private readonly executions = new Map<string, Entry>();
  /** executions by state machine ARN, oldest first; kept when the machine is deleted (names stay taken) */
  private readonly byMachine = new Map<string, Map<string, Entry>>();
  private readonly onInternalError: (error: unknown) => void;
  private readonly publishStatusChange: ((event: ExecutionStatusChangeEvent) => void) | undefined;
  private seq = 0;
  private transitions = 0;
  private closed = false;
  /** aborts of the clock waits in progress, ended by close() */
  private readonly waits = new Set<() => void>();

  constructor(options: StepFunctionsServiceOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    this.onInternalError =
      options.onInternalError ??
      ((error) => console.error('step functions: an execution stopped running:', error));
    this.publishStatusChange = options.publishStatusChange;
    this.store =
      options.dataDir === undefined
        ? new MemoryStore()
        : new FileStore(options.dataDir, {
            ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
            ...(options.compactAfter === undefined ? {} : { compactAfter: options.compactAfter }),
          });
    const clock = this.clock;
    this.taskPort = createTaskPort({
      ...(options.lambda ? { lambda: options.lambda } : {}),
      ...(options.endpoints ? { endpoints: options.endpoints } : {}),
      ...(options.putEvents ? { putEvents: options.putEvents } : {}),
      ...(options.importModule ? { importModule: options.importModule } : {}),
      clock,
      children: {
        startChild: (request) => this.start(request, request.startedBy),
        whenFinished: (arn) => this.whenFinished(arn),
        stopChild: async (arn, error, cause) => {
          await this.stopExecution({ executionArn: arn, error, cause }).catch(() => undefined);
        },
      },
    });
    this.ports = {
      // a closed service must not move its executions on: their waits end (so no timer keeps the process
      // alive) and never resolve
      clock: {
        now: () => clock.now(),
        waitUntil: (deadline, signal) => {
          if (this.closed) return never();
          const controller = new AbortController();
          const abort = () => controller.abort();
          signal?.addEventListener('abort', abort, { once: true });
          this.waits.add(abort);
          return clock.waitUntil(deadline, controller.signal).then(() => {
            signal?.removeEventListener('abort', abort);
            this.waits.delete(abort);
            return this.closed ? never() : undefined;
          });
        },
      },
      tasks: this.taskPort,
      random: options.random ?? mathRandom,
    };
    this.load();
    this.store.snapshotFrom(() => this.snapshot());
  }

  // ---- state machines ------------------------------------------------------------------------------

  createStateMachine(
    input: {
      name: string;
      definition: string;
      roleArn: string;
      type?: string | undefined;
      description?: string | undefined;
    },
    caller: Caller = { accountId: this.accountId },
  ): { stateMachineArn: string; creationDate: Date } {
    this.open();
    checkName(input.name, 'state machine');
    if (input.type !== undefined && input.type !== 'STANDARD') {
      if (input.type === 'EXPRESS')
        throw new StepFunctionsServiceError(
          'StateMachineTypeNotSupported',
          `the local engine runs STANDARD state machines only: create '${input.name}' as STANDARD (omit type), which runs the same ASL with exactly-once steps`,
        );
      throw new StepFunctionsServiceError(
        'ValidationException',
        `1 validation error detected: Value '${input.type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
      );
    }
    checkRoleArn(input.roleArn);
    const arn = stateMachineArn(caller.accountId, input.name);
    const existing = this.machines.get(arn);
    const key = this.definitionKey(input.definition);
    if (existing) {
      // CreateStateMachine is idempotent for the same definition and role
      if (existing.definitionKey === key && existing.record.roleArn === input.roleArn)
        return { stateMachineArn: arn, creationDate: new Date(existing.record.creationDate) };
      throw new StepFunctionsServiceError(
        'StateMachineAlreadyExists',
        `State Machine Already Exists: '${arn}'`,
      );
    }
    this.compile(input.definition, input.name);
    const record: StateMachineRecord = {
      arn,
      name: input.name,
      accountId: caller.accountId,
      definition: input.definition,
      roleArn: input.roleArn,
      type: 'STANDARD',
      creationDate: this.clock.now(),
      revisionId: randomUUID(),
      seq: ++this.seq,
    };
    if (input.description !== undefined) record.description = input.description;
    this.saveDefinition(key, input.definition);
    this.store.putStateMachine(record);
    this.machines.set(arn, { record, definitionKey: key });
    return { stateMachineArn: arn, creationDate: new Date(record.creationDate) };
  }

  updateStateMachine(input: {
    stateMachineArn: string;
    definition?: string | undefined;
    roleArn?: string | undefined;
  }): {
    updateDate: Date;
    revisionId: string;
  } {
    this.open();
    const machine = this.machine(input.stateMachineArn);
    if (input.definition === undefined && input.roleArn === undefined)
      throw new StepFunctionsServiceError(
        'MissingRequiredParameter',
        'Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified',
      );
    if (input.roleArn !== undefined) checkRoleArn(input.roleArn);
    const record = { ...machine.record };
    let key = machine.definitionKey;
    if (input.definition !== undefined) {
      key = this.definitionKey(input.definition);
      this.compile(input.definition, record.name);
      this.saveDefinition(key, input.definition);
      record.definition = input.definition;
    }
    if (input.roleArn !== undefined) record.roleArn = input.roleArn;
    record.updateDate = this.clock.now();
    record.revisionId = randomUUID();
    this.store.putStateMachine(record);
    // running executions keep the definition they started with
    this.machines.set(record.arn, { record, definitionKey: key });
    return { updateDate: new Date(record.updateDate), revisionId: record.revisionId };
  }

  /**
   * Deletes a state machine. Its running executions are stopped at once (ABORTED, error States.Runtime);
   * AWS lets each fail at its next transition instead. Its executions stay describable and keep their names.
   */
  async deleteStateMachine(input: { stateMachineArn: string }): Promise<void> {
    this.open();
    parseArn(input.stateMachineArn, 'stateMachine');
    const machine = this.machines.get(input.stateMachineArn);
    if (!machine) return;
    this.machines.delete(machine.record.arn);
    this.store.deleteStateMachine(machine.record.arn);
    const running = [...(this.byMachine.get(machine.record.arn)?.values() ?? [])].filter((e) => e.driver);
    await Promise.all(
      running.map((entry) =>
        entry.driver?.stop('States.Runtime', `State machine ${machine.record.name} has been deleted.`),
      ),
    );
  }

  describeStateMachine(input: { stateMachineArn: string }) {
    const { record } = this.machine(input.stateMachineArn);
    return {
      stateMachineArn: record.arn,
      name: record.name,
      status: 'ACTIVE' as const,
      definition: record.definition,
      roleArn: record.roleArn,
      type: record.type,
      creationDate: new Date(record.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      revisionId: record.revisionId,
      ...(record.description === undefined ? {} : { description: record.description }),
    };
  }

  describeStateMachineForExecution(input: { executionArn: string }) {
    const entry = this.execution(input.executionArn);
    const info = entry.state.execution;
    const machine = this.machines.get(info.stateMachineArn)?.record;
    return {
      stateMachineArn: info.stateMachineArn,
      name: info.stateMachineName,
      definition: this.definitions.get(entry.meta.definitionKey)?.text ?? entry.definition.text,
      roleArn: info.roleArn,
      updateDate: new Date(machine?.updateDate ?? machine?.creationDate ?? info.startTime),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      ...(machine ? { revisionId: machine.revisionId } : {}),
    };
  }

  listStateMachines(
    input: { maxResults?: number | undefined; nextToken?: string | undefined } = {},
    caller: Caller = { accountId: this.accountId },
  ): { stateMachines: StateMachineListItem[]; nextToken?: string } {
    const after = readToken(input.nextToken);
    const limit = pageSize(input.maxResults);
    const mine = [...this.machines.values()]
      .map((m) => m.record)
      .filter((r) => r.accountId === caller.accountId && r.seq > after)
      .sort((a, b) => a.seq - b.seq);
    const page = mine.slice(0, limit);
    const out: { stateMachines: StateMachineListItem[]; nextToken?: string } = {
      stateMachines: page.map((r) => ({
        stateMachineArn: r.arn,
        name: r.name,
        type: r.type,
        creationDate: new Date(r.creationDate),
      })),
    };
    if (mine.length > limit) out.nextToken = makeToken(page.at(-1)?.seq ?? after);
    return out;
  }

  /**
   * Creates (or, when the file changed, updates) a state machine from an ASL file with CDK's
   * `definitionSubstitutions`, as the composition root deploys `statemachines/*.asl.json`. Returns its ARN.
   * A definition AWS would refuse throws a DefinitionError naming the file, state and field.
   */
  registerDefinitionFile(
    name: string,
    path: string,
    substitutions: Readonly<Record<string, string>> = {},
    options: { roleArn?: string; accountId?: string } = {},
  ): string {
    this.open();
    const definition = loadDefinitionFile(path, { substitutions });
    const accountId = options.accountId ?? this.accountId;
    const roleArn = options.roleArn ?? `arn:aws:iam::${accountId}:role/StepFunctions-${name}`;
    const key = this.definitionKey(definition.text);
    if (!this.definitions.get(key)?.compiled)
      this.definitions.set(key, { text: definition.text, compiled: definition });
    const arn = stateMachineArn(accountId, name);
    const existing = this.machines.get(arn);
    if (!existing) this.createStateMachine({ name, definition: definition.text, roleArn }, { accountId });
    else if (existing.definitionKey !== key || existing.record.roleArn !== roleArn)
      this.updateStateMachine({ stateMachineArn: arn, definition: definition.text, roleArn });
    return arn;
  }

  /**
   * The tags of a state machine. The local service keeps none (CreateStateMachine's tags are not read), so an
   * existing state machine has an empty list; an unknown one is ResourceNotFound, as on AWS.
   */
  listTagsForResource(input: { resourceArn: string }): { tags: { key: string; value: string }[] } {
    const resourceType = input.resourceArn.split(':')[5];
    if (resourceType !== 'stateMachine')
      throw new StepFunctionsServiceError(
        'InvalidArn',
        `Invalid Arn: 'Resource type not valid in this context: ${resourceType ?? input.resourceArn}' (tags belong to state machines and activities; the local service has no activities)`,
      );
    parseArn(input.resourceArn, 'stateMachine');
    if (!this.machines.has(input.resourceArn))
      throw new StepFunctionsServiceError('ResourceNotFound', `Resource not found: '${input.resourceArn}'`);
    return { tags: [] };
  }

  /**
   * StartSyncExecution runs EXPRESS state machines only; the local engine has STANDARD ones, so it answers as
   * AWS answers for a STANDARD state machine (after the checks of the ARN and of its existence).
   */
  startSyncExecution(input: { stateMachineArn: string }): never {
    const { record } = this.machine(input.stateMachineArn);
    throw new StepFunctionsServiceError(
      'StateMachineTypeNotSupported',
      `This operation is not supported by this type of state machine: ${record.name} is ${record.type}, and the local engine runs STANDARD state machines only (use StartExecution, then DescribeExecution)`,
    );
  }

  // ---- executions ----------------------------------------------------------------------------------

  startExecution(input: {
    stateMachineArn: string;
    name?: string | undefined;
    input?: string | undefined;
  }): Promise<{ executionArn: string; startDate: Date }> {
    return this.start(input).then(({ executionArn, startDate }) => ({
      executionArn,
      startDate: new Date(startDate),
    }));
  }

  describeExecution(input: { executionArn: string }): ExecutionDescription {
    const summary = this.summary(this.execution(input.executionArn));
    const out: ExecutionDescription = {
      ...listItem(summary),
      input: summary.input,
      inputDetails: { included: true },
      redriveCount: 0,
    };
    if (summary.output !== undefined) {
      out.output = summary.output;
      out.outputDetails = { included: true };
    }
    if (summary.error !== undefined) out.error = summary.error;
    if (summary.cause !== undefined) out.cause = summary.cause;
    return out;
  }

  listExecutions(input: {
    stateMachineArn: string;
    statusFilter?: string | undefined;
    maxResults?: number | undefined;
    nextToken?: string | undefined;
  }): { executions: ExecutionListItem[]; nextToken?: string } {
    this.machine(input.stateMachineArn);
    const filter = input.statusFilter;
    if (filter !== undefined && !STATUSES.includes(filter))
      throw new StepFunctionsServiceError(
        'ValidationException',
        `1 validation error detected: Value '${filter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
      );
    const before = input.nextToken === undefined ? Number.POSITIVE_INFINITY : readToken(input.nextToken);
    const limit = pageSize(input.maxResults);
    const page: Entry[] = [];
    let more = false;
    const all = [...(this.byMachine.get(input.stateMachineArn)?.values() ?? [])];
    for (let i = all.length - 1; i >= 0; i--) {
      const entry = all[i] as Entry;
      if (entry.meta.seq >= before || (filter !== undefined && entry.state.status !== filter)) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(entry);
    }
    const out: { executions: ExecutionListItem[]; nextToken?: string } = {
      executions: page.map((entry) => listItem(this.summary(entry))),
    };
    if (more) out.nextToken = makeToken(page.at(-1)?.meta.seq ?? 0);
    return out;
  }

  getExecutionHistory(input: {
    executionArn: string;
    maxResults?: number | undefined;
    reverseOrder?: boolean | undefined;
    nextToken?: string | undefined;
    includeExecutionData?: boolean | undefined;
  }): { events: ApiHistoryEvent[]; nextToken?: string } {
    const entry = this.execution(input.executionArn);
    const limit = pageSize(input.maxResults);
    const offset = input.nextToken === undefined ? 0 : readToken(input.nextToken);
    const events = input.reverseOrder ? [...entry.history].reverse() : entry.history;
    const page = events.slice(offset, offset + limit);
    const withData = input.includeExecutionData ?? true;
    const out: { events: ApiHistoryEvent[]; nextToken?: string } = {
      events: page.map((event) => apiEvent(event, withData)),
    };
    if (offset + limit < events.length) out.nextToken = makeToken(offset + limit);
    return out;
  }

  /**
   * Forgets an execution that has ended, as AWS does 90 days after its end: it is no longer described, listed
   * or given a history, and its name is free. Not part of the Step Functions API: for tests and tools that need
   * an execution gone without moving the clock 90 days. A running execution is refused.
   */
  purgeExecution(input: { executionArn: string }): void {
    const entry = this.execution(input.executionArn);
    if (entry.state.status === 'RUNNING')
      throw new StepFunctionsServiceError(
        'ValidationException',
        `execution ${input.executionArn} is still running: stop it (StopExecution) before purging it`,
      );
    this.forget(entry);
  }

  async stopExecution(input: {
    executionArn: string;
    error?: string | undefined;
    cause?: string | undefined;
  }): Promise<{ stopDate: Date }> {
    this.open();
    const entry = this.execution(input.executionArn);
    if (entry.driver) await entry.driver.stop(input.error, input.cause);
    return { stopDate: new Date(entry.state.stopTime ?? this.clock.now()) };
  }

  async sendTaskSuccess(input: { taskToken: string; output: string }): Promise<void> {
    const output = parsePayload(input.output, 'InvalidOutput', 'Invalid Output');
    await this.withTask(input.taskToken, (driver) => driver.sendTaskSuccess(input.taskToken, output));
  }

  async sendTaskFailure(input: {
    taskToken: string;
    error?: string | undefined;
    cause?: string | undefined;
  }): Promise<void> {
    await this.withTask(input.taskToken, (driver) =>
      driver.sendTaskFailure(input.taskToken, input.error, input.cause),
    );
  }

  async sendTaskHeartbeat(input: { taskToken: string }): Promise<void> {
    await this.withTask(input.taskToken, (driver) => driver.sendTaskHeartbeat(input.taskToken));
  }

  /** Resolves with the execution's description once it has ended (at once if it has). */
  async waitForExecution(executionArn: string): Promise<ExecutionDescription> {
    await this.whenFinished(executionArn);
    return this.describeExecution({ executionArn });
  }

  /** Transitions committed since this service started (a throughput metric). */
  get transitionCount(): number {
    return this.transitions;
  }

  /** How many executions are running now. */
  get runningCount(): number {
    let count = 0;
    for (const entry of this.executions.values()) if (entry.driver) count++;
    return count;
  }

  /**
   * Stops serving: the store is closed and executions move no further (as if the process had ended here;
   * a new service on the same data directory resumes them).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.waits) abort();
    this.waits.clear();
    this.store.close();
    this.taskPort.close();
  }

  // ---- internals -----------------------------------------------------------------------------------

  private open(): void {
    if (this.closed) throw new ServiceClosedError();
  }

  /** StartExecution, with AWS's name rules; `startedBy` marks a child, which re-attaches when asked again. */
  private async start(
    input: { stateMachineArn: string; name?: string | undefined; input?: string | undefined },
    startedBy?: string,
  ): Promise<{ executionArn: string; startDate: number }> {
    this.open();
    const machine = this.machine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    checkName(name, 'execution');
    const text = input.input ?? '{}';
    const value = parsePayload(text, 'InvalidExecutionInput', 'Invalid State Machine Execution Input');
    const { record } = machine;
    const arn = executionArn(record.accountId, record.name, name);
    const existing = this.executions.get(arn);
    if (existing) {
      const state = existing.state;
      const sameInput = JSON.stringify(state.execution.input) === JSON.stringify(value);
      const expired =
        state.status !== 'RUNNING' && (state.stopTime ?? 0) + NAME_RESERVATION_MS <= this.clock.now();
      const reattach = startedBy !== undefined && existing.meta.startedBy === startedBy && sameInput;
      if (reattach || (state.status === 'RUNNING' && sameInput))
        return { executionArn: arn, startDate: state.execution.startTime };
      if (!expired)
        throw new StepFunctionsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      this.forget(existing);
    }
    const definition = this.compiled(machine.definitionKey, record.name);
    const meta: ExecutionMeta = { definitionKey: machine.definitionKey, seq: ++this.seq };
    if (startedBy !== undefined) meta.startedBy = startedBy;
    const entry: Entry = {
      arn,
      meta,
      // set by the first transition, which Execution.start commits before it returns
      state: undefined as unknown as ExecutionState,
      history: [],
      definition,
      waiters: [],
    };
    this.index(entry, record.arn);
    try {
      const driver = await Execution.start(definition, value, this.ports, {
        name,
        executionArn: arn,
        stateMachineArn: record.arn,
        stateMachineName: record.name,
        roleArn: record.roleArn,
        onTransition: (result) => this.commit(entry, result),
      });
      this.drive(entry, driver);
    } catch (error) {
      if (entry.history.length === 0) this.unindex(entry);
      throw error;
    }
    return { executionArn: arn, startDate: entry.state.execution.startTime };
  }

  /** The onTransition hook: persist, then let the transition take effect. */
  private commit(entry: Entry, result: StepResult): void {
    if (this.closed) throw new ServiceClosedError();
    this.transitions++;
    const first = entry.history.length === 0;
    this.store.transition(entry.arn, result.state, result.events, first ? entry.meta : undefined);
    entry.state = result.state;
    for (const event of result.events) entry.history.push(event);
    const ended = result.state.status !== 'RUNNING';
    if (!first && !ended) return;
    const summary = this.summary(entry);
    if (first) {
      const { executionArn, stateMachineArn, name, startDate, input } = summary;
      this.statusChanged({ executionArn, stateMachineArn, name, status: 'RUNNING', startDate, input });
    }
    if (ended) {
      for (const waiter of entry.waiters.splice(0)) waiter(summary);
      this.statusChanged(summary);
    }
  }

  /** Tells the bus, as AWS does (best effort: a bus that throws moves no execution). */
  private statusChanged(summary: ChildSummary): void {
    if (!this.publishStatusChange) return;
    try {
      this.publishStatusChange(statusChangeEvent(summary, this.clock.now()));
    } catch (error) {
      this.onInternalError(error);
    }
  }

  private drive(entry: Entry, driver: Execution): void {
    entry.driver = driver;
    driver.run().then(
      () => {
        if (entry.driver === driver) delete entry.driver;
      },
      (error: unknown) => {
        if (this.closed || error instanceof ServiceClosedError) return;
        this.onInternalError(error);
      },
    );
  }

  private whenFinished(executionArn: string): Promise<ChildSummary> {
    const entry = this.execution(executionArn);
    if (entry.state.status !== 'RUNNING') return Promise.resolve(this.summary(entry));
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  private async withTask(token: string, send: (driver: Execution) => Promise<void>): Promise<void> {
    this.open();
    const parsed = parseTaskToken(token);
    if (!parsed) throw new StepFunctionsServiceError('InvalidToken', `Invalid Token: '${token}'`);
    const entry = this.executions.get(parsed.executionArn);
    if (!entry) throw new StepFunctionsServiceError('TaskDoesNotExist', 'Task does not exist anymore');
    const gone = () =>
      new StepFunctionsServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    if (!entry.driver) throw gone();
    try {
      await send(entry.driver);
    } catch (error) {
      if (error instanceof TaskTokenError) {
        if (error.code === 'InvalidToken') throw new StepFunctionsServiceError('InvalidToken', error.message);
        if (error.code === 'TaskDoesNotExist') throw gone();
        throw new StepFunctionsServiceError(error.code, error.message);
      }
      throw error;
    }
  }

  private summary(entry: Entry): ChildSummary {
    const { state } = entry;
    const info = state.execution;
    const out: ChildSummary = {
      executionArn: entry.arn,
      stateMachineArn: info.stateMachineArn,
      name: info.name,
      status: state.status,
      startDate: info.startTime,
      input: JSON.stringify(info.input),
    };
    if (state.stopTime !== undefined) out.stopDate = state.stopTime;
    if (state.status === 'SUCCEEDED') out.output = JSON.stringify(state.output ?? null);
    if (state.error !== undefined) out.error = state.error;
    if (state.cause !== undefined) out.cause = state.cause;
    return out;
  }

  private machine(arn: string): Machine {
    parseArn(arn, 'stateMachine');
    const machine = this.machines.get(arn);
    if (!machine)
      throw new StepFunctionsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${arn}'`,
      );
    return machine;
  }

  private execution(arn: string): Entry {
    parseArn(arn, 'execution');
    const entry = this.executions.get(arn);
    if (!entry)
      throw new StepFunctionsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return entry;
  }

  private definitionKey(text: string): string {
    return createHash('sha256').update(text).digest('hex').slice(0, 32);
  }

  /** Writes a definition text once; executions refer to it by key. */
  private saveDefinition(key: string, text: string): void {
    if (this.definitionSaved.has(key)) return;
    if (!this.definitions.has(key)) this.definitions.set(key, { text });
    this.definitionSaved.add(key);
    this.store.putDefinition(key, text);
  }

  /** Compiles a definition for CreateStateMachine/UpdateStateMachine, refusing it as AWS would. */
  private compile(text: string, name: string): StateMachineDefinition {
    const key = this.definitionKey(text);
    const known = this.definitions.get(key);
    if (known?.compiled) return known.compiled;
    let compiled: StateMachineDefinition;
    try {
      compiled = parseDefinition(text, { source: name });
    } catch (error) {
      if (error instanceof DefinitionError)
        throw new StepFunctionsServiceError(
          'InvalidDefinition',
          `Invalid State Machine Definition: '${error.message}'`,
        );
      throw error;
    }
    this.definitions.set(key, { text, compiled });
    return compiled;
  }

  private compiled(key: string, name: string): StateMachineDefinition {
    const known = this.definitions.get(key);
    if (!known) throw new Error(`the definition ${key} of state machine ${name} is missing from the store`);
    if (!known.compiled) known.compiled = parseDefinition(known.text, { source: name });
    return known.compiled;
  }

  private index(entry: Entry, machineArn: string): void {
    this.executions.set(entry.arn, entry);
    let list = this.byMachine.get(machineArn);
    if (!list) {
      list = new Map();
      this.byMachine.set(machineArn, list);
    }
    list.set(entry.arn, entry);
  }

  private unindex(entry: Entry): void {
    this.executions.delete(entry.arn);
    for (const list of this.byMachine.values()) list.delete(entry.arn);
  }

  /** A closed execution older than the name reservation (or purged): AWS has purged it, its name is free. */
  private forget(entry: Entry): void {
    this.unindex(entry);
    this.store.deleteExecution(entry.arn);
  }

  /** Reads the store and resumes every execution that was running. */
  private load(): void {
    const loaded = this.store.load();
    for (const [key, text] of loaded.definitions) {
      this.definitions.set(key, { text });
      this.definitionSaved.add(key);
    }
    for (const record of loaded.stateMachines.values()) {
      this.machines.set(record.arn, { record, definitionKey: this.definitionKey(record.definition) });
      this.seq = Math.max(this.seq, record.seq);
    }
    const stored = [...loaded.executions.entries()].sort(([, a], [, b]) => a.meta.seq - b.meta.seq);
    const now = this.clock.now();
    for (const [arn, { meta, state, history }] of stored) {
      this.seq = Math.max(this.seq, meta.seq);
      if (state.status !== 'RUNNING' && (state.stopTime ?? 0) + NAME_RESERVATION_MS <= now) {
        this.store.deleteExecution(arn);
        continue;
      }
      const entry: Entry = {
        arn,
        meta,
        state,
        history,
        definition: this.compiled(meta.definitionKey, state.execution.stateMachineName),
        waiters: [],
      };
      this.index(entry, state.execution.stateMachineArn);
    }
    // resumed only once every execution is known, so a parent's task finds the child it started
    for (const entry of this.executions.values()) {
      if (entry.state.status !== 'RUNNING') continue;
      const driver = Execution.resume(entry.definition, entry.state, this.ports, {
        onTransition: (result) => this.commit(entry, result),
      });
      this.drive(entry, driver);
    }
  }

  private *snapshot(): Iterable<SnapshotItem> {
    // only definitions something still runs or may start: older revisions are dropped
    const used = new Set<string>();
    for (const { definitionKey } of this.machines.values()) used.add(definitionKey);
    for (const entry of this.executions.values()) used.add(entry.meta.definitionKey);
    for (const [key, { text }] of this.definitions)
      if (this.definitionSaved.has(key) && used.has(key)) yield { kind: 'definition', key, text };
    for (const { record } of this.machines.values()) yield { kind: 'stateMachine', record };
    for (const entry of this.executions.values()) {
      if (entry.history.length === 0) continue;
      yield {
        kind: 'execution',
        arn: entry.arn,
        meta: entry.meta,
        info: entry.state.execution,
        history: entry.history,
      };
    }
  }
}

const never = () => new Promise<void>(() => {});

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

function checkRoleArn(roleArn: string): void {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn))
    throw new StepFunctionsServiceError(
      'InvalidArn',
      `Invalid Arn: 'Resource type not valid in this context: ${roleArn}' (roleArn must look like arn:aws:iam::123456789012:role/name)`,
    );
}

function parsePayload(text: string, code: 'InvalidExecutionInput' | 'InvalidOutput', label: string): Json {
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES)
    throw new StepFunctionsServiceError(
      'ValidationException',
      `1 validation error detected: the payload is ${Buffer.byteLength(text, 'utf8')} bytes: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
    );
  try {
    return parseJsonText(text) as Json;
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw new StepFunctionsServiceError(code, `${label}: the payload is ${error.message}`);
  }
}

function pageSize(maxResults: number | undefined): number {
  if (maxResults === undefined || maxResults === 0) return DEFAULT_PAGE;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000)
    throw new StepFunctionsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  return maxResults;
}

function makeToken(position: number): string {
  return Buffer.from(JSON.stringify({ p: position }), 'utf8').toString('base64url');
}

function readToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const { p } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof p === 'number' && Number.isInteger(p) && p >= 0) return p;
  } catch {
    // reported below
  }
  throw new StepFunctionsServiceError(
    'InvalidToken',
    `Invalid Token: '${token}' (pass nextToken as returned)`,
  );
}

function listItem(summary: ChildSummary): ExecutionListItem {
  const item: ExecutionListItem = {
    executionArn: summary.executionArn,
    stateMachineArn: summary.stateMachineArn,
    name: summary.name,
    status: summary.status,
    startDate: new Date(summary.startDate),
  };
  if (summary.stopDate !== undefined) item.stopDate = new Date(summary.stopDate);
  return item;
}

const DATA_FIELDS = new Set(['input', 'inputDetails', 'output', 'outputDetails']);

function apiEvent(event: HistoryEvent, withData: boolean): ApiHistoryEvent {
  const out = { ...event, timestamp: new Date(event.timestamp) } as ApiHistoryEvent;
  if (withData) return out;
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const details: EventDetails = {};
    for (const [field, item] of Object.entries(value as EventDetails))
      if (!DATA_FIELDS.has(field)) details[field] = item;
    (out as unknown as Record<string, EventDetails>)[key] = details;
  }
  return out;
}
