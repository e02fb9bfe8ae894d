import type {
  HealthData,
  IdentityData,
  ProbeConfig,
  ProbeData,
  SecurityKeyData,
  VpnData,
  VpnState,
} from '@lagebild/shared';
import { SIM_AGENT_VERSION } from './defaults.js';
import type { Rng } from './prng.js';
import { hash32 } from './prng.js';
import { probeResult } from './probe-model.js';
import type { DeviceProfile } from './profile.js';

/** Fleet-wide knobs of the behaviour model. */
export interface BehaviourOptions {
  /** time compression: simulated seconds per real second */
  speed: number;
  /** probe id (or part of the app name, lower case) of the application that is slow... */
  slowApp: string;
  /** ...behind this gateway */
  slowGateway: string;
}

const HOUR = 3600;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * The state of one simulated notebook over time. Pure: no timers, no I/O; the caller passes the
 * real clock, and every random draw comes from the device's own stream, so runs repeat per seed.
 * Events are scheduled as exponential waiting times in simulated time, independent of how often
 * the caller polls.
 */
export class DeviceBehaviour {
  vpnState: VpnState;
  private vpnSince: number;
  private vpnPinned = false;
  private nextVpnChange: number;
  private readonly vpnChanges: number[] = [];
  keyPresent: boolean;
  private nextKeyChange: number;
  private batteryPct: number;
  private onAc: boolean;
  private nextAcChange: number;
  private lastHealthAt: number;
  private readonly startedAt: number;
  private readonly uptimeAtStartSec: number;
  private readonly cpuBase: number;
  private readonly memBase: number;
  private readonly diskFreePct: number;
  private readonly wifiBase: number;

  constructor(
    readonly profile: DeviceProfile,
    private readonly rng: Rng,
    private readonly options: BehaviourOptions,
    now: number,
  ) {
    const c = profile.connectivity;
    this.vpnState = c === 'away' ? 'down' : c === 'poor' && rng.chance(0.6) ? 'degraded' : 'up';
    this.vpnSince = now - rng.int(60, 8 * HOUR) * 1000;
    this.nextVpnChange = now + this.simToRealMs(this.vpnStateDurationSec());
    this.keyPresent = profile.securityKey !== null && rng.chance(0.95);
    this.nextKeyChange = now + this.simToRealMs(this.keyStateDurationSec());
    this.onAc = profile.link === 'ethernet' || rng.chance(0.4);
    this.batteryPct = profile.link === 'ethernet' ? 100 : rng.int(25, 100);
    this.nextAcChange = now + this.simToRealMs(rng.exponential(2 * HOUR));
    this.lastHealthAt = now;
    this.startedAt = now;
    this.uptimeAtStartSec = rng.int(600, 5 * 24 * HOUR);
    this.cpuBase = rng.logNormal(9, 0.4);
    this.memBase = rng.int(40, 75);
    this.diskFreePct = rng.int(18, 80);
    this.wifiBase = rng.int(40, 95);
  }

  private simToRealMs(simSec: number): number {
    return (simSec * 1000) / this.options.speed;
  }

  /** How long the current VPN state lasts (simulated seconds). */
  private vpnStateDurationSec(): number {
    const c = this.profile.connectivity;
    const rng = this.rng;
    if (this.vpnState === 'down') return clamp(rng.logNormal(c === 'away' ? 900 : 25, 0.6), 5, 4 * HOUR);
    if (this.vpnState === 'degraded') return clamp(rng.logNormal(1200, 0.5), 60, 3 * HOUR);
    const meanUp = c === 'flappy' ? HOUR / 2 : c === 'poor' ? 600 : 12 * HOUR;
    return rng.exponential(meanUp);
  }

  private keyStateDurationSec(): number {
    if (!this.profile.securityKey) return Number.POSITIVE_INFINITY;
    // pulled out about every 6 h (lunch, meetings), back after a few minutes
    return this.keyPresent ? this.rng.exponential(6 * HOUR) : clamp(this.rng.logNormal(300, 0.7), 20, HOUR);
  }

  identity(): IdentityData {
    const p = this.profile;
    return {
      kind: 'identity',
      hostname: p.hostname,
      serial: p.serial,
      os: p.os,
      osVersion: p.osVersion,
      osBuild: p.osBuild,
      manufacturer: p.manufacturer,
      model: p.model,
      agentVersion: SIM_AGENT_VERSION,
      site: p.site,
      orgUnit: p.orgUnit,
    };
  }

  private setVpnState(state: VpnState, now: number): void {
    this.vpnState = state;
    this.vpnSince = now;
    this.vpnChanges.push(now);
  }

