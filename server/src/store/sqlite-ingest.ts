import type {
  HealthData,
  IdentityData,
  LiveProbeSample,
  Observation,
  ProbeData,
  SecurityKeyData,
  VpnData,
} from '@lagebild/shared';
import type { Database } from 'better-sqlite3';
import { type DeviceRow, keysOf, toSummary } from './sqlite-rows.js';
import type { IngestResult } from './store.js';

type Stamped<T> = T & { seq: number; ts: number };

/** Why a batch could not be stored; the gateway turns it into LB_ERR_STORE_FAILED. */
export class UnknownDeviceError extends Error {
  constructor(deviceId: string) {
    super(`device ${deviceId} is not enrolled`);
    this.name = 'UnknownDeviceError';
  }
}

/** The event detail of an agent observation; a spool report keeps its counts, e.g. "probe: 120, health: 14". */
function agentDetail(o: { detail?: string; dropped?: Record<string, number> }): string | null {
  const counts = o.dropped
    ? Object.entries(o.dropped)
        .map(([kind, n]) => `${kind}: ${n}`)
        .join(', ')
    : '';
  const parts = [o.detail, counts].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? parts.join('; ').slice(0, 1024) : null;
}

/** Summary fields that make a dashboard row change; last-seen alone is not worth a push. */
function summaryKey(row: DeviceRow): string {
  const { lastSeen: _ignored, ...rest } = toSummary(row);
  return JSON.stringify(rest);
}

function keyNames(data: { keys: { product: string }[] }): string | null {
  return data.keys.length > 0 ? data.keys.map((k) => k.product).join(', ') : null;
}

/**
 * Builds the exactly-once ingest: one transaction per batch; observations whose seq is not above
 * the device's last_seq were stored before (at-least-once delivery) and are skipped.
 */
