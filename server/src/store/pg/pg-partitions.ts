import type pg from 'pg';
import type { RetentionResult } from '../store.js';
import { LOCK, type Queryable } from './pg-db.js';

const DAY_MS = 86_400_000;

/** A time-partitioned table: by what column, in what steps, and which retention period applies. */
export interface PartitionedTable {
  table: string;
  key: 'ts' | 't';
  unit: 'day' | 'month';
  retention: keyof RetentionResult;
}

/** Raw samples and minute rollups by day, hour rollups and events by month. */
export const PARTITIONED: readonly PartitionedTable[] = [
  { table: 'probe_samples', key: 'ts', unit: 'day', retention: 'raw' },
  { table: 'rollup_device_minute', key: 't', unit: 'day', retention: 'minute' },
  { table: 'rollup_group_minute', key: 't', unit: 'day', retention: 'minute' },
  { table: 'rollup_device_hour', key: 't', unit: 'month', retention: 'hour' },
  { table: 'rollup_group_hour', key: 't', unit: 'month', retention: 'hour' },
  { table: 'events', key: 'ts', unit: 'month', retention: 'events' },
];

/** One dated partition: rows with from ≤ key < to (epoch ms, UTC days and months). */
export interface Partition {
  spec: PartitionedTable;
  name: string;
  from: number;
  to: number;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The partition of `spec` that holds time `t`. */
export function partitionAt(spec: PartitionedTable, t: number): Partition {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (spec.unit === 'day') {
    const from = Date.UTC(y, m, d.getUTCDate());
    return { spec, name: `${spec.table}_p${y}${two(m + 1)}${two(d.getUTCDate())}`, from, to: from + DAY_MS };
  }
  return {
    spec,
    name: `${spec.table}_p${y}${two(m + 1)}`,
    from: Date.UTC(y, m, 1),
    to: Date.UTC(y, m + 1, 1),
  };
}

/** The partition a table name stands for, or null when the name is not one of ours. */
export function parsePartition(name: string): Partition | null {
  for (const spec of PARTITIONED) {
    const m = new RegExp(`^${spec.table}_p(\\d{4})(\\d{2})(\\d{2})?$`).exec(name);
    if (!m || (m[3] === undefined) !== (spec.unit === 'month')) continue;
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, m[3] === undefined ? 1 : Number(m[3]));
    const p = partitionAt(spec, t);
    if (p.name === name) return p;
  }
  return null;
}

/** The partitions kept ready around `now`: yesterday to the day after tomorrow, this month and the next. */
export function wantedPartitions(now: number): Partition[] {
  const out: Partition[] = [];
  for (const spec of PARTITIONED) {
    if (spec.unit === 'day') {
      for (const days of [-1, 0, 1, 2]) out.push(partitionAt(spec, now + days * DAY_MS));
    } else {
      const current = partitionAt(spec, now);
      out.push(current, partitionAt(spec, current.to));
    }
  }
  return out;
}

/** Our dated tables in `schema`: attached partitions, and detached ones a retention run left behind. */
export async function listPartitions(
  q: Queryable,
  schema: string,
): Promise<{ attached: Partition[]; detached: Partition[] }> {
  const { rows } = await q.query<{ relname: string; relispartition: boolean }>(
    `SELECT c.relname, c.relispartition FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ '_p[0-9]{6,8}$'`,
    [schema],
  );
  const attached: Partition[] = [];
  const detached: Partition[] = [];
  for (const r of rows) {
    const p = parsePartition(r.relname);
    if (p) (r.relispartition ? attached : detached).push(p);
  }
  return { attached, detached };
}

/**
 * Creates one partition in its own transaction. Rows of its range that already sit in the DEFAULT
 * partition (written while the partition did not exist) are moved into it first, otherwise the
 * attach would fail. Attaching takes a lighter lock on the parent than CREATE … PARTITION OF, so
 * ingest only waits for the moment the catalog changes.
 */
export async function createPartition(q: Queryable, ns: number, p: Partition): Promise<void> {
  const { table, key } = p.spec;
  await q.query(`DO $do$
    BEGIN
      PERFORM pg_advisory_xact_lock(${ns}, ${LOCK.partitions});
      IF to_regclass('${p.name}') IS NULL THEN
        CREATE TABLE ${p.name} (LIKE ${table} INCLUDING DEFAULTS);
        WITH moved AS (DELETE FROM ${table}_default WHERE ${key} >= ${p.from} AND ${key} < ${p.to} RETURNING *)
          INSERT INTO ${p.name} SELECT * FROM moved;
        ALTER TABLE ${table} ATTACH PARTITION ${p.name} FOR VALUES FROM (${p.from}) TO (${p.to});
      END IF;
    END
  $do$`);
}

/**
 * Keeps the partitions around the current day ready. Checking the catalog once per day and store is
 * enough: the job calls this every few seconds.
 */
export class PartitionKeeper {
  private readyDay: number | null = null;
  private running: { day: number; done: Promise<void> } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly ns: number,
  ) {}

  /** Creates the missing partitions around `now` (idempotent; safe from several nodes at once). */
  async ensure(now = Date.now()): Promise<void> {
    const day = Math.floor(now / DAY_MS);
    if (this.readyDay === day) return;
    // calls that overlap share one run
    let run = this.running;
    if (run?.day !== day) {
      const started = { day, done: this.create(now) };
      run = started;
      this.running = started;
      started.done
        .then(() => {
          if (this.running === started) this.readyDay = day;
        })
        .catch(() => {})
        .finally(() => {
          if (this.running === started) this.running = null;
        });
    }
    await run.done;
  }

  /** Forgets what was prepared, after retention dropped partitions. */
  forget(): void {
    this.readyDay = null;
  }

  private async create(now: number): Promise<void> {
    const { attached, detached } = await listPartitions(this.pool, this.schema);
    // a detached leftover with the same name blocks creation until retention has dropped it
    const present = new Set([...attached, ...detached].map((p) => p.name));
    for (const p of wantedPartitions(now))
      if (!present.has(p.name)) await createPartition(this.pool, this.ns, p);
  }
}
