import type { Database } from 'better-sqlite3';
import type { QueryParts } from './composed-store.js';
import type { DeviceRow, EventRow, FleetCountsRow, SummaryRow } from './device-rows.js';
import { containsPattern, summaryColumns, toDeviceDetail, toFleetCounts, toSummary } from './device-rows.js';

/** Read-side queries: fleet counts, device lists and detail. */
export function createQueries(db: Database): QueryParts {
  // fleet_counts is kept exact by triggers on devices (migration 5): a few dozen rows, not 100,000
  const fleet = db.prepare(`SELECT coalesce(sum(n), 0) AS devices,
      coalesce(sum(n) FILTER (WHERE online = 1), 0) AS online,
      coalesce(sum(n) FILTER (WHERE vpn_state = 'up'), 0) AS up,
      coalesce(sum(n) FILTER (WHERE vpn_state = 'degraded'), 0) AS degraded,
      coalesce(sum(n) FILTER (WHERE vpn_state = 'down'), 0) AS down,
      coalesce(sum(n) FILTER (WHERE key = 1), 0) AS key_present
    FROM fleet_counts`);
  const summary = summaryColumns();
  // LIKE is case-insensitive for ASCII in SQLite; NOCASE ordering matches the hostname index
  const search = db.prepare(`SELECT ${summary} FROM devices
    WHERE @pattern IS NULL OR hostname LIKE @pattern ESCAPE '\\' OR serial LIKE @pattern ESCAPE '\\'
    ORDER BY hostname COLLATE NOCASE, id LIMIT @limit OFFSET @offset`);
  const searchCount = db.prepare(`SELECT count(*) AS n FROM devices
    WHERE hostname LIKE @pattern ESCAPE '\\' OR serial LIKE @pattern ESCAPE '\\'`);
  const countAll = db.prepare('SELECT coalesce(sum(n), 0) AS n FROM fleet_counts');
  const all = db.prepare(`SELECT ${summary} FROM devices ORDER BY hostname COLLATE NOCASE, id`);
  const oneSummary = db.prepare(`SELECT ${summary} FROM devices WHERE id = ?`);
  const one = db.prepare('SELECT * FROM devices WHERE id = ?');
  const events = db.prepare(`SELECT ts, kind, from_state, to_state, detail FROM events
    WHERE device_id = ? ORDER BY ts DESC, id DESC LIMIT ?`);

  return {
    fleetCounts: (now) => toFleetCounts(fleet.get() as FleetCountsRow, now),

    listDevices({ q, limit, offset }) {
      const pattern = q ? containsPattern(q) : null;
      const rows = search.all({ pattern, limit, offset }) as SummaryRow[];
      const { n } = (pattern === null ? countAll.get() : searchCount.get({ pattern })) as { n: number };
      return { total: n, devices: rows.map(toSummary) };
    },

    deviceSummaries(ids) {
      if (!ids) return (all.all() as SummaryRow[]).map(toSummary);
      return ids.flatMap((id) => {
        const row = oneSummary.get(id) as SummaryRow | undefined;
        return row ? [toSummary(row)] : [];
      });
    },

    deviceDetail(deviceId, eventLimit) {
      const row = one.get(deviceId) as DeviceRow | undefined;
      return row ? toDeviceDetail(row, events.all(deviceId, eventLimit) as EventRow[]) : null;
    },
  };
}