export function createIngest(db: Database) {
  const selectDevice = db.prepare('SELECT * FROM devices WHERE id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertSample = db.prepare(`INSERT OR IGNORE INTO probe_samples
    (device_id, seq, ts, probe_id, app, probe_kind, target, ok, error_class, error_message, status,
     dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at)
    VALUES (@device_id, @seq, @ts, @probe_id, @app, @probe_kind, @target, @ok, @error_class, @error_message,
     @status, @dns_ms, @connect_ms, @tls_ms, @ttfb_ms, @total_ms, @cert_expires_at)`);
  const updateDevice = db.prepare(`UPDATE devices SET
    hostname = @hostname, serial = @serial, os = @os, os_version = @os_version, os_build = @os_build,
    manufacturer = @manufacturer, model = @model, agent_version = @agent_version,
    last_seen = @last_seen, last_seq = @last_seq,
    vpn_state = @vpn_state, vpn_vendor = @vpn_vendor, vpn_interface = @vpn_interface,
    vpn_gateway = @vpn_gateway, vpn_addresses = @vpn_addresses, vpn_since = @vpn_since,
    vpn_rtt = @vpn_rtt, vpn_changes = @vpn_changes,
    vpn_gateway_reachable = @vpn_gateway_reachable, vpn_routes = @vpn_routes,
    key_available = @key_available, key_present = @key_present, keys_json = @keys_json,
    health_json = @health_json, health_ts = @health_ts, site = @site, org_unit = @org_unit
    WHERE id = @id`);

  const event = (
    id: string,
    ts: number,
    kind: string,
    from: string | null,
    to: string,
    detail: string | null,
  ) => insertEvent.run(id, ts, kind, from, to, detail);

  function applyIdentity(row: DeviceRow, o: Stamped<IdentityData>): void {
    row.hostname = o.hostname;
    row.serial = o.serial;
    row.os = o.os;
    row.os_version = o.osVersion;
    row.os_build = o.osBuild ?? null;
    row.manufacturer = o.manufacturer ?? null;
    row.model = o.model ?? null;
    row.agent_version = o.agentVersion;
    row.site = o.site ?? null;
    row.org_unit = o.orgUnit ?? null;
  }

  function applyVpn(row: DeviceRow, o: Stamped<VpnData>): void {
    if (row.vpn_state !== o.state) {
      const via = [o.vendor, o.gateway].filter((s): s is string => typeof s === 'string' && s !== '');
      event(row.id, o.ts, 'vpn', row.vpn_state, o.state, via.length > 0 ? via.join(' @ ') : null);
    }
    row.vpn_state = o.state;
    row.vpn_vendor = o.vendor;
    row.vpn_interface = o.interface;
    row.vpn_gateway = o.gateway ?? null;
    row.vpn_addresses = JSON.stringify(o.addresses);
    row.vpn_since = o.since;
    row.vpn_rtt = o.gatewayRttMs ?? null;
    row.vpn_changes = o.changesLastHour ?? null;
    row.vpn_gateway_reachable = o.gatewayReachable == null ? null : o.gatewayReachable ? 1 : 0;
    row.vpn_routes = o.routes ? JSON.stringify(o.routes) : null;
  }

  function applySecurityKey(row: DeviceRow, o: Stamped<SecurityKeyData>): void {
    const before = row.key_available === 1 && row.key_present !== null ? row.key_present === 1 : null;
    const after = o.available ? o.present : null;
    // unknown → absent is no news; a key that becomes invisible (HID unavailable) is not "removed"
    if (after !== null && after !== (before ?? false)) {
      const names = after ? keyNames(o) : keyNames({ keys: keysOf(row) });
      event(row.id, o.ts, 'securityKey', null, after ? 'inserted' : 'removed', names);
    }
    row.key_available = o.available ? 1 : 0;
    row.key_present = after === null ? null : after ? 1 : 0;
    row.keys_json = JSON.stringify(o.keys);
  }

  function storeProbe(row: DeviceRow, o: Stamped<ProbeData>, samples: LiveProbeSample[]): void {
    insertSample.run({
      device_id: row.id,
      seq: o.seq,
      ts: o.ts,
      probe_id: o.probeId,
      app: o.app,
      probe_kind: o.probeKind,
      target: o.target,
      ok: o.ok ? 1 : 0,
      error_class: o.errorClass,
      error_message: o.errorMessage ?? null,
      status: o.status ?? null,
      dns_ms: o.phases.dnsMs ?? null,
      connect_ms: o.phases.connectMs ?? null,
      tls_ms: o.phases.tlsMs ?? null,
      ttfb_ms: o.phases.ttfbMs ?? null,
      total_ms: o.phases.totalMs,
      cert_expires_at: o.certExpiresAt ?? null,
    });
    const sample: LiveProbeSample = {
      deviceId: row.id,
      app: o.app,
      ts: o.ts,
      ok: o.ok,
      totalMs: o.phases.totalMs,
    };
    if (!o.ok && o.errorClass) sample.errorClass = o.errorClass;
    samples.push(sample);
  }

  function applyHealth(row: DeviceRow, o: Stamped<HealthData>): void {
    const { seq: _seq, ts, ...data } = o;
    row.health_json = JSON.stringify(data);
    row.health_ts = ts;
  }

  const ingest = db.transaction(
    (deviceId: string, observations: Observation[], receivedAt: number): IngestResult => {
      const row = selectDevice.get(deviceId) as DeviceRow | undefined;
      if (!row) throw new UnknownDeviceError(deviceId);
      const before = summaryKey(row);
      const samples: LiveProbeSample[] = [];
      let stored = 0;
      for (const o of observations) {
        if (o.seq <= row.last_seq) continue;
        switch (o.kind) {
          case 'identity':
            applyIdentity(row, o);
            break;
          case 'vpn':
            applyVpn(row, o);
            break;
          case 'securityKey':
            applySecurityKey(row, o);
            break;
          case 'probe':
            storeProbe(row, o, samples);
            break;
          case 'health':
            applyHealth(row, o);
            break;
          case 'agent':
            event(row.id, o.ts, 'agent', null, o.event, agentDetail(o));
            break;
        }
        row.last_seq = o.seq;
        stored++;
      }
      row.last_seen = Math.max(row.last_seen ?? 0, receivedAt);
      updateDevice.run(row);
      return {
        ackSeq: row.last_seq,
        stored,
        summaryChanged: summaryKey(row) !== before,
        samples,
        groups: { gateway: row.vpn_gateway ?? '', site: row.site ?? '', orgUnit: row.org_unit ?? '' },
      };
    },
  );

  return (deviceId: string, observations: Observation[], receivedAt: number): IngestResult =>
    ingest(deviceId, observations, receivedAt);
}
