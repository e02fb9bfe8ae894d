import type pg from 'pg';
import {
  type DeviceCell,
  type FoldSample,
  foldSamples,
  type GroupCell,
  type GroupRowValues,
  mergeCell,
  mergeGroupCell,
  type RollupCell,
  type RollupRowValues,
} from '../rollup.js';
import type { RollupResult } from '../store.js';
import { LOCK, type Queryable } from './pg-db.js';

interface SampleForFold {
  id: number;
  num: number;
  app: string;
  ts: number;
  ok: boolean;
  total_ms: number;
  error_class: string | null;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  ttfb_ms: number | null;
  gateway: string | null;
  site: string | null;
  org_unit: string | null;
}

type StoredRow = Record<string, unknown>;

interface Column {
  column: string;
  type: string;
}

/** The latency columns every rollup row has. */
const LATENCY_VALUES: readonly Column[] = [
  { column: 'count', type: 'bigint' },
  { column: 'errors', type: 'bigint' },
  { column: 'sum_ms', type: 'float8' },
  { column: 'min_ms', type: 'float8' },
  { column: 'max_ms', type: 'float8' },
  { column: 'hist', type: 'bytea' },
];
/** Group rows also keep failed runs per error class and the phase sums of answered runs. */
const GROUP_VALUES: readonly Column[] = [
  ...LATENCY_VALUES,
  { column: 'error_classes', type: 'text' },
  ...['dns', 'connect', 'tls', 'ttfb'].flatMap((phase) => [
    { column: `${phase}_sum`, type: 'float8' },
    { column: `${phase}_n`, type: 'bigint' },
  ]),
];

/**
 * How one rollup table is keyed and what it stores: the key columns with their array types, a cell's
 * key values, the value columns, and how a cell merges into the stored row.
 */
interface TableShape<C extends RollupCell, R extends RollupRowValues> {
  table: string;
  keys: readonly Column[];
  keyOf(cell: C): (string | number)[];
  values: readonly Column[];
  merge(existing: R | undefined, cell: C): R;
}

const DEVICE_KEYS = [
  { column: 'device_num', type: 'integer' },
  { column: 'app', type: 'text' },
  { column: 't', type: 'bigint' },
] as const;
const GROUP_KEYS = [
  { column: 'kind', type: 'text' },
  { column: 'app', type: 'text' },
  { column: 'grp', type: 'text' },
  { column: 't', type: 'bigint' },
] as const;

const deviceShape = (table: string): TableShape<DeviceCell, RollupRowValues> => ({
  table,
  keys: DEVICE_KEYS,
  keyOf: (c) => [c.deviceNum, c.app, c.t],
  values: LATENCY_VALUES,
  merge: mergeCell,
});
const groupShape = (table: string): TableShape<GroupCell, GroupRowValues> => ({
  table,
  keys: GROUP_KEYS,
  keyOf: (c) => [c.kind, c.app, c.grp, c.t],
  values: GROUP_VALUES,
  merge: mergeGroupCell,
});

const keyString = (values: (string | number)[]) => values.join('\u0000');

/**
 * Merges cells into one rollup table: one SELECT reads the rows already stored for their keys, the
 * merge (histograms included) happens here with the shape's merge, one INSERT … ON CONFLICT writes
 * them all. The constant t range lets PostgreSQL skip the partitions the cells cannot be in.
 */
async function upsertCells<C extends RollupCell & { t: number }, R extends RollupRowValues>(
  c: Queryable,
  shape: TableShape<C, R>,
  cells: C[],
): Promise<void> {
  if (cells.length === 0) return;
  const keyColumns = shape.keys.map((k) => k.column);
  const keyArrays = shape.keys.map((_, i) => cells.map((cell) => shape.keyOf(cell)[i]));
  let minT = Number.POSITIVE_INFINITY;
  let maxT = Number.NEGATIVE_INFINITY;
  for (const cell of cells) {
    minT = Math.min(minT, cell.t);
    maxT = Math.max(maxT, cell.t);
  }
  const n = shape.keys.length;
  const valueColumns = shape.values.map((v) => v.column);
  const unnestKeys = shape.keys.map((k, i) => `$${i + 1}::${k.type}[]`).join(', ');
  const { rows } = await c.query<StoredRow>(
    `SELECT ${[...keyColumns, ...valueColumns].map((k) => `r.${k}`).join(', ')}
     FROM unnest(${unnestKeys}) AS k(${keyColumns.join(', ')})
     JOIN ${shape.table} r ON ${keyColumns.map((k) => `r.${k} = k.${k}`).join(' AND ')}
     WHERE r.t >= $${n + 1} AND r.t <= $${n + 2}`,
    [...keyArrays, minT, maxT],
  );
  const stored = new Map(rows.map((r) => [keyString(keyColumns.map((k) => r[k] as string | number)), r]));
  const merged = cells.map(
    (cell) => shape.merge(stored.get(keyString(shape.keyOf(cell))) as R | undefined, cell) as StoredRow,
  );
  const valueArrays = valueColumns.map((column) =>
    column === 'hist'
      ? merged.map((m) => {
          const hist = m.hist as Uint8Array;
          return Buffer.from(hist.buffer, hist.byteOffset, hist.byteLength);
        })
      : merged.map((m) => m[column]),
  );
  const allTypes = [...shape.keys, ...shape.values].map((col) => col.type);
  await c.query(
    `INSERT INTO ${shape.table} (${[...keyColumns, ...valueColumns].join(', ')})
     SELECT * FROM unnest(${allTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
     ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${valueColumns.map((v) => `${v} = excluded.${v}`).join(', ')}`,
    [...keyArrays, ...valueArrays],
  );
}

