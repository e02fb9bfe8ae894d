import type { Capability, ConfigFrame, ProbeConfig, ProbeData } from '@lagebild/shared';
import type { ClockOffset } from './clock-offset.js';
import { type Clock, type Collector, messageOf } from './collector.js';
import { HealthCollector } from './collectors/health.js';
import type { HttpProbeTls } from './collectors/http-probe.js';
import { type DeviceGroups, IdentityCollector } from './collectors/identity.js';
import { ProbeCollector } from './collectors/probe.js';
import { type HidLoader, SecurityKeyCollector } from './collectors/security-key.js';
import type { TcpConnectResult } from './collectors/tcp-connect.js';
import { VpnCollector } from './collectors/vpn.js';
import type { LocalConfig } from './config.js';
import type { RunCommand } from './exec.js';
import { DEFAULT_COLLECTOR_TIMEOUT_MS, type ScheduledCollector, withTimeout } from './scheduler.js';
import type { SelfUsage } from './self-usage.js';
import { realSystemInfo, type SystemInfo } from './si.js';
import type { SleepDetector } from './sleep.js';

/** Identity changes rarely (rename, OS update); checking it every ten minutes is plenty. */
export const IDENTITY_INTERVAL_MS = 600_000;
/** Identity reads firmware through WMI/PowerShell on Windows, whose first call can take many seconds. */
export const IDENTITY_TIMEOUT_MS = 30_000;
/** The VPN run may start PowerShell twice on Windows (RAS connections, route lookup of up to 10 s). */
export const VPN_TIMEOUT_MS = 20_000;
/** A probe times itself out; the scheduler cuts it off only this much later, when it hangs regardless. */
export const PROBE_TIMEOUT_MARGIN_MS = 2_000;
/** Default share of the interval a probe run may start late (ProbeConfig.jitter). */
export const DEFAULT_PROBE_JITTER = 0.1;

/** The collectors of one agent; probes are made per probe config. */
export interface CollectorSet {
  identity: Collector;
  /** takes the probe list of each config: the VPN collector checks the route of their hosts */
  vpn: Collector & { setRouteTargets?(probes: readonly ProbeConfig[]): void };
  securityKey: Collector;
  health: Collector;
  probe(config: ProbeConfig): Collector;
}

/**
 * Everything collectors read from the machine. Live on a notebook; wrapped by `snapshot --record`
 * (record.ts) and read back from a `lagebild-raw/1` file by `snapshot --replay` (replay.ts).
 */
export interface RawInputs {
  si: SystemInfo;
  loadHid: HidLoader;
  /** OS tools (route lookups); keyed by `commandKey` in recordings */
  run: RunCommand;
  /** TCP connect used by the VPN gateway / check-address test */
  connect: (host: string, port: number, timeoutMs: number) => Promise<TcpConnectResult>;
  now: Clock;
  platform: NodeJS.Platform;
  /** resolves a Fachverfahren host name for the route check; null when it does not resolve */
  resolve?: (host: string) => Promise<string | null>;
  /** runs a probe instead of the network (replay returns recorded results) */
  probe?: (config: ProbeConfig) => Promise<ProbeData>;
}

export interface CollectorSetOptions extends Partial<RawInputs> {
  vpn?: LocalConfig['vpn'];
  /** site and org unit from the config file, reported with the identity */
  groups?: DeviceGroups;
  /** Fachverfahren probes whose hosts the VPN collector checks the route of (until a config replaces them) */
  probes?: readonly ProbeConfig[];
  tls?: HttpProbeTls;
  /** estimated from welcome/ack round trips; health reports it */
  clockOffset?: ClockOffset;
  /** the agent's own CPU and RSS for health; null leaves them out (replaying another machine's inputs) */
  selfUsage?: SelfUsage | null;
  /** sleep/resume of the notebook, for collectors that must not mistake sleep for an outage */
  sleep?: SleepDetector;
  /** Windows system drive for disk free (default: %SystemDrive%); a replay takes the recorded one */
  systemDrive?: string;
}

