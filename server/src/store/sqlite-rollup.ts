import type { Database, Statement } from 'better-sqlite3';
import {
  type DeviceCell,
  type FoldSample,
  foldSamples,
  type GroupCell,
  type GroupRowValues,
  mergeCell,
  mergeGroupCell,
  type RetentionPolicy,
  type RollupRowValues,
} from './rollup.js';
import type { RetentionResult, RollupResult } from './store.js';

interface SampleForFold {
  id: number;
  num: number;
  app: string;
  ts: number;
  ok: number;
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

/** Rows one retention statement deletes at most: keeps each write transaction (and ingest's wait) short. */
export const RETENTION_BATCH = 10_000;

const DEVICE_TABLES = ['rollup_device_minute', 'rollup_device_hour'] as const;
const GROUP_TABLES = ['rollup_group_minute', 'rollup_group_hour'] as const;
const VALUES = 'count, errors, sum_ms, min_ms, max_ms, hist';
const SET_VALUES = `count = excluded.count, errors = excluded.errors, sum_ms = excluded.sum_ms,
  min_ms = excluded.min_ms, max_ms = excluded.max_ms, hist = excluded.hist`;
/** What group rows keep beyond the latency: failed runs per error class, phase sums and counts. */
const DETAIL = [
  'error_classes',
  'dns_sum',
  'dns_n',
  'connect_sum',
  'connect_n',
  'tls_sum',
  'tls_n',
  'ttfb_sum',
  'ttfb_n',
];
const GROUP_VALUES = `${VALUES}, ${DETAIL.join(', ')}`;
const GROUP_SET_VALUES = `${SET_VALUES}, ${DETAIL.map((c) => `${c} = excluded.${c}`).join(', ')}`;

export interface RollupOps {
  rollup(limit: number): RollupResult;
  /** `stop` ends the work early (the store is closing); what was deleted so far is counted. */
  applyRetention(now: number, policy: RetentionPolicy, stop: () => boolean): Promise<RetentionResult>;
  /** Statements the EXPLAIN tests look at. */
  statements: {
    readSamples: Statement;
    rawStop: Statement;
    deleteRaw: Statement;
    deleteOld: Record<'minute' | 'hour' | 'events', Statement[]>;
  };
}

/** The rollup job and retention of the SQLite engine. */
export function createRollupOps(db: Database): RollupOps {
  const readWatermark = db
    .prepare("SELECT value FROM job_state WHERE name = 'samples_folded'")
    .pluck() as Statement<[], number>;
  const writeWatermark = db.prepare("UPDATE job_state SET value = ? WHERE name = 'samples_folded'");
  // the device's groups as they are now, not as they were when the sample was taken
  const readSamples = db.prepare(`SELECT s.id, d.num, s.app, s.ts, s.ok, s.total_ms, s.error_class,
      s.dns_ms, s.connect_ms, s.tls_ms, s.ttfb_ms, d.vpn_gateway AS gateway, d.site, d.org_unit
    FROM probe_samples s JOIN devices d ON d.id = s.device_id
    WHERE s.id > ? ORDER BY s.id LIMIT ?`);

  const deviceStmts = DEVICE_TABLES.map((table) => ({
    get: db.prepare(`SELECT ${VALUES} FROM ${table} WHERE device_num = ? AND app = ? AND t = ?`),
    put: db.prepare(`INSERT INTO ${table} (device_num, app, t, ${VALUES})
      VALUES (@device_num, @app, @t, @count, @errors, @sum_ms, @min_ms, @max_ms, @hist)
      ON CONFLICT (device_num, app, t) DO UPDATE SET ${SET_VALUES}`),
  }));
  const groupStmts = GROUP_TABLES.map((table) => ({
    get: db.prepare(`SELECT ${GROUP_VALUES} FROM ${table} WHERE kind = ? AND app = ? AND grp = ? AND t = ?`),
    put: db.prepare(`INSERT INTO ${table} (kind, app, grp, t, ${GROUP_VALUES})
      VALUES (@kind, @app, @grp, @t, @count, @errors, @sum_ms, @min_ms, @max_ms, @hist,
        ${DETAIL.map((c) => `@${c}`).join(', ')})
      ON CONFLICT (kind, app, grp, t) DO UPDATE SET ${GROUP_SET_VALUES}`),
  }));

  function upsertDevice(i: 0 | 1, cells: DeviceCell[]): void {
    const { get, put } = deviceStmts[i]!;
    for (const c of cells) {
      const existing = get.get(c.deviceNum, c.app, c.t) as RollupRowValues | undefined;
      put.run({ device_num: c.deviceNum, app: c.app, t: c.t, ...mergeCell(existing, c) });
    }
  }

  function upsertGroup(i: 0 | 1, cells: GroupCell[]): void {
    const { get, put } = groupStmts[i]!;
    for (const c of cells) {
      const existing = get.get(c.kind, c.app, c.grp, c.t) as GroupRowValues | undefined;
      put.run({ kind: c.kind, app: c.app, grp: c.grp, t: c.t, ...mergeGroupCell(existing, c) });
    }
  }

  const rollup = db.transaction((limit: number): RollupResult => {
    const from = readWatermark.get() ?? 0;
    const rows = readSamples.all(from, limit) as SampleForFold[];
    if (rows.length === 0) return { samples: 0, caughtUp: true };
    const samples: FoldSample[] = rows.map((r) => ({
      deviceNum: r.num,
      app: r.app,
      ts: r.ts,
      ok: r.ok === 1,
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
    upsertDevice(0, folded.deviceMinute);
    upsertDevice(1, folded.deviceHour);
    upsertGroup(0, folded.groupMinute);
    upsertGroup(1, folded.groupHour);
    writeWatermark.run(rows[rows.length - 1]!.id);
    return { samples: rows.length, caughtUp: rows.length < limit };
  });

  // Raw samples go in id order: the first sample that is still young, or not folded yet, ends the
  // prefix that may go (ids are AUTOINCREMENT, so a new sample never gets an id below the watermark).
  // A sample stamped further ahead of `now` than the raw period (a notebook with a wrong clock) must
  // not hold back deletion for years.
  const rawStop = db
    .prepare(`SELECT coalesce((SELECT id FROM probe_samples
          WHERE (ts >= @cutoff AND ts <= @ahead) OR id > @watermark ORDER BY id LIMIT 1), @watermark + 1)`)
    .pluck() as Statement<[{ cutoff: number; ahead: number; watermark: number }], number>;
  const deleteRaw = db.prepare(
    'DELETE FROM probe_samples WHERE id IN (SELECT id FROM probe_samples WHERE id < ? ORDER BY id LIMIT ?)',
  );
  const deleteOld: RollupOps['statements']['deleteOld'] = {
    minute: [
      db.prepare(`DELETE FROM rollup_device_minute WHERE (device_num, app, t) IN
        (SELECT device_num, app, t FROM rollup_device_minute WHERE t < ? LIMIT ?)`),
      db.prepare(`DELETE FROM rollup_group_minute WHERE (kind, app, grp, t) IN
        (SELECT kind, app, grp, t FROM rollup_group_minute WHERE t < ? LIMIT ?)`),
    ],
    hour: [
      db.prepare(`DELETE FROM rollup_device_hour WHERE (device_num, app, t) IN
        (SELECT device_num, app, t FROM rollup_device_hour WHERE t < ? LIMIT ?)`),
      db.prepare(`DELETE FROM rollup_group_hour WHERE (kind, app, grp, t) IN
        (SELECT kind, app, grp, t FROM rollup_group_hour WHERE t < ? LIMIT ?)`),
    ],
    events: [db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ? LIMIT ?)')],
  };

  /** Deletes in batches, each its own transaction, yielding between them so ingest gets the lock. */
  async function drain(stmt: Statement, bound: number, stop: () => boolean): Promise<number> {
    let total = 0;
    for (;;) {
      if (stop()) return total;
      const n = stmt.run(bound, RETENTION_BATCH).changes;
      total += n;
      if (n < RETENTION_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    rollup,
    statements: { readSamples, rawStop, deleteRaw, deleteOld },

    async applyRetention(
      now: number,
      policy: RetentionPolicy,
      stop: () => boolean,
    ): Promise<RetentionResult> {
      const watermark = readWatermark.get() ?? 0;
      const stopId = rawStop.get({ cutoff: now - policy.rawMs, ahead: now + policy.rawMs, watermark }) ?? 0;
      const result: RetentionResult = { raw: 0, minute: 0, hour: 0, events: 0 };
      result.raw = await drain(deleteRaw, stopId, stop);
      for (const [kind, cutoff] of [
        ['minute', now - policy.minuteMs],
        ['hour', now - policy.hourMs],
        ['events', now - policy.eventsMs],
      ] as const) {
        for (const stmt of deleteOld[kind]) result[kind] += await drain(stmt, cutoff, stop);
      }
      return result;
    },
  };
}