  /** Advances the tunnel to `now`; returns a change observation when it changed state. */
  advanceVpn(now: number): VpnData | null {
    if (this.vpnPinned || now < this.nextVpnChange) return null;
    const c = this.profile.connectivity;
    const next: VpnState =
      this.vpnState !== 'up' ? 'up' : c === 'poor' && this.rng.chance(0.8) ? 'degraded' : 'down';
    this.setVpnState(next, now);
    this.nextVpnChange = now + this.simToRealMs(this.vpnStateDurationSec());
    return this.vpnReport(now, true);
  }

  /** Forces the tunnel into `state` until released with 'auto'; returns the change, if any. */
  setVpn(state: VpnState | 'auto', now: number): VpnData | null {
    if (state === 'auto') {
      this.vpnPinned = false;
      this.nextVpnChange = now + this.simToRealMs(this.vpnStateDurationSec());
      return null;
    }
    this.vpnPinned = true;
    if (state === this.vpnState) return null;
    this.setVpnState(state, now);
    return this.vpnReport(now, true);
  }

  /** Round trip to the gateway right now; degraded tunnels answer slowly. */
  rttMs(): number {
    if (this.vpnState === 'degraded') return clamp(this.rng.logNormal(650, 0.35), 250, 3000);
    return this.profile.baseRttMs * this.rng.logNormal(1, 0.15);
  }

  vpnReport(now: number, change: boolean): VpnData {
    const p = this.profile;
    const down = this.vpnState === 'down';
    const hourAgo = now - HOUR * 1000;
    while (this.vpnChanges.length > 0 && (this.vpnChanges[0] ?? 0) < hourAgo) this.vpnChanges.shift();
    return {
      kind: 'vpn',
      change,
      state: this.vpnState,
      vendor: p.vpnVendor,
      interface: down ? null : p.vpnInterface,
      addresses: down ? [] : [p.vpnAddress],
      since: Math.round(this.vpnSince),
      gateway: p.gateway,
      gatewayRttMs: down ? null : round1(this.rttMs()),
      changesLastHour: this.vpnChanges.length,
    };
  }

  /** Advances the security key to `now`; returns a change observation on insert or removal. */
  advanceKey(now: number): SecurityKeyData | null {
    if (now < this.nextKeyChange) return null;
    this.keyPresent = !this.keyPresent;
    this.nextKeyChange = now + this.simToRealMs(this.keyStateDurationSec());
    return this.keyReport(true);
  }

  keyReport(change: boolean): SecurityKeyData {
    const key = this.profile.securityKey;
    return {
      kind: 'securityKey',
      change,
      available: true,
      present: this.keyPresent,
      keys: this.keyPresent && key ? [key] : [],
    };
  }

  /** Health numbers; battery drains or charges with simulated time since the last call. */
  health(now: number): HealthData {
    const rng = this.rng;
    const p = this.profile;
    const dtHours = ((now - this.lastHealthAt) / 1000 / HOUR) * this.options.speed;
    this.lastHealthAt = now;
    if (p.link !== 'ethernet' && now >= this.nextAcChange) {
      this.onAc = !this.onAc;
      this.nextAcChange = now + this.simToRealMs(rng.exponential(2 * HOUR));
    }
    this.batteryPct = clamp(this.batteryPct + (this.onAc ? 30 : -12) * dtHours, 3, 100);
    // occasional spikes: updates, virus scans, video calls
    const cpu = rng.chance(0.03) ? rng.int(75, 100) : this.cpuBase * rng.logNormal(1, 0.5);
    return {
      kind: 'health',
      cpuPct: round1(clamp(cpu, 0.5, 100)),
      memPct: round1(clamp(this.memBase + rng.normal() * 4, 5, 99)),
      memTotalMb: p.memTotalMb,
      diskFreePct: this.diskFreePct,
      batteryPct: Math.round(this.batteryPct),
      onAc: this.onAc,
      link: p.link,
      wifiSignalPct: p.link === 'wifi' ? Math.round(clamp(this.wifiBase + rng.normal() * 6, 5, 100)) : null,
      uptimeSec: Math.floor(this.uptimeAtStartSec + ((now - this.startedAt) / 1000) * this.options.speed),
    };
  }

  /** Whether this application is the slow one behind this device's gateway. */
  isSlow(probe: Pick<ProbeConfig, 'id' | 'app'>): boolean {
    const { slowApp, slowGateway } = this.options;
    if (this.profile.gateway !== slowGateway) return false;
    return probe.id === slowApp || probe.app.toLowerCase().includes(slowApp.toLowerCase());
  }

  probe(probe: ProbeConfig, now: number): ProbeData {
    // certificates renew yearly on a day fixed per target, so each expiry is stable until it passes
    const day = 86_400_000;
    const phase = hash32('cert', probe.target) % 365;
    const certExpiresAt = (Math.ceil((now / day - phase) / 365) * 365 + phase) * day;
    return probeResult(
      this.rng,
      probe,
      { vpnState: this.vpnState, rttMs: this.rttMs(), slow: this.isSlow(probe) },
      certExpiresAt,
    );
  }
}
