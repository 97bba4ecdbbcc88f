import { mathRandom, type RandomSource } from '../random';
import { inputShapes } from './shapes';

/** What the emulator may be told to do wrong, per operation (or `*` for every operation). */
export interface FaultRule {
  /** probability of TooManyRequestsException */
  throttle?: number;
  concurrentModification?: number;
  serviceException?: number;
  /** extra latency added to each answer, in real milliseconds */
  latencyMs?: number;
  /** probability that an account creation ends FAILED with INTERNAL_FAILURE (CreateAccount, CreateGovCloudAccount) */
  createAccountInternalFailure?: number;
  /** probability that a listing answers an empty page that still carries a NextToken, as AWS documents it may */
  emptyPage?: number;
}

export type FaultConfig = Record<string, FaultRule>;

type Fault = keyof FaultRule;

/** Which operations each fault can strike; a rule naming another operation would silently do nothing. */
const appliesTo: Record<Fault, (operation: string) => boolean> = {
  throttle: () => true,
  concurrentModification: () => true,
  serviceException: () => true,
  latencyMs: () => true,
  createAccountInternalFailure: (operation) => /^Create(GovCloud)?Account$/.test(operation),
  emptyPage: (operation) => inputShapes[operation]?.members.NextToken !== undefined,
};

const isFault = (name: string): name is Fault => Object.hasOwn(appliesTo, name);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a whole configuration, naming the first bad entry and how to fix it. */
function checked(config: unknown): FaultConfig {
  if (!isRecord(config))
    throw new RangeError(
      'faults must be an object of rules by operation, e.g. {"CreateAccount":{"throttle":0.3}}',
    );
  for (const [operation, rule] of Object.entries(config)) {
    if (operation !== '*' && !Object.hasOwn(inputShapes, operation))
      throw new RangeError(
        `faults name ${operation}, which is no Organizations operation: use an operation name or "*"`,
      );
    if (!isRecord(rule)) throw new RangeError(`faults.${operation} must be an object like {"throttle":0.3}`);
    for (const [name, value] of Object.entries(rule)) {
      if (!isFault(name))
        throw new RangeError(
          `fault ${operation}.${name} is unknown: use ${Object.keys(appliesTo).join(', ')}`,
        );
      if (operation !== '*' && !appliesTo[name](operation))
        throw new RangeError(
          `fault ${operation}.${name} can never strike ${operation}: ${name === 'emptyPage' ? 'use a paginated List operation' : 'use CreateAccount or CreateGovCloudAccount'}`,
        );
      const probability = name !== 'latencyMs';
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (probability && value > 1))
        throw new RangeError(
          `fault ${operation}.${name} must be ${probability ? 'a probability from 0 to 1' : 'a non-negative number of milliseconds'}, not ${JSON.stringify(value)}`,
        );
    }
  }
  return config as FaultConfig;
}

export class FaultInjector {
  private config: FaultConfig = {};

  constructor(private readonly random: RandomSource = mathRandom) {}

  /** Replaces the whole fault configuration (all of it or none of it); `{}` turns faults off. */
  set(config: FaultConfig): void {
    this.config = structuredClone(checked(config));
  }

  get(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Draws whether `fault` strikes `operation` now; a rule for the operation overrides the `*` rule. */
  strikes(operation: string, fault: Exclude<Fault, 'latencyMs'>): boolean {
    const p = this.config[operation]?.[fault] ?? this.config['*']?.[fault] ?? 0;
    return p > 0 && this.random.next() < p;
  }

  latencyMs(operation: string): number {
    return this.config[operation]?.latencyMs ?? this.config['*']?.latencyMs ?? 0;
  }
}
