import type {
  HealthData,
  IdentityData,
  LatestProbe,
  LiveProbeSample,
  Observation,
  ProbeData,
  ProbePhases,
  SecurityKeyData,
  VpnData,
} from '@lagebild/shared';
import { type DeviceRow, keysOf, parseJson, toSummary } from './device-rows.js';
import type { IngestResult } from './store.js';

// The ingest state machine both engines run: the device row is read, changed in memory by each new
// observation and written back once. Only what else a batch writes (samples, events) and how the row
// is written differ between the engines.

export type Stamped<T> = T & { seq: number; ts: number };

/** Why a batch could not be stored; the gateway turns it into LB_ERR_STORE_FAILED. */
export class UnknownDeviceError extends Error {
  constructor(deviceId: string) {
    super(`device ${deviceId} is not enrolled`);
    this.name = 'UnknownDeviceError';
  }
}

/** The rows a batch adds besides the device row, in the order of the batch. */
export interface IngestWrites {
  event(ts: number, kind: string, from: string | null, to: string, detail: string | null): void;
  sample(o: Stamped<ProbeData>): void;
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

function applyVpn(row: DeviceRow, o: Stamped<VpnData>, out: IngestWrites): void {
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

function applySecurityKey(row: DeviceRow, o: Stamped<SecurityKeyData>, out: IngestWrites): void {
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

function applyHealth(row: DeviceRow, o: Stamped<HealthData>): void {
  const { seq: _seq, ts, ...data } = o;
  row.health_json = JSON.stringify(data);
  row.health_ts = ts;
}

function liveSample(deviceId: string, o: Stamped<ProbeData>): LiveProbeSample {
  const sample: LiveProbeSample = { deviceId, app: o.app, ts: o.ts, ok: o.ok, totalMs: o.phases.totalMs };
  if (!o.ok && o.errorClass) sample.errorClass = o.errorClass;
  return sample;
}

/** The phases that were measured; agents leave out the others. */
function phasesOf(p: ProbePhases): ProbePhases {
  const phases: ProbePhases = { totalMs: p.totalMs };
  if (p.dnsMs != null) phases.dnsMs = p.dnsMs;
  if (p.connectMs != null) phases.connectMs = p.connectMs;
  if (p.tlsMs != null) phases.tlsMs = p.tlsMs;
  if (p.ttfbMs != null) phases.ttfbMs = p.ttfbMs;
  return phases;
}

const byAppAndProbe = (a: LatestProbe, b: LatestProbe) =>
  a.app === b.app ? (a.probeId < b.probeId ? -1 : 1) : a.app < b.app ? -1 : 1;

/**
 * The newest result of each probe as the device row keeps it (raw samples are deleted after two days;
 * a notebook that was away longer must still show what it last measured). A result measured earlier
 * than the one kept (a spooled sample sent late) does not replace it; of two with the same time the
 * later seq wins. The list stays ordered by app and probe id, as the device detail shows it.
 */
class LatestProbes {
  private readonly list: LatestProbe[];
  changed = false;

  constructor(json: string | null) {
    this.list = parseJson<LatestProbe[]>(json, []);
  }

  offer(o: Stamped<ProbeData>): void {
    const i = this.list.findIndex((p) => p.probeId === o.probeId);
    const kept = i >= 0 ? this.list[i] : undefined;
    if (kept && kept.ts > o.ts) return;
    const latest: LatestProbe = {
      probeId: o.probeId,
      app: o.app,
      probeKind: o.probeKind,
      target: o.target,
      ts: o.ts,
      ok: o.ok,
      errorClass: o.errorClass ?? null,
      status: o.status ?? null,
      phases: phasesOf(o.phases),
    };
    if (kept) this.list[i] = latest;
    else this.list.push(latest);
    if (kept?.app !== o.app) this.list.sort(byAppAndProbe);
    this.changed = true;
  }

  json(): string {
    return JSON.stringify(this.list);
  }
}

/**
 * Applies a batch to the device row in memory and hands every sample and event it adds to `out`.
 * Observations whose seq is not above the row's last_seq were stored before (at-least-once delivery)
 * and are skipped: that makes the engine's one transaction per batch exactly-once.
 */
export function applyBatch(
  row: DeviceRow,
  observations: Observation[],
  receivedAt: number,
  out: IngestWrites,
): IngestResult {
  const before = summaryKey(row);
  const samples: LiveProbeSample[] = [];
  let latest: LatestProbes | undefined;
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
        out.sample(o);
        samples.push(liveSample(row.id, o));
        latest ??= new LatestProbes(row.probes_json);
        latest.offer(o);
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
  if (latest?.changed) row.probes_json = latest.json();
  row.last_seen = Math.max(row.last_seen ?? 0, receivedAt);
  return {
    ackSeq: row.last_seq,
    stored,
    summaryChanged: summaryKey(row) !== before,
    samples,
    groups: { gateway: row.vpn_gateway ?? '', site: row.site ?? '', orgUnit: row.org_unit ?? '' },
  };
}
