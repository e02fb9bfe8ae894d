import type { Observation } from '@lagebild/shared';
import type { Database } from 'better-sqlite3';
import type { DeviceRow } from './device-rows.js';
import { applyBatch, type IngestWrites, UnknownDeviceError } from './ingest-apply.js';
import type { IngestResult } from './store.js';

/**
 * Builds the exactly-once ingest: one transaction per batch (see applyBatch); samples and events are
 * inserted as the batch is applied, the device row is written once at the end.
 */
export function createIngest(db: Database) {
  const selectDevice = db.prepare('SELECT * FROM devices WHERE id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO events (device_id, ts, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)',
  );
  // positional parameters: binding a fresh object by name for every sample costs measurably more
  const insertSample = db.prepare(`INSERT OR IGNORE INTO probe_samples
    (device_id, seq, ts, probe_id, app, probe_kind, target, ok, error_class, error_message, status,
     dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const updateDevice = db.prepare(`UPDATE devices SET
    hostname = @hostname, serial = @serial, os = @os, os_version = @os_version, os_build = @os_build,
    manufacturer = @manufacturer, model = @model, agent_version = @agent_version,
    last_seen = @last_seen, last_seq = @last_seq,
    vpn_state = @vpn_state, vpn_vendor = @vpn_vendor, vpn_interface = @vpn_interface,
    vpn_gateway = @vpn_gateway, vpn_addresses = @vpn_addresses, vpn_since = @vpn_since,
    vpn_rtt = @vpn_rtt, vpn_changes = @vpn_changes,
    vpn_gateway_reachable = @vpn_gateway_reachable, vpn_routes = @vpn_routes,
    key_available = @key_available, key_present = @key_present, keys_json = @keys_json,
    health_json = @health_json, health_ts = @health_ts, site = @site, org_unit = @org_unit,
    probes_json = @probes_json
    WHERE id = @id`);

  const writes = (deviceId: string): IngestWrites => ({
    event(ts, kind, from, to, detail) {
      insertEvent.run(deviceId, ts, kind, from, to, detail);
    },
    sample(o) {
      const p = o.phases;
      insertSample.run(
        deviceId,
        o.seq,
        o.ts,
        o.probeId,
        o.app,
        o.probeKind,
        o.target,
        o.ok ? 1 : 0,
        o.errorClass,
        o.errorMessage ?? null,
        o.status ?? null,
        p.dnsMs ?? null,
        p.connectMs ?? null,
        p.tlsMs ?? null,
        p.ttfbMs ?? null,
        p.totalMs,
        o.certExpiresAt ?? null,
      );
    },
  });

  const ingest = db.transaction(
    (deviceId: string, observations: Observation[], receivedAt: number): IngestResult => {
      const row = selectDevice.get(deviceId) as DeviceRow | undefined;
      if (!row) throw new UnknownDeviceError(deviceId);
      const result = applyBatch(row, observations, receivedAt, writes(deviceId));
      updateDevice.run(row);
      return result;
    },
  );

  return (deviceId: string, observations: Observation[], receivedAt: number): IngestResult =>
    ingest(deviceId, observations, receivedAt);
}
