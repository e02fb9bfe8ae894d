import type { Capability, ProbeConfig, RouteCheck, VpnData, VpnState } from '@lagebild/shared';
import { type Clock, type CollectOptions, type Collector, messageOf, systemClock } from '../collector.js';
import { type RunCommand, realRunCommand } from '../exec.js';
import { realSystemInfo, type SystemInfo } from '../si.js';
import type { SleepDetector } from '../sleep.js';
import { type ResolveHost, RouteChecker } from './route-check.js';
import { routeHosts } from './route-hosts.js';
import { parseHostPort, type TcpConnectResult, tcpConnect } from './tcp-connect.js';
import { detectTunnel, type TunnelInterface } from './vpn-detect.js';
import { osInterfaceSignature, VpnSources } from './vpn-sources.js';
import { VpnStateTracker, type VpnStateTrackerOptions } from './vpn-state.js';
import { VENDOR } from './vpn-vendors.js';

export interface VpnCollectorOptions {
  si?: Pick<SystemInfo, 'networkInterfaces'>;
  now?: Clock;
  /** whose tools and naming rules apply (default: this machine's) */
  platform?: NodeJS.Platform;
  /** runs ip / route / scutil / PowerShell / wg; tests and replays pass recorded outputs */
  run?: RunCommand;
  /** resolves Fachverfahren host names before their routes are checked */
  resolve?: ResolveHost;
  /** "host:port" behind the tunnel; when set and unreachable, an up tunnel counts as degraded */
  checkTarget?: string;
  checkTimeoutMs?: number;
  /** the VPN concentrator to report (host name); otherwise learned from WireGuard or Windows RAS */
  gateway?: string;
  /** the tunnel interface, where its name does not tell (Linux tun0 of Ivanti); it wins over every other */
  interface?: string;
  /** the client's name for the configured interface, or for a tunnel whose client is unknown (macOS utun) */
  vendor?: string;
  /** heartbeat when nothing changed; default 60 s */
  heartbeatMs?: number;
  /** how long route checks are reused (default 60 s; redone at once when the tunnel changes) */
  routeTtlMs?: number;
  connect?: (host: string, port: number, timeoutMs: number) => Promise<TcpConnectResult>;
  /** cheap fingerprint of the interfaces; default: Node's own list when `si` is the real systeminformation */
  interfaceSignature?: () => string;
  /** Fachverfahren probes whose hosts get a route check; the planner updates them with each config */
  probes?: readonly Pick<ProbeConfig, 'kind' | 'target'>[];
  tracker?: VpnStateTrackerOptions;
  /** the agent's sleep detector: a tunnel lost while the lid was closed is no flap */
  sleep?: Pick<SleepDetector, 'check' | 'lastResume'>;
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/**
 * Reports the VPN tunnel: up / degraded / down, client, interface, addresses, since when, flaps, round
 * trip to the check target, the VPN gateway and whether each Fachverfahren host is routed through the
 * tunnel. A change is sent at once, otherwise a heartbeat every minute.
 */
export class VpnCollector implements Collector {
  readonly name = 'vpn';
  private readonly si: Pick<SystemInfo, 'networkInterfaces'>;
  private readonly now: Clock;
  private readonly sources: VpnSources;
  private readonly routeChecker: RouteChecker;
  private readonly tracker: VpnStateTracker;
  private readonly target: { host: string; port: number } | null;
  private readonly checkTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly gateway: string | null;
  private readonly pinned: { iface: string; vendor?: string } | undefined;
  private readonly vendor: string | undefined;
  private readonly connect: NonNullable<VpnCollectorOptions['connect']>;
  private readonly sleep: VpnCollectorOptions['sleep'];
  private hosts: string[] = [];
  private lastSent = Number.NEGATIVE_INFINITY;
  private lastTunnel: string | null = null;
  private lastRoutes: string | undefined;
  private refreshing: Promise<unknown> | null = null;

  constructor(options: VpnCollectorOptions = {}) {
    this.si = options.si ?? realSystemInfo;
    this.now = options.now ?? systemClock;
    const platform = options.platform ?? process.platform;
    const run = options.run ?? realRunCommand;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 3000;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
    this.connect = options.connect ?? tcpConnect;
    this.sleep = options.sleep;
    this.gateway = options.gateway?.trim() || null;
    this.vendor = options.vendor?.trim() || undefined;
    const iface = options.interface?.trim();
    this.pinned = iface ? { iface, ...(this.vendor ? { vendor: this.vendor } : {}) } : undefined;
    this.target = options.checkTarget ? parseHostPort(options.checkTarget) : null;
    if (options.checkTarget && !this.target) {
      throw new Error(`vpn.checkTarget must be "host:port", got "${options.checkTarget}"`);
    }
    const interfaceSignature =
      options.interfaceSignature ?? (this.si === realSystemInfo ? osInterfaceSignature : undefined);
    this.sources = new VpnSources({ si: this.si, platform, run, now: this.now, interfaceSignature });
    this.routeChecker = new RouteChecker({
      platform,
      run,
      now: this.now,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      ...(options.routeTtlMs !== undefined ? { ttlMs: options.routeTtlMs } : {}),
    });
    this.tracker = new VpnStateTracker(options.tracker);
    this.setRouteTargets(options.probes ?? []);
  }

