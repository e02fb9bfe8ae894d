// PostgreSQL side of the bench: history bulk-written into the engine's own (partitioned) schema, sizes
// from pg_total_relation_size, and the bare table the ingest is compared with.

import { DAY_MS, historySources, TABLE_COLUMNS } from './dataset.mjs';
import { log, meter } from './progress.mjs';

const CHUNK = 10_000;

async function connect(pg, url, schema) {
  const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await c.connect();
  return c;
}

export async function dropSchema({ pg }, url, schema) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    log(`  dropped schema ${schema}`);
  } finally {
    await c.end();
  }
}

/** Column name → SQL type of a table in the schema. */
async function columnTypes(c, schema, table) {
  const { rows } = await c.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1 AND t.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

/** The generator's values are SQLite's (0/1 flags); PostgreSQL columns may be boolean. */
function converter(type) {
  return type === 'boolean' ? (v) => (v === null ? null : v === 1 || v === true) : (v) => v;
}

/**
 * Creates the schema through PgStore.open (its migrations), creates the dated partitions for every day
 * and month of the history with the engine's own function (as its job would have, day by day), then
 * writes the rows with multi-row INSERT … SELECT FROM unnest(arrays), 10,000 rows per statement.
 * Secondary indexes are dropped before and rebuilt after; foreign-key triggers are off during the load
 * (session_replication_role = replica; the rows are consistent by construction). Ends with VACUUM
 * ANALYZE, which autovacuum would do after such a load in production.
 */
export async function buildPgHistory(mods, url, schema, fleet) {
  const { PgStore, partitions, lockNamespace, pg } = mods;
  const store = await PgStore.open({ url, schema });
  await store.close();
  const c = await connect(pg, url, schema);
  try {
    await c.query(`SET synchronous_commit = off`);
    await c.query(`SET maintenance_work_mem = '1GB'`);
    await c.query(`SET session_replication_role = replica`);
    const ns = lockNamespace(schema);
    const made = new Set();
    for (const spec of partitions.PARTITIONED) {
      for (let t = fleet.start; t < fleet.end + DAY_MS; t += DAY_MS) {
        const p = partitions.partitionAt(spec, t);
        if (made.has(p.name)) continue;
        made.add(p.name);
        await partitions.createPartition(c, ns, p);
      }
    }
    log(`  ${made.size} dated partitions ready`);
    const tables = Object.keys(TABLE_COLUMNS);
    const { rows: indexes } = await c.query(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = $1 AND t.relname = ANY($2) AND NOT i.relispartition
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid)`,
      [schema, tables],
    );
    for (const ix of indexes) await c.query(`DROP INDEX ${ix.name}`);
    const loaded = {};
    for (const [table, rows, expected] of historySources(fleet)) {
      const cols = TABLE_COLUMNS[table];
      const types = await columnTypes(c, schema, table);
      const conv = cols.map((col) => converter(types.get(col)));
      const sql = `INSERT INTO ${table} (${cols.join(', ')})
        SELECT * FROM unnest(${cols.map((col, i) => `$${i + 1}::${types.get(col)}[]`).join(', ')})`;
      const m = meter(table, expected);
      let arrays = cols.map(() => []);
      let n = 0;
      let pending = null;
      // one statement in flight while the next chunk is generated
      const send = async () => {
        const params = arrays;
        const k = n;
        arrays = cols.map(() => []);
        n = 0;
        if (pending) await pending;
        pending = c.query(sql, params).then(() => m.add(k));
      };
      for (const r of rows()) {
        for (let i = 0; i < cols.length; i++) arrays[i].push(conv[i](r[i]));
        if (++n === CHUNK) await send();
      }
      if (n > 0) await send();
      if (pending) await pending;
      loaded[table] = m.done();
    }
    // triggers are off during the bulk load (replica role): count the fleet once, as migration 2 does
    await c.query('DELETE FROM fleet_counts');
    await c.query(`INSERT INTO fleet_counts (shard, online, vpn_state, key, n)
      SELECT coalesce(num, 0) % 16, online, coalesce(vpn_state, ''), coalesce(key_available AND key_present, false),
        count(*)
      FROM devices GROUP BY 1, 2, 3, 4`);
    for (const ix of indexes) {
      const t0 = Date.now();
      // the definition of a partitioned index reads ON ONLY (parent alone); rebuild it on every partition
      await c.query(ix.def.replace(' ON ONLY ', ' ON '));
      log(`  index ${ix.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await c.query(`SELECT setval(pg_get_serial_sequence('devices', 'num'), (SELECT max(num) FROM devices))`);
    await c.query(
      `UPDATE job_state SET value = (SELECT coalesce(max(id), 0) FROM probe_samples) WHERE name = 'samples_folded'`,
    );
    await c.query(`SET session_replication_role = DEFAULT`);
    for (const table of tables) {
      const t0 = Date.now();
      await c.query(`VACUUM ANALYZE ${table}`);
      log(`  vacuum analyze ${table}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    return loaded;
  } finally {
    await c.end();
  }
}

/** Bytes per table incl. indexes and TOAST (pg_total_relation_size of every partition), and row counts. */
export async function pgSizes({ pg }, url, schema) {
  const c = await connect(pg, url, schema);
  try {
    const { rows } = await c.query(
      `SELECT coalesce(parent.relname, r.relname) AS tbl, sum(pg_total_relation_size(r.oid))::bigint AS bytes
       FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
       LEFT JOIN pg_inherits i ON i.inhrelid = r.oid LEFT JOIN pg_class parent ON parent.oid = i.inhparent
       WHERE n.nspname = $1 AND r.relkind = 'r' GROUP BY 1`,
      [schema],
    );
    const tables = {};
    let totalBytes = 0;
    for (const { tbl, bytes } of rows) {
      const b = Number(bytes);
      totalBytes += b;
      const count =
        tbl in TABLE_COLUMNS ? Number((await c.query(`SELECT count(*) AS n FROM ${tbl}`)).rows[0].n) : null;
      tables[tbl] = { bytes: b, rows: count };
    }
    return { totalBytes, tables };
  } finally {
    await c.end();
  }
}

/**
 * A store plus an identical bare copy of its raw-sample table in the same schema: same columns,
 * defaults, keys and indexes (LIKE … INCLUDING ALL), its own id sequence, the same partitions. The
 * bare path sends one multi-row INSERT per batch (a named prepared statement) on its own pool of
 * `concurrency` connections.
 */
export async function pgIngestTarget(mods, url, schema, concurrency) {
  const { PgStore, pg } = mods;
  const store = await PgStore.open({ url, schema, poolSize: Math.max(10, concurrency) });
  const c = await connect(pg, url, schema);
  try {
    await c.query(`CREATE SEQUENCE bare_probe_samples_id_seq AS bigint`);
    await c.query(
      `CREATE TABLE bare_probe_samples (LIKE probe_samples INCLUDING ALL) PARTITION BY RANGE (ts)`,
    );
    await c.query(
      `ALTER TABLE bare_probe_samples ALTER COLUMN id SET DEFAULT nextval('bare_probe_samples_id_seq')`,
    );
    const { rows: parts } = await c.query(
      `SELECT p.relname AS name, pg_get_expr(p.relpartbound, p.oid) AS bound
       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = 'probe_samples'::regclass`,
    );
    for (const p of parts)
      await c.query(`CREATE TABLE bare_${p.name} PARTITION OF bare_probe_samples ${p.bound}`);
  } finally {
    await c.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: concurrency, options: `-c search_path=${schema}` });
  const clients = [];
  for (let i = 0; i < concurrency; i++) clients.push(await pool.connect());
  const cols = TABLE_COLUMNS.probe_samples;
  const okAt = cols.indexOf('ok');
  const statement = (n) =>
    `INSERT INTO bare_probe_samples (${cols.join(', ')}) VALUES ${Array.from(
      { length: n },
      (_, r) => `(${cols.map((_c, i) => `$${r * cols.length + i + 1}`).join(', ')})`,
    ).join(', ')}`;
  const texts = new Map();
  return {
    store,
    concurrency,
    bareLabel: 'pg: one multi-row INSERT (named prepared statement) per batch',
    async bareInsert(worker, rows) {
      const n = rows.length;
      if (!texts.has(n)) texts.set(n, statement(n));
      const values = [];
      for (const r of rows) {
        for (let i = 0; i < r.length; i++) values.push(i === okAt ? r[i] === 1 : r[i]);
      }
      await clients[worker].query({ name: `bare-${n}`, text: texts.get(n), values });
    },
    async bareCount() {
      const { rows } = await clients[0].query('SELECT count(*)::int AS n FROM bare_probe_samples');
      return rows[0].n;
    },
    async close() {
      for (const cl of clients) cl.release();
      await pool.end();
      await store.close();
    },
  };
}

/**
 * Bytes per row of the device hour rollups of `n` devices written in key order (as the bulk load
 * does) and in time order (as the rollup job does), in two plain copies of the table with its keys
 * and indexes, after VACUUM.
 */
export async function pgFillCheck({ pg }, url, schema, fleet, n) {
  const c = await connect(pg, url, schema);
  try {
    await c.query(`SET synchronous_commit = off`);
    const cols = TABLE_COLUMNS.rollup_device_hour;
    const types = await columnTypes(c, schema, 'rollup_device_hour');
    const out = {};
    for (const [name, rows] of [
      ['key_order', () => fleet.deviceHourRows()],
      ['time_order', () => fleet.deviceHourRowsByTime(n)],
    ]) {
      const table = `fill_${name}`;
      await c.query(`CREATE TABLE ${table} (LIKE rollup_device_hour INCLUDING ALL)`);
      const sql = `INSERT INTO ${table} (${cols.join(', ')})
        SELECT * FROM unnest(${cols.map((col, i) => `$${i + 1}::${types.get(col)}[]`).join(', ')})`;
      let arrays = cols.map(() => []);
      let count = 0;
      for (const r of rows()) {
        if (r[0] > n) break;
        for (let i = 0; i < cols.length; i++) arrays[i].push(r[i]);
        count++;
        if (arrays[0].length === CHUNK) {
          await c.query(sql, arrays);
          arrays = cols.map(() => []);
        }
      }
      if (arrays[0].length > 0) await c.query(sql, arrays);
      await c.query(`VACUUM ANALYZE ${table}`);
      const bytes = Number(
        (await c.query(`SELECT pg_total_relation_size('${table}')::bigint AS b`)).rows[0].b,
      );
      out[name] = { rows: count, bytes, bytesPerRow: bytes / count };
      await c.query(`DROP TABLE ${table}`);
    }
    return { devices: n, ...out, ratio: out.time_order.bytesPerRow / out.key_order.bytesPerRow };
  } finally {
    await c.end();
  }
}
