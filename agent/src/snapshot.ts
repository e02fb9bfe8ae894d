import type {
  AgentEventData,
  Capability,
  HealthData,
  IdentityData,
  ObservationData,
  ProbeConfig,
  ProbeData,
  SecurityKeyData,
  VpnData,
} from '@lagebild/shared';
import { type Collector, messageOf } from './collector.js';
import { loadProbeTls } from './collectors/probe-tls.js';
import type { LocalConfig } from './config.js';
import {
  type CollectorSet,
  type CollectorSetOptions,
  capabilitiesOf,
  collectorTimeoutMs,
  defaultCollectors,
  PROBE_TIMEOUT_MARGIN_MS,
  type RawInputs,
} from './plan.js';
import { DEFAULT_COLLECTOR_TIMEOUT_MS, withTimeout } from './scheduler.js';

/**
 * The collectors of a snapshot, from the given raw inputs (live, recorded or replayed) and the
 * configuration: live, `--record` and `--replay` snapshots are wired alike, so a replay computes what
 * the notebook computed.
 */
export function snapshotCollectors(
  config: Pick<LocalConfig, 'vpn' | 'probes' | 'tls' | 'site' | 'orgUnit'>,
  inputs: Partial<RawInputs> & Pick<CollectorSetOptions, 'systemDrive' | 'selfUsage'> = {},
): CollectorSet {
  const tls = loadProbeTls(config.tls?.caFile);
  return defaultCollectors({
    ...inputs,
    vpn: config.vpn,
    groups: { site: config.site, orgUnit: config.orgUnit },
    probes: config.probes,
    tls,
  });
}

/** One full observation set of this machine, as `lagebild-agent snapshot --json` prints it. */
export interface Snapshot {
  capabilities: Capability[];
  observations: ObservationData[];
}

/**
 * Runs every collector once (probes from the given configs). A collector that throws or gives no
 * result within its timeout shows up as a `collector-failed` observation, as the running agent reports it.
 */
export async function takeSnapshot(
  set: CollectorSet,
  probes: readonly ProbeConfig[] = [],
  onError: (collector: string, e: unknown) => void = () => {},
  /** one timeout for every collector (tests); default: the scheduler's timeout of each */
  timeoutMs?: number,
): Promise<Snapshot> {
  const jobs: { collector: Collector; timeoutMs: number }[] = [
    ...[set.identity, set.vpn, set.securityKey, set.health].map((collector) => ({
      collector,
      timeoutMs: timeoutMs ?? collectorTimeoutMs(collector.name),
    })),
    ...probes.map((p) => ({
      collector: set.probe(p),
      timeoutMs: timeoutMs ?? p.timeoutMs + PROBE_TIMEOUT_MARGIN_MS,
    })),
  ];
  const [capabilities, results] = await Promise.all([
    capabilitiesOf(
      jobs.map((j) => j.collector),
      timeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS,
    ),
    Promise.all(
      jobs.map(({ collector, timeoutMs }) =>
        withTimeout(
          Promise.resolve().then(() => collector.collect({ force: true })),
          timeoutMs,
        ).catch((e: unknown): ObservationData[] => {
          onError(collector.name, e);
          const detail = messageOf(e).slice(0, 512);
          return [
            { kind: 'agent', event: 'collector-failed', collector: collector.name.slice(0, 64), detail },
          ];
        }),
      ),
    ),
  ]);
  return { capabilities, observations: results.flat() };
}

const OS: Record<IdentityData['os'], string> = {
  windows: 'Windows',
  macos: 'macOS',
  linux: 'Linux',
  other: 'anderes OS',
};
const VPN: Record<VpnData['state'], string> = {
  up: 'verbunden',
  degraded: 'eingeschränkt',
  down: 'getrennt',
};
const LINK: Record<HealthData['link'], string> = {
  wifi: 'WLAN',
  ethernet: 'Kabel (Ethernet)',
  mobile: 'Mobilfunk',
  other: 'andere',
  none: 'keine',
};
const num = (v: number) => Math.round(v).toLocaleString('de-DE');

function uptime(sec: number): string {
  if (sec < 7200) return `${num(sec / 60)} min`;
  if (sec < 172_800) return `${num(sec / 3600)} h`;
  return `${num(sec / 86_400)} Tagen`;
}

function identity(d: IdentityData): string {
  const model = [d.manufacturer, d.model].filter(Boolean).join(' ');
  return `Gerät:        ${d.hostname}, Seriennummer ${d.serial || 'unbekannt'}${model ? `, ${model}` : ''}\n              ${OS[d.os]} ${d.osVersion}, Agent ${d.agentVersion}`;
}

