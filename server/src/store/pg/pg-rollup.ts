import type pg from 'pg';
import {
  type DeviceCell,
  type FoldSample,
  foldSamples,
  type GroupCell,
  mergeCell,
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
  gateway: string | null;
  site: string | null;
  org_unit: string | null;
}

type StoredRow = RollupRowValues & Record<string, unknown>;

const VALUES = 'count, errors, sum_ms, min_ms, max_ms, hist';
const SET_VALUES = `count = excluded.count, errors = excluded.errors, sum_ms = excluded.sum_ms,
  min_ms = excluded.min_ms, max_ms = excluded.max_ms, hist = excluded.hist`;

/** How one rollup table is keyed: the key columns with their array types, and a cell's key values. */
interface TableShape<C extends RollupCell> {
  table: string;
  keys: readonly { column: string; type: string }[];
  keyOf(cell: C): (string | number)[];
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

const deviceShape = (table: string): TableShape<DeviceCell> => ({
  table,
  keys: DEVICE_KEYS,
  keyOf: (c) => [c.deviceNum, c.app, c.t],
});
const groupShape = (table: string): TableShape<GroupCell> => ({
  table,
  keys: GROUP_KEYS,
  keyOf: (c) => [c.kind, c.app, c.grp, c.t],
});

const keyString = (values: (string | number)[]) => values.join('\u0000');

/**
 * Merges cells into one rollup table: one SELECT reads the rows already stored for their keys, the
 * merge (histograms included) happens here with mergeCell, one INSERT … ON CONFLICT writes them all.
 * The constant t range lets PostgreSQL skip the partitions the cells cannot be in.
 */
async function upsertCells<C extends RollupCell & { t: number }>(
  c: Queryable,
  shape: TableShape<C>,
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
  const unnestKeys = shape.keys.map((k, i) => `$${i + 1}::${k.type}[]`).join(', ');
  const { rows } = await c.query<StoredRow>(
    `SELECT ${keyColumns.map((k) => `r.${k}`).join(', ')}, ${VALUES.split(', ')
      .map((v) => `r.${v}`)
      .join(', ')}
     FROM unnest(${unnestKeys}) AS k(${keyColumns.join(', ')})
     JOIN ${shape.table} r ON ${keyColumns.map((k) => `r.${k} = k.${k}`).join(' AND ')}
     WHERE r.t >= $${n + 1} AND r.t <= $${n + 2}`,
    [...keyArrays, minT, maxT],
  );
  const stored = new Map(rows.map((r) => [keyString(keyColumns.map((k) => r[k] as string | number)), r]));
  const merged = cells.map((cell) => mergeCell(stored.get(keyString(shape.keyOf(cell))), cell));
  const valueTypes = ['bigint', 'bigint', 'float8', 'float8', 'float8', 'bytea'];
  const valueArrays = [
    merged.map((m) => m.count),
    merged.map((m) => m.errors),
    merged.map((m) => m.sum_ms),
    merged.map((m) => m.min_ms),
    merged.map((m) => m.max_ms),
    merged.map((m) => Buffer.from(m.hist.buffer, m.hist.byteOffset, m.hist.byteLength)),
  ];
  const allTypes = [...shape.keys.map((k) => k.type), ...valueTypes];
  await c.query(
    `INSERT INTO ${shape.table} (${keyColumns.join(', ')}, ${VALUES})
     SELECT * FROM unnest(${allTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
     ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${SET_VALUES}`,
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
        `SELECT s.id, d.num, s.app, s.ts, s.ok, s.total_ms, d.vpn_gateway AS gateway, d.site, d.org_unit
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
