/** Parsers for the OS tools the VPN collector reads; pure, so recorded outputs test them. */

/** A route in strongSwan's policy routing table (220): the tunnel has no interface of its own. */
export interface PolicyRoute {
  destination: string;
  dev: string | null;
  /** the virtual IP the tunnel assigned */
  src: string | null;
}

/** A VPN service macOS knows (`scutil --nc list`). */
export interface MacVpnService {
  connected: boolean;
  /** e.g. `VPN (com.wireguard.macos)`, `IPSec`, `PPP` */
  type: string;
  name: string;
}

/** A Windows RAS VPN connection (`Get-VpnConnection`): built-in client, Always-On VPN. */
export interface RasConnection {
  name: string;
  serverAddress: string | null;
  tunnelType: string | null;
  connected: boolean;
}

/** Linux link kinds by interface name from `ip -details -json link show` (wireguard, xfrm, tun, veth, ...). */
export function parseLinkKinds(stdout: string): Map<string, string> {
  const kinds = new Map<string, string>();
  let links: unknown;
  try {
    links = JSON.parse(stdout);
  } catch {
    return kinds;
  }
  if (!Array.isArray(links)) return kinds;
  for (const l of links as { ifname?: unknown; linkinfo?: { info_kind?: unknown } }[]) {
    if (typeof l?.ifname === 'string' && typeof l.linkinfo?.info_kind === 'string') {
      kinds.set(l.ifname, l.linkinfo.info_kind);
    }
  }
  return kinds;
}

/** Routes of `ip route show table 220`; strongSwan installs one per tunnelled subnet while the SA is up. */
export function parsePolicyRoutes(stdout: string): PolicyRoute[] {
  const routes: PolicyRoute[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('Error')) continue;
    const words = t.split(/\s+/);
    const after = (key: string) => {
      const i = words.indexOf(key);
      return i >= 0 && i + 1 < words.length ? words[i + 1]! : null;
    };
    // unreachable/prohibit/throw entries carry no traffic
    if (['unreachable', 'prohibit', 'blackhole', 'throw'].includes(words[0]!)) continue;
    routes.push({ destination: words[0]!, dev: after('dev'), src: after('src') });
  }
  return routes;
}

/**
 * `scutil --nc list` lines such as
 * `* (Connected)      5B5C…  VPN (com.wireguard.macos) "Stadt"   [VPN:com.wireguard.macos]`.
 */
export function parseScutilNcList(stdout: string): MacVpnService[] {
  const services: MacVpnService[] = [];
  const line = /^\*?\s*\(([^)]+)\)\s+[0-9A-Fa-f-]{36}\s+(.*?)\s+"([^"]*)"/;
  for (const l of stdout.split('\n')) {
    const m = line.exec(l.trim());
    if (!m) continue;
    services.push({ connected: m[1]!.toLowerCase() === 'connected', type: m[2]!.trim(), name: m[3]! });
  }
  return services;
}

/** The PowerShell JSON of `Get-VpnConnection` (one object or an array). */
export function parseVpnConnections(stdout: string): RasConnection[] {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout.trim() || '[]');
  } catch {
    return [];
  }
  const list = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return list
    .filter((c) => c && typeof c.Name === 'string')
    .map((c) => ({
      name: c.Name as string,
      serverAddress: text(c.ServerAddress),
      tunnelType: text(c.TunnelType),
      connected: text(c.ConnectionStatus)?.toLowerCase() === 'connected',
    }));
}

/** The first peer endpoint host of `wg show <iface> endpoints` (`<key>\t<host>:<port>` lines); null if none. */
export function parseWgEndpoints(stdout: string): string | null {
  for (const line of stdout.split('\n')) {
    const endpoint = line.split('\t')[1]?.trim();
    if (!endpoint || endpoint === '(none)') continue;
    const v6 = /^\[([^\]]+)\]:\d+$/.exec(endpoint);
    if (v6) return v6[1]!;
    return endpoint.replace(/:\d+$/, '');
  }
  return null;
}
