import type pg from 'pg';
import type { StatsParts } from '../composed-store.js';
import { rollupRange, StatsBuilder, type StatsQuery, type StatsRow } from '../rollup.js';
import { type FleetRow, type LatencyRow, toAppLatency, toFleetMetrics } from '../stats-rows.js';
import type { FleetMetrics } from '../store.js';

const ROW = 'r.t, r.count, r.errors, r.sum_ms, r.min_ms, r.max_ms, r.hist';
/** Group rollups also keep error classes and phase sums (device rollups do not). */
const GROUP_ROW = `${ROW}, r.error_classes, r.dns_sum, r.dns_n, r.connect_sum, r.connect_n, r.tls_sum,
  r.tls_n, r.ttfb_sum, r.ttfb_n`;

/**
 * The SQL of a statistics query. Every filter is in the WHERE clause as a constant range on t, so
 * PostgreSQL reads only the partitions of the asked time range; the key lists arrive as arrays.
 */
function statsSql(resolution: 'minute' | 'hour', q: StatsQuery): { text: string; values: unknown[] } {
  const { fromT, toT } = rollupRange(q);
  const values: unknown[] = [fromT, toT];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (q.groupBy === 'device') {
    const apps = q.apps ? ` AND r.app = ANY(${param(q.apps)}::text[])` : '';
    return {
      text: `SELECT r.app, d.id AS "group", ${ROW}
        FROM devices d JOIN rollup_device_${resolution} r ON r.device_num = d.num
        WHERE d.id = ANY(${param(q.groups ?? [])}::text[]) AND r.t >= $1 AND r.t <= $2${apps}`,
      values,
    };
  }
  const kind = param(q.groupBy);
  const apps = q.apps ? ` AND r.app = ANY(${param(q.apps)}::text[])` : '';
  // the whole fleet is one group, '' (a groups list means nothing there)
  const groups =
    q.groupBy === 'all' ? " AND r.grp = ''" : q.groups ? ` AND r.grp = ANY(${param(q.groups)}::text[])` : '';
  return {
    text: `SELECT r.app, r.grp AS "group", ${GROUP_ROW} FROM rollup_group_${resolution} r
      WHERE r.kind = ${kind} AND r.t >= $1 AND r.t <= $2${apps}${groups}`,
    values,
  };
}

/** Latency statistics, the dashboard chart and fleet aggregates, all from rollups and device rows. */
export function createStats(pool: pg.Pool): StatsParts {
  return {
    async latencyStats(q) {
      const { resolution } = rollupRange(q);
      const builder = new StatsBuilder(q);
      if (q.groupBy === 'device' && (q.groups === undefined || q.groups.length === 0))
        return builder.build(resolution);
      const { rows } = await pool.query<StatsRow>(statsSql(resolution, q));
      for (const row of rows) builder.add(row);
      return builder.build(resolution);
    },

    /** The chart's buckets need neither histograms nor groups: summed in SQL from the fleet rollups. */
    async appLatency({ from, to, bucketSec }) {
      const { resolution, fromT, toT } = rollupRange({ from, to, bucketSec });
      const { rows } = await pool.query<LatencyRow>(
        `SELECT app, (t / nullif($3::bigint, 0)) * $3::bigint AS t, sum(count) AS count, sum(errors) AS errors,
           sum(sum_ms) AS sum_ms, max(max_ms) AS max_ms
         FROM rollup_group_${resolution}
         WHERE kind = 'all' AND grp = '' AND t >= $1 AND t <= $2
         GROUP BY 1, 2 ORDER BY app COLLATE "C", 2`,
        [fromT, toT, bucketSec * 1000],
      );
      return toAppLatency(rows, bucketSec);
    },

    async fleetMetrics() {
      const [fleet, vpn] = await Promise.all([
        pool.query<FleetRow>(
          `SELECT count(*) AS devices, count(*) FILTER (WHERE online) AS online,
             count(*) FILTER (WHERE key_available AND key_present) AS present,
             count(*) FILTER (WHERE key_available AND NOT key_present) AS absent
           FROM devices`,
        ),
        pool.query<FleetMetrics['vpn'][number]>(
          `SELECT coalesce(vpn_gateway, '') AS gateway, coalesce(vpn_state, 'unknown') AS state, count(*) AS devices
           FROM devices GROUP BY 1, 2
           ORDER BY coalesce(vpn_gateway, '') COLLATE "C", coalesce(vpn_state, 'unknown') COLLATE "C"`,
        ),
      ]);
      return toFleetMetrics(fleet.rows[0]!, vpn.rows);
    },
  };
}
