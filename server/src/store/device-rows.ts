import type {
  Capability,
  DeviceDetail,
  DeviceEvent,
  DeviceSummary,
  DeviceVpnState,
  FleetCounts,
  HealthData,
  Intervals,
  LatestProbe,
  OsFamily,
  ProbeConfig,
  RouteCheck,
  SecurityKey,
} from '@lagebild/shared';
import type { DeviceAuth, StoredProbeConfig } from './store.js';

// Rows as both engines select them (PostgreSQL casts its booleans to 1/0 and its bigints to numbers,
// see pg/pg-rows.ts) and their mapping to the API's shapes.

/** A devices row. */
export interface DeviceRow {
  id: string;
  hardware_id: string;
  token_hash: string;
  enrolled_at: number;
  hostname: string;
  serial: string;
  os: string | null;
  os_version: string | null;
  os_build: string | null;
  manufacturer: string | null;
  model: string | null;
  agent_version: string | null;
  online: number;
  last_seen: number | null;
  last_seq: number;
  vpn_state: string | null;
  vpn_vendor: string | null;
  vpn_interface: string | null;
  vpn_gateway: string | null;
  vpn_addresses: string | null;
  vpn_since: number | null;
  vpn_rtt: number | null;
  vpn_changes: number | null;
  vpn_gateway_reachable: number | null;
  vpn_routes: string | null;
  key_available: number | null;
  key_present: number | null;
  keys_json: string | null;
  capabilities_json: string | null;
  health_json: string | null;
  health_ts: number | null;
  revoked_at: number | null;
  site: string | null;
  org_unit: string | null;
  num: number;
  /** the newest result of each probe (LatestProbe[] ordered by app, probe id), kept by ingest */
  probes_json: string | null;
}

/** An events row as the device detail reads it. */
export interface EventRow {
  ts: number;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  detail: string | null;
}

/** Fleet counts as one aggregate query returns them (a sum over no rows is null). */
export interface FleetCountsRow {
  devices: number;
  online: number | null;
  up: number | null;
  degraded: number | null;
  down: number | null;
  key_present: number | null;
}

/** The credentials columns of a devices row. */
export interface AuthRow {
  id: string;
  token_hash: string;
  last_seq: number;
}

/** A probe_config row. */
export interface ConfigRow {
  version: number;
  probes_json: string;
  intervals_json: string;
  created_at: number;
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}

/** The devices columns a DeviceSummary shows: lists and the live snapshot read only these. */
const SUMMARY_COLUMNS = [
  'id',
  'hostname',
  'serial',
  'os',
  'os_version',
  'agent_version',
  'online',
  'last_seen',
  'vpn_state',
  'vpn_vendor',
  'vpn_gateway',
  'vpn_since',
  'key_available',
  'key_present',
  'keys_json',
  'site',
  'org_unit',
] as const satisfies readonly (keyof DeviceRow)[];

export type SummaryRow = Pick<DeviceRow, (typeof SUMMARY_COLUMNS)[number]>;

/** The flag columns of a summary, which an engine may store as booleans. */
const SUMMARY_FLAGS: ReadonlySet<string> = new Set(['online', 'key_available', 'key_present']);

/** The select list of a SummaryRow; `flag` turns a flag column into a 1/0 expression named after it. */
export function summaryColumns(flag: (column: string) => string = (c) => c): string {
  return SUMMARY_COLUMNS.map((c) => (SUMMARY_FLAGS.has(c) ? flag(c) : c)).join(', ');
}

export function keysOf(row: Pick<DeviceRow, 'keys_json'>): SecurityKey[] {
  return parseJson<SecurityKey[]>(row.keys_json, []);
}

/** The summary a device list and the live push show. */
export function toSummary(row: SummaryRow): DeviceSummary {
  const keys = keysOf(row);
  const seesKeys = row.key_available === 1;
  return {
    id: row.id,
    hostname: row.hostname,
    serial: row.serial,
    os: row.os as OsFamily | null,
    osVersion: row.os_version,
    agentVersion: row.agent_version,
    online: row.online === 1,
    lastSeen: row.last_seen,
    vpn: {
      state: (row.vpn_state ?? 'unknown') as DeviceVpnState,
      vendor: row.vpn_vendor,
      gateway: row.vpn_gateway,
      since: row.vpn_since,
    },
    securityKey: {
      present: seesKeys && row.key_present !== null ? row.key_present === 1 : null,
      model: seesKeys ? (keys[0]?.product ?? null) : null,
    },
    site: row.site,
    orgUnit: row.org_unit,
  };
}

/** Device fields beyond the summary, as DeviceDetail shows them. */
export function toDetailFields(row: DeviceRow) {
  const health = parseJson<HealthData | null>(row.health_json, null);
  return {
    enrolledAt: row.enrolled_at,
    lastSeq: row.last_seq,
    identity: { manufacturer: row.manufacturer, model: row.model, osBuild: row.os_build },
    vpnDetail: {
      interface: row.vpn_interface,
      addresses: parseJson<string[]>(row.vpn_addresses, []),
      gatewayRttMs: row.vpn_rtt,
      gatewayReachable: row.vpn_gateway_reachable === null ? null : row.vpn_gateway_reachable === 1,
      changesLastHour: row.vpn_changes,
      routes: parseJson<RouteCheck[]>(row.vpn_routes, []),
    },
    securityKeys: keysOf(row),
    capabilities: parseJson<Capability[]>(row.capabilities_json, []),
    health: health && row.health_ts !== null ? { ...health, ts: row.health_ts } : null,
  };
}

const toEvent = (e: EventRow): DeviceEvent => ({
  ts: e.ts,
  kind: e.kind,
  from: e.from_state,
  to: e.to_state,
  detail: e.detail,
});

/** The whole device: its row, the newest probe results kept in it, and its latest events. */
export function toDeviceDetail(row: DeviceRow, events: EventRow[]): DeviceDetail {
  return {
    ...toSummary(row),
    ...toDetailFields(row),
    probes: parseJson<LatestProbe[]>(row.probes_json, []),
    events: events.map(toEvent),
  };
}

export function toFleetCounts(r: FleetCountsRow, now: number): FleetCounts {
  const vpn = { up: r.up ?? 0, degraded: r.degraded ?? 0, down: r.down ?? 0, unknown: 0 };
  vpn.unknown = r.devices - vpn.up - vpn.degraded - vpn.down;
  return { devices: r.devices, online: r.online ?? 0, vpn, securityKeyPresent: r.key_present ?? 0, at: now };
}

/** LIKE pattern for a case-insensitive substring; % and _ in the query match themselves. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const toDeviceAuth = (r: AuthRow): DeviceAuth => ({
  deviceId: r.id,
  tokenHash: r.token_hash,
  lastSeq: r.last_seq,
});

export const toConfig = (r: ConfigRow): StoredProbeConfig => ({
  version: r.version,
  probes: JSON.parse(r.probes_json) as ProbeConfig[],
  intervals: JSON.parse(r.intervals_json) as Intervals,
  updatedAt: r.created_at,
});
