import type pg from 'pg';
import { ComposedStore } from '../composed-store.js';
import type { RetentionPolicy } from '../rollup.js';
import type { RetentionResult, RollupResult } from '../store.js';
import { createAdminOps } from './pg-admin.js';
import { checkSchemaName, createPool, lockNamespace } from './pg-db.js';
import { createDeviceOps } from './pg-devices.js';
import { createIngest, DeviceRowCache } from './pg-ingest.js';
import { migratePg } from './pg-migrations.js';
import { PartitionKeeper } from './pg-partitions.js';
import { createQueries } from './pg-queries.js';
import { createRetention } from './pg-retention.js';
import { createRollup } from './pg-rollup.js';
import { createStats } from './pg-stats.js';
import { createUserOps } from './pg-users.js';

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
export class PgStore extends ComposedStore {
  readonly pool: pg.Pool;
  readonly url: string;
  readonly schema: string;
  readonly schemaVersion: number;
  /** the device rows this node wrote last (ingest's one-round-trip path) */
  readonly deviceRows: DeviceRowCache;
  private readonly fold: ReturnType<typeof createRollup>;
  private readonly retention: ReturnType<typeof createRetention>;
  private readonly partitions: PartitionKeeper;
  private closed = false;

  private constructor(pool: pg.Pool, url: string, schema: string, schemaVersion: number) {
    const ns = lockNamespace(schema);
    const deviceRows = new DeviceRowCache();
    super({
      ...createDeviceOps(pool),
      ...createQueries(pool),
      ...createStats(pool),
      ...createAdminOps(pool),
      ...createUserOps(pool),
      ingestBatch: createIngest(pool, ns, deviceRows),
    });
    this.pool = pool;
    this.url = url;
    this.schema = schema;
    this.schemaVersion = schemaVersion;
    this.deviceRows = deviceRows;
    this.partitions = new PartitionKeeper(pool, schema, ns);
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

  /** Also keeps the partitions of the coming days ready (checked once a day per store). */
  protected async foldSamples(limit: number): Promise<RollupResult> {
    await this.partitions.ensure();
    return this.fold(limit);
  }

  async applyRetention(now: number, policy: RetentionPolicy): Promise<RetentionResult> {
    // expired sessions go with the rest of the expired data (not counted in the result)
    await this.deleteExpiredSessions(now);
    return this.retention(now, policy);
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
