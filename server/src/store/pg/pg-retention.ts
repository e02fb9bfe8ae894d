import type pg from 'pg';
import type { RetentionPolicy } from '../rollup.js';
import type { RetentionResult } from '../store.js';
import { LOCK, withSessionLock } from './pg-db.js';
import { listPartitions, PARTITIONED, type Partition, type PartitionKeeper } from './pg-partitions.js';

/**
 * Where raw deletion stops, as in the SQLite engine: raw samples go in id order up to the first one
 * that is younger than the cutoff (and not stamped further ahead of `now` than the raw period, a
 * notebook with a wrong clock) or not folded yet.
 */
async function rawStopId(
  c: pg.PoolClient,
  cutoff: number,
  ahead: number,
  watermark: number,
): Promise<number> {
  const { rows } = await c.query<{ id: number }>(
    'SELECT id FROM probe_samples WHERE ts >= $1 AND ts <= $2 ORDER BY id LIMIT 1',
    [cutoff, ahead],
  );
  return Math.min(rows[0]?.id ?? Number.POSITIVE_INFINITY, watermark + 1);
}

/** A short transaction of its own under the partition lock, so ingest waits only for the catalog change. */
async function partitionDdl<T>(c: pg.PoolClient, ns: number, fn: () => Promise<T>): Promise<T> {
  await c.query('BEGIN');
  await c.query('SELECT pg_advisory_xact_lock($1, $2)', [ns, LOCK.partitions]);
  const result = await fn();
  await c.query('COMMIT');
  return result;
}

/**
 * Counts and drops a detached partition. Raw samples past the stop id (folded late, or not at all)
 * go back into the parent first: rows written into the partition between the check and the detach.
 */
async function dropDetached(c: pg.PoolClient, ns: number, p: Partition, rawStop: number): Promise<number> {
  return partitionDdl(c, ns, async () => {
    const exists = await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [p.name]);
    if (exists.rows[0]?.t === null) return 0;
    let kept = '';
    if (p.spec.table === 'probe_samples') {
      await c.query(`INSERT INTO probe_samples SELECT * FROM ${p.name} WHERE id >= $1`, [rawStop]);
      kept = ` WHERE id < ${rawStop}`;
    }
    const { rows } = await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${p.name}${kept}`);
    await c.query(`DROP TABLE ${p.name}`);
    return rows[0]!.n;
  });
}

/**
 * Retention: whole partitions older than their cutoff are detached (a moment's lock on the parent),
 * counted and dropped; what remains past the cutoff — in the DEFAULT partitions and in partitions that
 * reach across the cutoff — is deleted row by row. The result counts rows either way, so it is the
 * same as the SQLite engine's.
 *
 * Runs under the fold lock (a session lock: it spans several transactions): while a partition is
 * detached its samples are invisible, and a fold at that moment would step over them.
 */
export function createRetention(pool: pg.Pool, schema: string, ns: number, keeper: PartitionKeeper) {
  return async function applyRetention(now: number, policy: RetentionPolicy): Promise<RetentionResult> {
    const cutoff: RetentionResult = {
      raw: now - policy.rawMs,
      minute: now - policy.minuteMs,
      hour: now - policy.hourMs,
      events: now - policy.eventsMs,
    };
    const result: RetentionResult = { raw: 0, minute: 0, hour: 0, events: 0 };
    let dropped = false;
    await withSessionLock(pool, ns, LOCK.fold, async (c) => {
      const wm = await c.query<{ value: number }>(
        "SELECT value FROM job_state WHERE name = 'samples_folded'",
      );
      const rawStop = await rawStopId(c, cutoff.raw, now + policy.rawMs, wm.rows[0]?.value ?? 0);
      const { attached, detached } = await listPartitions(c, schema);
      // leftovers of a run that stopped between detaching and dropping
      for (const p of detached) result[p.spec.retention] += await dropDetached(c, ns, p, rawStop);
      for (const p of attached) {
        if (p.to > cutoff[p.spec.retention]) continue;
        if (p.spec.table === 'probe_samples') {
          const top = await c.query<{ max: number | null }>(`SELECT max(id) AS max FROM ${p.name}`);
          const max = top.rows[0]?.max ?? null;
          if (max !== null && max >= rawStop) continue;
        }
        await partitionDdl(c, ns, () => c.query(`ALTER TABLE ${p.spec.table} DETACH PARTITION ${p.name}`));
        dropped = true;
        result[p.spec.retention] += await dropDetached(c, ns, p, rawStop);
      }
      const raw = await c.query('DELETE FROM probe_samples WHERE id < $1', [rawStop]);
      result.raw += raw.rowCount ?? 0;
      for (const spec of PARTITIONED) {
        if (spec.table === 'probe_samples') continue;
        const r = await c.query(`DELETE FROM ${spec.table} WHERE ${spec.key} < $1`, [cutoff[spec.retention]]);
        result[spec.retention] += r.rowCount ?? 0;
      }
    });
    if (dropped) keeper.forget();
    await keeper.ensure();
    return result;
  };
}
