import type {
  AgentEventData,
  HealthData,
  IdentityData,
  Observation,
  ProbeData,
  ProbeErrorClass,
  ProbeKind,
  ProbePhases,
  RouteCheck,
  SecurityKeyData,
  VpnData,
  VpnState,
} from '@lagebild/shared';

type Stamped<T> = T & { seq: number; ts: number };

// Observations as a Windows notebook in a city administration sends them. Every timestamp is fixed
// so both engines see byte-identical input and the expected answers never depend on the clock.

/** Wednesday 15 January 2025, 09:00 UTC: a whole hour, so minute and hour buckets start here. */
export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const GW1 = 'vpn-gw-1.stadt.example';
export const GW2 = 'vpn-gw-2.stadt.example';

export function identity(seq: number, ts: number, o: Partial<IdentityData> = {}): Observation {
  return {
    seq,
    ts,
    kind: 'identity',
    hostname: 'NB-RATHAUS-0001',
    serial: 'PF3XK2AB',
    os: 'windows',
    osVersion: '11',
    osBuild: '22631',
    manufacturer: 'Lenovo',
    model: 'ThinkPad T14 Gen 4',
    agentVersion: '0.3.0',
    ...o,
  };
}

export interface VpnOptions {
  change?: boolean;
  since?: number;
  gateway?: string | null;
  gatewayReachable?: boolean | null;
  routes?: RouteCheck[];
}

/** A tunnel report; `since` defaults to `ts` (a transition), heartbeats pass the original `since`. */
export function vpn(seq: number, ts: number, state: VpnState, o: VpnOptions = {}): Observation {
  const obs: Stamped<VpnData> = {
    seq,
    ts,
    kind: 'vpn',
    change: o.change ?? true,
    state,
    vendor: 'WireGuard',
    interface: 'wg0',
    addresses: ['10.8.0.17'],
    since: o.since ?? ts,
    gateway: o.gateway === undefined ? GW1 : o.gateway,
    gatewayRttMs: 12.5,
    changesLastHour: 1,
  };
  if (o.gatewayReachable !== undefined) obs.gatewayReachable = o.gatewayReachable;
  if (o.routes) obs.routes = o.routes;
  return obs;
}

export const YUBIKEY = {
  vendor: 'Yubico',
  product: 'YubiKey 5 NFC',
  vendorId: 0x1050,
  productId: 0x0407,
  interfaces: ['FIDO', 'CCID'],
};

export function securityKey(seq: number, ts: number, present: boolean, available = true): Observation {
  const obs: Stamped<SecurityKeyData> = {
    seq,
    ts,
    kind: 'securityKey',
    change: true,
    available,
    present: available && present,
    keys: available && present ? [YUBIKEY] : [],
  };
  if (!available) obs.reason = 'node-hid not loadable';
  return obs;
}

export function health(seq: number, ts: number, o: Partial<HealthData> = {}): Observation {
  return {
    seq,
    ts,
    kind: 'health',
    cpuPct: 12.5,
    memPct: 48,
    memTotalMb: 16_384,
    diskFreePct: 61.2,
    batteryPct: 87,
    onAc: false,
    link: 'wifi',
    wifiSignalPct: 70,
    uptimeSec: 3600,
    ...o,
  };
}

export function agentEvent(
  seq: number,
  ts: number,
  event: AgentEventData['event'],
  o: Partial<AgentEventData> = {},
): Observation {
  return { seq, ts, kind: 'agent', event, ...o };
}

/**
 * The Fachverfahren the probes measure: web applications, a file server reached over TCP and the
 * directory service's name resolution.
 */
export const PROBES = {
  standesamt: {
    probeId: 'standesamt',
    app: 'Standesamt',
    probeKind: 'http' as ProbeKind,
    target: 'https://standesamt.stadt.internal/health',
  },
  bauportal: {
    probeId: 'bauportal',
    app: 'Bauportal',
    probeKind: 'http' as ProbeKind,
    target: 'https://bauportal.stadt.internal/',
  },
  fileserver: {
    probeId: 'fileserver',
    app: 'Dateiablage',
    probeKind: 'tcp' as ProbeKind,
    target: 'fs01.stadt.internal:445',
  },
  directory: {
    probeId: 'directory-dns',
    app: 'Verzeichnisdienst',
    probeKind: 'dns' as ProbeKind,
    target: 'ldap.stadt.internal',
  },
} as const;

export type ProbeName = keyof typeof PROBES;

export interface ProbeOptions {
  ok?: boolean;
  errorClass?: ProbeErrorClass | null;
  status?: number;
  phases?: ProbePhases;
}

const tenth = (v: number) => Math.round(v * 10) / 10;

/** Cumulative phase milestones as curl reports them (dns ≤ connect ≤ tls ≤ ttfb ≤ total). */
export function phasesFor(kind: ProbeKind, totalMs: number): ProbePhases {
  if (kind === 'tcp') return { connectMs: totalMs, totalMs };
  if (kind === 'dns') return { dnsMs: totalMs, totalMs };
  return {
    dnsMs: tenth(totalMs * 0.05),
    connectMs: tenth(totalMs * 0.15),
    tlsMs: tenth(totalMs * 0.3),
    ttfbMs: tenth(totalMs * 0.8),
    totalMs,
  };
}

/** One probe run; a failed run carries its error class and the time until it gave up. */
export function probe(
  seq: number,
  ts: number,
  name: ProbeName,
  totalMs: number,
  o: ProbeOptions = {},
): Observation {
  const p = PROBES[name];
  const ok = o.ok ?? true;
  const obs: Stamped<ProbeData> = {
    seq,
    ts,
    kind: 'probe',
    ...p,
    ok,
    errorClass: o.errorClass === undefined ? (ok ? null : 'timeout') : o.errorClass,
    phases: o.phases ?? (ok ? phasesFor(p.probeKind, totalMs) : { totalMs }),
  };
  const status = o.status ?? (p.probeKind === 'http' && ok ? 200 : undefined);
  if (status !== undefined) obs.status = status;
  if (!ok) obs.errorMessage = `${obs.errorClass} after ${totalMs} ms`;
  return obs;
}
