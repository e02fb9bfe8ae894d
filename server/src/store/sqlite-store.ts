import Database from 'better-sqlite3';
import { ComposedStore } from './composed-store.js';
import { migrate } from './migrations.js';
import { createAdminOps } from './sqlite-admin.js';
import { createDeviceOps } from './sqlite-devices.js';
import { createIngest } from './sqlite-ingest.js';
import { createQueries } from './sqlite-queries.js';
import { createRollupOps } from './sqlite-rollup.js';
import { createStats } from './sqlite-stats.js';
import { createUserOps } from './sqlite-users.js';
import type { RetentionPolicy, RetentionResult, RollupResult } from './store.js';

/** Opens (creating if needed) the database at `path` and applies pending migrations. */
function open(path: string): { db: Database.Database; schemaVersion: number } {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only a power cut may lose the last commits
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return { db, schemaVersion: migrate(db) };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The embedded engine: one SQLite file (or ':memory:'), WAL, prepared statements, one transaction per batch. */
export class SqliteStore extends ComposedStore {
  readonly db: Database.Database;
  readonly schemaVersion: number;
  /** rollup job, retention and statistics: public so the EXPLAIN tests can see their statements */
  readonly rollups: ReturnType<typeof createRollupOps>;
  readonly stats: ReturnType<typeof createStats>;
  private readonly pingStmt: Database.Statement;
  private closing = false;

  constructor(path: string) {
    const { db, schemaVersion } = open(path);
    const stats = createStats(db);
    super({
      ...createDeviceOps(db),
      ...createQueries(db),
      ...stats,
      ...createAdminOps(db),
      ...createUserOps(db),
      ingestBatch: createIngest(db),
    });
    this.db = db;
    this.schemaVersion = schemaVersion;
    this.stats = stats;
    this.rollups = createRollupOps(db);
    this.pingStmt = db.prepare('SELECT 1 AS ok');
  }

  protected foldSamples(limit: number): RollupResult {
    return this.rollups.rollup(limit);
  }

  async applyRetention(now: number, policy: RetentionPolicy): Promise<RetentionResult> {
    // expired sessions go with the rest of the expired data (not counted in the result)
    if (this.db.open) await this.deleteExpiredSessions(now);
    return this.rollups.applyRetention(now, policy, () => this.closing || !this.db.open);
  }

  async ping() {
    this.pingStmt.get();
  }

  async close() {
    this.closing = true;
    if (this.db.open) this.db.close();
  }
}