/**
 * The rollup job. Only one node folds at a time (a try-lock: the others return at once), and it folds
 * only samples below a committed horizon:
 *
 * 1. Take the fold lock for this transaction, or return {samples: 0, caughtUp: true}.
 * 2. Take the horizon lock exclusively — ingest transactions hold it shared while they take sample
 *    ids — read max(id), release it. Every id up to that max now belongs to a finished transaction.
 * 3. Fold the samples in (watermark, max] in id order (at most `limit`), merge them into the rollups
 *    and move the watermark, all in the same transaction.
 *
 * Without step 2 a sample whose transaction commits after a higher id was folded would lie below the
 * watermark forever. The horizon lock is a session lock so it can be let go before the fold ends.
 */
export function createRollup(pool: pg.Pool, ns: number) {
  return async function rollup(limit: number): Promise<RollupResult> {
    const c = await pool.connect();
    let horizonHeld = false;
    try {
      await c.query('BEGIN');
      const got = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [
        ns,
        LOCK.fold,
      ]);
      if (!got.rows[0]!.ok) {
        await c.query('ROLLBACK');
        c.release();
        return { samples: 0, caughtUp: true };
      }
      horizonHeld = true;
      await c.query('SELECT pg_advisory_lock($1, $2)', [ns, LOCK.horizon]);
      const horizon = await c.query<{ max: number }>('SELECT coalesce(max(id), 0) AS max FROM probe_samples');
      await c.query('SELECT pg_advisory_unlock($1, $2)', [ns, LOCK.horizon]);
      horizonHeld = false;
      const max = horizon.rows[0]!.max;

      const wm = await c.query<{ value: number }>(
        "SELECT value FROM job_state WHERE name = 'samples_folded' FOR UPDATE",
      );
      const from = wm.rows[0]?.value ?? 0;
      // the device's groups as they are now, not as they were when the sample was taken
      const { rows } = await c.query<SampleForFold>(
        `SELECT s.id, d.num, s.app, s.ts, s.ok, s.total_ms, s.error_class, s.dns_ms, s.connect_ms, s.tls_ms,
           s.ttfb_ms, d.vpn_gateway AS gateway, d.site, d.org_unit
         FROM probe_samples s JOIN devices d ON d.id = s.device_id
         WHERE s.id > $1 AND s.id <= $2 ORDER BY s.id LIMIT $3`,
        [from, max, limit],
      );
      if (rows.length === 0) {
        await c.query('COMMIT');
        c.release();
        return { samples: 0, caughtUp: true };
      }
      const samples: FoldSample[] = rows.map((r) => ({
        deviceNum: r.num,
        app: r.app,
        ts: r.ts,
        ok: r.ok,
        totalMs: r.total_ms,
        gateway: r.gateway ?? '',
        site: r.site ?? '',
        orgUnit: r.org_unit ?? '',
        errorClass: r.error_class,
        dnsMs: r.dns_ms,
        connectMs: r.connect_ms,
        tlsMs: r.tls_ms,
        ttfbMs: r.ttfb_ms,
      }));
      const folded = foldSamples(samples);
      await upsertCells(c, deviceShape('rollup_device_minute'), folded.deviceMinute);
      await upsertCells(c, deviceShape('rollup_device_hour'), folded.deviceHour);
      await upsertCells(c, groupShape('rollup_group_minute'), folded.groupMinute);
      await upsertCells(c, groupShape('rollup_group_hour'), folded.groupHour);
      await c.query("UPDATE job_state SET value = $1 WHERE name = 'samples_folded'", [
        rows[rows.length - 1]!.id,
      ]);
      await c.query('COMMIT');
      c.release();
      return { samples: rows.length, caughtUp: rows.length < limit };
    } catch (e) {
      // a session lock must not outlive the failure: without a clean rollback the connection goes
      if (horizonHeld) c.release(true);
      else
        await c.query('ROLLBACK').then(
          () => c.release(),
          () => c.release(true),
        );
      throw e;
    }
  };
}
