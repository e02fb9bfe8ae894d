import type { Capability, ConfigFrame, ProbeConfig } from '@lagebild/shared';
import type { Collector } from './collector.js';
import { HealthCollector } from './collectors/health.js';
import type { HttpProbeTls } from './collectors/http-probe.js';
import { IdentityCollector } from './collectors/identity.js';
import { ProbeCollector } from './collectors/probe.js';
import { type HidLoader, SecurityKeyCollector } from './collectors/security-key.js';
import { VpnCollector } from './collectors/vpn.js';
import type { ScheduledCollector } from './scheduler.js';
import { realSystemInfo, type SystemInfo } from './si.js';

/** Identity changes rarely (rename, OS update); checking it every ten minutes is plenty. */
export const IDENTITY_INTERVAL_MS = 600_000;

/** The collectors of one agent; probes are made per probe config. */
export interface CollectorSet {
  identity: Collector;
  vpn: Collector;
  securityKey: Collector;
  health: Collector;
  probe(config: ProbeConfig): Collector;
}

export interface CollectorSetOptions {
  vpn?: { checkTarget?: string; checkTimeoutMs?: number };
  tls?: HttpProbeTls;
  si?: SystemInfo;
  loadHid?: HidLoader;
}

/** The real collectors of this machine. */
export function defaultCollectors(o: CollectorSetOptions = {}): CollectorSet {
  const si = o.si ?? realSystemInfo;
  return {
    identity: new IdentityCollector(si),
    vpn: new VpnCollector({ si, checkTarget: o.vpn?.checkTarget, checkTimeoutMs: o.vpn?.checkTimeoutMs }),
    securityKey: new SecurityKeyCollector({ loadHid: o.loadHid }),
    health: new HealthCollector({ si }),
    probe: (config) => new ProbeCollector(config, { tls: o.tls }),
  };
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
    return [
      { collector: this.set.identity, intervalMs: IDENTITY_INTERVAL_MS },
      { collector: this.set.vpn, intervalMs: intervals.vpnSec * 1000 },
      { collector: this.set.securityKey, intervalMs: intervals.securityKeySec * 1000 },
      { collector: this.set.health, intervalMs: intervals.healthSec * 1000 },
      ...config.probes.map((p) => ({
        collector: next.get(p.id)!.collector,
        intervalMs: p.intervalSec * 1000,
      })),
    ];
  }
}

/** Capabilities of a set of collectors, one per name; probes are always possible, configured or not. */
export async function capabilitiesOf(collectors: readonly Collector[]): Promise<Capability[]> {
  const all = await Promise.all(collectors.map((c) => c.capability()));
  const byName = new Map<string, Capability>(all.map((c) => [c.name, c]));
  if (!byName.has('probes')) byName.set('probes', { name: 'probes', available: true });
  return [...byName.values()];
}
