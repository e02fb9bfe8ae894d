import type { DeviceDetail, DeviceEvent, DeviceList, DeviceSummary, FleetCounts } from '@lagebild/shared';
import type { Database } from 'better-sqlite3';
import { type DeviceRow, type SampleRow, toDetailFields, toLatestProbe, toSummary } from './sqlite-rows.js';
import type { DeviceQuery } from './store.js';

interface FleetRow {
  devices: number;
  online: number | null;
  up: number | null;
  degraded: number | null;
  down: number | null;
  key_present: number | null;
}

interface EventRow {
  ts: number;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  detail: string | null;
}

/** LIKE pattern for a case-insensitive substring; % and _ in the query match themselves. */
function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Read-side queries: fleet counts, device lists and detail. */
export function createQueries(db: Database) {
  const fleet = db.prepare(`SELECT count(*) AS devices,
      sum(online) AS online,
      sum(vpn_state = 'up') AS up,
      sum(vpn_state = 'degraded') AS degraded,
      sum(vpn_state = 'down') AS down,
      sum(key_available = 1 AND key_present = 1) AS key_present
    FROM devices`);
  // LIKE is case-insensitive for ASCII in SQLite; NOCASE ordering matches the hostname index
  const search = db.prepare(`SELECT * FROM devices
    WHERE @pattern IS NULL OR hostname LIKE @pattern ESCAPE '\\' OR serial LIKE @pattern ESCAPE '\\'
    ORDER BY hostname COLLATE NOCASE, id LIMIT @limit OFFSET @offset`);
  const searchCount = db.prepare(`SELECT count(*) AS n FROM devices
    WHERE @pattern IS NULL OR hostname LIKE @pattern ESCAPE '\\' OR serial LIKE @pattern ESCAPE '\\'`);
  const all = db.prepare('SELECT * FROM devices ORDER BY hostname COLLATE NOCASE, id');
  const one = db.prepare('SELECT * FROM devices WHERE id = ?');
  // SQLite takes the bare columns from the row holding max(ts): the newest measurement of each probe
  const latestProbes = db.prepare(`SELECT probe_id, app, probe_kind, target, max(ts) AS ts, ok, error_class,
      status, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms
    FROM probe_samples WHERE device_id = ? GROUP BY probe_id ORDER BY app, probe_id`);
  const events = db.prepare(`SELECT ts, kind, from_state, to_state, detail FROM events
    WHERE device_id = ? ORDER BY ts DESC, id DESC LIMIT ?`);

  return {
    fleetCounts(now: number): FleetCounts {
      const r = fleet.get() as FleetRow;
      const vpn = { up: r.up ?? 0, degraded: r.degraded ?? 0, down: r.down ?? 0, unknown: 0 };
      vpn.unknown = r.devices - vpn.up - vpn.degraded - vpn.down;
      return {
        devices: r.devices,
        online: r.online ?? 0,
        vpn,
        securityKeyPresent: r.key_present ?? 0,
        at: now,
      };
    },

    listDevices({ q, limit, offset }: DeviceQuery): DeviceList {
      const pattern = q ? containsPattern(q) : null;
      const rows = search.all({ pattern, limit, offset }) as DeviceRow[];
      const { n } = searchCount.get({ pattern }) as { n: number };
      return { total: n, devices: rows.map(toSummary) };
    },

    deviceSummaries(ids?: string[]): DeviceSummary[] {
      if (!ids) return (all.all() as DeviceRow[]).map(toSummary);
      const out: DeviceSummary[] = [];
      for (const id of ids) {
        const row = one.get(id) as DeviceRow | undefined;
        if (row) out.push(toSummary(row));
      }
      return out;
    },

    deviceDetail(deviceId: string, eventLimit: number): DeviceDetail | null {
      const row = one.get(deviceId) as DeviceRow | undefined;
      if (!row) return null;
      const probes = (latestProbes.all(deviceId) as SampleRow[]).map(toLatestProbe);
      const evs: DeviceEvent[] = (events.all(deviceId, eventLimit) as EventRow[]).map((e) => ({
        ts: e.ts,
        kind: e.kind,
        from: e.from_state,
        to: e.to_state,
        detail: e.detail,
      }));
      return { ...toSummary(row), ...toDetailFields(row), probes, events: evs };
    },
  };
}
