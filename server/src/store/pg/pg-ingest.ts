import type {
  HealthData,
  IdentityData,
  LiveProbeSample,
  Observation,
  ProbeData,
  SecurityKeyData,
  VpnData,
} from '@lagebild/shared';
import type pg from 'pg';
import { UnknownDeviceError } from '../sqlite-ingest.js';
import { type DeviceRow, keysOf, toSummary } from '../sqlite-rows.js';
import type { IngestResult } from '../store.js';
import { LOCK } from './pg-db.js';
import { DEVICE_COLUMNS, toBool } from './pg-rows.js';

// The same state machine as sqlite-ingest.ts (the device row is read, changed in memory by each
// observation and written back once); only the writes differ: every sample and event of the batch
// goes to the database in one statement together with the device row.

type Stamped<T> = T & { seq: number; ts: number };

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

/** Column arrays of the rows one batch inserts (unnest() turns them back into rows). */
class BatchRows {
  readonly samples = {
    seq: [] as number[],
    ts: [] as number[],
    probeId: [] as string[],
    app: [] as string[],
    probeKind: [] as string[],
    target: [] as string[],
    ok: [] as boolean[],
    errorClass: [] as (string | null)[],
    errorMessage: [] as (string | null)[],
    status: [] as (number | null)[],
    dns: [] as (number | null)[],
    connect: [] as (number | null)[],
    tls: [] as (number | null)[],
    ttfb: [] as (number | null)[],
    total: [] as number[],
    certExpiresAt: [] as (number | null)[],
  };
  readonly events = {
    ts: [] as number[],
    kind: [] as string[],
    from: [] as (string | null)[],
    to: [] as string[],
    detail: [] as (string | null)[],
  };

  event(ts: number, kind: string, from: string | null, to: string, detail: string | null): void {
    const e = this.events;
    e.ts.push(ts);
    e.kind.push(kind);
    e.from.push(from);
    e.to.push(to);
    e.detail.push(detail);
  }

  sample(o: Stamped<ProbeData>): void {
    const s = this.samples;
    s.seq.push(o.seq);
    s.ts.push(o.ts);
    s.probeId.push(o.probeId);
    s.app.push(o.app);
    s.probeKind.push(o.probeKind);
    s.target.push(o.target);
    s.ok.push(o.ok);
    s.errorClass.push(o.errorClass);
    s.errorMessage.push(o.errorMessage ?? null);
    s.status.push(o.status ?? null);
    s.dns.push(o.phases.dnsMs ?? null);
    s.connect.push(o.phases.connectMs ?? null);
    s.tls.push(o.phases.tlsMs ?? null);
    s.ttfb.push(o.phases.ttfbMs ?? null);
    s.total.push(o.phases.totalMs);
    s.certExpiresAt.push(o.certExpiresAt ?? null);
  }
}

// WITH ORDINALITY … ORDER BY keeps the batch's order in the ids (events with equal ts are shown by id).
const WRITE_BATCH = `WITH s AS (
    INSERT INTO probe_samples (device_id, seq, ts, probe_id, app, probe_kind, target, ok, error_class,
      error_message, status, dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at)
    SELECT $1, u.seq, u.ts, u.probe_id, u.app, u.probe_kind, u.target, u.ok, u.error_class, u.error_message,
      u.status, u.dns_ms, u.connect_ms, u.tls_ms, u.ttfb_ms, u.total_ms, u.cert_expires_at
    FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[],
      $9::text[], $10::text[], $11::integer[], $12::float8[], $13::float8[], $14::float8[], $15::float8[],
      $16::float8[], $17::bigint[])
      WITH ORDINALITY AS u(seq, ts, probe_id, app, probe_kind, target, ok, error_class, error_message, status,
        dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, cert_expires_at, n)
    ORDER BY u.n
  ), e AS (
    INSERT INTO events (device_id, ts, kind, from_state, to_state, detail)
    SELECT $1, v.ts, v.kind, v.from_state, v.to_state, v.detail
    FROM unnest($18::bigint[], $19::text[], $20::text[], $21::text[], $22::text[])
      WITH ORDINALITY AS v(ts, kind, from_state, to_state, detail, n)
    ORDER BY v.n
  )
  UPDATE devices SET
    hostname = $23, serial = $24, os = $25, os_version = $26, os_build = $27, manufacturer = $28, model = $29,
    agent_version = $30, last_seen = $31, last_seq = $32, vpn_state = $33, vpn_vendor = $34,
    vpn_interface = $35, vpn_gateway = $36, vpn_addresses = $37, vpn_since = $38, vpn_rtt = $39,
    vpn_changes = $40, vpn_gateway_reachable = $41, vpn_routes = $42, key_available = $43,
    key_present = $44, keys_json = $45, health_json = $46, health_ts = $47, site = $48, org_unit = $49
  WHERE id = $1`;

/**
 * The exactly-once ingest: one transaction per batch. The device row is locked first (FOR UPDATE), so
 * two connections of one agent (a reconnect racing the old socket) are stored one after the other and
 * the second skips what the first stored: observations whose seq is not above last_seq.
 *
 * The transaction holds the rollup horizon lock shared while its sample ids are taken: the rollup job
 * takes it exclusively to read max(id), and then every id up to that max is committed (sequence ids
 * can commit out of order, and a fold past an uncommitted id would skip that sample for good).
 */
