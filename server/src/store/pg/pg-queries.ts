import type { DeviceDetail, DeviceList, DeviceSummary, FleetCounts } from '@lagebild/shared';
import type pg from 'pg';
import { type DeviceRow, type SampleRow, toDetailFields, toLatestProbe, toSummary } from '../sqlite-rows.js';
import type { DeviceQuery } from '../store.js';
import { DEVICE_COLUMNS, SAMPLE_COLUMNS } from './pg-rows.js';

interface FleetRow {
  devices: number;
  online: number;
  up: number;
  degraded: number;
  down: number;
  key_present: number;
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

// SQLite compares and orders text by bytes and its LIKE and NOCASE fold ASCII letters only. Under
// the "C" collation PostgreSQL does the same (lower() then leaves Ä alone), whatever the database's
// own collation, so lists come out in the same order from both engines.
const MATCHES = `($1::text IS NULL OR lower(hostname COLLATE "C") LIKE lower($1::text COLLATE "C") ESCAPE '\\'
  OR lower(serial COLLATE "C") LIKE lower($1::text COLLATE "C") ESCAPE '\\')`;
const LIST_ORDER = 'ORDER BY lower(hostname COLLATE "C"), id COLLATE "C"';

/** Read-side queries: fleet counts, device lists and detail. */
export function createQueries(pool: pg.Pool) {
  return {
    async fleetCounts(now: number): Promise<FleetCounts> {
      const { rows } = await pool.query<FleetRow>(`SELECT count(*) AS devices,
          count(*) FILTER (WHERE online) AS online,
          count(*) FILTER (WHERE vpn_state = 'up') AS up,
          count(*) FILTER (WHERE vpn_state = 'degraded') AS degraded,
          count(*) FILTER (WHERE vpn_state = 'down') AS down,
          count(*) FILTER (WHERE key_available AND key_present) AS key_present
        FROM devices`);
      const r = rows[0]!;
      const vpn = { up: r.up, degraded: r.degraded, down: r.down, unknown: 0 };
      vpn.unknown = r.devices - vpn.up - vpn.degraded - vpn.down;
      return { devices: r.devices, online: r.online, vpn, securityKeyPresent: r.key_present, at: now };
    },

    async listDevices({ q, limit, offset }: DeviceQuery): Promise<DeviceList> {
      const pattern = q ? containsPattern(q) : null;
      const [list, count] = await Promise.all([
        pool.query<DeviceRow>(
          `SELECT ${DEVICE_COLUMNS} FROM devices WHERE ${MATCHES} ${LIST_ORDER} LIMIT $2 OFFSET $3`,
          [pattern, limit, offset],
        ),
        pool.query<{ n: number }>(`SELECT count(*) AS n FROM devices WHERE ${MATCHES}`, [pattern]),
      ]);
      return { total: count.rows[0]!.n, devices: list.rows.map(toSummary) };
    },

    async deviceSummaries(ids?: string[]): Promise<DeviceSummary[]> {
      if (!ids) {
        const { rows } = await pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices ${LIST_ORDER}`);
        return rows.map(toSummary);
      }
      const { rows } = await pool.query<DeviceRow>(
        `SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = ANY($1)`,
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const out: DeviceSummary[] = [];
      // in the order asked for, unknown ids left out
      for (const id of ids) {
        const row = byId.get(id);
        if (row) out.push(toSummary(row));
      }
      return out;
    },

    async deviceDetail(deviceId: string, eventLimit: number): Promise<DeviceDetail | null> {
      const [device, probes, events] = await Promise.all([
        pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [deviceId]),
        // the newest measurement of each probe
        pool.query<SampleRow>(
          `SELECT * FROM (
             SELECT DISTINCT ON (probe_id) ${SAMPLE_COLUMNS} FROM probe_samples WHERE device_id = $1
             ORDER BY probe_id, ts DESC, id DESC
           ) latest ORDER BY app COLLATE "C", probe_id COLLATE "C"`,
          [deviceId],
        ),
        pool.query<EventRow>(
          `SELECT ts, kind, from_state, to_state, detail FROM events
           WHERE device_id = $1 ORDER BY ts DESC, id DESC LIMIT $2`,
          [deviceId, eventLimit],
        ),
      ]);
      const row = device.rows[0];
      if (!row) return null;
      return {
        ...toSummary(row),
        ...toDetailFields(row),
        probes: probes.rows.map(toLatestProbe),
        events: events.rows.map((e) => ({
          ts: e.ts,
          kind: e.kind,
          from: e.from_state,
          to: e.to_state,
          detail: e.detail,
        })),
      };
    },
  };
}
