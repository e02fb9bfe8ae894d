import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Intervals, ProbeConfig } from '@lagebild/shared';
import type { FastifyServerOptions } from 'fastify';
import type { ClusterBus } from './cluster/bus.js';
import { DEFAULT_RETENTION, HOUR_MS } from './store/rollup.js';
import type { RetentionPolicy, Store } from './store/store.js';

/** Options of buildApp; every one has a default so tests pass only what they need. */
export interface AppOptions {
  /** SQLite file path or ':memory:' (default ':memory:'); ignored when `store` is given. */
  dbPath?: string;
  /** A ready store to use instead of opening `dbPath` (other engines, fakes in tests). The app closes it. */
  store?: Store;
  /**
   * PostgreSQL shared by several server nodes: the store (unless `store` is given) and the bus that
   * carries live events and "check now" commands between the nodes. `schema` defaults to public.
   */
  pg?: { url: string; schema?: string };
  /** The bus to the other server nodes (tests pass one; the app closes it); default LISTEN/NOTIFY on `pg`, else none. */
  bus?: ClusterBus;
  /** How long a "check now" for a device connected to another node waits for that node to send it (default 1000 ms). */
  commandRelayWaitMs?: number;
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
  /** Lifetime of a "check now" command that an agent has not started yet (queued ones included). */
  commandTtlMs?: number;
  /** New agent connections accepted per second on average (default 200). */
  connectRatePerSec?: number;
  /** Agent connections accepted at once above the rate (default 400). */
  connectBurst?: number;
  /** Agent connections between upgrade and welcome at one time (default 200). */
  maxPendingHellos?: number;
  /** Refused agents retry at a random time within this window (default 10 000 ms). */
  retryWindowMs?: number;
  /** Frames one agent may send per second on average (default 200; a catching-up agent sends a few per ack) … */
  agentFrameRatePerSec?: number;
  /** … and at once above that rate (default 400); beyond, LB_ERR_SERVER_BUSY and close 1013. */
  agentFrameBurst?: number;
  /** Frames of one agent received but not yet handled (default 64; the agent keeps 4 batches in flight). */
  maxQueuedFrames?: number;
  /** Unsent bytes queued for one agent before the server drops it as a client that does not read (default 4 MiB). */
  maxBufferedBytes?: number;
  /** How often the rollup job folds new raw samples (default 5000 ms; 0 = never, tests call store.rollup()). */
  rollupIntervalMs?: number;
  /** How often retention deletes expired data (default 10 min; 0 = never). */
  retentionIntervalMs?: number;
  /** How long each kind of data is kept; missing entries keep DEFAULT_RETENTION (each at least one hour). */
  retention?: Partial<RetentionPolicy>;
  /** A dashboard session ends after this long without a request (default 8 h). */
  sessionIdleMs?: number;
  /** … and this long after sign-in however active it is (default 24 h). */
  sessionAbsoluteMs?: number;
  /**
   * Mark the session cookie `Secure` (default: when `tls` is given). Set it when a reverse proxy
   * terminates TLS in front of a plain-HTTP server.
   */
  secureCookies?: boolean;
  /** How often open live sockets re-check their session, closing those whose session ended (default 30 s). */
  liveSessionCheckMs?: number;
}

// state changes must reach the server within about 2 s; polling at these rates costs well under 0.1 % CPU (bench/key-polling)
export const DEFAULT_INTERVALS: Intervals = { healthSec: 60, vpnSec: 2, securityKeySec: 1 };

/** Where the dashboard build lands in this checkout (same relative path from src/ and dist/). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

export interface ResolvedOptions {
  dbPath: string;
  pg: { url: string; schema: string | undefined } | undefined;
  bus: ClusterBus | undefined;
  commandRelayWaitMs: number;
  enrollSecrets: string[];
  dashboardDir: string | false;
  probes: ProbeConfig[] | undefined;
  intervals: Intervals | undefined;
  heartbeatSec: number;
  helloTimeoutMs: number;
  now: () => number;
  liveFlushMs: number;
  commandTtlMs: number;
  connectRatePerSec: number;
  connectBurst: number;
  maxPendingHellos: number;
  retryWindowMs: number;
  agentFrameRatePerSec: number;
  agentFrameBurst: number;
  maxQueuedFrames: number;
  maxBufferedBytes: number;
  rollupIntervalMs: number;
  retentionIntervalMs: number;
  retention: RetentionPolicy;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  secureCookies: boolean;
  liveSessionCheckMs: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`buildApp: ${name} must be a positive number`);
  return value;
}

function atLeastOne(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`buildApp: ${name} must be an integer >= 1`);
  return value;
}

function notNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`buildApp: ${name} must be a number >= 0`);
  return value;
}

/** Shorter periods would delete data the rollup job may not have folded yet, or a chart still shows. */
function retention(given: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION };
  for (const key of Object.keys(policy) as (keyof RetentionPolicy)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < HOUR_MS)
      throw new TypeError(`buildApp: retention.${key} must be at least one hour (${HOUR_MS} ms)`);
    policy[key] = value;
  }
  return policy;
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
    pg: o.pg ? { url: o.pg.url, schema: o.pg.schema } : undefined,
    bus: o.bus,
    commandRelayWaitMs: positive('commandRelayWaitMs', o.commandRelayWaitMs ?? 1000),
    enrollSecrets: (o.enrollSecrets ?? []).filter((s) => s.length > 0),
    dashboardDir,
    probes: o.probes,
    intervals: o.intervals,
    heartbeatSec: heartbeat(o.heartbeatSec ?? 30),
    helloTimeoutMs: positive('helloTimeoutMs', o.helloTimeoutMs ?? 10_000),
    now: o.now ?? Date.now,
    liveFlushMs: Math.max(0, o.liveFlushMs ?? 200),
    commandTtlMs: positive('commandTtlMs', o.commandTtlMs ?? 30_000),
    connectRatePerSec: positive('connectRatePerSec', o.connectRatePerSec ?? 200),
    connectBurst: atLeastOne('connectBurst', o.connectBurst ?? 400),
    maxPendingHellos: atLeastOne('maxPendingHellos', o.maxPendingHellos ?? 200),
    retryWindowMs: positive('retryWindowMs', o.retryWindowMs ?? 10_000),
    agentFrameRatePerSec: positive('agentFrameRatePerSec', o.agentFrameRatePerSec ?? 200),
    agentFrameBurst: atLeastOne('agentFrameBurst', o.agentFrameBurst ?? 400),
    maxQueuedFrames: atLeastOne('maxQueuedFrames', o.maxQueuedFrames ?? 64),
    maxBufferedBytes: positive('maxBufferedBytes', o.maxBufferedBytes ?? 4 * 1024 * 1024),
    rollupIntervalMs: notNegative('rollupIntervalMs', o.rollupIntervalMs ?? 5000),
    retentionIntervalMs: notNegative('retentionIntervalMs', o.retentionIntervalMs ?? 10 * 60_000),
    retention: retention(o.retention),
    sessionIdleMs: positive('sessionIdleMs', o.sessionIdleMs ?? 8 * HOUR_MS),
    sessionAbsoluteMs: positive('sessionAbsoluteMs', o.sessionAbsoluteMs ?? 24 * HOUR_MS),
    secureCookies: o.secureCookies ?? o.tls !== undefined,
    liveSessionCheckMs: positive('liveSessionCheckMs', o.liveSessionCheckMs ?? 30_000),
  };
}

/** True when `dir` holds a built dashboard. */
export function hasDashboard(dir: string | false): dir is string {
  return dir !== false && existsSync(dir);
}
