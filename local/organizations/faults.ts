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

/** A small seeded generator (mulberry32) so a run with faults can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private config: FaultConfig = {};

  constructor(private readonly random: () => number = Math.random) {}

  /** Replaces the whole fault configuration; `{}` turns faults off. */
  set(config: FaultConfig): void {
    for (const [operation, rule] of Object.entries(config)) {
      for (const [name, value] of Object.entries(rule)) {
        const probability = name !== 'latencyMs';
        if (typeof value !== 'number' || value < 0 || (probability && value > 1))
          throw new RangeError(
            `fault ${operation}.${name} must be ${probability ? 'a probability from 0 to 1' : 'a non-negative number of milliseconds'}, not ${JSON.stringify(value)}`,
          );
      }
    }
    this.config = structuredClone(config);
  }

  get(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Draws whether `fault` strikes `operation` now. */
  strikes(operation: string, fault: Exclude<keyof FaultRule, 'latencyMs'>): boolean {
    const p = this.config[operation]?.[fault] ?? this.config['*']?.[fault] ?? 0;
    return p > 0 && this.random() < p;
  }

  latencyMs(operation: string): number {
    return this.config[operation]?.latencyMs ?? this.config['*']?.latencyMs ?? 0;
  }
}
