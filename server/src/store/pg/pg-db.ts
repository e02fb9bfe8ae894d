import pg from 'pg';

/** What the store's helpers run statements on: the pool, or one checked-out connection. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Advisory lock keys. Every lock is taken as (namespace, kind) where the namespace is a hash of the
 * schema, so stores on different schemas of one database (test files, tenants) never wait for or
 * exclude each other.
 */
export const LOCK = {
  /** ingest holds it shared while it takes sample ids; the rollup job exclusively to read max(id) */
  horizon: 1,
  /** the node that folds samples (and retention, which must not run beside a fold) */
  fold: 2,
  /** creating, detaching and dropping partitions */
  partitions: 3,
  /** applying migrations */
  migrate: 4,
} as const;

/** FNV-1a of the schema name as a signed 32-bit integer: the first half of every advisory lock key. */
export function lockNamespace(schema: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Schema names are spliced into connection options and DDL, so only plain identifiers are accepted. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(
      `PostgreSQL schema name must be a lower-case identifier ([a-z_][a-z0-9_]*), got "${schema}"`,
    );
  return schema;
}

// bigint columns (epoch-ms timestamps, seqs, ids, counts) stay far below 2^53: numbers, not strings.
// numeric only appears as the type of sum(bigint).
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v));

/** A pool whose connections all work in `schema` (search_path set at connection start). */
export function createPool(url: string, schema: string, max: number): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max,
    options: `-c search_path=${checkSchemaName(schema)}`,
    types,
  });
}

/**
 * Runs `fn` in a transaction on one connection. A connection whose rollback fails is discarded
 * rather than returned to the pool in an unknown state.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const c = await pool.connect();
  let result: T;
  try {
    await c.query(begin);
    result = await fn(c);
    await c.query('COMMIT');
  } catch (e) {
    try {
      await c.query('ROLLBACK');
      c.release();
    } catch {
      c.release(true);
    }
    throw e;
  }
  c.release();
  return result;
}

/**
 * Runs `fn` on one connection holding a session-level advisory lock. On any error the connection is
 * destroyed, which is the one sure way to release a session lock whatever state it was left in.
 */
export async function withSessionLock<T>(
  pool: pg.Pool,
  ns: number,
  kind: number,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const c = await pool.connect();
  let result: T;
  try {
    await c.query('SELECT pg_advisory_lock($1, $2)', [ns, kind]);
    result = await fn(c);
    await c.query('SELECT pg_advisory_unlock($1, $2)', [ns, kind]);
  } catch (e) {
    c.release(true);
    throw e;
  }
  c.release();
  return result;
}
