import type { ObservationData } from '@lagebild/shared';
import type { Stamped } from './scheduler.js';

export const PROBES = ['ewo', 'kfz', 'gewerbe', 'sozial', 'bau', 'kasse', 'personal', 'dms'];
const HOSTS = PROBES.map((p) => `${p}.fachverfahren.stadt.local`);

/** A probe result as the agent reports it (HTTPS with all phases). */
export const probe = (id: string, i: number): ObservationData => ({
  kind: 'probe',
  probeId: id,
  app: `Fachverfahren ${id.toUpperCase()}`,
  probeKind: 'http',
  target: `https://${id}.fachverfahren.stadt.local/login`,
  ok: i % 97 !== 0,
  errorClass: i % 97 !== 0 ? null : 'timeout',
  status: 200,
  phases: { dnsMs: 3.1, connectMs: 18.4, tlsMs: 41.7, ttfbMs: 140.2 + (i % 50), totalMs: 212.9 + (i % 50) },
  certExpiresAt: 1_830_000_000_000,
  ipVersion: 4,
});

export const healthSample = (i: number): ObservationData => ({
  kind: 'health',
  cpuPct: 12.5,
  memPct: 61.2,
  memTotalMb: 16384,
  diskFreePct: 40.1,
  batteryPct: 87,
  onAc: true,
  charging: false,
  batteryHealthPct: 91.3,
  link: 'wifi',
  wifiSignalPct: 72,
  wifiSignalDbm: -64,
  linkSpeedMbps: 866.7,
  uptimeSec: i * 60,
  clockOffsetMs: null,
  agentCpuPct: 0.3,
  agentRssMb: 86.2,
});

export const vpn = (change: boolean, state: 'up' | 'down', since: number): ObservationData => ({
  kind: 'vpn',
  change,
  state,
  vendor: 'wireguard',
  interface: state === 'up' ? 'wg0' : null,
  addresses: state === 'up' ? ['10.8.0.3'] : [],
  since,
  gateway: 'vpn.stadt.de',
  gatewayRttMs: state === 'up' ? 14.2 : null,
  gatewayReachable: state === 'up',
  changesLastHour: change ? 1 : 0,
  routes: HOSTS.map((host) => ({
    host,
    viaTunnel: state === 'up',
    interface: state === 'up' ? 'wg0' : 'wlan0',
  })),
});

export const securityKey = (change: boolean, present: boolean): ObservationData => ({
  kind: 'securityKey',
  change,
  available: true,
  present,
  keys: present
    ? [
        {
          vendor: 'Yubico',
          product: 'YubiKey OTP+FIDO+CCID',
          vendorId: 0x1050,
          productId: 0x0407,
          interfaces: ['OTP', 'FIDO', 'CCID'],
          model: 'YubiKey 5 NFC',
          serial: '12345678',
        },
      ]
    : [],
});

/**
 * One minute of an offline notebook at the default intervals: 8 probes, health, VPN and key
 * heartbeats; the tunnel changes every 97 minutes and the key every 173 minutes.
 */
export function minuteOf(minute: number, start: number): Stamped[] {
  const ts = start + minute * 60_000;
  const at = (data: ObservationData, ms = 0): Stamped => ({ ts: ts + ms, data });
  const vpnUp = Math.floor(minute / 97) % 2 === 0;
  const keyIn = Math.floor(minute / 173) % 2 === 0;
  const out = PROBES.map((id, p) => at(probe(id, minute), 1000 + p * 50));
  out.push(at(healthSample(minute), 2000));
  out.push(at(vpn(false, vpnUp ? 'up' : 'down', start), 3000));
  out.push(at(securityKey(false, keyIn), 4000));
  if (minute > 0 && minute % 97 === 0) out.push(at(vpn(true, vpnUp ? 'up' : 'down', ts + 5000), 5000));
  if (minute > 0 && minute % 173 === 0) out.push(at(securityKey(true, keyIn), 6000));
  if (minute > 0 && minute % 1440 === 0)
    out.push(at({ kind: 'agent', event: 'resumed', sleptMs: 3_600_000 }, 7000));
  return out;
}

/** True for observations the spool must never thin. */
export const isStateEvent = (d: { kind: string; change?: boolean }): boolean =>
  d.kind === 'identity' || d.kind === 'agent' || d.change === true;
