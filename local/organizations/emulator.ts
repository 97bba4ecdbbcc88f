import { type Clock, ManualClock, systemClock, type TimeSource } from '../clock';
import type { KeyOwners } from '../identity';
import { mathRandom, seededRandom } from '../random';
import { sessionTokenFor } from '../sts/credentials';
import { apiCallEvent, type CallerIdentity, type CloudTrailEvent, EventLog } from './cloudtrail';
import { defaultLimits, type Limits } from './config';
import type { OperationContext, OperationDefinition } from './context';
import { OrganizationsError } from './errors';
import { FaultInjector } from './faults';
import { newId } from './ids';
import type { TimerRow } from './model';
import { operations, timerHandlers } from './operations';
import { FileJournal } from './persistence';
import { Store } from './store';
import { Throttler } from './throttling';
import { validate } from './validation';

export interface EmulatorOptions {
  /** the clock, or a function making it from the last time the data directory saw (to resume virtual time) */
  clock?: Clock | ((resumeFrom: number | undefined) => Clock);
  limits?: Partial<Limits>;
  /** keep state here (snapshot + journal); in memory when absent */
  dataDir?: string;
  /** write each request's changes through to disk (survives a machine crash, not only a killed process) */
  fsync?: boolean;
  /** the account of callers whose access key is neither a 12-digit account id nor issued by the emulator's STS */
  defaultAccountId?: string;
  /** token-bucket throttling at AWS's published rates (off unless asked for) */
  throttling?: boolean;
  /** seed of the random draws of fault injection, for replayable runs */
  faultSeed?: number;
}

/** The emulator's keys as `identify` reads them: its STS sessions (with their tokens) and its default account. */
function keyOwnersOf(emulator: OrganizationsEmulator): KeyOwners {
  return {
    sessionOf(accessKeyId) {
      const row = emulator.store.sessionCredentials.get(accessKeyId);
      if (!row) return undefined;
      return {
        accountId: row.accountId,
        assumedRole: { roleArn: row.roleArn, sessionName: row.sessionName, roleId: row.roleId },
        expiresAt: row.expiresAt,
        sessionToken: sessionTokenFor(emulator.store, accessKeyId),
      };
    },
    get defaultAccountId() {
      return emulator.defaultAccountId;
    },
    now: () => emulator.clock.now(),
  };
}

const readOnly = (operation: string) => /^(Describe|List)/.test(operation);

/** The AWS Organizations emulator, without its HTTP front: `call` runs one operation as one caller. */
export class OrganizationsEmulator {
  readonly store = new Store();
  readonly clock: Clock;
  readonly limits: Limits;
  readonly events = new EventLog();
  readonly faults: FaultInjector;
  readonly throttler: Throttler;
  defaultAccountId: string | undefined;
  /** who owns each access key: the sessions of the emulator's STS, the default account (local/identity.ts) */
  readonly keyOwners: KeyOwners = keyOwnersOf(this);
  private readonly journal: FileJournal | undefined;
  private nextDueAt = Number.POSITIVE_INFINITY;
  private runningTimers = false;
  private readonly interval: NodeJS.Timeout | undefined;