export function createIngest(pool: pg.Pool, ns: number) {
  const begin = `BEGIN; SELECT pg_advisory_xact_lock_shared(${ns}, ${LOCK.horizon})`;

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

  function applyVpn(row: DeviceRow, o: Stamped<VpnData>, out: BatchRows): void {
    if (row.vpn_state !== o.state) {
      const via = [o.vendor, o.gateway].filter((s): s is string => typeof s === 'string' && s !== '');
      out.event(o.ts, 'vpn', row.vpn_state, o.state, via.length > 0 ? via.join(' @ ') : null);
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

  function applySecurityKey(row: DeviceRow, o: Stamped<SecurityKeyData>, out: BatchRows): void {
    const before = row.key_available === 1 && row.key_present !== null ? row.key_present === 1 : null;
    const after = o.available ? o.present : null;
    // unknown → absent is no news; a key that becomes invisible (HID unavailable) is not "removed"
    if (after !== null && after !== (before ?? false)) {
      const names = after ? keyNames(o) : keyNames({ keys: keysOf(row) });
      out.event(o.ts, 'securityKey', null, after ? 'inserted' : 'removed', names);
    }
    row.key_available = o.available ? 1 : 0;
    row.key_present = after === null ? null : after ? 1 : 0;
    row.keys_json = JSON.stringify(o.keys);
  }

  function storeProbe(row: DeviceRow, o: Stamped<ProbeData>, out: BatchRows, live: LiveProbeSample[]): void {
    out.sample(o);
    const sample: LiveProbeSample = {
      deviceId: row.id,
      app: o.app,
      ts: o.ts,
      ok: o.ok,
      totalMs: o.phases.totalMs,
    };
    if (!o.ok && o.errorClass) sample.errorClass = o.errorClass;
    live.push(sample);
  }

  function applyHealth(row: DeviceRow, o: Stamped<HealthData>): void {
    const { seq: _seq, ts, ...data } = o;
    row.health_json = JSON.stringify(data);
    row.health_ts = ts;
  }

  function writeParams(row: DeviceRow, out: BatchRows): unknown[] {
    const s = out.samples;
    const e = out.events;
    return [
      row.id,
      s.seq,
      s.ts,
      s.probeId,
      s.app,
      s.probeKind,
      s.target,
      s.ok,
      s.errorClass,
      s.errorMessage,
      s.status,
      s.dns,
      s.connect,
      s.tls,
      s.ttfb,
      s.total,
      s.certExpiresAt,
      e.ts,
      e.kind,
      e.from,
      e.to,
      e.detail,
      row.hostname,
      row.serial,
      row.os,
      row.os_version,
      row.os_build,
      row.manufacturer,
      row.model,
      row.agent_version,
      row.last_seen,
      row.last_seq,
      row.vpn_state,
      row.vpn_vendor,
      row.vpn_interface,
      row.vpn_gateway,
      row.vpn_addresses,
      row.vpn_since,
      row.vpn_rtt,
      row.vpn_changes,
      toBool(row.vpn_gateway_reachable),
      row.vpn_routes,
      toBool(row.key_available),
      toBool(row.key_present),
      row.keys_json,
      row.health_json,
      row.health_ts,
      row.site,
      row.org_unit,
    ];
  }

  return async function ingest(
    deviceId: string,
    observations: Observation[],
    receivedAt: number,
  ): Promise<IngestResult> {
    const c = await pool.connect();
    try {
      await c.query(begin);
      const { rows } = await c.query<DeviceRow>({
        name: 'lb_ingest_device',
        text: `SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1 FOR UPDATE`,
        values: [deviceId],
      });
      const row = rows[0];
      if (!row) throw new UnknownDeviceError(deviceId);
      const before = summaryKey(row);
      const out = new BatchRows();
      const samples: LiveProbeSample[] = [];
      let stored = 0;
      for (const o of observations) {
        if (o.seq <= row.last_seq) continue;
        switch (o.kind) {
          case 'identity':
            applyIdentity(row, o);
            break;
          case 'vpn':
            applyVpn(row, o, out);
            break;
          case 'securityKey':
            applySecurityKey(row, o, out);
            break;
          case 'probe':
            storeProbe(row, o, out, samples);
            break;
          case 'health':
            applyHealth(row, o);
            break;
          case 'agent':
            out.event(o.ts, 'agent', null, o.event, agentDetail(o));
            break;
        }
        row.last_seq = o.seq;
        stored++;
      }
      row.last_seen = Math.max(row.last_seen ?? 0, receivedAt);
      await c.query({ name: 'lb_ingest_write', text: WRITE_BATCH, values: writeParams(row, out) });
      await c.query('COMMIT');
      c.release();
      return {
        ackSeq: row.last_seq,
        stored,
        summaryChanged: summaryKey(row) !== before,
        samples,
        groups: { gateway: row.vpn_gateway ?? '', site: row.site ?? '', orgUnit: row.org_unit ?? '' },
      };
    } catch (e) {
      await c.query('ROLLBACK').then(
        () => c.release(),
        () => c.release(true),
      );
      throw e;
    }
  };
}
