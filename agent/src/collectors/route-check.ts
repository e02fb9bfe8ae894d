import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { RouteCheck } from '@lagebild/shared';
import { type Clock, systemClock } from '../collector.js';
import type { RunCommand } from '../exec.js';
import {
  findNetRouteScript,
  parseDarwinRouteGet,
  parseFindNetRoute,
  parseIpRouteGet,
  type RouteLookup,
} from './route-parse.js';
import type { TunnelInterface } from './vpn-detect.js';

/** Resolves a host name to one address; null when it does not resolve. */
export type ResolveHost = (host: string) => Promise<string | null>;

export interface RouteCheckerOptions {
  platform: NodeJS.Platform;
  run: RunCommand;
  resolve?: ResolveHost;
  now?: Clock;
  /** how long a result stays good; routes change rarely (default 60 s) */
  ttlMs?: number;
  /** per OS tool call (default 5 s) */
  timeoutMs?: number;
}

/** The system resolver, as applications use it, with a time limit. */
export function systemResolve(timeoutMs = 2000): ResolveHost {
  return async (host) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), timeoutMs);
    });
    try {
      return await Promise.race([lookup(host).then((a) => a.address), late]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Whether a route leaves through the tunnel: its interface, or for policy-based IPsec its table or virtual IP. */
export function throughTunnel(route: RouteLookup, tunnel: TunnelInterface | null): boolean {
  if (!tunnel?.up) return false;
  if (tunnel.policyTable) {
    return route.table === tunnel.policyTable || (!!route.src && tunnel.addresses.includes(route.src));
  }
  return route.interface.toLowerCase() === tunnel.iface.toLowerCase();
}

/**
 * Finds out, for each Fachverfahren host, whether its traffic goes through the tunnel. Names are
 * resolved first; every OS tool call goes through RunCommand. Results are kept for `ttlMs`.
 */
export class RouteChecker {
  private readonly o: Required<RouteCheckerOptions>;
  private last: { key: string; at: number; routes: RouteCheck[] } | null = null;

  constructor(options: RouteCheckerOptions) {
    this.o = {
      resolve: systemResolve(),
      now: systemClock,
      ttlMs: 60_000,
      timeoutMs: 5000,
      ...options,
    };
  }

  /** The last result if it is fresh and was made for these hosts and this tunnel. */
  cached(hosts: readonly string[], tunnel: TunnelInterface | null): RouteCheck[] | undefined {
    const l = this.last;
    if (!l || l.key !== keyOf(hosts, tunnel) || this.o.now() - l.at >= this.o.ttlMs) return undefined;
    return l.routes;
  }

  /** Forgets the last result (the tunnel changed: routes may have too). */
  invalidate(): void {
    this.last = null;
  }

  /** Looks up every host's route now. */
  async check(hosts: readonly string[], tunnel: TunnelInterface | null): Promise<RouteCheck[]> {
    const addresses = await Promise.all(hosts.map((h) => (isIP(h) ? h : this.o.resolve(h))));
    const unique = [...new Set(addresses.filter((a): a is string => a !== null && isIP(a) !== 0))];
    const found = await this.lookupAll(unique);
    const routes = hosts.map((host, i): RouteCheck => {
      const address = addresses[i];
      const route = address ? found.get(address) : undefined;
      if (!route) return { host, viaTunnel: null, interface: null };
      return { host, viaTunnel: throughTunnel(route, tunnel), interface: route.interface };
    });
    this.last = { key: keyOf(hosts, tunnel), at: this.o.now(), routes };
    return routes;
  }

  private async lookupAll(addresses: string[]): Promise<Map<string, RouteLookup>> {
    const { platform, run, timeoutMs } = this.o;
    if (addresses.length === 0) return new Map();
    if (platform === 'win32') {
      const r = await run(
        'powershell',
        ['-NoProfile', '-NonInteractive', '-Command', findNetRouteScript(addresses)],
        { timeoutMs: timeoutMs * 2 },
      );
      return r.code === 0 ? parseFindNetRoute(r.stdout) : new Map();
    }
    const one = async (a: string): Promise<[string, RouteLookup | null]> => {
      if (platform === 'darwin') {
        // BSD route takes an IPv6 address only with -inet6
        const args = isIP(a) === 6 ? ['-n', 'get', '-inet6', a] : ['-n', 'get', a];
        const r = await run('route', args, { timeoutMs });
        return [a, r.code === 0 ? parseDarwinRouteGet(r.stdout) : null];
      }
      const r = await run('ip', ['route', 'get', a], { timeoutMs });
      return [a, r.code === 0 ? parseIpRouteGet(r.stdout) : null];
    };
    const results = await Promise.all(addresses.map(one));
    return new Map(results.filter((e): e is [string, RouteLookup] => e[1] !== null));
  }
}

function keyOf(hosts: readonly string[], tunnel: TunnelInterface | null): string {
  return JSON.stringify([hosts, tunnel?.iface ?? null, tunnel?.up ?? false, tunnel?.addresses ?? []]);
}
