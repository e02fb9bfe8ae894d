import type pg from 'pg';
import type { QueryParts } from '../composed-store.js';
import type { DeviceRow, EventRow, FleetCountsRow, SummaryRow } from '../device-rows.js';
import { containsPattern, toDeviceDetail, toFleetCounts, toSummary } from '../device-rows.js';
import { DEVICE_COLUMNS, SUMMARY_COLUMNS } from './pg-rows.js';

// SQLite compares and orders text by bytes and its LIKE and NOCASE fold ASCII letters only. Under
// the "C" collation PostgreSQL does the same (lower() then leaves Ä alone), whatever the database's
// own collation, so lists come out in the same order from both engines.
const MATCHES = `($1::text IS NULL OR lower(hostname COLLATE "C") LIKE lower($1::text COLLATE "C") ESCAPE '\\'
  OR lower(serial COLLATE "C") LIKE lower($1::text COLLATE "C") ESCAPE '\\')`;
const LIST_ORDER = 'ORDER BY lower(hostname COLLATE "C"), id COLLATE "C"';

// every device, from the trigger-kept counts instead of a scan
const COUNT_ALL = 'SELECT coalesce(sum(n), 0)::integer AS n FROM fleet_counts';

/** Read-side queries: fleet counts, device lists and detail. */
export function createQueries(pool: pg.Pool): QueryParts {
  return {
    async fleetCounts(now) {
      // fleet_counts is kept exact by triggers on devices (migration 2): a few dozen rows, not 100,000
      const { rows } = await pool.query<FleetCountsRow>(`SELECT coalesce(sum(n), 0)::integer AS devices,
          coalesce(sum(n) FILTER (WHERE online), 0)::integer AS online,
          coalesce(sum(n) FILTER (WHERE vpn_state = 'up'), 0)::integer AS up,
          coalesce(sum(n) FILTER (WHERE vpn_state = 'degraded'), 0)::integer AS degraded,
          coalesce(sum(n) FILTER (WHERE vpn_state = 'down'), 0)::integer AS down,
          coalesce(sum(n) FILTER (WHERE key), 0)::integer AS key_present
        FROM fleet_counts`);
      return toFleetCounts(rows[0]!, now);
    },

    async listDevices({ q, limit, offset }) {
      const pattern = q ? containsPattern(q) : null;
      const [list, count] = await Promise.all([
        pool.query<SummaryRow>(
          `SELECT ${SUMMARY_COLUMNS} FROM devices WHERE ${MATCHES} ${LIST_ORDER} LIMIT $2 OFFSET $3`,
          [pattern, limit, offset],
        ),
        pattern === null
          ? pool.query<{ n: number }>(COUNT_ALL)
          : pool.query<{ n: number }>(`SELECT count(*) AS n FROM devices WHERE ${MATCHES}`, [pattern]),
      ]);
      return { total: count.rows[0]!.n, devices: list.rows.map(toSummary) };
    },

    async deviceSummaries(ids) {
      if (!ids) {
        const { rows } = await pool.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM devices ${LIST_ORDER}`);
        return rows.map(toSummary);
      }
      const { rows } = await pool.query<SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM devices WHERE id = ANY($1)`,
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      // in the order asked for, unknown ids left out
      return ids.flatMap((id) => {
        const row = byId.get(id);
        return row ? [toSummary(row)] : [];
      });
    },

    async deviceDetail(deviceId, eventLimit) {
      const [device, events] = await Promise.all([
        pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [deviceId]),
        pool.query<EventRow>(
          `SELECT ts, kind, from_state, to_state, detail FROM events
           WHERE device_id = $1 ORDER BY ts DESC, id DESC LIMIT $2`,
          [deviceId, eventLimit],
        ),
      ]);
      const row = device.rows[0];
      return row ? toDeviceDetail(row, events.rows) : null;
    },
  };
}
