import type { Database } from 'better-sqlite3';
import type { QueryParts } from './composed-store.js';
import type { DeviceRow, EventRow, FleetCountsRow, SummaryRow } from './device-rows.js';
import { containsPattern, summaryColumns, toDeviceDetail, toFleetCounts, toSummary } from './device-rows.js';

/** Read-side queries: fleet counts, device lists and detail. */
export function createQueries(db: Database): QueryParts {
  const fleet = db.prepare(`SELECT count(*) AS devices,
      sum(online) AS online,
      sum(vpn_state = 'up') AS up,
      sum(vpn_state = 'degraded') AS degraded,
      sum(vpn_state = 'down') AS down,
      sum(key_available = 1 AND key_present = 1) AS key_present
    FROM devices`);
  const summary = summaryColumns();
  // LIKE is case-insensitive for ASCII in SQLite; NOCASE ordering matches the hostname index
  const search = db.prepare(`SELECT ${summary} FROM devices
    WHERE @pattern IS NULL OR hostname LIKE @pattern ESCAPE '\\' OR serial LIKE @pattern ESCAPE '\\'
    ORDER BY hostname COLLATE NOCASE, id LIMIT @limit OFFSET @offset`);
  const searchCount = db.prepare(`SELECT count(*) AS n FROM devices
    WHERE hostname LIKE @pattern ESCAPE '\\' OR serial LIKE @pattern ESCAPE '\\'`);
  // without a condition SQLite counts the entries of the narrowest index, not the wide rows
  const countAll = db.prepare('SELECT count(*) AS n FROM devices');
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
