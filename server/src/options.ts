import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Intervals, ProbeConfig } from '@lagebild/shared';
import type { FastifyServerOptions } from 'fastify';
import type { Store } from './store/store.js';

/** Options of buildApp; every one has a default so tests pass only what they need. */
export interface AppOptions {
  /** SQLite file path or ':memory:' (default ':memory:'); ignored when `store` is given. */
  dbPath?: string;
  /** A ready store to use instead of opening `dbPath` (other engines, fakes in tests). The app closes it. */
  store?: Store;
  /** Secrets that let a notebook enroll; none means nobody can enroll. */
  enrollSecrets?: string[];
  /** Built dashboard to serve at `/`; default `dashboard/dist` of this checkout; `false` serves none. */
  dashboardDir?: string | false;
  /** Initial probe targets; stored as a new config version when they differ from the stored ones. */
  probes?: ProbeConfig[];
  /** Collection intervals; stored like `probes` when given. */
  intervals?: Intervals;
  /** How often agents must show signs of life (welcome frame); the server pings at this period. */
  heartbeatSec?: number;
  /** Time an agent has to send hello after connecting. */
  helloTimeoutMs?: number;
  /** Clock in epoch milliseconds (tests pass a fake one). */
  now?: () => number;
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS and WSS with this certificate. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Delay over which live pushes are coalesced into one message per kind. */
  liveFlushMs?: number;
  /** Lifetime of a "check now" command that an agent has not started yet. */
  commandTtlMs?: number;
}

// state changes must reach the server within about 2 s; polling at these rates costs well under 0.1 % CPU (bench/key-polling)
export const DEFAULT_INTERVALS: Intervals = { healthSec: 60, vpnSec: 2, securityKeySec: 1 };

/** Where the dashboard build lands in this checkout (same relative path from src/ and dist/). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

export interface ResolvedOptions {
  dbPath: string;
  enrollSecrets: string[];
  dashboardDir: string | false;
  probes: ProbeConfig[] | undefined;
  intervals: Intervals | undefined;
  heartbeatSec: number;
  helloTimeoutMs: number;
  now: () => number;
  liveFlushMs: number;
  commandTtlMs: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`buildApp: ${name} must be a positive number`);
  return value;
}

function heartbeat(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 3600)
    throw new TypeError('buildApp: heartbeatSec must be an integer from 1 to 3600');
  return value;
}

/** Fills defaults and rejects options that cannot work. */
export function resolveOptions(o: AppOptions): ResolvedOptions {
  const dashboardDir = o.dashboardDir === undefined ? DEFAULT_DASHBOARD_DIR : o.dashboardDir;
  return {
    dbPath: o.dbPath ?? ':memory:',
    enrollSecrets: (o.enrollSecrets ?? []).filter((s) => s.length > 0),
    dashboardDir,
    probes: o.probes,
    intervals: o.intervals,
    heartbeatSec: heartbeat(o.heartbeatSec ?? 30),
    helloTimeoutMs: positive('helloTimeoutMs', o.helloTimeoutMs ?? 10_000),
    now: o.now ?? Date.now,
    liveFlushMs: Math.max(0, o.liveFlushMs ?? 200),
    commandTtlMs: positive('commandTtlMs', o.commandTtlMs ?? 30_000),
  };
}

/** True when `dir` holds a built dashboard. */
export function hasDashboard(dir: string | false): dir is string {
  return dir !== false && existsSync(dir);
}