  constructor(options: EmulatorOptions = {}) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.defaultAccountId = options.defaultAccountId;
    this.journal = options.dataDir
      ? new FileJournal(
          this.store,
          options.dataDir,
          options.fsync === undefined ? {} : { fsync: options.fsync },
        )
      : undefined;
    const clock = options.clock ?? systemClock;
    this.clock = typeof clock === 'function' ? clock(this.journal?.lastTime) : clock;
    this.journal?.timeFrom(this.clock);
    this.faults = new FaultInjector(
      options.faultSeed === undefined ? mathRandom : seededRandom(options.faultSeed),
    );
    this.throttler = new Throttler(this.clock, { enabled: options.throttling ?? false });
    if (!this.store.meta.get('meta'))
      this.store.transaction(() => this.store.meta.put({ id: 'meta', tokenSecret: crypto.randomUUID() }));
    for (const timer of this.store.timers.values()) this.nextDueAt = Math.min(this.nextDueAt, timer.dueAt);
    // lifecycles advance on their own: with a manual clock when it is advanced, otherwise on a short real-time tick
    if (this.clock instanceof ManualClock) this.clock.onAdvance(() => this.runDueTimers());
    else this.interval = setInterval(() => this.runDueTimers(), 25).unref();
  }

  /** the operations `call` runs */
  static readonly operationNames: readonly string[] = Object.keys(operations);

  static hasOperation(name: string): boolean {
    return Object.hasOwn(operations, name);
  }

  /** Makes an AWS account known to the emulator, outside any organization (a future management account or invitee). */
  addStandaloneAccount(account: { id: string; email: string; name: string; accessRoleName?: string }): void {
    if (this.store.accounts.has(account.id)) throw new Error(`account ${account.id} already exists`);
    this.store.transaction(() =>
      this.store.accounts.put({
        accessRoleName: null,
        ...account,
        orgId: null,
        status: 'ACTIVE',
        state: 'ACTIVE',
        joinedMethod: null,
        joinedAt: null,
        parentId: null,
        createdAt: this.clock.now(),
      }),
    );
  }

  /** Validates `input` and runs `operation` as `caller`; a failure changes nothing. */
  call(
    operation: string,
    input: unknown,
    caller: string | CallerIdentity,
    requestId: string = newId.requestId(),
  ): unknown {
    const identity: CallerIdentity =
      typeof caller === 'string' ? { accountId: caller, accessKeyId: caller } : caller;
    this.runDueTimers();
    const definition: OperationDefinition | undefined = Object.hasOwn(operations, operation)
      ? operations[operation]
      : undefined;
    if (!definition)
      throw new OrganizationsError(
        'UnknownOperationException',
        `AWS Organizations has no operation ${operation}.`,
      );
    const pending: CloudTrailEvent[] = [];
    let recordedIn: string | undefined;
    const ctx = this.context(operation, identity, requestId, this.clock, pending, (accountId) => {
      recordedIn = accountId;
    });
    try {
      // an injected fault answers before the buckets are touched, so it costs no token
      this.injectFaults(operation);
      this.throttler.admit(
        operation,
        identity.accountId,
        this.store.accounts.get(identity.accountId)?.orgId ?? undefined,
      );
      validate(definition.input, input, '');
      // the call's event is built inside the transaction: if it cannot be, the call changes nothing
      const { output, event } = this.store.transaction(() => {
        const result = definition.handler(ctx, input as Record<string, unknown>);
        return {
          output: result,
          event: readOnly(operation)
            ? undefined
            : apiCallEvent({
                operation,
                caller: identity,
                input,
                output: result,
                requestId,
                now: this.clock.now(),
                ...(recordedIn === undefined ? {} : { recipientAccountId: recordedIn }),
              }),
        };
      });
      if (event) this.events.publish(event);
      for (const pendingEvent of pending) this.events.publish(pendingEvent);
      return output;
    } catch (error) {
      if (error instanceof OrganizationsError && !readOnly(operation))
        this.events.publish(
          apiCallEvent({
            operation,
            caller: identity,
            input,
            output: undefined,
            error: { code: error.type, message: error.message },
            requestId,
            now: this.clock.now(),
          }),
        );
      throw error;
    }
  }

  /** Runs every timer due by now, oldest first, each in its own transaction. */
  runDueTimers(): void {
    if (this.runningTimers || this.clock.now() < this.nextDueAt) return;
    this.runningTimers = true;
    try {
      for (;;) {
        const now = this.clock.now();
        const due = [...this.store.timers.values()]
          .filter((t) => t.dueAt <= now)
          .sort((a, b) => a.dueAt - b.dueAt)[0];
        if (!due) break;
        this.runTimer(due);
      }
      this.nextDueAt = Math.min(
        Number.POSITIVE_INFINITY,
        ...[...this.store.timers.values()].map((t) => t.dueAt),
      );
    } finally {
      this.runningTimers = false;
    }
  }

  private runTimer(timer: TimerRow): void {
    const pending: CloudTrailEvent[] = [];
    const handler = timerHandlers[timer.kind];
    const ctx = this.context(
      `timer:${timer.kind}`,
      { accountId: 'AWS', accessKeyId: '' },
      newId.requestId(),
      { now: () => timer.dueAt },
      pending,
      () => {},
    );
    try {
      this.store.transaction(() => {
        this.store.timers.delete(timer.id);
        if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
        handler(ctx, timer);
      });
    } catch (error) {
      // a timer that cannot run is dropped, not retried forever; the operator's log says why
      console.error(`organizations emulator: timer ${timer.id} failed:`, error);
      this.store.transaction(() => this.store.timers.delete(timer.id));
      return;
    }
    for (const event of pending) this.events.publish(event);
  }

  private context(
    operation: string,
    caller: CallerIdentity,
    requestId: string,
    clock: TimeSource,
    pending: CloudTrailEvent[],
    recordCallIn: (accountId: string) => void,
  ): OperationContext {
    return {
      store: this.store,
      clock,
      limits: this.limits,
      faults: this.faults,
      callerAccountId: caller.accountId,
      caller,
      requestId,
      operation,
      schedule: (kind, ref, dueAt) => {
        this.store.timers.put({ id: `${kind}|${ref}`, kind, ref, dueAt });
        this.nextDueAt = Math.min(this.nextDueAt, dueAt);
      },
      cancelTimer: (kind, ref) => this.store.timers.delete(`${kind}|${ref}`),
      emit: (event) => pending.push(event),
      recordCallIn,
    };
  }

  private injectFaults(operation: string): void {
    if (this.faults.strikes(operation, 'throttle'))
      throw new OrganizationsError('TooManyRequestsException', 'Rate exceeded (injected fault).');
    if (this.faults.strikes(operation, 'concurrentModification'))
      throw new OrganizationsError('ConcurrentModificationException', undefined);
    if (this.faults.strikes(operation, 'serviceException')) throw new OrganizationsError('ServiceException');
  }

  close(): void {
    if (this.interval) clearInterval(this.interval);
    this.journal?.close();
  }
}
