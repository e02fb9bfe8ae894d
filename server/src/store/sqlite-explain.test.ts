import type { Statement } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, vpn } from '../test-support/fixtures.js';
import { rollupRange, type StatsQuery } from './rollup.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
const DAY = 86_400_000;

// EXPLAIN QUERY PLAN of the statements the store really runs (their own SQL and parameters): every
// rollup read must be a primary-key range seek, every deletion an index or rowid range.

describe('SqliteStore query plans', () => {
  let store: SqliteStore;
  const plan = (stmt: Statement, params: unknown): string[] =>
    (store.db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(params as object) as { detail: string }[]).map(
      (r) => r.detail,
    );
  const statsParams = (q: StatsQuery) => {
    const { fromT, toT } = rollupRange(q);
    return {
      kind: q.groupBy,
      fromT,
      toT,
      apps: JSON.stringify(q.apps ?? []),
      groups: JSON.stringify(q.groups ?? ['']),
    };
  };
  const statsPlan = (q: StatsQuery) => {
    const stmt = store.stats.statsStatement(rollupRange(q).resolution, q);
    return { sql: stmt.source, plan: plan(stmt, statsParams(q)) };
  };

  beforeAll(async () => {
    store = new SqliteStore(':memory:');
    for (let d = 0; d < 20; d++) {
      const id = `dev_${d}`;
      await store.enrollDevice({
        newDeviceId: id,
        hardwareId: `hw${d}`,
        hostname: id,
        tokenHash: 'x',
        now: T0,
      });
      const obs = [vpn(1, T0 - 40 * DAY, 'up', { gateway: `gw-${d % 3}` })];
      for (let i = 0; i < 200; i++) {
        obs.push(probe(i + 2, T0 - 40 * DAY + i * 5 * 3_600_000, { app: i % 2 ? 'GIS' : 'Standesamt' }));
      }
      await store.ingestBatch(id, obs, T0);
    }
    await store.rollup();
  });
  afterAll(async () => {
    await store.close();
  });

  it('answers one application by gateway over 30 days with seeks on the hour rollups primary key', () => {
    const { sql, plan: p } = statsPlan({
      from: T0 - 30 * DAY,
      to: T0,
      bucketSec: 0,
      groupBy: 'gateway',
      apps: ['GIS'],
    });
    expect(sql).toContain('CROSS JOIN rollup_group_hour r');
    expect(p).toContain('SEARCH r USING PRIMARY KEY (kind=? AND app=? AND grp=? AND t>? AND t<?)');
    // the groups are found by hopping along the key, never by reading rows
    expect(p).toContain('SEARCH rollup_group_hour USING PRIMARY KEY (kind=? AND app=? AND grp>?)');
    expect(p.filter((d) => /^SCAN (r|rollup_)/.test(d))).toEqual([]);
  });

  it('never scans a rollup table, whatever lists a statistics query gives', () => {
    const base = { from: T0 - DAY, to: T0, bucketSec: 0 };
    for (const groupBy of ['all', 'gateway', 'site', 'orgUnit'] as const) {
      for (const apps of [undefined, ['GIS']]) {
        for (const groups of groupBy === 'all' ? [undefined] : [undefined, ['gw-1']]) {
          for (const bucketSec of [0, 60]) {
            const q: StatsQuery = { ...base, bucketSec, groupBy, apps, groups };
            const { plan: p } = statsPlan(q);
            const what = JSON.stringify(q);
            expect(p, what).toContain(
              'SEARCH r USING PRIMARY KEY (kind=? AND app=? AND grp=? AND t>? AND t<?)',
            );
            expect(
              p.filter((d) => /^SCAN (r|rollup_)/.test(d)),
              what,
            ).toEqual([]);
          }
        }
      }
    }
  });

  it('answers device statistics from the device rollups primary key', () => {
    for (const apps of [undefined, ['GIS']]) {
      for (const bucketSec of [0, 3600, 60]) {
        const q: StatsQuery = {
          from: T0 - 7 * DAY,
          to: T0,
          bucketSec,
          groupBy: 'device',
          apps,
          groups: ['dev_1', 'dev_2'],
        };
        const { sql, plan: p } = statsPlan(q);
        expect(sql).toContain(`CROSS JOIN rollup_device_${bucketSec === 60 ? 'minute' : 'hour'} r`);
        expect(p, JSON.stringify(q)).toContain(
          'SEARCH r USING PRIMARY KEY (device_num=? AND app=? AND t>? AND t<?)',
        );
        expect(p).toContain('SEARCH d USING INDEX sqlite_autoindex_devices_1 (id=?)');
        expect(p.filter((d) => /^SCAN (r|rollup_|d$|devices)/.test(d))).toEqual([]);
      }
    }
  });

  it('draws the dashboard chart from the whole-fleet rollups primary key', () => {
    for (const res of ['minute', 'hour'] as const) {
      const stmt = store.stats.latencyStatement(res);
      expect(stmt.source).toContain(`CROSS JOIN rollup_group_${res} r`);
      const p = plan(stmt, { kind: 'all', bucketMs: 60_000, fromT: T0 - DAY, toT: T0 });
      expect(p).toContain('SEARCH r USING PRIMARY KEY (kind=? AND app=? AND grp=? AND t>? AND t<?)');
      expect(p.filter((d) => /^SCAN (r|rollup_)/.test(d))).toEqual([]);
    }
  });

  it('counts the fleet from the trigger-kept counts, not from the device rows', () => {
    const fleetPlan = (sql: string) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
    expect(fleetPlan('SELECT sum(n) FILTER (WHERE online = 1) AS online FROM fleet_counts')).toEqual([
      'SCAN fleet_counts',
    ]);
    // a device deleted by hand leaves the counts too
    const before = store.db.prepare('SELECT sum(n) AS n FROM fleet_counts').get() as { n: number };
    const { n: devices } = store.db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number };
    expect(before.n).toBe(devices);
    store.db.exec('SAVEPOINT remove_one');
    store.db.prepare('DELETE FROM devices WHERE rowid = (SELECT min(rowid) FROM devices)').run();
    expect((store.db.prepare('SELECT sum(n) AS n FROM fleet_counts').get() as { n: number }).n).toBe(
      devices - 1,
    );
    store.db.exec('ROLLBACK TO remove_one; RELEASE remove_one');
  });

  it('reads new raw samples by a rowid range and their devices by id', () => {
    const p = plan(store.rollups.statements.readSamples, [0, 50_000]);
    expect(p).toEqual([
      'SEARCH s USING INTEGER PRIMARY KEY (rowid>?)',
      'SEARCH d USING INDEX sqlite_autoindex_devices_1 (id=?)',
    ]);
  });

  it('deletes raw samples by a rowid range and rollups and events through their time indexes', () => {
    const { deleteRaw, deleteOld, rawStop } = store.rollups.statements;
    expect(plan(deleteRaw, [1000, 10_000])).toContain(
      'SEARCH probe_samples USING INTEGER PRIMARY KEY (rowid<?)',
    );
    // the end of the deletable prefix: walked in rowid order from the start, no sorting
    const stop = plan(rawStop, { cutoff: T0, ahead: T0, watermark: 0 });
    expect(stop).toContain('SCAN probe_samples');
    expect(stop.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
    const expected = [
      ['minute', 'rollup_device_minute'],
      ['minute', 'rollup_group_minute'],
      ['hour', 'rollup_device_hour'],
      ['hour', 'rollup_group_hour'],
    ] as const;
    for (const [kind, table] of expected) {
      const p = deleteOld[kind].flatMap((s) => plan(s, [T0, 10_000]));
      expect(p).toContain(`SEARCH ${table} USING COVERING INDEX ${table}_t (t<?)`);
      expect(p).toContain(
        `SEARCH ${table} USING PRIMARY KEY (${table.includes('device') ? 'device_num=? AND app=? AND t=?' : 'kind=? AND app=? AND grp=? AND t=?'})`,
      );
    }
    const events = plan(deleteOld.events[0]!, [T0, 10_000]);
    expect(events).toContain('SEARCH events USING COVERING INDEX events_ts (ts<?)');
    expect(events.filter((d) => d.startsWith('SCAN'))).toEqual([]);
  });
});
