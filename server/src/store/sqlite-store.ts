import type { Intervals, Observation, ProbeConfig } from '@lagebild/shared';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { createAdminOps } from './sqlite-admin.js';
import { createDeviceOps } from './sqlite-devices.js';
import { createIngest } from './sqlite-ingest.js';
import { createQueries } from './sqlite-queries.js';
import { createRollupOps } from './sqlite-rollup.js';
import { createStats } from './sqlite-stats.js';
import type {
  DeviceQuery,
  EnrollInput,
  IngestResult,
  LatencyQuery,
  NewCommand,
  NewEnrollSecret,
  OnlineInput,
  RetentionPolicy,
  RollupResult,
  StatsQuery,
  Store,
  StoredProbeConfig,
} from './store.js';

/** The embedded engine: one SQLite file (or ':memory:'), WAL, prepared statements, one transaction per batch. */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  readonly schemaVersion: number;
  private readonly ops: ReturnType<typeof createDeviceOps>;
  private readonly queries: ReturnType<typeof createQueries>;
  private readonly ingest: ReturnType<typeof createIngest>;
  private readonly pingStmt: Database.Statement;
  private readonly admin: ReturnType<typeof createAdminOps>;
  /** rollup job, retention and statistics: public so the EXPLAIN tests can see their statements */
  readonly rollups: ReturnType<typeof createRollupOps>;
  readonly stats: ReturnType<typeof createStats>;
  private closing = false;

  /** Opens (creating if needed) the database at `path` and applies pending migrations. */
  constructor(path: string) {
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode; only a power cut may lose the last commits
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.schemaVersion = migrate(this.db);
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.ops = createDeviceOps(this.db);
    this.queries = createQueries(this.db);
    this.ingest = createIngest(this.db);
    this.pingStmt = this.db.prepare('SELECT 1 AS ok');
    this.admin = createAdminOps(this.db);
    this.rollups = createRollupOps(this.db);
    this.stats = createStats(this.db);
  }

  async enrollDevice(input: EnrollInput) {
    return this.ops.enrollDevice(input);
  }

  async deviceAuth(deviceId: string) {
    return this.ops.deviceAuth(deviceId);
  }

  async markOnline(deviceId: string, input: OnlineInput) {
    this.ops.markOnline(deviceId, input);
  }

  async markOffline(deviceId: string, now: number, detail?: string) {
    this.ops.markOffline(deviceId, now, detail);
  }

  async markAllOffline(now: number, detail: string) {
    return this.ops.markAllOffline(now, detail);
  }

  async ingestBatch(
    deviceId: string,
    observations: Observation[],
    receivedAt: number,
  ): Promise<IngestResult> {
    return this.ingest(deviceId, observations, receivedAt);
  }

  async fleetCounts(now: number) {
    return this.queries.fleetCounts(now);
  }

  async listDevices(query: DeviceQuery) {
    return this.queries.listDevices(query);
  }

  async deviceSummaries(ids?: string[]) {
    return this.queries.deviceSummaries(ids);
  }

  async deviceDetail(deviceId: string, eventLimit: number) {
    return this.queries.deviceDetail(deviceId, eventLimit);
  }

  async appLatency(query: LatencyQuery) {
    return this.stats.appLatency(query);
  }

  async latencyStats(query: StatsQuery) {
    return this.stats.latencyStats(query);
  }

  async fleetMetrics() {
    return this.stats.fleetMetrics();
  }

  async rollup(limit = 50_000): Promise<RollupResult> {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`rollup limit must be >= 1, got ${limit}`);
    return this.rollups.rollup(limit);
  }

  async applyRetention(now: number, policy: RetentionPolicy) {
    return this.rollups.applyRetention(now, policy, () => this.closing || !this.db.open);
  }

  async probeConfig() {
    return this.ops.probeConfig();
  }

  async saveProbeConfig(
    probes: ProbeConfig[],
    intervals: Intervals,
    now: number,
  ): Promise<StoredProbeConfig> {
    return this.ops.saveProbeConfig(probes, intervals, now);
  }

  async addEnrollSecret(input: NewEnrollSecret) {
    return this.admin.addEnrollSecret(input);
  }

  async listEnrollSecrets() {
    return this.admin.listEnrollSecrets();
  }

  async revokeEnrollSecret(id: string, now: number) {
    return this.admin.revokeEnrollSecret(id, now);
  }

  async useEnrollSecret(secretHash: string, now: number) {
    return this.admin.useEnrollSecret(secretHash, now);
  }

  async revokeDevice(deviceId: string, now: number) {
    return this.admin.revokeDevice(deviceId, now);
  }

  async addCommand(input: NewCommand) {
    return this.admin.addCommand(input);
  }

  async pendingCommands(deviceId: string, now: number) {
    return this.admin.pendingCommands(deviceId, now);
  }

  async commandDelivered(id: string, now: number) {
    return this.admin.commandDelivered(id, now);
  }

  async commandRequeued(id: string, now: number) {
    this.admin.commandRequeued(id, now);
  }

  async commandResult(
    deviceId: string,
    id: string,
    status: 'running' | 'done' | 'failed',
    message: string | null,
    now: number,
  ) {
    return this.admin.commandResult(deviceId, id, status, message, now);
  }

  async command(id: string, now: number) {
    return this.admin.command(id, now);
  }

  async ping() {
    this.pingStmt.get();
  }

  async close() {
    this.closing = true;
    if (this.db.open) this.db.close();
  }
}
