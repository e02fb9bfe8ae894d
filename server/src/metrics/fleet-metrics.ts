import { Gauge, type Registry } from 'prom-client';
import type { FleetMetrics } from '../store/store.js';
import { groupLabel, OTHER } from './labels.js';

/** Distinct gateways shown; the smallest beyond are summed as OTHER. */
export const MAX_GATEWAYS = 2000;

/**
 * Fleet aggregates from the shared database, read once per scrape: every node reports the same fleet
 * (query them with max(), not sum(), across nodes).
 */
export class FleetGauges {
  private readonly devices: Gauge;
  private readonly online: Gauge;
  private readonly vpn: Gauge<'gateway' | 'state'>;
  private readonly securityKey: Gauge<'state'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.devices = new Gauge({ name: 'lagebild_devices', help: 'Enrolled devices.', registers });
    this.online = new Gauge({
      name: 'lagebild_devices_online',
      help: 'Devices with an agent connected to any node.',
      registers,
    });
    this.vpn = new Gauge({
      name: 'lagebild_vpn_devices',
      help: 'Devices by VPN gateway (none: not reported) and tunnel state.',
      labelNames: ['gateway', 'state'],
      registers,
    });
    this.securityKey = new Gauge({
      name: 'lagebild_security_key_devices',
      help: 'Devices by security key presence (unknown: never reported or not detectable).',
      labelNames: ['state'],
      registers,
    });
  }

  set(f: FleetMetrics): void {
    this.devices.set(f.devices);
    this.online.set(f.online);
    this.vpn.reset();
    const totals = new Map<string, number>();
    for (const v of f.vpn) totals.set(v.gateway, (totals.get(v.gateway) ?? 0) + v.devices);
    const shown = new Set(
      [...totals]
        .sort((a, b) => b[1] - a[1])
        .slice(0, MAX_GATEWAYS)
        .map(([gateway]) => gateway),
    );
    for (const v of f.vpn) {
      const gateway = shown.has(v.gateway) ? groupLabel(v.gateway) : OTHER;
      // inc, not set: '' and a gateway literally named "none" (or the OTHER rest) share a series
      this.vpn.inc({ gateway, state: v.state }, v.devices);
    }
    this.securityKey.set({ state: 'present' }, f.securityKey.present);
    this.securityKey.set({ state: 'absent' }, f.securityKey.absent);
    this.securityKey.set({ state: 'unknown' }, f.securityKey.unknown);
  }
}
