import type { Database, Statement } from 'better-sqlite3';
import type { StatsParts } from './composed-store.js';
import { rollupRange, StatsBuilder, type StatsQuery, type StatsRow } from './rollup.js';
import { type FleetRow, type LatencyRow, toAppLatency, toFleetMetrics } from './stats-rows.js';
import type { FleetMetrics } from './store.js';

type Resolution = 'minute' | 'hour';

const ROW = 'r.t, r.count, r.errors, r.sum_ms, r.min_ms, r.max_ms, r.hist';
/** Group rollups also keep error classes and phase sums (device rollups do not). */
const GROUP_ROW = `${ROW}, r.error_classes, r.dns_sum, r.dns_n, r.connect_sum, r.connect_n, r.tls_sum,
  r.tls_n, r.ttfb_sum, r.ttfb_n`;

// Every statistics query ends in one primary-key range seek per (key, app): the CTEs below list the
// keys first, either from the caller's lists (json_each) or by a loose index scan that hops from one
// distinct value to the next with min(), so neither old history nor other keys are ever read.

/** Fachverfahren of one group kind: the given ones or every one stored. */
function groupApps(table: string, given: boolean): string {
  return given
    ? 'apps(app) AS (SELECT DISTINCT value FROM json_each(@apps))'
    : `apps(app) AS (
        SELECT (SELECT min(app) FROM ${table} WHERE kind = @kind)
        UNION ALL
        SELECT (SELECT min(app) FROM ${table} WHERE kind = @kind AND app > apps.app) FROM apps
        WHERE apps.app IS NOT NULL)`;
}

function groupKeys(table: string, given: boolean): string {
  return given
    ? 'keys(app, grp) AS (SELECT apps.app, g.value FROM apps, (SELECT DISTINCT value FROM json_each(@groups)) g)'
    : `keys(app, grp) AS (
        SELECT app, (SELECT min(grp) FROM ${table} WHERE kind = @kind AND app = apps.app) FROM apps
        WHERE apps.app IS NOT NULL
        UNION ALL
        SELECT app, (SELECT min(grp) FROM ${table} WHERE kind = @kind AND app = keys.app AND grp > keys.grp)
        FROM keys WHERE keys.grp IS NOT NULL)`;
}

function groupSql(res: Resolution, apps: boolean, groups: boolean): string {
  const table = `rollup_group_${res}`;
  return `WITH RECURSIVE ${groupApps(table, apps)}, ${groupKeys(table, groups)}
    SELECT r.app, r.grp AS "group", ${GROUP_ROW}
    FROM keys CROSS JOIN ${table} r ON r.kind = @kind AND r.app = keys.app AND r.grp = keys.grp
      AND r.t >= @fromT AND r.t <= @toT`;
}

function deviceSql(res: Resolution, apps: boolean): string {
  const table = `rollup_device_${res}`;
  const keys = apps
    ? 'keys(num, id, app) AS (SELECT devs.num, devs.id, a.value FROM devs, (SELECT DISTINCT value FROM json_each(@apps)) a)'
    : `keys(num, id, app) AS (
        SELECT num, id, (SELECT min(app) FROM ${table} WHERE device_num = devs.num) FROM devs
        UNION ALL
        SELECT num, id, (SELECT min(app) FROM ${table} WHERE device_num = keys.num AND app > keys.app)
        FROM keys WHERE keys.app IS NOT NULL)`;
  return `WITH RECURSIVE devs(num, id) AS (
      SELECT d.num, d.id FROM (SELECT DISTINCT value FROM json_each(@groups)) g JOIN devices d ON d.id = g.value),
    ${keys}
    SELECT r.app, keys.id AS "group", ${ROW}
    FROM keys CROSS JOIN ${table} r ON r.device_num = keys.num AND r.app = keys.app
      AND r.t >= @fromT AND r.t <= @toT`;
}

/** Latency statistics, the dashboard chart and fleet aggregates, all from rollups and device rows. */
export function createStats(db: Database) {
  const cache = new Map<string, Statement>();
  // the SQL varies only with which lists are given: eight group shapes, four device shapes, each prepared once
  const prepared = (key: string, sql: () => string): Statement => {
    let stmt = cache.get(key);
    if (!stmt) {
      stmt = db.prepare(sql());
      cache.set(key, stmt);
    }
    return stmt;
  };

  const statsStatement = (res: Resolution, q: StatsQuery): Statement => {
    const apps = q.apps !== undefined;
    if (q.groupBy === 'device') return prepared(`device:${res}:${apps}`, () => deviceSql(res, apps));
    const groups = q.groupBy === 'all' || q.groups !== undefined;
    return prepared(`group:${res}:${apps}:${groups}`, () => groupSql(res, apps, groups));
  };

  // the chart's buckets need neither histograms nor per-group rows: summed in SQL from the 'all' rollups
  const latencyStatement = (res: Resolution): Statement =>
    prepared(
      `latency:${res}`,
      () => `WITH RECURSIVE ${groupApps(`rollup_group_${res}`, false)}
        SELECT r.app, (r.t / CAST(@bucketMs AS INTEGER)) * CAST(@bucketMs AS INTEGER) AS t,
          sum(r.count) AS count, sum(r.errors) AS errors, sum(r.sum_ms) AS sum_ms, max(r.max_ms) AS max_ms
        FROM apps CROSS JOIN rollup_group_${res} r ON r.kind = @kind AND r.app = apps.app AND r.grp = ''
          AND r.t >= @fromT AND r.t <= @toT
        WHERE apps.app IS NOT NULL
        GROUP BY r.app, 2 ORDER BY r.app, 2`,
    );

  const fleet = db.prepare(`SELECT count(*) AS devices, coalesce(sum(online), 0) AS online,
      coalesce(sum(key_available = 1 AND key_present = 1), 0) AS present,
      coalesce(sum(key_available = 1 AND key_present = 0), 0) AS absent
    FROM devices`);
  const vpn =
    db.prepare(`SELECT coalesce(vpn_gateway, '') AS gateway, coalesce(vpn_state, 'unknown') AS state,
      count(*) AS devices
    FROM devices GROUP BY 1, 2 ORDER BY 1, 2`);

  const parts: StatsParts = {
    latencyStats(q) {
      const { resolution, fromT, toT } = rollupRange(q);
      const builder = new StatsBuilder(q);
      if (q.groupBy === 'device' && (q.groups === undefined || q.groups.length === 0))
        return builder.build(resolution);
      const params = {
        kind: q.groupBy,
        fromT,
        toT,
        apps: JSON.stringify(q.apps ?? []),
        groups: JSON.stringify(q.groupBy === 'all' ? [''] : (q.groups ?? [])),
      };
      for (const row of statsStatement(resolution, q).iterate(params)) builder.add(row as StatsRow);
      return builder.build(resolution);
    },

    appLatency({ from, to, bucketSec }) {
      const { resolution, fromT, toT } = rollupRange({ from, to, bucketSec });
      const rows = latencyStatement(resolution).iterate({
        kind: 'all',
        bucketMs: bucketSec * 1000,
        fromT,
        toT,
      });
      return toAppLatency(rows as Iterable<LatencyRow>, bucketSec);
    },

    fleetMetrics: () => toFleetMetrics(fleet.get() as FleetRow, vpn.all() as FleetMetrics['vpn']),
  };
  // the statements are exposed for the EXPLAIN tests: the statement a query would run
  return { ...parts, statsStatement, latencyStatement };
}