  /** Takes the probe list of the config in force: their hosts get a route check. */
  setRouteTargets(probes: readonly Pick<ProbeConfig, 'kind' | 'target'>[]): void {
    const hosts = routeHosts(probes);
    if (JSON.stringify(hosts) === JSON.stringify(this.hosts)) return;
    this.hosts = hosts;
    this.routeChecker.invalidate();
  }

  async capability(): Promise<Capability> {
    try {
      await this.si.networkInterfaces();
      return { name: 'vpn', available: true };
    } catch (e) {
      return { name: 'vpn', available: false, reason: messageOf(e).slice(0, 512) };
    }
  }

  async collect(options: CollectOptions = {}): Promise<VpnData[]> {
    // judge the state only after a sleep that just ended has been noticed
    this.sleep?.check();
    const reading = await this.sources.read();
    const tunnel = detectTunnel(reading.interfaces, { ...reading.context, pinned: this.pinned });
    if (tunnel && tunnel.vendor === null && this.vendor) tunnel.vendor = this.vendor;
    let state: VpnState = tunnel?.up ? 'up' : 'down';
    let rtt: number | null = null;
    let reachable: boolean | null = null;
    if (state === 'up' && this.target) {
      const r = await this.connect(this.target.host, this.target.port, this.checkTimeoutMs);
      reachable = r.ok;
      if (r.ok) rtt = round(r.connectMs ?? r.totalMs);
      else state = 'degraded';
    }
    const now = this.now();
    const first = this.lastSent === Number.NEGATIVE_INFINITY;
    const step = this.tracker.observe(state, now, this.sleep?.lastResume()?.at);
    const tunnelKey = JSON.stringify([tunnel?.vendor, tunnel?.iface, tunnel?.up ? tunnel.addresses : []]);
    // another client or a new address is news even when the state stays the same
    const otherTunnel = this.lastTunnel !== null && tunnelKey !== this.lastTunnel;
    const change = step.change || otherTunnel;
    this.lastTunnel = tunnelKey;
    // a new tunnel brings new routes; up ↔ degraded leaves the routing table as it was
    if (otherTunnel) this.routeChecker.invalidate();

    const routes = await this.routes(tunnel, first || options.force === true);
    const routesKey = routes && JSON.stringify(routes);
    const routesNews = routesKey !== undefined && routesKey !== this.lastRoutes;
    if (!first && !change && !options.force && !routesNews && now - this.lastSent < this.heartbeatMs) {
      return [];
    }
    this.lastSent = now;
    this.lastRoutes = routesKey;

    const data: VpnData = {
      kind: 'vpn',
      change,
      state,
      vendor: tunnel?.vendor ? clip(tunnel.vendor, 64) : null,
      interface: tunnel ? clip(tunnel.iface, 128) : null,
      addresses: tunnel?.up ? tunnel.addresses.slice(0, 32).map((a) => clip(a, 64)) : [],
      since: step.since,
      changesLastHour: step.changesLastHour,
      gateway: await this.gatewayOf(tunnel, reading.signature),
    };
    if (this.target) {
      data.gatewayRttMs = rtt;
      data.gatewayReachable = reachable;
    }
    if (routes) data.routes = routes;
    return [data];
  }

  private async gatewayOf(tunnel: TunnelInterface | null, signature: string): Promise<string | null> {
    if (this.gateway) return clip(this.gateway, 255);
    if (tunnel?.gateway) return clip(tunnel.gateway, 255);
    if (tunnel?.up && tunnel.vendor === VENDOR.wireguard) {
      const g = await this.sources.wireGuardGateway(tunnel, signature);
      return g ? clip(g, 255) : null;
    }
    return null;
  }

  /**
   * Route checks: the cached ones while fresh. A stale or missing result is looked up in the background
   * so a state change goes out at once; the next poll sends the new routes. Snapshots and "check now"
   * (`wait`) wait for it.
   */
  private async routes(tunnel: TunnelInterface | null, wait: boolean): Promise<RouteCheck[] | undefined> {
    if (this.hosts.length === 0) return undefined;
    const hosts = this.hosts;
    const cached = this.routeChecker.cached(hosts, tunnel);
    if (cached) return cached;
    if (wait) {
      await this.refreshing;
      return this.routeChecker.cached(hosts, tunnel) ?? (await this.routeChecker.check(hosts, tunnel));
    }
    this.refreshing ??= this.routeChecker
      .check(hosts, tunnel)
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = null;
      });
    return undefined;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