function vpn(d: VpnData): string {
  if (d.state === 'down') {
    return `VPN:          getrennt${d.vendor || d.interface ? ` (${d.vendor ?? 'Tunnel'} ${d.interface ?? ''} ohne Verbindung)` : ' (kein Tunnel erkannt)'}`;
  }
  const rtt = d.gatewayRttMs != null ? `, Antwortzeit ${num(d.gatewayRttMs)} ms` : '';
  const why =
    d.state === 'degraded' ? ' – Tunnel steht, aber die Prüfadresse im Stadtnetz antwortet nicht' : '';
  const lines = [
    `VPN:          ${VPN[d.state]}: ${d.vendor ?? 'unbekannter Client'} über ${d.interface} (${d.addresses.join(', ')})${rtt}${why}`,
  ];
  const outside = (d.routes ?? []).filter((r) => r.viaTunnel === false).map((r) => r.host);
  if (outside.length > 0) lines.push(`              nicht durch den Tunnel geleitet: ${outside.join(', ')}`);
  return lines.join('\n');
}

function securityKey(d: SecurityKeyData): string {
  if (!d.available) return `Schlüssel:    nicht prüfbar (${d.reason ?? 'USB-HID nicht verfügbar'})`;
  if (!d.present) return 'Schlüssel:    kein Sicherheitsschlüssel gesteckt';
  return `Schlüssel:    ${d.keys.map((k) => `${k.vendor} ${k.product} (${k.interfaces.join(', ') || '–'})`).join('; ')}`;
}

function health(d: HealthData): string {
  const parts = [
    `CPU ${num(d.cpuPct)} %`,
    `Speicher ${num(d.memPct)} %${d.memTotalMb ? ` von ${num(d.memTotalMb)} MB` : ''}`,
  ];
  if (d.diskFreePct !== undefined) parts.push(`Datenträger ${num(d.diskFreePct)} % frei`);
  const battery = [
    d.onAc ? 'Netzteil' : null,
    d.charging ? 'lädt' : null,
    d.batteryHealthPct != null ? `Zustand ${num(d.batteryHealthPct)} %` : null,
  ].filter(Boolean);
  parts.push(
    d.batteryPct == null
      ? 'kein Akku'
      : `Akku ${num(d.batteryPct)} %${battery.length > 0 ? ` (${battery.join(', ')})` : ''}`,
  );
  const signal = [
    d.wifiSignalPct != null ? `Signal ${num(d.wifiSignalPct)} %` : null,
    d.wifiSignalDbm != null ? `${num(d.wifiSignalDbm)} dBm` : null,
    d.linkSpeedMbps != null ? `${num(d.linkSpeedMbps)} Mbit/s` : null,
  ].filter(Boolean);
  parts.push(`Netz: ${LINK[d.link]}${signal.length > 0 ? ` (${signal.join(', ')})` : ''}`);
  parts.push(`läuft seit ${uptime(d.uptimeSec)}`);
  if (d.clockOffsetMs != null) parts.push(`Uhr weicht ${num(d.clockOffsetMs)} ms vom Server ab`);
  return `Zustand:      ${parts.join(', ')}`;
}

function failed(d: AgentEventData): string {
  return `Messfehler:   ${d.collector ?? 'unbekannt'}: ${d.detail ?? 'ohne Angabe'}`;
}

function probe(d: ProbeData): string {
  const p = d.phases;
  const phases = [
    p.dnsMs !== undefined ? `DNS ${num(p.dnsMs)}` : null,
    p.connectMs !== undefined ? `TCP ${num(p.connectMs)}` : null,
    p.tlsMs !== undefined ? `TLS ${num(p.tlsMs)}` : null,
    p.ttfbMs !== undefined ? `Antwort ${num(p.ttfbMs)}` : null,
  ].filter(Boolean);
  const detail = phases.length > 0 ? ` (${phases.join(', ')} ms)` : '';
  const result = d.ok
    ? `OK in ${num(p.totalMs)} ms${detail}`
    : `FEHLER ${d.errorClass}${d.errorMessage ? `: ${d.errorMessage}` : ''}`;
  return `Verfahren:    ${d.app} (${d.target}): ${result}`;
}

/** A short German summary of a snapshot for people at the console. */
export function formatSnapshot(s: Snapshot): string {
  const lines: string[] = [];
  for (const o of s.observations) {
    if (o.kind === 'identity') lines.push(identity(o));
    else if (o.kind === 'vpn') lines.push(vpn(o));
    else if (o.kind === 'securityKey') lines.push(securityKey(o));
    else if (o.kind === 'health') lines.push(health(o));
    else if (o.kind === 'probe') lines.push(probe(o));
    else if (o.kind === 'agent' && o.event === 'collector-failed') lines.push(failed(o));
  }
  if (!s.observations.some((o) => o.kind === 'probe'))
    lines.push('Verfahren:    keine Prüfungen konfiguriert (--config)');
  return `${lines.join('\n')}\n`;
}
