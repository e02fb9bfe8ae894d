// SQLite side of the bench: bulk-built history, sizes from the file and dbstat, and the bare table
// the ingest is compared with.

import { existsSync, statSync } from 'node:fs';
import { historySources, TABLE_COLUMNS } from './dataset.mjs';
import { log, meter } from './progress.mjs';

const CHUNK = 50_000;
const ROWS_PER_STATEMENT = 20;

/**
 * Creates the schema through SqliteStore (its migrations), then writes the history with plain
 * prepared INSERTs in large transactions. Secondary indexes are dropped before and recreated after
 * (sorting once is far faster than 100 million random index inserts); the end state is the store's
 * schema with every index.
 */
export async function buildSqliteHistory({ SqliteStore, Database }, file, fleet) {
  const store = new SqliteStore(file);
  await store.close();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    db.pragma('cache_size = -1000000');
    const tables = Object.keys(TABLE_COLUMNS);
    const indexes = db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
         AND tbl_name IN (${tables.map(() => '?').join(', ')})`,
      )
      .all(...tables);
    for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
    const loaded = {};
    for (const [table, rows, expected] of historySources(fleet)) {
      const cols = TABLE_COLUMNS[table];
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      const insertOne = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuple}`);
      // 20 rows per statement: a third less CPU per row than single-row statements
      const insertMany = db.prepare(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${Array(ROWS_PER_STATEMENT).fill(tuple).join(', ')}`,
      );
      const flush = db.transaction((batch) => {
        let i = 0;
        for (; i + ROWS_PER_STATEMENT <= batch.length; i += ROWS_PER_STATEMENT) {
          insertMany.run(batch.slice(i, i + ROWS_PER_STATEMENT).flat());
        }
        for (; i < batch.length; i++) insertOne.run(batch[i]);
      });
      const m = meter(table, expected);
      let batch = [];
      for (const r of rows()) {
        batch.push(r);
        if (batch.length === CHUNK) {
          flush(batch);
          m.add(batch.length);
          batch = [];
        }
      }
      flush(batch);
      m.add(batch.length);
      loaded[table] = m.done();
    }
    for (const ix of indexes) {
      const t0 = Date.now();
      db.exec(ix.sql);
      log(`  index ${ix.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    // every raw sample counts as folded, as after the rollup job has run
    db.prepare(
      `UPDATE job_state SET value = (SELECT coalesce(max(id), 0) FROM probe_samples) WHERE name = 'samples_folded'`,
    ).run();
    db.pragma('journal_mode = WAL');
    return loaded;
  } finally {
    db.close();
  }
}

/** File size (database + WAL after a truncating checkpoint) and bytes per table incl. its indexes (dbstat). */
export function sqliteSizes(Database, file) {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const wal = `${file}-wal`;
    const fileBytes = statSync(file).size + (existsSync(wal) ? statSync(wal).size : 0);
    const perTable = db
      .prepare(
        `SELECT coalesce(m.tbl_name, s.name) AS tbl, sum(s.pgsize) AS bytes
         FROM dbstat AS s LEFT JOIN sqlite_master AS m ON m.name = s.name GROUP BY tbl`,
      )
      .all();
    const tables = {};
    for (const { tbl, bytes } of perTable) {
      const rows = tbl in TABLE_COLUMNS ? db.prepare(`SELECT count(*) AS n FROM ${tbl}`).get().n : null;
      tables[tbl] = { bytes, rows };
    }
    const freePages = db.pragma('freelist_count', { simple: true });
    const pageSize = db.pragma('page_size', { simple: true });
    return { fileBytes, freeBytes: freePages * pageSize, tables };
  } finally {
    db.close();
  }
}

/**
 * A store plus an identical bare copy of its raw-sample table (same DDL, indexes and foreign key) in
 * the same database file, filled through a second connection with the store's pragmas: one prepared
 * INSERT per row, one transaction per batch.
 */
export async function sqliteIngestTarget({ SqliteStore, Database }, file) {
  const store = new SqliteStore(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const { sql } = db
    .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'probe_samples'`)
    .get();
  db.exec(sql.replace(/"?probe_samples"?/, 'bare_probe_samples'));
  const indexes = db
    .prepare(
      `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'probe_samples' AND sql IS NOT NULL`,
    )
    .all();
  for (const ix of indexes) db.exec(ix.sql.replace(/probe_samples/g, 'bare_probe_samples'));
  const cols = TABLE_COLUMNS.probe_samples;
  const insert = db.prepare(
    `INSERT INTO bare_probe_samples (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  );
  const tx = db.transaction((rows) => {
    for (const r of rows) insert.run(r);
  });
  return {
    store,
    concurrency: 1,
    bareLabel: 'better-sqlite3: one prepared INSERT per row, one transaction per batch',
    async bareInsert(_worker, rows) {
      tx(rows);
    },
    async bareCount() {
      return db.prepare('SELECT count(*) AS n FROM bare_probe_samples').get().n;
    },
    async close() {
      db.close();
      await store.close();
    },
  };
}

/**
 * Bytes per row of the device hour rollups of `n` devices written in key order (as the bulk load
 * does) and in time order (as the rollup job does), in two copies of the table with its index, in a
 * fresh database file.
 */
export async function sqliteFillCheck({ SqliteStore, Database }, file, fleet, n) {
  await new SqliteStore(file).close();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    const { sql } = db
      .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rollup_device_hour'`)
      .get();
    const ix = db
      .prepare(
        `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rollup_device_hour' AND sql IS NOT NULL`,
      )
      .all();
    const cols = TABLE_COLUMNS.rollup_device_hour;
    const out = {};
    for (const [name, rows] of [
      ['key_order', () => fleet.deviceHourRows()],
      ['time_order', () => fleet.deviceHourRowsByTime(n)],
    ]) {
      const table = `fill_${name}`;
      db.exec(sql.replace(/"?rollup_device_hour"?/, table));
      for (const i of ix) db.exec(i.sql.replace(/rollup_device_hour/g, table));
      const insert = db.prepare(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      );
      let count = 0;
      db.transaction(() => {
        for (const r of rows()) {
          if (r[0] > n) break;
          insert.run(r);
          count++;
        }
      })();
      const { bytes } = db
        .prepare(
          `SELECT sum(s.pgsize) AS bytes FROM dbstat AS s JOIN sqlite_master AS m ON m.name = s.name WHERE m.tbl_name = ?`,
        )
        .get(table);
      out[name] = { rows: count, bytes, bytesPerRow: bytes / count };
      db.exec(`DROP TABLE ${table}`);
    }
    return { devices: n, ...out, ratio: out.time_order.bytesPerRow / out.key_order.bytesPerRow };
  } finally {
    db.close();
  }
}
