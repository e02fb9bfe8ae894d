import type { Capability, VpnData, VpnState } from '@lagebild/shared';
import { type Clock, type CollectOptions, type Collector, systemClock } from '../collector.js';
import { realSystemInfo, type SystemInfo } from '../si.js';
import { parseHostPort, type TcpConnectResult, tcpConnect } from './tcp-connect.js';
import { detectTunnel } from './vpn-detect.js';

const HOUR_MS = 3_600_000;

export interface VpnCollectorOptions {
  si?: Pick<SystemInfo, 'networkInterfaces'>;
  now?: Clock;
  /** "host:port" behind the tunnel; when set and unreachable, an up tunnel counts as degraded */
  checkTarget?: string;
  checkTimeoutMs?: number;
  /** heartbeat when nothing changed; default 60 s */
  heartbeatMs?: number;
  connect?: (host: string, port: number, timeoutMs: number) => Promise<TcpConnectResult>;
}

/** Reports the VPN tunnel state: a change at once, otherwise a heartbeat every minute. */
export class VpnCollector implements Collector {
  readonly name = 'vpn';
  private readonly si: Pick<SystemInfo, 'networkInterfaces'>;
  private readonly now: Clock;
  private readonly target: { host: string; port: number } | null;
  private readonly checkTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly connect: NonNullable<VpnCollectorOptions['connect']>;
  private state: VpnState | null = null;
  private since = 0;
  private lastSent = Number.NEGATIVE_INFINITY;
  private changes: number[] = [];

  constructor(options: VpnCollectorOptions = {}) {
    this.si = options.si ?? realSystemInfo;
    this.now = options.now ?? systemClock;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 3000;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
    this.connect = options.connect ?? tcpConnect;
    this.target = options.checkTarget ? parseHostPort(options.checkTarget) : null;
    if (options.checkTarget && !this.target) {
      throw new Error(`vpn.checkTarget must be "host:port", got "${options.checkTarget}"`);
    }
  }

  async capability(): Promise<Capability> {
    try {
      await this.si.networkInterfaces();
      return { name: 'vpn', available: true };
    } catch (e) {
      return { name: 'vpn', available: false, reason: (e as Error).message };
    }
  }

  async collect(options: CollectOptions = {}): Promise<VpnData[]> {
    const tunnel = detectTunnel(await this.si.networkInterfaces());
    let state: VpnState = tunnel?.up ? 'up' : 'down';
    let gatewayRttMs: number | null = null;
    if (state === 'up' && this.target) {
      const r = await this.connect(this.target.host, this.target.port, this.checkTimeoutMs);
      if (r.ok) gatewayRttMs = round(r.connectMs ?? r.totalMs);
      else state = 'degraded';
    }
    const now = this.now();
    const first = this.state === null;
    const change = !first && state !== this.state;
    if (first || change) {
      this.state = state;
      this.since = now;
    }
    if (change) this.changes.push(now);
    this.changes = this.changes.filter((t) => now - t < HOUR_MS);
    if (!first && !change && !options.force && now - this.lastSent < this.heartbeatMs) return [];
    this.lastSent = now;
    const data: VpnData = {
      kind: 'vpn',
      change,
      state,
      vendor: tunnel?.vendor ?? null,
      interface: tunnel?.iface ?? null,
      addresses: tunnel?.up ? tunnel.addresses : [],
      since: this.since,
      changesLastHour: this.changes.length,
    };
    if (this.target) data.gatewayRttMs = gatewayRttMs;
    return [data];
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
