import type {
  Capability,
  DeviceSummary,
  DeviceVpnState,
  HealthData,
  LatestProbe,
  OsFamily,
  ProbeErrorClass,
  ProbeKind,
  ProbePhases,
  RouteCheck,
  SecurityKey,
} from '@lagebild/shared';

/** A devices row as SQLite returns it. */
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
}

/** A probe_samples row as SQLite returns it. */
export interface SampleRow {
  probe_id: string;
  app: string;
  probe_kind: string;
  target: string;
  ts: number;
  ok: number;
  error_class: string | null;
  status: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  ttfb_ms: number | null;
  total_ms: number;
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}

export function keysOf(row: DeviceRow): SecurityKey[] {
  return parseJson<SecurityKey[]>(row.keys_json, []);
}

/** The summary a device list and the live push show. */
export function toSummary(row: DeviceRow): DeviceSummary {
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

/** Phase timings without the phases that were not measured. */
export function phasesOf(row: SampleRow): ProbePhases {
  const phases: ProbePhases = { totalMs: row.total_ms };
  if (row.dns_ms !== null) phases.dnsMs = row.dns_ms;
  if (row.connect_ms !== null) phases.connectMs = row.connect_ms;
  if (row.tls_ms !== null) phases.tlsMs = row.tls_ms;
  if (row.ttfb_ms !== null) phases.ttfbMs = row.ttfb_ms;
  return phases;
}

export function toLatestProbe(row: SampleRow): LatestProbe {
  return {
    probeId: row.probe_id,
    app: row.app,
    probeKind: row.probe_kind as ProbeKind,
    target: row.target,
    ts: row.ts,
    ok: row.ok === 1,
    errorClass: row.error_class as ProbeErrorClass | null,
    status: row.status,
    phases: phasesOf(row),
  };
}
