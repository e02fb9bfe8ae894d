import type { Intervals, Observation, ProbeConfig } from '@lagebild/shared';
import type pg from 'pg';
import type { RetentionPolicy } from '../rollup.js';
import type {
  DeviceQuery,
  EnrollInput,
  IngestResult,
  LatencyQuery,
  NewCommand,
  NewEnrollSecret,
  OnlineInput,
  RetentionResult,
  RollupResult,
  StatsQuery,
  Store,
  StoredProbeConfig,
} from '../store.js';
import { createAdminOps } from './pg-admin.js';
import { checkSchemaName, createPool, lockNamespace } from './pg-db.js';
import { createDeviceOps } from './pg-devices.js';
import { createIngest } from './pg-ingest.js';
import { migratePg } from './pg-migrations.js';
import { PartitionKeeper } from './pg-partitions.js';
import { createQueries } from './pg-queries.js';
import { createRetention } from './pg-retention.js';
import { createRollup } from './pg-rollup.js';
import { createStats } from './pg-stats.js';

export interface PgStoreOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** schema holding the tables (created if missing); default public */
  schema?: string;
  /** connections in the pool; default 10 */
  poolSize?: number;
}

/**
 * The PostgreSQL engine for several server nodes on one database: a connection pool, time-partitioned
 * samples, rollups and events, advisory locks where nodes must take turns (migrations, partition DDL,
 * the rollup job). Answers exactly as SqliteStore does.
 */
export class PgStore implements Store {
  readonly pool: pg.Pool;
  readonly url: string;
  readonly schema: string;
  readonly schemaVersion: number;
  private readonly ops: ReturnType<typeof createDeviceOps>;
  private readonly queries: ReturnType<typeof createQueries>;
  private readonly stats: ReturnType<typeof createStats>;
  private readonly admin: ReturnType<typeof createAdminOps>;
  private readonly ingest: ReturnType<typeof createIngest>;
  private readonly fold: ReturnType<typeof createRollup>;
  private readonly retention: ReturnType<typeof createRetention>;
  private readonly partitions: PartitionKeeper;
  private closed = false;

  private constructor(pool: pg.Pool, url: string, schema: string, schemaVersion: number) {
    this.pool = pool;
    this.url = url;
    this.schema = schema;
    this.schemaVersion = schemaVersion;
    const ns = lockNamespace(schema);
    this.partitions = new PartitionKeeper(pool, schema, ns);
    this.ops = createDeviceOps(pool);
    this.queries = createQueries(pool);
    this.stats = createStats(pool);
    this.admin = createAdminOps(pool);
    this.ingest = createIngest(pool, ns);
    this.fold = createRollup(pool, ns);
    this.retention = createRetention(pool, schema, ns, this.partitions);
  }

  /** Connects, creates the schema if needed, migrates it and prepares the partitions around today. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const schema = checkSchemaName(options.schema ?? 'public');
    const pool = createPool(options.url, schema, options.poolSize ?? 10);
    // an idle connection that the server drops must not take the process down
    pool.on('error', () => {});
    try {
      const version = await migratePg(pool, schema);
      const store = new PgStore(pool, options.url, schema, version);
      await store.partitions.ensure();
      return store;
    } catch (e) {
      await pool.end();
      throw e;
    }
  }

  enrollDevice(input: EnrollInput) {
    return this.ops.enrollDevice(input);
  }

  deviceAuth(deviceId: string) {
    return this.ops.deviceAuth(deviceId);
  }

  markOnline(deviceId: string, input: OnlineInput) {
    return this.ops.markOnline(deviceId, input);
  }

  markOffline(deviceId: string, now: number, detail?: string) {
    return this.ops.markOffline(deviceId, now, detail);
  }

  markAllOffline(now: number, detail: string) {
    return this.ops.markAllOffline(now, detail);
  }

  ingestBatch(deviceId: string, observations: Observation[], receivedAt: number): Promise<IngestResult> {
    return this.ingest(deviceId, observations, receivedAt);
  }

  fleetCounts(now: number) {
    return this.queries.fleetCounts(now);
  }

  listDevices(query: DeviceQuery) {
    return this.queries.listDevices(query);
  }

  deviceSummaries(ids?: string[]) {
    return this.queries.deviceSummaries(ids);
  }

  deviceDetail(deviceId: string, eventLimit: number) {
    return this.queries.deviceDetail(deviceId, eventLimit);
  }

  appLatency(query: LatencyQuery) {
    return this.stats.appLatency(query);
  }

  latencyStats(query: StatsQuery) {
    return this.stats.latencyStats(query);
  }

  fleetMetrics() {
    return this.stats.fleetMetrics();
  }

  /** Also keeps the partitions of the coming days ready (checked once a day per store). */
  async rollup(limit = 50_000): Promise<RollupResult> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`rollup limit must be >= 1, got ${limit}`);
    await this.partitions.ensure();
    return this.fold(limit);
  }

  applyRetention(now: number, policy: RetentionPolicy): Promise<RetentionResult> {
    return this.retention(now, policy);
  }

  probeConfig() {
    return this.ops.probeConfig();
  }

  saveProbeConfig(probes: ProbeConfig[], intervals: Intervals, now: number): Promise<StoredProbeConfig> {
    return this.ops.saveProbeConfig(probes, intervals, now);
  }

  addEnrollSecret(input: NewEnrollSecret) {
    return this.admin.addEnrollSecret(input);
  }

  listEnrollSecrets() {
    return this.admin.listEnrollSecrets();
  }

  revokeEnrollSecret(id: string, now: number) {
    return this.admin.revokeEnrollSecret(id, now);
  }

  useEnrollSecret(secretHash: string, now: number) {
    return this.admin.useEnrollSecret(secretHash, now);
  }

  revokeDevice(deviceId: string, now: number) {
    return this.admin.revokeDevice(deviceId, now);
  }

  addCommand(input: NewCommand) {
    return this.admin.addCommand(input);
  }

  pendingCommands(deviceId: string, now: number) {
    return this.admin.pendingCommands(deviceId, now);
  }

  commandDelivered(id: string, now: number) {
    return this.admin.commandDelivered(id, now);
  }

  commandRequeued(id: string, now: number) {
    return this.admin.commandRequeued(id, now);
  }

  commandResult(
    deviceId: string,
    id: string,
    status: 'running' | 'done' | 'failed',
    message: string | null,
    now: number,
  ) {
    return this.admin.commandResult(deviceId, id, status, message, now);
  }

  command(id: string, now: number) {
    return this.admin.command(id, now);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