/** The collectors of this machine; every raw input not given is the live one. */
export function defaultCollectors(o: CollectorSetOptions = {}): CollectorSet {
  const si = o.si ?? realSystemInfo;
  return {
    identity: new IdentityCollector(si, o.groups),
    vpn: new VpnCollector({
      ...o.vpn,
      si,
      now: o.now,
      platform: o.platform,
      run: o.run,
      resolve: o.resolve,
      connect: o.connect,
      probes: o.probes,
      sleep: o.sleep,
    }),
    securityKey: new SecurityKeyCollector({ loadHid: o.loadHid, now: o.now, si }),
    health: new HealthCollector({
      si,
      platform: o.platform,
      systemDrive: o.systemDrive,
      clockOffsetMs: o.clockOffset ? () => o.clockOffset?.offsetMs() ?? null : undefined,
      selfUsage: o.selfUsage,
    }),
    probe: (config) => new ProbeCollector(config, { tls: o.tls, run: o.probe }),
  };
}

/** How long one run of a built-in collector may take before the scheduler abandons it (probes: theirs + margin). */
export function collectorTimeoutMs(name: string): number {
  if (name === 'identity') return IDENTITY_TIMEOUT_MS;
  if (name === 'vpn') return VPN_TIMEOUT_MS;
  return DEFAULT_COLLECTOR_TIMEOUT_MS;
}

/** Turns a config frame into a schedule; an unchanged probe keeps its collector (and its rhythm). */
export class Planner {
  private probes = new Map<string, { key: string; collector: Collector }>();

  constructor(private readonly set: CollectorSet) {}

  plan(config: ConfigFrame): ScheduledCollector[] {
    const { intervals } = config;
    const next = new Map<string, { key: string; collector: Collector }>();
    for (const p of config.probes) {
      const key = JSON.stringify(p);
      const old = this.probes.get(p.id);
      next.set(p.id, old?.key === key ? old : { key, collector: this.set.probe(p) });
    }
    this.probes = next;
    this.set.vpn.setRouteTargets?.(config.probes);
    return [
      { collector: this.set.identity, intervalMs: IDENTITY_INTERVAL_MS, timeoutMs: IDENTITY_TIMEOUT_MS },
      { collector: this.set.vpn, intervalMs: intervals.vpnSec * 1000, timeoutMs: VPN_TIMEOUT_MS },
      { collector: this.set.securityKey, intervalMs: intervals.securityKeySec * 1000 },
      { collector: this.set.health, intervalMs: intervals.healthSec * 1000 },
      ...config.probes.map((p) => ({
        collector: next.get(p.id)!.collector,
        intervalMs: p.intervalSec * 1000,
        timeoutMs: p.timeoutMs + PROBE_TIMEOUT_MARGIN_MS,
        jitter: p.jitter ?? DEFAULT_PROBE_JITTER,
      })),
    ];
  }
}

/**
 * Capabilities of a set of collectors, one per name; probes are always possible, configured or not.
 * A capability check that throws or hangs counts as unavailable with the reason.
 */
export async function capabilitiesOf(
  collectors: readonly Collector[],
  timeoutMs = DEFAULT_COLLECTOR_TIMEOUT_MS,
): Promise<Capability[]> {
  const all = await Promise.all(
    collectors.map((c) =>
      withTimeout(
        Promise.resolve().then(() => c.capability()),
        timeoutMs,
      ).catch(
        (e: unknown): Capability => ({ name: c.name, available: false, reason: messageOf(e).slice(0, 512) }),
      ),
    ),
  );
  const byName = new Map<string, Capability>(all.map((c) => [c.name, c]));
  if (!byName.has('probes')) byName.set('probes', { name: 'probes', available: true });
  return [...byName.values()];
}
