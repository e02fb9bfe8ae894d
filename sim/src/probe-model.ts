import type { ProbeConfig, ProbeData, ProbeErrorClass, ProbePhases, VpnState } from '@lagebild/shared';
import { APP_MEDIAN_MS } from './defaults.js';
import type { Rng } from './prng.js';
import { hash32 } from './prng.js';

/** The conditions one probe run happens under. */
export interface ProbeConditions {
  vpnState: VpnState;
  /** current round trip to the gateway; ignored when the tunnel is down */
  rttMs: number;
  /** this application is slow behind this device's gateway */
  slow: boolean;
}

/** Factor by which the slow application is slower behind the slow gateway. */
export const SLOW_FACTOR = 5;
const BASE_ERROR_RATE = 0.004;
const SLOW_ERROR_RATE = 0.06;
const DEGRADED_ERROR_RATE = 0.03;

/** Median server time of an application: known defaults, else a stable value from its id. */
export function appMedianMs(probeId: string): number {
  return APP_MEDIAN_MS[probeId] ?? 80 + (hash32('median', probeId) % 220);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function hostOf(target: string): string {
  try {
    return new URL(target).hostname;
  } catch {
    return target.split(':')[0] ?? target;
  }
}

/**
 * Cumulative phase milestones as curl reports them (time_namelookup, time_connect, time_appconnect,
 * time_starttransfer, time_total): every phase ends after the one before, so total ≥ ttfb ≥ tls ≥ connect ≥ dns.
 */
function samplePhases(rng: Rng, probe: ProbeConfig, c: ProbeConditions): Required<ProbePhases> {
  const rtt = c.rttMs;
  // the slow path (a congested route from one gateway to one server) stretches everything after DNS
  const f = c.slow ? SLOW_FACTOR : 1;
  // cached names resolve locally; others go through the tunnel to the internal DNS
  const dns = rng.chance(0.3)
    ? rng.logNormal(0.4, 0.3)
    : rtt * rng.logNormal(1, 0.15) + rng.logNormal(1.5, 0.5);
  const connect = dns + f * rtt * rng.logNormal(1, 0.15);
  const tls = connect + f * (2 * rtt * rng.logNormal(1, 0.15) + rng.logNormal(5, 0.4));
  const ttfb = tls + f * (rtt + rng.logNormal(appMedianMs(probe.id), 0.45));
  const total = ttfb + f * (rtt + rng.logNormal(12, 0.6));
  return { dnsMs: dns, connectMs: connect, tlsMs: tls, ttfbMs: ttfb, totalMs: total };
}

type Milestone = Exclude<keyof ProbePhases, 'totalMs'>;

/** The milestones a probe of this kind passes, in order. */
function milestones(kind: ProbeConfig['kind'], https: boolean): Milestone[] {
  if (kind === 'dns') return ['dnsMs'];
  if (kind === 'tcp') return ['dnsMs', 'connectMs'];
  return https ? ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs'] : ['dnsMs', 'connectMs', 'ttfbMs'];
}

/** The reported phases: the given milestones and a total that is never below them. */
function pick(p: Required<ProbePhases>, keys: readonly Milestone[], totalMs: number): ProbePhases {
  const out: Partial<ProbePhases> = {};
  let last = 0;
  for (const key of keys) {
    last = round(p[key]);
    out[key] = last;
  }
  return { ...out, totalMs: Math.max(round(totalMs), last) };
}

/** Picks an error class; slow paths time out or answer 502/504, healthy ones fail rarely and variously. */
function errorClass(rng: Rng, slow: boolean, kind: ProbeConfig['kind'], https: boolean): ProbeErrorClass {
  if (kind === 'dns')
    return rng.weighted<ProbeErrorClass>([
      ['dns', 70],
      ['timeout', 30],
    ]);
  if (kind === 'tcp')
    return rng.weighted<ProbeErrorClass>([
      ['connect', 40],
      ['refused', 40],
      ['timeout', 20],
    ]);
  if (slow)
    return rng.weighted<ProbeErrorClass>([
      ['timeout', 50],
      ['http-status', 45],
      ['connect', 5],
    ]);
  return rng.weighted<ProbeErrorClass>([
    ['http-status', 40],
    ['timeout', 20],
    ['connect', 10],
    ['refused', 10],
    ['dns', 10],
    [https ? 'tls' : 'protocol', 5],
    ['protocol', 5],
  ]);
}

/** One probe result with consistent phases, realistic error classes and the slow-path pattern. */
export function probeResult(
  rng: Rng,
  probe: ProbeConfig,
  c: ProbeConditions,
  certExpiresAt?: number,
): ProbeData {
  const host = hostOf(probe.target);
  const https = probe.kind === 'http' && probe.target.startsWith('https:');
  const base = {
    kind: 'probe' as const,
    probeId: probe.id,
    app: probe.app,
    probeKind: probe.kind,
    target: probe.target,
  };
  // internal names only resolve through the tunnel
  if (c.vpnState === 'down') {
    const dnsMs = round(rng.logNormal(3, 0.5));
    return {
      ...base,
      ok: false,
      errorClass: 'dns',
      errorMessage: `getaddrinfo ENOTFOUND ${host}`,
      phases: { dnsMs, totalMs: dnsMs },
    };
  }
  const p = samplePhases(rng, probe, c);
  const keys = milestones(probe.kind, https);
  const last = keys[keys.length - 1] ?? 'dnsMs';
  const doneAt = probe.kind === 'http' ? p.totalMs : p[last];
  const cert = https && certExpiresAt !== undefined ? { certExpiresAt } : {};
  if (doneAt > probe.timeoutMs) {
    return {
      ...base,
      ok: false,
      errorClass: 'timeout',
      errorMessage: `no response within ${probe.timeoutMs} ms`,
      phases: pick(
        p,
        keys.filter((k) => p[k] <= probe.timeoutMs),
        probe.timeoutMs,
      ),
      ...cert,
    };
  }
  const errorRate = c.slow
    ? SLOW_ERROR_RATE
    : c.vpnState === 'degraded'
      ? DEGRADED_ERROR_RATE
      : BASE_ERROR_RATE;
  if (!rng.chance(errorRate)) {
    const status = probe.kind === 'http' ? { status: 200 } : {};
    return { ...base, ok: true, errorClass: null, ...status, phases: pick(p, keys, doneAt), ...cert };
  }
  const cls = errorClass(rng, c.slow, probe.kind, https);
  return { ...base, ok: false, errorClass: cls, ...failure(rng, cls, probe, p, keys, host), ...cert };
}

function failure(
  rng: Rng,
  cls: ProbeErrorClass,
  probe: ProbeConfig,
  p: Required<ProbePhases>,
  keys: readonly Milestone[],
  host: string,
): Pick<ProbeData, 'errorMessage' | 'status' | 'phases'> {
  /** milestones reached before `phase` failed after `totalMs` */
  const before = (phase: Milestone, totalMs: number) =>
    pick(
      p,
      keys.filter((k) => p[k] < p[phase]),
      totalMs,
    );
  const port = probe.kind === 'tcp' ? (probe.target.split(':')[1] ?? '443') : '443';
  switch (cls) {
    case 'dns':
      return { errorMessage: `getaddrinfo EAI_AGAIN ${host}`, phases: before('dnsMs', p.dnsMs) };
    case 'connect':
      // a dropped SYN only gives up after several retransmissions
      return {
        errorMessage: `connect ETIMEDOUT ${host}:${port}`,
        phases: before('connectMs', p.connectMs * 4),
      };
    case 'refused':
      return {
        errorMessage: `connect ECONNREFUSED ${host}:${port}`,
        phases: before('connectMs', p.connectMs),
      };
    case 'tls':
      return {
        errorMessage: 'Client network socket disconnected before secure TLS connection was established',
        phases: before('tlsMs', p.tlsMs),
      };
    case 'timeout':
      // the last step stalls until the probe gives up
      return {
        errorMessage: `no response within ${probe.timeoutMs} ms`,
        phases: pick(p, keys.slice(0, -1), probe.timeoutMs),
      };
    case 'http-status': {
      const status = rng.weighted([
        [502, 40],
        [503, 35],
        [504, 20],
        [500, 5],
      ]);
      return { errorMessage: `HTTP ${status}`, status, phases: pick(p, keys, p.totalMs) };
    }
    default:
      return { errorMessage: 'socket hang up', phases: before('ttfbMs', p.ttfbMs) };
  }
}
