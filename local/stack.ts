import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, ManualClock, ScaledClock, systemClock } from './clock';
import type { Limits } from './organizations/config';
import { OrganizationsEmulator } from './organizations/emulator';
import type { FaultConfig } from './organizations/faults';
import { DEMO_MANAGEMENT_ACCOUNT, isEmpty, seedDemoOrganization } from './organizations/seed';
import { startOrganizationsServer } from './organizations/server';
import { startStsServer } from './sts/server';

export interface LocalStackOptions {
  dataDir: string;
  host?: string;
  /** 0 picks a free port */
  organizationsPort?: number;
  stsPort?: number;
  /** virtual seconds per real second; 'manual' for a clock that moves only when told (tests, admin endpoint) */
  timeScale?: number | 'manual';
  throttling?: boolean;
  limits?: Partial<Limits>;
  faults?: FaultConfig;
  faultSeed?: number;
  fsync?: boolean;
  seed?: boolean;
  onInternalError?: (error: unknown) => void;
}

export interface Endpoints {
  organizations: string;
  sts: string;
  region: 'us-east-1';
}

export interface LocalStack {
  endpoints: Endpoints;
  emulator: OrganizationsEmulator;
  /** true when this start seeded a fresh data directory */
  seeded: boolean;
  close(): Promise<void>;
}

/** Reads the endpoints a running stack wrote to its data directory. */
export function readEndpoints(dataDir: string): Endpoints {
  return JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8'));
}

function clockFor(timeScale: LocalStackOptions['timeScale']) {
  return (resumeFrom: number | undefined): Clock => {
    // virtual time never goes back across restarts: it resumes where the data directory left it
    const start = Math.max(Date.now(), resumeFrom ?? 0);
    if (timeScale === 'manual') return new ManualClock(start);
    if (timeScale === undefined || timeScale === 1)
      return resumeFrom && resumeFrom > Date.now() ? new ScaledClock(1, start) : systemClock;
    return new ScaledClock(timeScale, start);
  };
}

/** Boots the embedded AWS of orgflow on loopback: today the Organizations emulator and STS. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(options.dataDir, { recursive: true });
  const emulator = new OrganizationsEmulator({
    dataDir: join(options.dataDir, 'organizations'),
    clock: clockFor(options.timeScale),
    defaultAccountId: DEMO_MANAGEMENT_ACCOUNT,
    throttling: options.throttling ?? true,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
    ...(options.faultSeed === undefined ? {} : { faultSeed: options.faultSeed }),
  });
  if (options.faults) emulator.faults.set(options.faults);
  const seeded = (options.seed ?? true) && isEmpty(emulator);
  if (seeded) seedDemoOrganization(emulator);
  const host = options.host ?? '127.0.0.1';
  const servers: { close(): Promise<void> }[] = [];
  try {
    const onInternalError = options.onInternalError ?? ((error: unknown) => console.error('orgflow:', error));
    const organizations = await startOrganizationsServer(emulator, {
      port: options.organizationsPort ?? 4701,
      host,
      onInternalError,
    });
    servers.push(organizations);
    const sts = await startStsServer(emulator, { port: options.stsPort ?? 4702, host, onInternalError });
    servers.push(sts);
    const endpoints: Endpoints = { organizations: organizations.url, sts: sts.url, region: 'us-east-1' };
    writeFileSync(join(options.dataDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
    return {
      endpoints,
      emulator,
      seeded,
      async close() {
        for (const server of servers) await server.close();
        emulator.close();
      },
    };
  } catch (error) {
    for (const server of servers) await server.close();
    emulator.close();
    throw error;
  }
}
